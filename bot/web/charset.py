"""Bytes to text for web pages and uploaded files: media type and character set.

The character set comes from, in order: a byte-order mark; the ``charset=`` of the
Content-Type header; for HTML a ``<meta charset>`` / ``<meta http-equiv>`` (or an XML
declaration) in the first 4 KB; strict UTF-8; detection by charset-normalizer. Labels are
read as browsers read them (WHATWG): ``iso-8859-1``/``ascii`` mean Windows-1252,
``shift_jis`` means Windows-31J (cp932), ``gb2312``/``gbk`` mean GB18030, so that curly
quotes, euros and Japanese text never come out as mojibake.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
# Types a server may send for anything: decide from the bytes.
UNSPECIFIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

_FILE_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}

# WHATWG Encoding Standard labels whose Python codec differs from the label's plain meaning.
_LABEL_GROUPS = {
    "cp1252": "ascii us-ascii ansi_x3.4-1968 iso-8859-1 iso8859-1 iso_8859-1 latin1 latin-1 l1"
    " cp819 ibm819 iso-ir-100 csisolatin1 windows-1252 x-cp1252 cp1252",
    "cp932": "shift_jis shift-jis sjis x-sjis ms_kanji csshiftjis windows-31j ms932 cp932",
    "gb18030": "gb2312 gbk x-gbk chinese csgb2312 gb_2312-80 gb18030",
    "cp949": "euc-kr ks_c_5601-1987 windows-949 cseuckr korean",
    "cp1254": "iso-8859-9 latin5 l5 windows-1254",
    "cp874": "tis-620 iso-8859-11 windows-874",
    "big5hkscs": "big5 big5-hkscs cn-big5 x-x-big5",
}
_LABELS = {label: codec for codec, labels in _LABEL_GROUPS.items() for label in labels.split()}
# Codecs that are not a page encoding even though Python can decode with them.
_REFUSED_CODECS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE | re.DOTALL
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""")
# Leading comments, each ending at its first "-->" (atomic: a greedy group of lazy comments
# tried every way to split a run of them, 2^n steps for n comments), then an HTML tag.
_HTML_SNIFF = re.compile(
    rb"^\s*+(?:(?><!--.*?-->)\s*+)*+"
    rb"<(!doctype\s+html|html|head|body|title|meta|p|div|h1|article)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class ContentType:
    """A parsed Content-Type header: ``mime`` in lower case, ``charset`` as given, or None."""

    mime: str
    charset: str | None = None

    @classmethod
    def parse(cls, header: str | None) -> ContentType:
        if not header:
            return cls("")
        mime, _, params = header.partition(";")
        charset = None
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip("\"'") or None
        return cls(mime.strip().lower(), charset)

    @property
    def kind(self) -> str | None:
        """The kind of article body: ``html``, ``text``, ``markdown``, or None."""
        if self.mime in HTML_TYPES:
            return "html"
        if self.mime in MARKDOWN_TYPES:
            return "markdown"
        if self.mime in TEXT_TYPES:
            return "text"
        return None


def content_type_for_filename(filename: str) -> str | None:
    """``"text/html"`` for ``page.html`` etc.; None for extensions the extractor doesn't read."""
    dot = filename.rfind(".")
    return _FILE_TYPES.get(filename[dot:].lower()) if dot >= 0 else None


def sniff_kind(data: bytes) -> str | None:
    """``html`` or ``text`` from the first bytes of a body with no useful Content-Type."""
    head = data[:1024]
    for bom, _ in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if head.startswith(b"%PDF") or head.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8", b"PK")):
        return None
    if _HTML_SNIFF.match(head):
        return "html"
    if b"\x00" in head and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    return "text"


def codec_for_label(label: str | None) -> str | None:
    """The Python codec for an encoding label from a header or a page, or None if unusable."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in _LABELS:
        return _LABELS[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    if info.name in _REFUSED_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _try(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def meta_charset(data: bytes) -> str | None:
    """The label of ``<meta charset>``, ``<meta http-equiv … charset=>`` or ``<?xml encoding>``."""
    head = data[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def decode(data: bytes, *, charset: str | None = None, html: bool = False) -> tuple[str, str]:
    """Decode a body; returns ``(text, codec used)``. Never raises on bad bytes.

    `charset` is the header's ``charset=`` parameter; `html` enables the ``<meta>`` lookup.
    Bytes that are valid UTF-8 and not plain ASCII are read as UTF-8 whatever an 8-bit label
    says: servers often send a default ``iso-8859-1`` for UTF-8 pages, while real Windows-1252
    or Shift-JIS text is practically never valid UTF-8.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    declared = codec_for_label(charset)
    if declared is None or not declared.startswith(("utf-16", "utf-32")):
        as_utf8 = _try(data, "utf-8")
        if as_utf8 is not None and not data.isascii():
            return as_utf8, "utf-8"
    candidates: list[str | None] = [declared]
    if html:
        meta = codec_for_label(meta_charset(data))
        if meta is not None and meta.startswith(("utf-16", "utf-32")):
            meta = "utf-8"  # a page readable as ASCII to find this label is not UTF-16
        candidates.append(meta)
    candidates.append("utf-8")
    for candidate in candidates:
        text = _try(data, candidate)
        if text is not None and candidate is not None:
            return text, candidate
    guess = charset_normalizer.from_bytes(data[:200_000]).best()
    detected = codec_for_label(guess.encoding) if guess is not None else None
    if detected is not None:
        return data.decode(detected, errors="replace"), detected
    fallback = declared or "cp1252"
    return data.decode(fallback, errors="replace"), fallback
