"""What a question asks for, and what a sentence offers, in languages other than English.

English keeps its own, richer rules in `retrieve.py` and `retrieve_index.py`. For the other
supported languages these tables give the same answer types from each language's question
words: a number ("how many": wie viele, cuántos, сколько, 多少...), a date ("when", "in which
year": wann, cuándo, когда, 哪一年...), a name ("who", "where": wer, quién, кто, 谁...) and a
reason ("why": warum, por qué, почему, 为什么...). A sentence offers a date when it holds a year
or the language's month names, a reason when it holds the language's "because" words, a number
when it holds digits; names are capitalised words, in scripts that have capitals.

Questions and sentences are matched in lower case (NFKC), as whole words where the script
separates words with spaces and as substrings where it does not (Chinese, Japanese, Thai).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Cues", "cues_for"]

_UNSPACED_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my"})

# Per language: question words for (number, date, name, reason), "|"-separated phrases.
_QUESTIONS: dict[str, tuple[str, str, str, str]] = {
    "de": (
        "wie viele|wie viel|wieviel|wie viele|wie lange|wie groß|wie hoch|wie alt|wie weit|"
        "wie schwer|welcher anteil|wie viel prozent|wie oft|welche größe|welche anzahl",
        "wann|in welchem jahr|welches jahr|welchem jahrhundert|welches jahrhundert|seit wann|"
        "bis wann|welches datum|an welchem tag|in welchem jahrzehnt",
        "wer|wen|wem|wessen|wo|woher|wohin|welche stadt|welches land|welcher fluss",
        "warum|weshalb|wieso|aus welchem grund",
    ),
    "es": (
        "cuántos|cuántas|cuánto|cuánta|qué porcentaje|qué tan|cuán|qué cantidad|qué tamaño",
        "cuándo|en qué año|qué año|qué siglo|qué fecha|desde cuándo|en qué siglo|en qué década",
        "quién|quiénes|dónde|adónde|de dónde|qué ciudad|qué país",
        "por qué|por qué razón",
    ),
    "fr": (
        "combien|quel pourcentage|quelle proportion|quelle taille|quelle part|quel nombre",
        "quand|en quelle année|quelle année|quel siècle|quelle date|depuis quand|en quel siècle",
        "qui|où|quelle ville|quel pays",
        "pourquoi|pour quelle raison",
    ),
    "it": (
        "quanti|quante|quanto|quanta|quale percentuale|che percentuale",
        "quando|in che anno|in quale anno|che anno|quale secolo|in che secolo",
        "chi|dove|quale città|quale paese",
        "perché|per quale motivo",
    ),
    "pt": (
        "quantos|quantas|quanto|quanta|qual percentagem|qual porcentagem|que percentagem",
        "quando|em que ano|que ano|qual ano|que século|em que século",
        "quem|onde|que cidade|que país",
        "por que|porque|por qual motivo",
    ),
    "nl": (
        "hoeveel|hoe lang|hoe groot|hoe oud|hoe hoog|welk percentage",
        "wanneer|in welk jaar|welk jaar|welke eeuw|in welke eeuw",
        "wie|waar|welke stad|welk land",
        "waarom",
    ),
    "ro": (
        "câți|câte|cât|câtă|ce procent|ce procentaj",
        "când|în ce an|ce an|în care an|ce secol|în ce secol",
        "cine|unde|ce oraș|ce țară",
        "de ce|din ce motiv",
    ),
    "ru": (
        "сколько|какой процент|какова доля|насколько|какое количество|какого размера",
        "когда|в каком году|какой год|в каком веке|какого числа|с какого года|в каком десятилетии",
        "кто|кого|кому|кем|где|куда|откуда|чей|чья|чьё|в каком городе|в какой стране",
        "почему|зачем|по какой причине",
    ),
    "uk": (
        "скільки|який відсоток",
        "коли|в якому році|якого року|у якому році|в якому столітті",
        "хто|кого|кому|де|куди|звідки|чий",
        "чому|навіщо",
    ),
    "tr": (
        "kaç|ne kadar|yüzde kaç|kaç tane",
        "ne zaman|hangi yıl|hangi yılda|kaç yılında|hangi tarihte|hangi yüzyıl|hangi yüzyılda",
        "kim|kime|kimin|kimi|kimler|nerede|nereye|nereden|neresi|hangi şehir|hangi ülke",
        "neden|niçin|niye",
    ),
    "ar": (
        "كم|ما عدد|ما نسبة|ما هو عدد|ما مقدار",
        "متى|في أي عام|في أي سنة|أي عام|في أي قرن|في أي تاريخ",
        "من هو|من هي|من هم|من كان|من كانت|أين|في أي مدينة|في أي بلد",
        "لماذا|ما سبب|ما هو سبب",
    ),
    "hi": (
        "कितने|कितना|कितनी|कितने प्रतिशत|कितनी बार",
        "कब|किस वर्ष|किस साल|कौन से वर्ष|किस सदी|किस तारीख|किस शताब्दी",
        "कौन|किसने|किसको|किसे|किसका|किसकी|कहाँ|कहां",
        "क्यों|किस कारण",
    ),
    "el": (
        "πόσοι|πόσες|πόσα|πόσο|πόση|τι ποσοστό",
        "πότε|ποιο έτος|ποια χρονιά|σε ποιο έτος|ποιον αιώνα|ποια χρονολογία",
        "ποιος|ποια|ποιο|ποιοι|ποιες|πού|ποιανού",
        "γιατί|για ποιο λόγο",
    ),
    "vi": (
        "bao nhiêu|mấy|tỷ lệ|tỉ lệ|bao xa|bao lâu",
        "khi nào|năm nào|vào năm nào|bao giờ|thế kỷ nào|ngày nào|lúc nào|năm bao nhiêu",
        "ai|ở đâu|nơi nào|chỗ nào|thành phố nào|nước nào|quốc gia nào",
        "tại sao|vì sao|lý do",
    ),
    "th": (
        "เท่าไร|เท่าไหร่|กี่|จำนวนเท่าใด|ร้อยละเท่าใด|เท่าใด",
        "เมื่อไร|เมื่อไหร่|ปีใด|ปีไหน|ปีอะไร|ศตวรรษใด|วันที่เท่าไร|ช่วงเวลาใด|เมื่อใด",
        "ใคร|ที่ไหน|ที่ใด|เมืองใด|ประเทศใด",
        "ทำไม|เพราะเหตุใด|สาเหตุ",
    ),
    "zh": (
        "多少|几个|几位|几次|几种|多大|多长|多久|多高|多远|百分之几|比例|数量",
        "什么时候|何时|哪一年|哪年|几年|哪个世纪|哪一天|什么时间|哪个年代|哪一时期|几月",
        "谁|哪里|哪儿|何处|什么地方|哪个国家|哪座城市|哪个城市|何人",
        "为什么|为何|原因|什么导致",
    ),
    "ja": (
        "いくつ|何人|何個|どのくらい|どれくらい|何パーセント|何割",
        "いつ|何年|何世紀|何月|何日|何時",
        "誰|だれ|どこ|どの国|どの都市",
        "なぜ|どうして|何故",
    ),
    "pl": (
        "ile|jaki procent|jak długo|jak duży",
        "kiedy|w którym roku|który rok|w którym wieku",
        "kto|kogo|komu|gdzie|skąd|dokąd",
        "dlaczego|czemu",
    ),
}

# Per language: month names (lower case, "|"-separated) and "because" words.
_SENTENCES: dict[str, tuple[str, str]] = {
    "de": (
        "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
        "jahrhundert|jahrhunderts|jahrzehnt",
        "weil|da|denn|wegen|aufgrund|infolge|deshalb|deswegen|daher",
    ),
    "es": (
        "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
        "noviembre|diciembre|siglo|década",
        "porque|debido a|ya que|puesto que|a causa de|por eso|por lo tanto",
    ),
    "fr": (
        "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
        "décembre|siècle|décennie",
        "parce que|car|en raison de|à cause de|puisque|grâce à|donc",
    ),
    "it": (
        "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|"
        "novembre|dicembre|secolo",
        "perché|poiché|a causa di|dato che|quindi",
    ),
    "pt": (
        "janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|"
        "dezembro|século",
        "porque|devido a|pois|uma vez que|por causa de",
    ),
    "nl": (
        "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
        "december|eeuw",
        "omdat|want|doordat|vanwege|daardoor|dus",
    ),
    "ro": (
        "ianuarie|februarie|martie|aprilie|mai|iunie|iulie|august|septembrie|octombrie|"
        "noiembrie|decembrie|secolul|secol",
        "pentru că|deoarece|din cauza|întrucât|fiindcă",
    ),
    "ru": (
        "январ|феврал|март|апрел|мая|май|июн|июл|август|сентябр|октябр|ноябр|декабр|"
        "век|века|веке|году|года|годах|годов",
        "потому что|так как|из-за|поскольку|вследствие|поэтому|благодаря",
    ),
    "uk": (
        "січ|лют|берез|квіт|трав|черв|лип|серп|верес|жовт|листопад|груд|століт|році|року",
        "тому що|оскільки|через|бо|завдяки",
    ),
    "tr": (
        "ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık|yüzyıl|"
        "yılında|yılı",
        "çünkü|nedeniyle|yüzünden|dolayı|sebebiyle|için",
    ),
    "ar": (
        "يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|القرن|عام|سنة",
        "لأن|بسبب|نتيجة|نظرا|لذلك",
    ),
    "hi": (
        "जनवरी|फ़रवरी|फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|अक्टूबर|नवंबर|दिसंबर|"
        "शताब्दी|सदी|वर्ष|साल|ईस्वी",
        "क्योंकि|कारण|वजह|इसलिए|चलते",
    ),
    "el": (
        "ιανουάρ|φεβρουάρ|μάρτ|απρίλ|μάι|ιούν|ιούλ|αύγουστ|σεπτέμβρ|οκτώβρ|νοέμβρ|δεκέμβρ|αιώνα",
        "επειδή|λόγω|διότι|γιατί|εξαιτίας|συνεπώς",
    ),
    "vi": (
        "tháng|năm|thế kỷ|thập niên",
        "vì|bởi vì|do|nên|nhờ|tại vì",
    ),
    "th": (
        "มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|"
        "พฤศจิกายน|ธันวาคม|ศตวรรษ|ปี|พ.ศ.|ค.ศ.",
        "เพราะ|เนื่องจาก|ด้วยเหตุ|จึง|ทำให้",
    ),
    "zh": (
        "年|月|日|世纪|年代",
        "因为|由于|因此|所以|导致|原因",
    ),
    "ja": (
        "年|月|日|世紀|年代",
        "ため|から|ので|によって|原因",
    ),
    "pl": (
        "styczeń|stycznia|luty|lutego|marzec|marca|kwiecień|kwietnia|maj|maja|czerwiec|czerwca|"
        "lipiec|lipca|sierpień|sierpnia|wrzesień|września|październik|października|listopad|"
        "listopada|grudzień|grudnia|wieku|wiek|roku",
        "ponieważ|bo|z powodu|dlatego|więc",
    ),
}

# Function words a question holds that stop-word lists miss: interrogatives, the particles
# around them and light verbs. They are stop words (in scripts written without spaces, they are
# cut out of a question before its characters become n-grams).
QUESTION_WORDS: dict[str, str] = {
    "de": "wieviel wie viele weshalb wieso woher wohin worauf womit wofür wodurch worin wozu",
    "es": "adónde cuán cuánto cuánta cuántos cuántas quiénes cuáles",
    "fr": "combien pourquoi lequel laquelle lesquels lesquelles quels quelles",
    "it": "quanti quante quanto quanta perché quale quali",
    "pt": "quantos quantas quanto quanta quais",
    "nl": "hoeveel waarom welke wanneer",
    "ro": "câți câte câtă cât cine unde când care",
    "ru": "кого кому кем чей чья чьё чье каком какого какое какова сколько насколько почему",
    "uk": "хто кого кому коли де куди звідки чий чому навіщо скільки який яка яке які якого якому",
    "tr": "kaç kimin kimler kimi kime kimdir kimdi nedir neydi neler nelerdir nerede nereye "
    "nereden neresi hangi hangisi niçin niye zaman tarafından olarak edildi edilen",
    "ar": "لماذا متى أين كيف ماذا هل",
    "hi": "कब कहाँ कहां क्यों कितने कितना कितनी किसने किसको किसे किसका किसकी किस कौन क्या कैसे",
    "el": "γιατί πόσοι πόσες πόσα πόσο πόση ποιανού πότε πού ποιος ποια ποιο ποιοι ποιες",
    "vi": "bao nhiêu mấy đâu nào gì ai sao",
    "pl": "kogo komu ile dlaczego czemu kiedy gdzie skąd dokąd",
    # unspaced scripts: only what cannot be part of a content word of a question
    "zh": "为什么|为何|什么时候|什么|哪一年|哪一个|哪一|哪个|哪些|哪里|哪儿|哪|谁|多少|如何|怎么|"
    "怎样|是否|是|的|了|吗|呢",
    "ja": "なぜ|どうして|いつ|どこ|だれ|誰|いくつ|どのくらい|どれくらい|どの|何",
    "th": "อะไร|ใคร|ที่ไหน|ที่ใด|เมื่อไร|เมื่อไหร่|เมื่อใด|อย่างไร|ทำไม|เท่าไร|เท่าไหร่|เท่าใด|หรือไม่",
}

_YEAR = re.compile(r"(?<!\d)(?:1[0-9]{3}|20[0-9]{2})(?!\d)")
_DIGIT = re.compile(r"\d")


def _pattern(phrases: str, unspaced: bool) -> re.Pattern[str] | None:
    words = [p for p in phrases.split("|") if p]
    if not words:
        return None
    alternation = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    if unspaced:
        return re.compile(f"(?:{alternation})")
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


def _prefix_pattern(phrases: str, unspaced: bool) -> re.Pattern[str] | None:
    """Month names may be stems ("январ"): they match at the start of a word."""
    words = [p for p in phrases.split("|") if p]
    if not words:
        return None
    alternation = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    if unspaced:
        return re.compile(f"(?:{alternation})")
    return re.compile(rf"(?<!\w)(?:{alternation})")


@dataclass(frozen=True, slots=True)
class Cues:
    """One language's question words and sentence cues (see the module docstring)."""

    lang: str
    number: re.Pattern[str] | None
    date: re.Pattern[str] | None
    name: re.Pattern[str] | None
    reason: re.Pattern[str] | None
    months: re.Pattern[str] | None
    because: re.Pattern[str] | None

    def asks(self, question: str) -> tuple[bool, bool, bool, bool]:
        """(number, date, name, reason): what `question` asks for."""
        q = _low(question)
        date = bool(self.date and self.date.search(q))
        number = not date and bool(self.number and self.number.search(q))
        name = bool(self.name and self.name.search(q))
        reason = bool(self.reason and self.reason.search(q))
        return number, date, name, reason

    def offers_date(self, low: str) -> bool:
        """`low` (a lower-cased sentence) holds a year or a month or century word."""
        return bool(_YEAR.search(low)) or bool(
            self.months and _DIGIT.search(low) and self.months.search(low)
        )

    def offers_reason(self, low: str) -> bool:
        return bool(self.because and self.because.search(low))


def _low(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=64)
def cues_for(lang: str | None) -> Cues | None:
    """The cues of `lang`; None for English (its own rules). A language without tables (or
    None, unknown) gets the language-neutral cues: years for dates, digits for numbers."""
    if lang == "en":
        return None
    lang = lang or ""
    questions = _QUESTIONS.get(lang)
    sentences = _SENTENCES.get(lang)
    if questions is None and sentences is None:
        return Cues(lang, None, None, None, None, None, None)
    unspaced = lang in _UNSPACED_LANGS
    number, date, name, reason = questions or ("", "", "", "")
    months, because = sentences or ("", "")
    return Cues(
        lang,
        _pattern(number, unspaced),
        _pattern(date, unspaced),
        _pattern(name, unspaced),
        _pattern(reason, unspaced),
        _prefix_pattern(months, unspaced),
        _pattern(because, unspaced),
    )
