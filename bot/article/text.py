"""Sentence splitting and word tokens shared by the engine.

`split_sentences` cuts a paragraph into sentences that are verbatim slices of it. It is a
single regular-expression pass plus a few look-ups per candidate boundary, so it costs well
under a millisecond for a news article, and it is linear in the text whatever the text: the
pattern never backtracks (possessive, and matched only from the first mark of a run), and each
candidate looks only at the word before it, the space and word after it and the first few
characters of its sentence, never at the whole sentence so far. Rules, in order:

- A boundary is a run of `.`, `!`, `?` or `…` (with any closing quotes or brackets after it)
  followed by white space, then a capital letter, a digit, an opening quote or bracket, or any
  character outside the Latin script. A lower-case continuation ("recovery... much patchier",
  `"Why?" he asked`) never starts a sentence. Spaced leftovers (". ." or " ...") join the
  sentence they end. `。！？` end a sentence without needing a space.
- A lone period after a known abbreviation does not end the sentence: titles (Mr., Dr.,
  Sen.) and initials (J.) never do; "e.g." and "i.e." never do; "No."/"Jan."/"p." do not
  before a number; dotted acronyms (U.S., a.m.) and company words (Inc., Ltd., etc.) end a
  sentence only when the next word usually opens one ("the U.S. The ..." splits, "U.S.
  Attorney" does not).
- A list marker ("1.", "iv.", "a.") at the start of a sentence is not a sentence by itself, and
  a line that starts with a bullet or a number marker starts a new sentence.
- Decimals and money ($5.5 billion) never split: a boundary needs white space after it.

A "sentence" longer than 600 characters is a run-on (scraped captions without stops, lists
without punctuation): it is cut into pieces at the last clause break (`;`, `:`, a dash, a comma)
or else the last space in the second half of each 600 characters.

Each sentence is stripped, and a leading bullet or wire-service dateline ("(CNN) -- ",
"Washington (CNN)") is left out of it, so what remains is still a slice of the paragraph.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "words"]

# A candidate end of sentence: terminal punctuation, spaced leftovers, closing quotes/brackets.
#
# Linear time: a run of marks is matched only from its first mark (the look-behinds), and the
# possessive quantifiers never hand back a mark, a space or a quote (what follows each of them
# could not start with one anyway, so the matches are the same as with greedy ones).
_CLOSERS = "\"'”’»“›)]」』）"  # closing quotes and brackets that may follow an end mark
_CJK_CLOSERS = "\"'”’»)]」』）"  # after 。: no “ (it opens a quotation in CJK text)
_CJK_STOPS = "。！？｡．"  # ideographic end marks: no space needed after them
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Marks that end a sentence before white space, in every language: . ! ? … and the Devanagari
# danda, the Arabic question mark and the Urdu full stop; some languages add their own
# (Greek ";" is a question mark, Armenian "։", Ethiopic "።", Burmese "။").
_MARKS = ".!?…।॥؟۔"
_EXTRA_MARKS = {"el": ";\u037e", "hy": "։", "am": "።", "my": "။"}


def _boundary_pattern(marks: str) -> re.Pattern[str]:
    m = re.escape(marks)
    return re.compile(
        rf"""(?<![{m}])[{m}]++(?:[ \t]++[.…]++(?![\w.]))*[{re.escape(_CLOSERS)}]*+"""
        r"""(?:[ \u00a0\u202f]++[»›](?=\s))?+(?=\s)"""
        rf"""|[{_CJK_STOPS}]+[{re.escape(_CJK_CLOSERS)}]*"""
        rf"""|(?<![!?])[!?]++(?=[{_CJK}])"""
        r"""|\n(?=[ \t]*(?:[-*•·▪‣◦–]|\d{1,2}[.)])[ \t])"""
    )


_BOUNDARY = _boundary_pattern(_MARKS)
_BOUNDARIES = {lang: _boundary_pattern(_MARKS + extra) for lang, extra in _EXTRA_MARKS.items()}
_SPACE = re.compile(r"\s+")
# Longer "sentences" are run-ons (captions without stops, lists without punctuation): they are
# cut at the last clause break, else the last space, in their second half.
MAX_SENTENCE = 600
_RUN_ON_CUTS = ("; ", ": ", " — ", " – ", " - ", ", ", " ")
_OPENERS_CHARS = "\"'“‘«([{„‚‹「『（《¿¡"

# Leading matter a sentence does not need: bullets, number markers, wire-service datelines
# (looked for in the first _LEAD_MAX characters only, so cutting a run-on stays linear).
_LEAD = re.compile(
    r"""(?:[-*•·▪‣◦–—][ \t]+|\d{1,2}[.)][ \t]+"""
    r"""|(?:[A-Z][\w.'’-]*+(?:[ ,]++[A-Z][\w.'’-]*+){0,4}[ \t]*)?"""
    r"""\((?:CNN|AP|Reuters|AFP|UPI|Bloomberg|CNN Money|EW\.com)\)[ \t]*(?:--|—|–|-)?[ \t]*"""
    r"""|\([A-Z][\w .&'’-]{1,40}\)(?=[A-Z"“]))"""
)

_LEAD_MAX = 200


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_TITLES = _set(
    "mr mrs ms mx dr prof sen rep gov gen col lt sgt capt cmdr adm rev hon messrs mme mlle fr "
    "pres supt det insp maj cpl pvt brig gens reps sens atty st mt ft"
)
_NEVER = _set("e.g i.e cf viz vs v approx ca al")
_BEFORE_NUMBER = _set(
    "no nos vol vols p pp fig figs art arts ch sec para ref eq op "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_SOFT = _set("inc ltd co corp llc plc bros dept univ assn est jr sr esq etc ph.d")
# Words that usually open a sentence: after "U.S." or "Inc." they mean a new sentence began.
_OPENERS = _set(
    """the a an this that these those there here he she it they we i you his her its their our
    my your but and or so yet in on at as for from by with after before when while if although
    though however meanwhile instead also still then now today yesterday last next some many
    most all both each no not one two three what who why how where which according despite
    during since until under over other another more such even only just mr mrs ms"""
)
# Other languages' abbreviations that never end a sentence before a capitalised word (titles,
# "z. B.", "т. е.", "p. ex."): lower case, without their final period. A capitalised German
# noun, a name after "M." or "Sr.", follows them; after other abbreviations a lower-case word
# does, which never starts a sentence anyway.
_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": _set(
        "z b d h u a bzw usw vgl ggf evtl inkl ca nr dr prof hr fr st jh jhd mio mrd bd s "
        "sog str tel abs abb bsp gem insb"
    ),
    "fr": _set("m mm mme mmes mlle dr pr me mgr st ste p ex av apr env cf etc réf éd"),
    "es": _set("sr sra srta sres dr dra d dña ud uds vd vds lic ing p ej etc pág núm aprox ee uu"),
    "it": _set("sig sigg sig.ra dott dr prof ing avv on ecc pag es"),
    "pt": _set("sr sra srs dr dra prof eng pág etc ex"),
    "nl": _set("dhr mevr mr dr prof ir ing bijv o a enz d w z ca nr"),
    "ro": _set("dl dna dr prof ing etc nr pag str"),
    "ru": _set("т е д п г гг др им ул стр см н э до млн млрд тыс руб проф акад им тов гр пр кв"),
    "uk": _set("т д п р рр ім вул див млн млрд тис грн проф акад"),
    "tr": _set("dr prof doç av vb vs yrd sn bkz"),
    "el": _set("κ κα π χ δηλ κλπ μ αι"),
    "pl": _set("dr prof inż mgr np tj itd itp ok ul al"),
    "cs": _set("dr prof ing mgr např tj atd apod ul"),
    "sv": _set("dr prof t ex bl a m m osv dvs ca"),
    "da": _set("dr prof f eks bl a m m osv dvs ca"),
    "no": _set("dr prof f eks bl a m m osv dvs ca"),
    "vi": _set("tp ts ths gs pgs"),
}
# Languages that write ordinal numbers with a period ("am 3. Oktober"): a number of up to three
# digits before a period does not end the sentence.
_ORDINAL_PERIOD = _set("de da no fi is tr cs sk pl hu sl hr sr bs et lv")
_MARKER = re.compile(r"^[(\[]?(?:\d{1,3}|[ivxlc]{1,5}|[A-Za-z])$", re.IGNORECASE)
_MARKER_LEN = 6  # the longest text _MARKER matches ("(xviii")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")


