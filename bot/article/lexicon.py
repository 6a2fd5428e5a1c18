"""Words for scoring, in every language: tokens, stems and stop words.

`lexicon(lang)` gives the `Lexicon` of a language (an ISO 639-1 code; None or an unknown code
gives the language-neutral lexicon). Each has the same small API the engine's scorers share:

- `tokens(text)`: normalised word tokens, stop words included, in text order.
- `terms(text)`: the tokens without stop words, stemmed.
- `stem(word)`: the stem of one token (memoised, thread-safe).
- `stems(words)`: the stems of tokens in order, stop words kept whole.
- `fold(text)`: the normalised lower-case text tokens are read from.
- `stop_words`: the language's function words, normalised as tokens are.

How each language is read:
- **English** (also the module-level functions below, kept exactly as they were): lower case
  without Latin accents ("Céloron" → "celoron"); an apostrophe inside a word keeps it whole
  ("amazon's"), any other punctuation separates tokens ("multi-billion" → "multi", "billion";
  "$5.5" → "5", "5"); Snowball English stems; the English stop words below.
- **Other languages with Snowball stemmers** (German, French, Spanish, Russian, Turkish,
  Arabic, Hindi, Greek, Romanian, ...): lower case (Turkish dotted and dotless i kept apart),
  the word stemmed as written, then Latin accents dropped from the stem; stop words from
  `stopwordsiso`. Script-specific normalisation: Arabic points and tatweel dropped and a
  leading "و"/"ف" (and) taken off before "ال"; Greek accents and final sigma; Russian ё as е.
  Apostrophes: French, Italian and Catalan elisions ("l'église") keep the word after them;
  Turkish suffixes after a name ("Melbourne'ün") are dropped; elsewhere the apostrophe
  separates two tokens.
- **Vietnamese**: syllables as written (tone marks matter), no stemming.
- **Scripts written without spaces** (Chinese, Japanese, Thai, Lao, Khmer, Burmese): runs of
  those characters become overlapping character n-grams (bigrams; a lone character is itself),
  which match words without a dictionary; Japanese runs are first cut where the script changes
  (kanji, katakana, hiragana), and short hiragana runs (particles) are stop words. Letters and
  digits inside such text are words as everywhere else.
- **Any other language**: lower-case Unicode words (letters, digits and combining marks), no
  stemming, no stop words; the same n-grams for unspaced scripts.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

from .chars import WORD, WORD_CHARS
from .cues import QUESTION_WORDS

__all__ = ["STOP_WORDS", "Lexicon", "fold", "lexicon", "stem", "stems", "terms", "tokens"]

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # English tokens
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

_CACHE_LIMIT = 200_000

# Snowball's algorithm for each language code (PyStemmer, the C backend, has them all).
_SNOWBALL = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
# Scripts written without spaces between words: their runs become character n-grams.
UNSPACED = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
)
_UNSPACED = re.compile(
    "[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]+"  # syllabic runs first
    f"|[{UNSPACED}]+"
)
_SYLLABIC = re.compile("[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]")
_HAS_UNSPACED = re.compile(f"[{UNSPACED}]")
_STARTS_SPACED = re.compile(f" [^ {UNSPACED}]")  # after a space, a token that starts otherwise
_JA_SCRIPT = re.compile(
    "[\u3040-\u309f]+|[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f\u30fc]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]+"
)
_TRIGRAMS = re.compile(r"(?=(...))", re.DOTALL)  # every run of three characters
_BIGRAMS = re.compile(r"(?=(..))", re.DOTALL)
_NGRAM_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my"})
_HIRAGANA = re.compile("[\u3040-\u309f]+")
_TOKEN_ANY = re.compile(f"{WORD}(?:['’]{WORD_CHARS})*")
_ELISION = frozenset({"fr", "it", "ca"})
_ARABIC_POINTS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_AND = re.compile("^[وف](?=ال|بال|لل)")
_GREEK = str.maketrans({"ς": "σ"})


class Lexicon:
    """Tokens, stems and stop words of one language (see the module docstring)."""

    def __init__(self, lang: str | None) -> None:
        self.lang = lang
        name = _SNOWBALL.get(lang or "")
        stemmer = snowballstemmer.stemmer(name) if name else None
        # With PyStemmer installed, snowballstemmer hands back its C stemmer, whose own word
        # cache keeps a GC-tracked list per word; the memo here does that job, so turn it off.
        if stemmer is not None and hasattr(stemmer, "maxCacheSize"):
            stemmer.maxCacheSize = 0
        self._stemmer = stemmer
        self.prefix = _PREFIX.get(lang or "", PREFIX)
        self._lock = threading.Lock()
        self._cache: dict[str, str] = {}
        self.stop_words: frozenset[str] = _stop_words(lang)
        words = QUESTION_WORDS.get(lang or "", "")
        self._question_cut: re.Pattern[str] | None = None
        if lang in _NGRAM_LANGS and words:  # cut out of a question before it becomes n-grams
            parts = sorted(words.split("|"), key=len, reverse=True)
            self._question_cut = re.compile("|".join(map(re.escape, parts)))
        elif words:
            extra = {t for w in words.split() for t in _plain_tokens(self, w)}
            self.stop_words = self.stop_words | frozenset(extra)

    def fold(self, text: str) -> str:
        """Lower-case, normalised text (see the module docstring)."""
        lang = self.lang
        if lang == "tr":
            text = text.replace("I", "ı").replace("İ", "i")
        text = text.lower()
        if text.isascii():
            return text
        text = unicodedata.normalize("NFKC", text)
        if lang == "ar" or lang == "fa" or lang == "ur":
            return _ARABIC_POINTS.sub("", text)
        if lang == "el":
            return _strip_marks(text).translate(_GREEK)
        if lang in ("ru", "uk", "bg"):
            return text.replace("ё", "е")
        if lang == "tr":
            return text.replace("i\u0307", "i")
        return text

    def tokens(self, text: str) -> list[str]:
        """Word tokens of `text`, stop words included, in order."""
        return self.split(self.fold(text))

    def split(self, folded: str) -> list[str]:
        """Word tokens of text that `fold` has already normalised."""
        found = _TOKEN_ANY.findall(folded)
        unspaced = _HAS_UNSPACED.search(folded) is not None
        if not unspaced and "'" not in folded and "’" not in folded:
            return found  # (every word is a token as it is)
        out: list[str] = []
        lang = self.lang
        for word in found:
            if "'" in word or "’" in word:
                self._apostrophe(word, out)
            elif unspaced and _HAS_UNSPACED.search(word):
                _ngrams(word, out, lang == "ja")
            else:
                out.append(word)
        return out

    def _apostrophe(self, word: str, out: list[str]) -> None:
        parts = [p for p in re.split("['’]", word) if p]
        if self.lang in _ELISION and len(parts) > 1 and len(parts[0]) <= 2:
            parts = parts[1:]  # l'église, dell'acqua: the word after the elision
        elif self.lang == "tr" and parts:
            parts = parts[:1]  # Melbourne'ün: the name without its suffix
        for part in parts:
            if _HAS_UNSPACED.search(part):
                _ngrams(part, out, self.lang == "ja")
            else:
                out.append(part)

    def count_words(self, text: str) -> int:
        """About how many words `text` holds: its tokens, where a character bigram of an unspaced
        script counts as 0.6 of a word (Chinese words average about 1.7 characters)."""
        return self.count_tokens(self.tokens(text))

    def count_tokens(self, tokens: list[str]) -> int:
        """`count_words` of a text whose `tokens` are given."""
        # A sum of 0.6s and 1s is never within 0.1 of a half, so the float error of adding
        # them up in any order cannot change the rounded count.
        joined = " ".join(tokens)  # (tokens hold no spaces, and are not empty)
        unspaced = 0
        if _HAS_UNSPACED.search(joined):  # (counted as the rest: in such text, the fewer)
            unspaced = len(tokens) - len(_STARTS_SPACED.findall(" " + joined))
        return round((len(tokens) - unspaced) + 0.6 * unspaced)

    def question(self, text: str) -> str:
        """A question as its terms should be read: in scripts written without spaces, its
        interrogatives and particles ("什么", "อะไร") are cut out (the article does not hold
        them, and their n-grams would match it by chance)."""
        if self._question_cut is None:
            return text
        return self._question_cut.sub(" ", self.fold(text))

    def stem(self, word: str) -> str:
        """The stem of token `word`, memoised."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        result = word
        if self._stemmer is not None and not word[0].isdigit():
            word_in = _ARABIC_AND.sub("", word) if self.lang == "ar" else word
            with self._lock:  # a Snowball stemmer keeps state while it works: one at a time
                result = self._stemmer.stemWord(word_in)
            if not result.isascii():
                result = _strip_latin_accents(result)
            result = result or word  # a stemmer may strip a short word to nothing
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def stems(self, words: list[str]) -> list[str]:
        """Stems of tokens in order, stop words kept whole (word pairs keep "of the")."""
        if self._stemmer is None:  # a language without a stemmer: every word is its stem
            return list(words)
        stop, get, stem_ = self.stop_words, self._cache.get, self.stem
        return [w if w in stop else (get(w) or stem_(w)) for w in words]

    def terms(self, text: str) -> list[str]:
        """Stemmed tokens of `text` without stop words, in order. A stem of one letter (a
        light verb or a particle the stemmer cut down, "जा" → "ज") says nothing: left out."""
        return self.terms_of(self.tokens(text))

    def terms_of(self, tokens: list[str]) -> list[str]:
        """`terms` of a text whose `tokens` are given."""
        stop, get, stem_ = self.stop_words, self._cache.get, self.stem
        if self._stemmer is None:  # every word is its stem
            out = [w for w in tokens if w not in stop] if stop else list(tokens)
        else:
            out = [get(w) or stem_(w) for w in tokens if w not in stop]
        if self.lang in _NGRAM_LANGS or self.lang == "en":  # English: as it always read
            return out
        return [t for t in out if len(t) > 1 or t.isdigit()]


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _strip_latin_accents(text: str) -> str:
    """Latin letters without their accents; other scripts' marks (Devanagari...) kept."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _MARKS.sub("", decomposed))


def _ngrams(word: str, out: list[str], japanese: bool) -> None:
    """Append the tokens of a word holding characters of unspaced scripts, other characters as
    words. Han and kana runs give each character and each overlapping pair of characters (a
    Chinese word is one to three characters: single characters and bigrams together match best);
    Thai, Lao, Khmer and Burmese runs give overlapping character trigrams (their letters are
    sounds: three of them are about a syllable), a shorter run itself."""
    pos = 0
    for m in _UNSPACED.finditer(word):
        if m.start() > pos:
            out.append(word[pos : m.start()])
        run = m.group()
        if _SYLLABIC.match(run):
            if len(run) <= 3:
                out.append(run)
            else:
                out.extend(_TRIGRAMS.findall(run))  # run[i : i + 3] at every i
        else:
            for part in _JA_SCRIPT.findall(run) if japanese else [run]:
                # part[0], then part[i - 1 : i + 1] and part[i] for every i after it
                out.append(part[0])
                pairs = zip(_BIGRAMS.findall(part), part[1:], strict=True)
                out.extend(itertools.chain.from_iterable(pairs))
        pos = m.end()
    if pos < len(word):
        out.append(word[pos:])


# Prefix length of the retrieval's loose match ("religious"/"religions"): Turkish stacks
# suffixes that Snowball's Turkish stemmer leaves on ("başkan"/"başkanlığında"), and 5 letters
# matched best there (plain BM25 over prefixes of stems, development questions: 5 letters 93.0 /
# 99.0 top-1 / top-3, 6 letters 92.8 / 98.6).
PREFIX = 6
_PREFIX = {"tr": 5}

# Languages whose stopwords-iso list holds content words: our own short lists instead. The
# Vietnamese list names syllables of many content words ("cao", "cây", "người"), which cost
# 1.2 points of plain BM25 top-1 on the development questions; its most frequent particles,
# below, gain 1.2.
_OWN_STOP_WORDS = {"vi": "của và là các những được trong cho với này đã thì để cũng một có không"}


def _stop_words(lang: str | None) -> frozenset[str]:
    if lang == "en":
        return STOP_WORDS
    if not lang:
        return frozenset()
    import stopwordsiso

    if lang in _OWN_STOP_WORDS:
        return frozenset(_OWN_STOP_WORDS[lang].split())
    if not stopwordsiso.has_lang(lang):
        return frozenset()
    words = set(stopwordsiso.stopwords(lang))
    if lang in _NGRAM_LANGS and lang != "ja":
        return frozenset()  # their n-grams are not words; idf does the stop words' job
    lex = Lexicon.__new__(Lexicon)
    lex.lang = lang
    folded: set[str] = set()
    for w in words:
        folded.update(_plain_tokens(lex, w))
    if lang == "ja":
        folded = {w for w in folded if _HIRAGANA.fullmatch(w)}
    return frozenset(folded)


def _plain_tokens(lex: Lexicon, text: str) -> list[str]:
    """Tokens of a stop-word entry, without consulting stop words (they are being built)."""
    out: list[str] = []
    for word in _TOKEN_ANY.findall(Lexicon.fold(lex, text)):
        out.extend(p for p in re.split("['’]", word) if p)
    return out


class _English(Lexicon):
    """English, exactly as the engine always read it (the module-level functions)."""

    def fold(self, text: str) -> str:
        return fold(text)

    def tokens(self, text: str) -> list[str]:
        return _TOKEN.findall(fold(text))

    def split(self, folded: str) -> list[str]:
        return _TOKEN.findall(folded)

    def stem(self, word: str) -> str:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        assert self._stemmer is not None
        with self._lock:
            result: str = self._stemmer.stemWord(word.replace("’", "'"))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result


ENGLISH = _English("en")


@lru_cache(maxsize=64)
def _lexicon(lang: str | None) -> Lexicon:
    if lang == "en":
        return ENGLISH
    return Lexicon(lang)


def lexicon(lang: str | None) -> Lexicon:
    """The lexicon of language `lang` (ISO 639-1; None: language-neutral)."""
    return _lexicon(lang.lower() if lang else None)


# The English API the engine's modules have always used.
def stem(word: str) -> str:
    """The Snowball English stem of `word` (expected lower-case), memoised."""
    return ENGLISH.stem(word)


def tokens(text: str) -> list[str]:
    """Lower-case English word tokens of `text`, stop words included, in order."""
    return _TOKEN.findall(fold(text))


def terms(text: str) -> list[str]:
    """Stemmed lower-case English tokens of `text` without stop words, in order."""
    return ENGLISH.terms(text)


def stems(words: list[str]) -> list[str]:
    """English stems of lower-case `words` in order, stop words kept whole."""
    return ENGLISH.stems(words)
