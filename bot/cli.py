"""The engine offline: `python -m bot digest SOURCE` and `python -m bot ask SOURCE "question"`.

SOURCE is a path, a URL or - (stdin). A path may be text, Markdown or an HTML file (HTML
goes through the web extractor, as an attachment would in Discord); a URL is fetched with the
bot's SSRF-safe fetcher, with the bot's settings (`FETCH_ALLOW_HOSTS` and the other fetch
settings, from the environment or a `.env` file: `bot.config.load_settings`; no token needed).

`digest` prints what the bot would reply with: the title, a TL;DR, a summary of each section
with its paragraph numbers (¶) and the key facts with theirs; `--json` prints `Digest.to_dict()`
instead. `ask` prints the paragraphs that answer the question, quoted whole with their numbers
and the sentence that best answers, or says that the article does not cover it.

Bad input (a missing or unreadable file, binary data, text that is not UTF-8, an empty text)
ends with exit status 2 and one line on stderr; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .article import Article, Digest, Passage, analyze, find_passages, language_name, parse
from .refs import para_ref, sentence_paragraphs, sentence_ref

__all__ = ["InputError", "main", "read_source"]

MAX_BYTES = 20 * 1024 * 1024
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
EXIT_INPUT = 2
EXIT_INTERNAL = 70


class InputError(Exception):
    """The input cannot be read as an article; the message is one line for the user."""


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: too large ({len(data)} bytes; the limit is {MAX_BYTES})")
    if b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise InputError(f"{name}: no text in it")
    return text


def read_source(arg: str) -> tuple[str, str | None]:
    """The text of `arg` ("-" for stdin, a URL, else a file path) and its title if the source
    has one.

    Plain text files and stdin have no title of their own (None): `parse` then takes one from
    the text when the text marks it. A web page or an HTML file gives the extracted article
    (Markdown with its headings) and the page's title. Raises `InputError` with a one-line
    message for bad input.
    """
    from .config import load_settings
    from .errors import ConfigError
    from .web import FetchError, extract_text, fetch_url_sync, looks_like_url

    if arg == "-":
        return _decode(sys.stdin.buffer.read(), "stdin"), None
    if looks_like_url(arg):
        try:
            settings = load_settings(create_dirs=False)  # FETCH_* from the environment or .env
        except ConfigError as exc:
            raise InputError("; ".join(exc.problems)) from None
        try:
            page = fetch_url_sync(arg.strip().strip("<>"), settings.fetch_settings())
        except (FetchError, ValueError) as exc:
            raise InputError(f"{arg}: {exc}") from None
        return page.text, page.title
    path = Path(arg)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{arg}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{arg}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{arg}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{arg}: cannot read it ({exc.strerror or exc})") from None
    if path.suffix.lower() in HTML_SUFFIXES:
        if len(data) > MAX_BYTES:
            raise InputError(f"{arg}: too large ({len(data)} bytes; the limit is {MAX_BYTES})")
        try:
            page = extract_text(data, "text/html", filename=path.name)
        except FetchError as exc:
            raise InputError(f"{arg}: {exc}") from None
        return page.text, page.title
    return _decode(data, arg), None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def render_digest(article: Article, digest: Digest, out: TextIO) -> None:
    """The digest as a person reads it."""
    title = digest.title or "(untitled)"
    out.write(f"{title}\n{'=' * min(len(title), 80)}\n")
    counts = [_count(digest.paragraph_count, "paragraph"), _count(digest.section_count, "section")]
    if digest.language:
        counts.append(language_name(digest.language))
    out.write(", ".join(counts) + "\n")
    if digest.summary.tldr:
        out.write("\nTL;DR\n")
        summary = digest.summary
        paragraphs = [(p.number, p.text) for p in article.paragraphs]
        numbers = sentence_paragraphs(summary.tldr, summary.tldr_paragraphs, paragraphs)
        for sentence, number in zip(summary.tldr, numbers, strict=True):
            out.write(f"  • {sentence}{sentence_ref(number)}\n")
    if digest.summary.sections:
        out.write("\nSections\n")
        for section in digest.summary.sections:
            label = para_ref(section.paragraphs)
            out.write(f"  {section.heading} ({label})\n" if section.heading else f"  {label}\n")
            if section.sentences == digest.summary.tldr and len(digest.summary.sections) == 1:
                out.write("    (as the TL;DR)\n")
                continue
            for sentence in section.sentences:
                out.write(f"    • {sentence}\n")
    if digest.facts:
        out.write("\nKey facts\n")
        for fact in digest.facts:
            out.write(f"  • {fact.text}{sentence_ref(fact.paragraph)}\n")


def render_answer(question: str, passages: Sequence[Passage], out: TextIO) -> None:
    if not passages:
        out.write(f"Not covered: the article does not answer {question.strip()!r}.\n")
        return
    for i, p in enumerate(passages):
        if i:
            out.write("\n")
        out.write(f"¶{p.paragraph}: {p.text}\n")
        if p.sentence and p.sentence != p.text:
            out.write(f"  → {p.sentence}\n")


SOURCE_HELP = "a text, Markdown or HTML file, an http(s) URL, or - for stdin"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Use the article engine offline."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    digest = sub.add_parser("digest", help="print an article's digest")
    digest.add_argument("source", help=SOURCE_HELP)
    digest.add_argument("--json", action="store_true", help="print JSON (Digest.to_dict())")
    digest.add_argument("--sentences", type=int, default=3, help="TL;DR sentences (default 3)")
    digest.add_argument("--facts", type=int, default=5, help="key facts (default 5)")
    ask = sub.add_parser("ask", help="quote the paragraphs that answer a question")
    ask.add_argument("source", help=SOURCE_HELP)
    ask.add_argument("question")
    ask.add_argument("-k", type=int, default=3, help="paragraphs to quote at most (default 3)")
    ask.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _run(args: argparse.Namespace, out: TextIO) -> int:
    text, title = read_source(args.source)
    article = parse(text, title=title)
    if not article.paragraphs:
        raise InputError(f"{args.source}: no article text in it (only headings or page furniture)")
    if args.command == "digest":
        digest = analyze(article, max_sentences=max(args.sentences, 0), facts=max(args.facts, 0))
        if args.json:
            out.write(json.dumps(digest.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            render_digest(article, digest, out)
        return 0
    if not args.question.strip():
        raise InputError("the question is empty")
    passages = find_passages(article, args.question, k=max(args.k, 1))
    if args.json:
        rows = [
            {"paragraph": p.paragraph, "text": p.text, "sentence": p.sentence, "score": p.score}
            for p in passages
        ]
        out.write(json.dumps({"question": args.question, "passages": rows}, ensure_ascii=False))
        out.write("\n")
    else:
        render_answer(args.question, passages, out)
    return 0


def main(argv: list[str]) -> int:
    """Run `digest` or `ask` (argv[0]); returns the exit status."""
    args = _parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        status = _run(args, sys.stdout)
        sys.stdout.flush()
        return status
    except InputError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # the reader went away (`| head`): not an error worth a message
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the promise is one line, never a traceback
        detail = " ".join(str(exc).split())
        print(f"{args.command}: internal error: {type(exc).__name__}: {detail}", file=sys.stderr)
        return EXIT_INTERNAL
