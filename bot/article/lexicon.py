"""Words for scoring: tokens, Snowball stems (cached) and English stop words.

A small, stable API shared by the engine's scorers:

- `tokens(text)`: lower-case, accent-folded word tokens, stop words included, in text order.
- `terms(text)`: the same tokens with stop words removed, then stemmed.
- `stem(word)`: the Snowball English stem of one lower-case word (cached, thread-safe).
- `stems(words)`: the stems of lower-case words in order, stop words kept whole.
- `fold(text)`: lower-case without Latin accents (what tokens are made from).
- `STOP_WORDS`: lower-case English function words (forms with both ' and ’ apostrophes).

Tokens are runs of letters and digits; an apostrophe inside a word keeps it whole ("amazon's"),
any other punctuation (hyphen, period, slash) separates tokens, so "multi-billion" gives
"multi", "billion" and "$5.5" gives "5", "5".
"""

from __future__ import annotations

import re
import threading
import unicodedata

import snowballstemmer

__all__ = ["STOP_WORDS", "fold", "stem", "stems", "terms", "tokens"]

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_MARKS = re.compile(r"[\u0300-\u036f]+")


def fold(text: str) -> str:
    """Lower-case `text` and drop Latin accents ("Céloron" → "celoron"); length may change."""
    text = text.lower()
    if text.isascii():
        return text
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


_STOP_TEXT = """
a about above across after afterwards again against all almost alone along already also although
always am among amongst an and another any anybody anyhow anyone anything anyway anywhere are
aren't around as at be became because become becomes becoming been before beforehand being
below beside besides between beyond both but by can can't cannot could couldn't did didn't do
does doesn't doing don't done down during each either else elsewhere enough etc even ever every
everybody everyone everything everywhere except few for from further furthermore had hadn't has
hasn't have haven't having he he'd he'll he's hence her here here's hereafter hereby herein
hers herself him himself his how how's however i i'd i'll i'm i've ie if in inasmuch indeed
instead into is isn't it it'd it'll it's its itself just let's may maybe me meanwhile might
mine more moreover most mostly much must mustn't my myself namely neither never nevertheless
no nobody none noone nor not nothing now nowhere of off often on once one's only onto or other
others otherwise ought our ours ourselves out over own per perhaps quite rather really same
shall shan't she she'd she'll she's should shouldn't since so some somebody somehow someone
something sometime sometimes somewhat somewhere still such than that that's the their theirs
them themselves then thence there there's thereafter thereby therefore therein thereupon these
they they'd they'll they're they've this those though through throughout thru thus to together
too toward towards under unless until up upon us very via was wasn't we we'd we'll we're we've
were weren't what what's whatever when when's whence whenever where where's whereafter whereas
whereby wherein whereupon wherever whether which while whither who who's whoever whom whose
why why's will with within without won't would wouldn't yet you you'd you'll you're you've your
yours yourself yourselves
"""

STOP_WORDS: frozenset[str] = frozenset(
    {w for w in _STOP_TEXT.split()} | {w.replace("'", "’") for w in _STOP_TEXT.split()}
)

_STEMMER = snowballstemmer.stemmer("english")
# With PyStemmer installed, snowballstemmer hands back its C stemmer, whose own word cache keeps
# a GC-tracked list per word; the memo here does that job, so turn it off.
if hasattr(_STEMMER, "maxCacheSize"):
    _STEMMER.maxCacheSize = 0
_LOCK = threading.Lock()
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 200_000


def stem(word: str) -> str:
    """The Snowball English stem of `word` (expected lower-case), memoised."""
    hit = _CACHE.get(word)
    if hit is not None:
        return hit
    with _LOCK:  # a Snowball stemmer object keeps state while it works: one caller at a time
        result: str = _STEMMER.stemWord(word.replace("’", "'"))
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[word] = result
    return result


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of `text`, stop words included, in order."""
    return _TOKEN.findall(fold(text))


def terms(text: str) -> list[str]:
    """Stemmed lower-case tokens of `text` without stop words, in order."""
    cache = _CACHE
    out: list[str] = []
    for word in _TOKEN.findall(fold(text)):
        if word in STOP_WORDS:
            continue
        hit = cache.get(word)
        out.append(hit if hit is not None else stem(word))
    return out


def stems(words: list[str]) -> list[str]:
    """Stems of lower-case `words` in order, stop words kept whole (word pairs keep "of the")."""
    get = _CACHE.get
    return [w if w in STOP_WORDS else (get(w) or stem(w)) for w in words]