def _next_word(text: str, pos: int) -> str:
    """The lower-cased word starting at `pos`, after any opening quotes or brackets."""
    n = len(text)
    while pos < n and text[pos] in _OPENERS_CHARS:
        pos += 1
    end = pos
    while end < n and (text[end].isalnum() or text[end] in "'’"):
        end += 1
    return text[pos:end].lower()


def _is_boundary(
    text: str, start: int, lead: int, mark_start: int, mark: str, nxt: int, lang: str | None
) -> bool:
    """Whether the punctuation `mark` at `mark_start` ends the sentence begun at `start`, whose
    first non-space character is at `lead`.

    Every look here is bounded by the word before the mark, the white space and word after it,
    or a few characters from `lead`: never by the sentence so far, so a long sentence of
    abbreviations ("Mr. Mr. Mr. ...") costs linear time.
    """
    n = len(text)
    # What opens the next sentence, past any opening quotes or brackets.
    j = nxt
    while j < n and text[j] in _OPENERS_CHARS:
        j += 1
    if j >= n:
        return True
    first = text[j]
    if first.islower() or first in ",;:":
        return False
    glued = nxt == mark_start + len(mark)  # no space after the mark
    if mark[0] in _CJK_STOPS:
        if glued and mark[-1] in _CLOSERS and text[nxt] not in _OPENERS_CHARS:
            return not _attributed(text, nxt, lang)
        return True
    if glued and mark[0] in "!?":
        return True
    if mark.rstrip("\"'”’»)]") != ".":
        return True  # "!", "?", "...", ". ." or a period inside closing quotes: always an end
    # A lone period: look at the word it closes.
    k = mark_start
    while k > start and not text[k - 1].isspace():
        k -= 1
    token = text[k:mark_start].lstrip(_OPENERS_CHARS)
    if not token:
        return True  # " ." (a detached period) ends a caption
    low = token.lower()
    if lang and lang != "en" and _abbreviation(lang, low, token):
        return False  # "z. B. Häuser", "M. Dupont", "am 3. Oktober"
    # The sentence so far is text[lead:mark_start] (it ends in the token, not in a space).
    if (mark_start - lead <= _MARKER_LEN and _MARKER.match(text[lead:mark_start])) or (
        token.isdigit() and len(token) <= 2 and _after_colon(text, start, k)
    ):
        return False  # "1. The first point", "Steps: 1. Mix": a list marker, not a sentence
    if low in _NEVER:
        return False
    if low in _TITLES:
        return False
    if len(token) == 1 and token.isupper():
        return _next_word(text, nxt) in _OPENERS
    if low in _BEFORE_NUMBER:
        return not first.isdigit() and _next_word(text, nxt) in _OPENERS
    if low in _SOFT or ("." in low and any(c.isalpha() for c in low)):
        return _next_word(text, nxt) in _OPENERS
    return True


