"""Word lists for `find_passages`: everyday English words and a light synonym lexicon.

`COMMON` holds frequent, topic-neutral English content words (general vocabulary, the kind that
fills a question in any subject: "what *kind* of", "what *happened*", "how did they *get*").
A question term from this list that an article lacks says little about whether the article
covers the question; a rare, specific term that it lacks says a lot.

`FORMS` groups the forms of irregular English verbs (and a few nouns) that the stemmer keeps
apart ("pay"/"paid", "write"/"wrote"/"written"): the same word, so one stands in for another at
full weight.

`SYNONYMS` groups everyday near-synonyms; a question word the article lacks is looked up here
and its partners that the article has stand in for it, at a discount.
"""

from __future__ import annotations

from .lexicon import stem

__all__ = ["COMMON_STEMS", "FORM_STEMS", "SYNONYM_STEMS"]

_COMMON = """
able accept according account achieve act action active activity actual add addition affect
age ago agree aim allow almost alone along amount answer appear apply approach area argue
arm around arrive art article ask aspect attempt attention available avoid away back bad base
basic basis become begin beginning behind believe belong benefit best better big bit body book
both bring broad build business buy call came capable care carry case cause center centre
certain chance change character characteristic choose claim clear close come common compare
complete concern condition consider contain continue control cost could country couple course
cover create current cut date day deal decide define degree describe detail determine develop
die difference different difficult direct discover discuss do during each early easy effect
effort either else end enough enter entire establish even event ever every exact example exist
expect experience explain express extent face fact factor fail fall far feature feel few field
figure fill final find finish first follow force form former found free full further future
gain general get give go goal good great group grow half hand happen hard have head hear help
high hold home hope huge idea identify impact important include increase indicate influence
inform instead intend interest involve issue item keep kind know known large last late later
latter lead learn least leave left less level lie life like likely limit line list little live
long look lose lot low made main maintain major make man many matter mean means measure meet
member mention method might mind miss modern moment month most move much must name near
nearly need never new next normal note notice number object obtain occur offer often old
one only open opinion order original other own part particular pass past pay people percent
percentage perform period person personal place plan play point position possible power
practice prefer present prevent previous primary probably problem process produce provide
purpose put quality question quite raise range rank rate rather reach read real reason receive
recent record reduce refer regard relate relation relationship remain remember remove report
represent require result return reveal right rise role run same saw say second see seek seem
seen sense send serve set several short show side significant similar simple since single size
small sole some sort source speak special specific spend stand start state status stay step
still stop story strong study subject success such suggest support suppose sure take talk
task tell term thing think though thought three time today together top total toward true try
turn two type typical under understand unit until use used useful usual value various very
view want way well went whole wide word work world would write year yes young
accord actual ago agreement allow amount announce apparent appropriate arrange assume attach
away background bear beat become behavior bring brought call came carry catch chose close
concern consist contribute correct count create daily deep depend describe design despite
detail develop directly discuss draw drive early easily effective else enable encourage enjoy
ensure entire equal especially essential eventually everyday exactly expect experience explain
extend extra fairly familiar famous far fast feel felt fit follow forget forward frequent fully
generally gave given goes gone got gradually handle happen heavy hold however hundred
identify imagine immediately improve include increase indeed inside instance instead involve
keep kept kind knew largely lay led let lot mainly manage mark meant mere mostly move near
necessary nice normally notable obvious occasion onto outside overall particularly perhaps
pick plus popular possibly potential prepare pretty prior probably prove provide pull push put
quick quickly rarely ready realize recently recognize reflect regard regular relatively rely
remain replace require respect rest rich rose round said saw seem seldom sent serious share
shown significant simply slightly somewhat soon specific stand strongly successful suddenly
suffer sufficient suggest suitable taken tend thing third thousand thus told took tried turn
ultimately unable unique upon useful usually variety vary view wanted whatever widely willing
within without wish worth yet
"""

_FORMS = """
arise arose arisen
awake awoke awoken
be was were been
bear bore borne born
beat beaten
become became
begin began begun
bend bent
bind bound
bite bit bitten
bleed bled
blow blew blown
break broke broken
breed bred
bring brought
build built
burn burnt
buy bought
catch caught
choose chose chosen
cling clung
come came
creep crept
deal dealt
dig dug
do did done
draw drew drawn
dream dreamt
drink drank drunk
drive drove driven
eat ate eaten
fall fell fallen
feed fed
feel felt
fight fought
find found
flee fled
fling flung
fly flew flown
forbid forbade forbidden
forget forgot forgotten
forgive forgave forgiven
freeze froze frozen
get got gotten
give gave given
go went gone
grow grew grown
hang hung
have had
hear heard
hide hid hidden
hold held
keep kept
kneel knelt
know knew known
lay laid
lead led
lean leant
leap leapt
learn learnt
leave left
lend lent
lie lay lain
light lit
lose lost
make made
mean meant
meet met
mistake mistook mistaken
overcome overcame
overtake overtook overtaken
pay paid
prove proven
ride rode ridden
ring rang rung
rise rose risen
run ran
say said
see saw seen
seek sought
sell sold
send sent
shake shook shaken
shine shone
shoot shot
show shown
shrink shrank shrunk
sing sang sung
sink sank sunk
sit sat
slay slew slain
sleep slept
slide slid
speak spoke spoken
speed sped
spend spent
spin spun
spring sprang sprung
stand stood
steal stole stolen
stick stuck
sting stung
stride strode stridden
strike struck stricken
string strung
strive strove striven
swear swore sworn
sweep swept
swim swam swum
swing swung
take took taken
teach taught
tear tore torn
tell told
think thought
throw threw thrown
tread trod trodden
undergo underwent undergone
understand understood
undertake undertook undertaken
uphold upheld
wake woke woken awaken awoke
wear wore worn
weave wove woven
weep wept
win won
withdraw withdrew withdrawn
write wrote written
child children
man men
woman women
person people
mouse mice
foot feet
tooth teeth
goose geese
"""

_SYNONYMS = """
big large huge great major
small little tiny minor
begin start commence launch found establish
end finish conclude stop
buy purchase acquire
money fund funding capital cash investment invest dollar billion million finance
chip chips processor semiconductor hardware
country nation state
city town
company firm corporation business
job work employment occupation
kill killed death die
war conflict battle fight
leader head chief ruler
build construct
show demonstrate
help assist aid
use utilize employ
make create produce
get obtain receive gain acquire
choose select pick
ban prohibit forbid
allow permit let
rise increase grow
fall decrease decline drop reduce
fast quick rapid
ask request
answer reply respond
try attempt
need require
old ancient elderly
new novel recent
rich wealthy
poor poverty
price cost
goal aim purpose objective
reason cause
doctor physician
newspaper journal paper press gazette
say said state claim report
law rule regulation
land territory
famous renowned notable
salary pay wage earn income
"""


def _stems(words: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words.split())


COMMON_STEMS: frozenset[str] = _stems(_COMMON)


def _groups(text: str) -> dict[str, frozenset[str]]:
    """Each stem of a line → the other stems of its line (a stem on several lines: all of them)."""
    groups: dict[str, set[str]] = {}
    for line in text.strip().splitlines():
        stems = {stem(w) for w in line.split()}
        for s in stems:
            groups.setdefault(s, set()).update(stems - {s})
    return {s: frozenset(v) for s, v in groups.items() if v}


FORM_STEMS: dict[str, frozenset[str]] = _groups(_FORMS)


SYNONYM_STEMS: dict[str, frozenset[str]] = _groups(_SYNONYMS)
