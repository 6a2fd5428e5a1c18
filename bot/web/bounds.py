"""A linear-time pass that bounds what an HTML page can make the parser and the extractor do.

lxml's parser and trafilatura are fast on pages people write, but some shapes cost them far
more than linear time (measured with libxml2 2.14 and trafilatura 2.3): the parser compares
each attribute of a tag with every earlier one (a `<p>` with 45,000 attributes took 39 s);
XPath `//p//text()`, which trafilatura evaluates on every candidate frame, merges its node sets
in quadratic time (40,000 text nodes under `<p>` elements: 2.5 s per evaluation); a paragraph
of thousands of inline elements costs worse than that (5,000 links in one `<p>`: 1.5 s, 10,000:
13 s); and every element costs some 50 µs however small it is.

`bound_html` passes a page through unchanged unless it crosses one of these limits, and then
changes only what lies past the limit:

- **Attributes**: a tag keeps its first `MAX_ATTRIBUTES` (real pages stay under 20).
- **Runs of inline tags**: past `MAX_INLINE_RUN` inline tags in a row, with no other tag
  between them, further ones are dropped, their text kept. trafilatura strips such tags
  anyway, leaving thousands of adjacent text nodes that lxml joins again at every read of the
  element's text (a syntax-highlighted 3.9 MB source listing: 31 s to extract, 0.3 s so).
- **Line breaks in a `<pre>`**: past `MAX_INLINE_RUN`, a `<br>` becomes the newline it means
  there (trafilatura adds the text after each one to the block's text: quadratic).
- **Text nodes under paragraphs**: a `<p>` counts one, an inline element inside one counts
  two (its text and what follows it). Past the page's budget (`text_node_budget`: 8,000, or
  one per 48 bytes of a big page, at most 32,000) inline tags inside paragraphs are dropped,
  their text kept, and further `<p>` tags become spaces.
- **Tags**: past the page's budget of tags (`tag_budget`: 32,000 start and end tags, or one per
  16 bytes of a big page, at most 300,000) the rest of the page is reduced to its text: tags
  and comments dropped, scripts and styles dropped with their content.

The budgets are above what real pages use: of 11,239 real pages measured (829 MB of
documentation, up to 4.4 MB, 107,000 elements and 24,000 text nodes under paragraphs), 408
change, all syntax-highlighted code listings: past 1,000 highlighting spans in a row they lose
the spans, not the text (so trafilatura no longer drops their code comments as comment boxes).
What
the pass reads of the HTML syntax follows the HTML standard's tokenizer (quoted attribute
values, comments, raw-text elements such as `<script>`); a page it misreads is only ever
misread past a limit, where it changes things at all.
"""

from __future__ import annotations

import re

__all__ = ["MAX_ATTRIBUTES", "MAX_INLINE_RUN", "bound_html", "tag_budget", "text_node_budget"]

MAX_ATTRIBUTES = 64
MAX_INLINE_RUN = 1_000