_ATTRIBUTION_SPAN = 10  # characters: "他说。" after a quotation is its attribution


def _attributed(text: str, nxt: int, lang: str | None) -> bool:
    """Whether the text right after a quotation that closed with a stop ("…。”") goes on with
    the same sentence: Japanese quotes with と ("「本当ですか。」と彼は聞いた。"); in Chinese a
    short attribution ("“我爱你。”他说。") ends within a few characters, a new sentence does not."""
    if lang == "ja":
        return text[nxt] in "とっ"
    window = text[nxt : nxt + _ATTRIBUTION_SPAN + 1]
    return any(c in _CJK_STOPS for c in window)


def _abbreviation(lang: str, low: str, token: str) -> bool:
    """Whether `token` (lower-cased `low`) is an abbreviation or an ordinal of `lang`."""
    if low in _ABBREVIATIONS.get(lang, ()):
        return True
    return lang in _ORDINAL_PERIOD and token.isdigit() and len(token) <= 3


def _after_colon(text: str, start: int, k: int) -> bool:
    """Whether the sentence's text before `k`, white space aside, ends with a colon."""
    while k > start and text[k - 1].isspace():
        k -= 1
    return k > start and text[k - 1] == ":"


def _clean(text: str, a: int, b: int) -> tuple[int, int]:
    """Narrow `text[a:b]` to the sentence proper: no surrounding space or leading matter."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    m = _LEAD.match(text, a, min(b, a + _LEAD_MAX))
    if m and m.end() < b:
        a = m.end()
    return a, b


def _emit(text: str, a: int, b: int, out: list[str]) -> None:
    """Append `text[a:b]` cleaned; a run-on longer than MAX_SENTENCE is cut into pieces."""
    a, b = _clean(text, a, b)
    while b - a > MAX_SENTENCE:
        window = text[a + MAX_SENTENCE // 2 : a + MAX_SENTENCE]
        cut = -1
        for mark in _RUN_ON_CUTS:
            at = window.rfind(mark)
            if at >= 0:  # after "; " or ", ", before " - " (the dash opens the next piece)
                cut = a + MAX_SENTENCE // 2 + at + len(mark.rstrip()) * (mark[0] != " ")
                break
        if cut < 0:
            cut = a + MAX_SENTENCE
        piece_end = cut
        while piece_end > a and text[piece_end - 1].isspace():
            piece_end -= 1
        out.append(text[a:piece_end])
        a, b = _clean(text, cut, b)
    if a < b:
        out.append(text[a:b])


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Split `text` into sentences, each a verbatim slice of it (stripped); `language` (an
    ISO 639-1 code) adds that language's marks and abbreviations."""
    if language == "th":
        return [s for piece in _thai_pieces(text) for s in _split(piece, language)]
    return _split(text, language)


