"""Engine results → Discord messages and embeds that always fit Discord's limits.

Split along what it renders; every public name is also importable from `bot.render`:
- `text`: `dlen` (UTF-16 length), `escape` / `unescape` / `inline` / `quote`, `clip`,
  `split_text` (lines → words → characters, with "…" markers), `para_ref` (¶ ranges, from
  `bot.refs`).
- `pages`: Discord's limits, `Page` (its `send_kwargs()` / `edit_kwargs()` carry
  `allowed_mentions=NO_MENTIONS`), `page_problems` (every limit a page breaks; tests use
  it), the one `Packer`, `build_pages` (a titled description and fields over as many embeds
  and messages as needed), `text_pages`.
- `digest`: `digest_pages`, `article_label`, `article_list_page`.
- `discussion`: `Quoted`, `quote_pages`, `answer_groups`, `answer_pages`, `not_covered_text`,
  `summary_pages`, `facts_pages`, `search_pages`.
"""

from .digest import IN_TLDR, ListedArticle, article_label, article_list_page, digest_pages
from .discussion import (
    SNIPPET_LIMIT,
    HitLike,
    Quoted,
    answer_groups,
    answer_pages,
    facts_pages,
    not_covered_text,
    quote_pages,
    quote_title,
    search_pages,
    summary_pages,
)
from .pages import (
    AUTHOR_LIMIT,
    COLOR,
    CONT,
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_COUNT_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    NO_MENTIONS,
    TITLE_LIMIT,
    Packer,
    Page,
    build_pages,
    embed_length,
    page_problems,
    text_pages,
)
from .text import ELLIPSIS, clip, dlen, escape, inline, para_ref, quote, split_text, unescape

__all__ = [
    "AUTHOR_LIMIT",
    "COLOR",
    "CONT",
    "CONTENT_LIMIT",
    "DESCRIPTION_LIMIT",
    "ELLIPSIS",
    "EMBED_COUNT_LIMIT",
    "EMBED_TOTAL_LIMIT",
    "FIELD_COUNT_LIMIT",
    "FIELD_NAME_LIMIT",
    "FIELD_VALUE_LIMIT",
    "FOOTER_LIMIT",
    "IN_TLDR",
    "NO_MENTIONS",
    "SNIPPET_LIMIT",
    "TITLE_LIMIT",
    "HitLike",
    "ListedArticle",
    "Packer",
    "Page",
    "Quoted",
    "answer_groups",
    "answer_pages",
    "article_label",
    "article_list_page",
    "build_pages",
    "clip",
    "digest_pages",
    "dlen",
    "embed_length",
    "escape",
    "facts_pages",
    "inline",
    "not_covered_text",
    "page_problems",
    "para_ref",
    "quote",
    "quote_pages",
    "quote_title",
    "search_pages",
    "split_text",
    "summary_pages",
    "text_pages",
    "unescape",
]
