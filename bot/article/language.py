"""Languages: which language a text is in, and the names the bot shows for language codes.

`detect_language(text)` returns an ISO 639-1 code ("en", "zh", ...) or None when the text has
no letters. It is our own small detector, measured on the evaluation data
(`benchmarks/multilingual.py`): fast (a few microseconds for a question; an article is read
from a bounded sample, so the cost does not grow with its length), offline, and without a model
file. How it decides:

1. **Scripts.** Letters are counted by Unicode script. A script that one language owns decides
   alone: Hangul is Korean, kana (with or without Han) Japanese, Han without kana Chinese, Thai,
   Greek, Hebrew, Georgian, Armenian, and the Indic scripts (Bengali, Gurmukhi, Gujarati, Tamil,
   Telugu, Kannada, Malayalam, Sinhala), Khmer, Lao, Burmese. The script with the most letters
   wins; a character of Han or kana counts as three letters (it carries more than half a word).
2. **Shared scripts.** Latin, Cyrillic, Arabic and Devanagari serve many languages. Their words
   are looked up in short lists of each language's most frequent function words, and letters
   that only some languages use (Vietnamese tone marks, Turkish ğ ı ş, Romanian ș ț, German ß,
   Ukrainian і ї є, Persian پ چ ژ گ ی, ...) add evidence. The language with the most evidence
   wins; with none, the script's most common language (English, Russian, Arabic, Hindi).

The languages the engine has rules for (sentence marks, stemming, stop words, question words)
are listed in `SUPPORTED`; any other language is still processed, language-neutrally.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from .chars import WORD_CHARS
from .model import Article

__all__ = [
    "LANGUAGE_NAMES",
    "SUPPORTED",
    "detect_language",
    "language_name",
    "language_of",
    "script_of",
]

LANGUAGE_NAMES: dict[str, str] = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gu": "Gujarati",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ka": "Georgian",
    "km": "Khmer",
    "kn": "Kannada",
    "ko": "Korean",
    "lo": "Lao",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ml": "Malayalam",
    "mr": "Marathi",
    "ms": "Malay",
    "my": "Burmese",
    "ne": "Nepali",
    "nl": "Dutch",
    "no": "Norwegian",
    "pa": "Punjabi",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "si": "Sinhala",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

# The languages the engine has its own rules for (see bot/article/lexicon.py and text.py).
SUPPORTED: tuple[str, ...] = (
    "ar",
    "ca",
    "da",
    "de",
    "el",
    "en",
    "es",
    "fi",
    "fr",
    "hi",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "nl",
    "no",
    "pl",
    "pt",
    "ro",
    "ru",
    "sv",
    "th",
    "tr",
    "uk",
    "vi",
    "zh",
)


def language_name(code: str | None) -> str:
    """The English name of a language code ("zh" → "Chinese"); the code itself when unknown,
    "" for None or an empty code."""
    if not code:
        return ""
    return LANGUAGE_NAMES.get(code.lower(), code)


# --- scripts -----------------------------------------------------------------------------------

# (first code point, last code point, script) for the scripts the detector tells apart; sorted.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "Latin"),
    (0x0061, 0x007A, "Latin"),
    (0x00C0, 0x024F, "Latin"),
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"),
    (0x0900, 0x097F, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"),
    (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Lao"),
    (0x1000, 0x109F, "Myanmar"),
    (0x10A0, 0x10FF, "Georgian"),
    (0x1100, 0x11FF, "Hangul"),
    (0x1780, 0x17FF, "Khmer"),
    (0x1E00, 0x1EFF, "Latin"),
    (0x1F00, 0x1FFF, "Greek"),
    (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"),
    (0xAC00, 0xD7AF, "Hangul"),
    (0xF900, 0xFAFF, "Han"),
    (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"),
    (0xFF66, 0xFF9F, "Kana"),
    (0x20000, 0x2FA1F, "Han"),
)
_STARTS = [r[0] for r in _RANGES]
_OWNED = {
    "Greek": "el",
    "Armenian": "hy",
    "Hebrew": "he",
    "Bengali": "bn",
    "Gurmukhi": "pa",
    "Gujarati": "gu",
    "Tamil": "ta",
    "Telugu": "te",
    "Kannada": "kn",
    "Malayalam": "ml",
    "Sinhala": "si",
    "Thai": "th",
    "Lao": "lo",
    "Myanmar": "my",
    "Georgian": "ka",
    "Hangul": "ko",
    "Khmer": "km",
}
_DEFAULT = {"Latin": "en", "Cyrillic": "ru", "Arabic": "ar", "Devanagari": "hi"}


def script_of(char: str) -> str | None:
    """The script of one character among those the detector tells apart (None otherwise)."""
    cp = ord(char)
    lo, hi = 0, len(_RANGES)
    while lo < hi:  # the last range starting at or before cp
        mid = (lo + hi) // 2
        if _STARTS[mid] <= cp:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return None
    first, last, script = _RANGES[lo - 1]
    return script if first <= cp <= last else None


# A letter's script and how many letters it counts as (None and 0 for other characters);
# the characters met so far (bounded: it is emptied when it grows past _LETTER_CACHE).
_LETTER_SCRIPT: dict[str, tuple[str | None, int]] = {}
_LETTER_CACHE = 20_000


def _letter_script(char: str) -> tuple[str | None, int]:
    script = script_of(char) if char.isalpha() else None
    found = (script, 0 if script is None else 3 if script in ("Han", "Kana") else 1)
    if len(_LETTER_SCRIPT) >= _LETTER_CACHE:
        _LETTER_SCRIPT.clear()
    _LETTER_SCRIPT[char] = found
    return found


# --- evidence for languages that share a script --------------------------------------------------

# The most frequent function words of each language (lower case), a few dozen each.
_FUNCTION_WORDS: dict[str, str] = {
    "en": "the of and to in is was that for on with as by at from his her it this which are "
    "were be have has had not but or an what who when where how why did does do they their",
    "de": "der die das und ist nicht ein eine einen einem einer dem den des zu von mit sich "
    "auf für in im auch als an wie wurde wurden war waren sind oder aus bei nach wer wen wem "
    "wessen was wann wo woher wohin warum wieso weshalb welche welcher welches welchen "
    "welchem worauf womit wofür wodurch worin wie viele hat haben über zum zur vom es er "
    "sie wird werden kann durch gegen seit",
    "fr": "le la les et est une des du dans en que qui pour pas sur au aux avec ce cette son "
    "sa ses par plus été sont ont était quel quelle quels quelles où quand comment pourquoi "
    "qu'est lui leur elle il ils",
    "es": "el la los las y en que del se por con para una es fue un al lo su sus como más "
    "pero qué quién quiénes cuándo dónde cómo cuál cuáles cuánto cuánta cuántos cuántas "
    "fueron era eran está están son ha han entre sobre también hasta desde otra otro",
    "it": "il lo la gli le di che e è un una per con non sono del della dei delle nel nella "
    "al alla come più anche ma chi cosa quando dove perché quale quali era stato",
    "pt": "o a os as de que e do da dos das em um uma para com não por mais no na nos nas "
    "foi são como ao se sua seu quem quando onde qual quais porque é era também pelo pela",
    "nl": "de het een en van in is dat op te zijn met voor niet aan er om ook als bij door "
    "was werd wie wat waar wanneer waarom welke hoe heeft hebben naar uit",
    "ro": "și în de la cu pe un o este a că nu care din se mai sau au fost pentru ce cine "
    "când unde cum al ale lui fi sunt după despre acest această câți câte cât ce căror "
    "cărei cel cea cei ei lor fost era erau prin între",
    "tr": "ve bir bu da de için ile olarak olan en çok daha ne kim nerede neden nasıl hangi "
    "kaç mı mi mu mü gibi ama veya ki sonra kadar tarafından yılında oldu nedir neydi kimdir "
    "kimdi hangisi neresi nereye ne zaman şu o ise göre olduğu olan yıl",
    "vi": "của và là có trong được các cho không người những một với này đã từ khi đến như "
    "về gì ai nào đâu bao năm thì để sự tại cũng",
    "pl": "i w na z się nie do że jest to o jak po co za od przez dla który która które "
    "kto kiedy gdzie dlaczego był była było są",
    "cs": "a v na se je že s z do to o k jak by ve pro po za který která které kdo kdy kde "
    "proč byl byla bylo jsou",
    "sv": "och i att det som en på är av för med till den har inte om ett var vad vem när "
    "var varför hur vilken",
    "da": "og i at det er en til på som med af for ikke den de har et var hvad hvem hvornår "
    "hvor hvorfor hvordan",
    "no": "og i det er som en til på av for med at ikke den har et var hva hvem når hvor "
    "hvorfor hvordan",
    "fi": "ja on ei se että oli kun mutta hän ovat myös mikä kuka milloin missä miksi miten "
    "joka jossa sekä",
    "hu": "a az és hogy nem is egy van volt meg ki mi mikor hol miért hogyan melyik",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak ke pada adalah akan apa siapa "
    "kapan dimana mengapa bagaimana",
    "ca": "el la els les i de del que en un una per amb no és va són què qui quan on com",
    "ru": "и в не на что с по как это из к у же за от о то для был была было были кто "
    "когда где почему какой какая какие сколько он она они его её их",
    "uk": "і в не на що з як це до у за від та для був була було були хто коли де чому "
    "який яка які скільки він вона вони його її їх",
    "bg": "и в не на че с по как това от за да се е са беше бяха кой кога къде защо какво",
    "sr": "и у не на да се је од за као са што који која које ко када где зашто",
    "ar": "في من على إلى عن مع هذا هذه التي الذي أن كان كانت ما ماذا من متى أين لماذا "
    "كيف هل لم لا قد",
    "fa": "و در به از که این را با است برای آن یک شد می چه کجا چرا چگونه کی",
    "ur": "اور کے کی میں ہے کو سے کا نے یہ تھا کیا کون کب کہاں کیوں",
    "hi": "के की में है और से को का एक पर यह था थे कि भी कौन क्या कब कहाँ क्यों कैसे "
    "किस किसने किसको कितने कितना हैं गया गई लिए द्वारा",
    "mr": "आणि आहे आहेत व हे ते त्या होते होता कोण काय केव्हा कुठे",
    "ne": "र छ छन् मा ले हो यो गर्न पनि थियो भएको गरेको हुन्छ किन",
}

# Letters only some languages of a shared script use: each occurrence is evidence for them.
_LETTERS: dict[str, str] = {
    "vi": "đêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
    "tr": "ğışçöü\u0307",
    "ro": "șțşţăâî",
    "de": "ßäöü",
    "es": "ñ¿¡áíóú",
    "fr": "çœèêëîï",
    "pt": "ãõ",
    "pl": "ąęłńśźż",
    "cs": "řěů",
    "hu": "őű",
    "sv": "å",
    "da": "æø",
    "no": "æøå",
    "uk": "іїєґ",
    "sr": "ђјљњћџ",
    "bg": "ъ",
    "ru": "ыэё",
    "fa": "پچژگی",
    "ur": "ٹڈڑںےھ",
}
_WORD = re.compile(f"[^\\W\\d_](?:{WORD_CHARS})?+(?:['’]{WORD_CHARS})?")
_WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in _FUNCTION_WORDS.items():
    for _w in _words.split():
        if len(_w) > 1:  # a lone letter ("v", "s", "a") is an initial or "versus" as often
            _WORD_LANGS[_w] = (*_WORD_LANGS.get(_w, ()), _lang)
_LETTER_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _letters in _LETTERS.items():
    for _c in _letters:
        _LETTER_LANGS[_c] = (*_LETTER_LANGS.get(_c, ()), _lang)
_TELLING = re.compile(f"[{re.escape(''.join(_LETTER_LANGS))}]")
_LATIN = "en de fr es it pt nl ro tr vi pl cs sv da no fi hu id ca"
_SCRIPT_LANGS = {
    "Latin": frozenset(_LATIN.split()),
    "Cyrillic": frozenset(["ru", "uk", "bg", "sr"]),
    "Arabic": frozenset(["ar", "fa", "ur"]),
    "Devanagari": frozenset(["hi", "mr", "ne"]),
}
_LETTER_WEIGHT = 0.5  # a telling letter is weaker evidence than a function word
_SAMPLE = 4000  # characters of a long text that are read (its beginning, middle and end)


def _sample(text: str) -> str:
    if len(text) <= _SAMPLE:
        return text
    third = _SAMPLE // 3
    mid = len(text) // 2
    return f"{text[:third]} {text[mid - third // 2 : mid + third // 2]} {text[-third:]}"


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in; None when it has no letters."""
    sample = unicodedata.normalize("NFC", _sample(text))
    scripts: Counter[str] = Counter()
    weight_of = _LETTER_SCRIPT.get
    for char, count in Counter(sample).items():  # each distinct character once
        found = weight_of(char)
        if found is None:
            found = _letter_script(char)
        if found[0] is not None:
            scripts[found[0]] += count * found[1]
    if not scripts:
        return None
    if scripts["Kana"] and scripts["Kana"] >= 0.1 * (scripts["Kana"] + scripts["Han"]):
        scripts["Kana"] += scripts.pop("Han", 0)  # Japanese writes with kanji and kana
    script = max(scripts, key=lambda s: (scripts[s], s))
    if script == "Han":
        return "zh"
    if script == "Kana":
        return "ja"
    owned = _OWNED.get(script)
    if owned is not None:
        return owned
    return _shared(sample.lower(), script)