def _split(text: str, language: str | None) -> list[str]:
    out: list[str] = []
    n = len(text)
    boundary = _BOUNDARIES.get(language or "", _BOUNDARY)
    start = lead = 0  # the sentence's start, and its first non-space character
    while lead < n and text[lead].isspace():
        lead += 1
    for m in boundary.finditer(text):
        end = m.end()
        mark = m.group()
        if mark.startswith("\n"):
            cut, nxt = m.start(), end
        else:
            nxt = end
            while nxt < n and text[nxt].isspace():
                nxt += 1
            if not _is_boundary(text, start, lead, m.start(), mark, nxt, language):
                continue
            cut = end
        _emit(text, start, cut, out)
        start = lead = cut
        while lead < n and text[lead].isspace():
            lead += 1
    _emit(text, start, n, out)
    return out


_THAI_GAP = re.compile(r"(?<=[\u0e01-\u0e4e])[ \t\u00a0]+(?=[\u0e01-\u0e4e])")
_THAI_MIN = 40  # characters: Thai writes a space between phrases too, not only sentences


def _thai_pieces(text: str) -> list[str]:
    """Thai marks the end of a sentence with a space, not a stop (it writes no space between
    words): the text cut at spaces between Thai letters, each piece at least _THAI_MIN
    characters (shorter phrases join the next), except after the repetition mark ๆ."""
    pieces: list[str] = []
    start = 0
    for m in _THAI_GAP.finditer(text):
        if m.start() - start >= _THAI_MIN and text[m.start() - 1] != "ๆ":
            pieces.append(text[start : m.start()])
            start = m.start()
    pieces.append(text[start:])
    return pieces


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits, keeping inner apostrophes, dots, hyphens)."""
    return [w.lower() for w in _WORD.findall(text)]


def squash(text: str) -> str:
    """`text` with every run of white space made one space (for verbatim comparisons)."""
    return _SPACE.sub(" ", text).strip()