# The start of a token: a comment, a start or end tag (group 2: "/" or "", 3: the name), or a
# bogus comment / doctype / processing instruction ("<!...>", "<?...>").
_OPEN = re.compile(r"<(?:(!--)|(/?)([A-Za-z][^\t\n\f\r />]*+)|[!?])")
# The rest of a tag after its name, up to and including its ">": names, white space and stray
# quotes, or "=" and a value (quoted values may hold ">"). Possessive, so linear.
_TAG_REST = re.compile(r"""(?:[^>=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))*+>?""")
# One attribute inside a tag (group 1: its name).
_ATTRIBUTE = re.compile(
    r"""[\t\n\f\r /]*+([^\t\n\f\r />][^\t\n\f\r />=]*+)"""
    r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))?"""
)
# Elements whose content is text up to their end tag (the tokenizer's RAWTEXT and RCDATA).
_RAW = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"})
_RAW_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW}
# Everything past the tag budget: what is not text (elements whose content is not text go
# whole). One pass with a string replacement, so C speed however many tags there are.
_NOT_TEXT = re.compile(
    r"""<(script|style|iframe|noembed|noframes)(?![^\t\n\f\r />])"""
    r"""(?:[^>=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))*+>?"""
    r"""(?:[^<]++|<(?!/\1[\t\n\f\r />]))*+(?:</\1[^>]*+>?)?"""
    r"""|<!--(?:[^-]++|-(?!->))*+(?:-->)?"""
    r"""|</?[A-Za-z](?:[^>=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))*+>?"""
    r"""|<[!?][^>]*+>?""",
    re.IGNORECASE,
)
# Inline (phrasing) elements: inside a paragraph each splits its text into more text nodes.
_INLINE_NAMES = """a abbr acronym b bdi bdo big blink cite code data del dfn em font i ins kbd
label mark nobr q rp rt ruby s samp small span strike strong sub sup time tt u var wbr"""
_INLINE = frozenset(_INLINE_NAMES.split())
# What a dropped tag leaves behind: a space for a paragraph, a newline for a line break.
_VOID = frozenset({"br", "wbr"})
_DROPPED = {"p": " ", "br": "\n"}
# Start tags that close an open paragraph (the HTML standard's list, and the list items).
_CLOSES_P_NAMES = """address article aside blockquote center details dialog dir div dl dd dt
fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li listing main menu
nav ol p plaintext pre search section summary table ul xmp"""
_CLOSES_P = frozenset(_CLOSES_P_NAMES.split())


def text_node_budget(size: int) -> int:
    """Text nodes under paragraphs a page of `size` characters may have."""
    return min(32_000, max(8_000, size // 48))


def tag_budget(size: int) -> int:
    """Tags (start and end) a page of `size` characters may have."""
    return min(300_000, max(32_000, size // 16))


def _capped(tag: str, name_end: int) -> str:
    """`tag` (from "<" to ">") with its first MAX_ATTRIBUTES attributes only."""
    pos = name_end
    for _ in range(MAX_ATTRIBUTES):
        m = _ATTRIBUTE.match(tag, pos)
        if m is None or m.end() == pos:
            return tag
        pos = m.end()
    if _ATTRIBUTE.match(tag, pos) is None:
        return tag
    return tag[:pos] + (">" if tag.endswith(">") else "")


class _Pass:
    """One page through the bounds; `run` returns it, bounded."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.out: list[str] = []
        self.copied = 0  # html[:copied] is accounted for in `out`
        self.in_p = False
        self.in_row = 0  # inline tags in a row (no other tag between them)
        self.in_pre = False
        self.pre_breaks = 0  # line breaks in the open <pre>
        self.text_nodes = 0
        self.text_budget = text_node_budget(len(html))
        self.dropped: dict[str, int] = {}  # start tags dropped and not yet closed, by name

    def replace(self, start: int, end: int, text: str) -> None:
        self.out.append(self.html[self.copied : start])
        self.out.append(text)
        self.copied = end

    def start_tag(self, name: str) -> bool:
        """Account for a start tag; False when it is over a budget (and is to be dropped)."""
        if name == "br":
            if not self.in_pre:
                return True
            self.pre_breaks += 1
            return self.pre_breaks <= MAX_INLINE_RUN
        if name not in _INLINE:
            self.in_row = 0
        elif self.in_row >= MAX_INLINE_RUN:
            return False
        else:
            self.in_row += 1
        if name == "pre":
            self.in_pre, self.pre_breaks = True, 0
        if name in _CLOSES_P:
            self.in_p = False
        if name == "p":
            if self.text_nodes >= self.text_budget:
                return False
            self.in_p = True
            self.text_nodes += 1
        elif name in _INLINE and self.in_p:
            if self.text_nodes >= self.text_budget:
                return False
            self.text_nodes += 2
        return True

    def drop(self, name: str, start: int, end: int) -> None:
        if name not in _VOID:
            self.dropped[name] = self.dropped.get(name, 0) + 1
        self.replace(start, end, _DROPPED.get(name, ""))

    def end_tag(self, name: str, start: int, end: int) -> None:
        if self.dropped.get(name):
            self.dropped[name] -= 1
            self.replace(start, end, _DROPPED.get(name, ""))
            return
        if name not in _INLINE:
            self.in_row = 0
            self.in_p = False
            self.in_pre = self.in_pre and name != "pre"

    def run(self) -> str:
        html, n = self.html, len(self.html)
        tags_left = tag_budget(n)
        pos = 0
        while True:
            m = _OPEN.search(html, pos)
            if m is None:
                break
            start = m.start()
            tags_left -= 1
            if tags_left < 0:  # the rest of the page: its text only
                self.replace(start, n, _NOT_TEXT.sub(" ", html[start:]))
                break
            if m.group(1):  # a comment ("<!-->" and "<!--->" are whole, empty ones)
                close = html.find("-->", start + 2)
                pos = n if close < 0 else close + 3
                continue
            if m.group(3) is None:  # <!doctype ...>, <?...>: up to the next ">"
                close = html.find(">", m.end())
                pos = n if close < 0 else close + 1
                continue
            name = m.group(3).lower()
            rest = _TAG_REST.match(html, m.end())
            end = rest.end() if rest else m.end()  # (the pattern always matches)
            pos = end
            if m.group(2):
                self.end_tag(name, start, end)
                continue
            if not self.start_tag(name):
                self.drop(name, start, end)
            elif end - start > 2 * MAX_ATTRIBUTES:
                capped = _capped(html[start:end], m.end() - start)
                if len(capped) < end - start:
                    self.replace(start, end, capped)
            if name in _RAW:
                close_m = _RAW_END[name].search(html, end)
                pos = n if close_m is None else close_m.start()
        if not self.out:
            return html
        self.out.append(html[self.copied :])
        return "".join(self.out)


def bound_html(html: str) -> str:
    """`html` within the limits above: the page itself when it is within them all."""
    if "<" not in html:
        return html
    return _Pass(html).run()