def _shared(low: str, script: str) -> str:
    """The language of a text in a script several languages share (see the module docstring)."""
    allowed = _SCRIPT_LANGS[script]
    evidence: dict[str, float] = {}
    for word in _WORD.findall(low):
        langs = _WORD_LANGS.get(word)
        if langs:  # a word several languages share is shared evidence
            for lang in langs:
                evidence[lang] = evidence.get(lang, 0.0) + 1.0 / len(langs)
    for char in _TELLING.findall(low):  # the telling letters, in text order
        langs = _LETTER_LANGS[char]
        if langs:
            for lang in langs:
                evidence[lang] = evidence.get(lang, 0.0) + _LETTER_WEIGHT / len(langs)
    for lang in list(evidence):
        if lang not in allowed:
            del evidence[lang]
    if not evidence:
        return _DEFAULT[script]
    default = _DEFAULT[script]
    return max(evidence, key=lambda lang: (evidence[lang], lang == default, lang))


def language_of(article: Article) -> str | None:
    """The article's language: as `parse` found it, else detected from its text (cached)."""
    if article.language:
        return article.language
    key = __name__
    if key not in article._cache:
        text = "\n".join(p.text for p in article.paragraphs[:40])
        article._cache[key] = detect_language(f"{article.title or ''}\n{text}")
    found: str | None = article._cache[key]
    return found
