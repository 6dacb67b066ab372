"""People's names: the named-entity model, the study's registers, and patterns.

Three sources, because each misses what another finds: the spaCy model finds names it has
never seen; the participant and staff registers find the names that matter most, even in
lower case; patterns ("my name is …", "Dr …", "my son …") find names the model misses.
Filters keep places, services and ordinary words ("Will it help?", "Grace period") out.

Example
-------
>>> r = NamePatternRecognizer().analyze("Hiya, my name is Kerry-Ann and I'm 34", [])
>>> [("Hiya, my name is Kerry-Ann and I'm 34"[x.start:x.end], x.entity_type) for x in r]
[('Kerry-Ann', 'PERSON')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.lang.en.stop_words import STOP_WORDS

from toolkit.privacy.recognisers.base import UKRecognizer
from toolkit.privacy.recognisers.name_lists import FILLERS, first_name_frequency, is_everyday_word
from toolkit.privacy.recognisers.word_lists import AFTER_NOT_PERSON, NAME_WORDS, NOT_PERSON_WORDS

_TITLE = (
    r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Nurse|Sister|Prof|Professor|Father|Rev|Reverend|"
    r"Auntie|Aunty|Uncle|Nan|Nanny|Grandad|Councillor|Cllr|Sir|Dame)"
)
_TITLE_AT_START = re.compile(rf"^{_TITLE}\.?\s+")
_UP, _LOW = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"  # letters of names such as "Zoë" and "Łucja" too
_CAP = (
    rf"[{_UP}][{_LOW}]+(?:['’-][{_UP}{_LOW}][{_LOW}]+)*|[{_UP}]'[{_UP}][{_LOW}]+"
    rf"|Mc[{_UP}][{_LOW}]+|Mac[{_UP}][{_LOW}]+"
)
_NAME = rf"(?:{_CAP})(?:\s+(?:{_CAP}))?"
_RELATION = (
    r"son|daughter|husband|wife|partner|boyfriend|girlfriend|fiance|fiancée|mum|mam|mom|dad|"
    r"brother|sister|friend|mate|best mate|nan|gran|grandson|granddaughter|niece|nephew|"
    r"cousin|neighbour|key ?worker|worker|support worker|coach|job coach|mentor|advisor|"
    r"adviser|work coach|manager|boss|supervisor|carer|social worker|counsellor|therapist|"
    r"ex|kids?|little one|eldest|youngest|stepson|stepdaughter|auntie|uncle|colleague|buddy|"
    r"pal|bestie|best friend|other half|hubby|missus|fella|flatmate|housemate|sponsor"
)
_NAME_PATTERNS = [
    # "my name is Sarah", "my name's jo": the name may be in lower case here.
    re.compile(
        r"(?i:\b(?:my name is|my name's|my names|name's|i am called|i'm called|im called|"
        r"call me|people call me|everyone calls me|known as))\s+"
        r"(?P<name>" + _NAME + r"|[a-z][a-z'-]{1,20}(?:\s+[a-z][a-z'-]{1,20})?)",
    ),
    re.compile(r"\b" + _TITLE + r"\.?\s+(?P<name>" + _NAME + ")"),
    # "Mr king", "mrs patel", "DR OKAFOR": after these titles any word is a surname.
    re.compile(
        # ("MS" in capitals is as often multiple sclerosis.)
        r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Professor|mr|mrs|ms|mx|dr|prof|professor|MR|MRS|DR|"
        r"PROF|PROFESSOR)\.?\s+"
        r"(?P<name>[^\W\d_]{2,}(?:['’-](?![sS]\b)[^\W\d_]+)*)"
    ),
    re.compile(
        r"(?i:\b(?:my|our|her|his|their)\s+(?:" + _RELATION + r")),?\s+(?P<name>" + _NAME + ")"
    ),
    re.compile(
        r"(?i:\b(?:is|was|'s|one|someone|woman|man|lady|bloke|guy|girl|lad|fella|worker|person)\s+"
        r"(?:called|named))\s+(?P<name>" + _NAME + ")"
    ),
    # "Sarah Jones" after a speaker-style intro: "this is Sarah from …" is common in interviews.
    re.compile(
        r"(?i:\b(?:this is|i'm|i am|it's|hi|hiya|hello)\s+)(?P<name>" + _CAP + r")"
        r"(?=\s+(?:from|here|speaking|at|with)\b)"
    ),
]
# Verbs of what people do, right after a name: "Sarah rang", "jamie got me the interview".
_PERSON_VERBS = (
    r"said|says|told|tells|helped|helps|came|comes|went|goes|got|gets|gave|gives|rang|rings|"
    r"called|phoned|texted|messaged|emailed|asked|asks|showed|made|makes|sorted|took|takes|"
    r"found|sent|wrote|writes|picked|popped|reckons|reckoned|knows|knew|drove|drives|bumped|"
    r"stayed|started|runs|ran|interviewed|supported|listened"
)
_AGENT_VERBS = re.compile(
    rf"^(?:{_PERSON_VERBS}|never|always|and|&|from (?:the|my)|was (?:my|so|really)|"
    r"['’]s (?:been|got|my|helped|always|never|so|really|amazing|brilliant|lovely))\b"
)
# After a name in lower case or capitals, where a capital letter says nothing: a verb of what
# people do, "who" ("it was gregory who found it") or a possessive of family ("astrid's mum").
PERSON_ACTS = re.compile(  # any case: "REGINALD WHO FOUND IT"
    rf"^(?:{_PERSON_VERBS}|from (?:the|my|next door|work|church|down the road)|who|"
    r"['’]s (?:mum|mam|dad|brother|sister|son|daughter|husband|wife|partner|kids|nan|"
    r"boyfriend|girlfriend|friend|mate|house|place))\b",
    re.IGNORECASE,
)


_CONTRACTION = re.compile(r"^(\w+)['’](?:s|ve|re|ll|d|m|t)$", re.IGNORECASE)


def is_function_word(word: str) -> bool:
    """A stop word, also when contracted ("We've", "she's", "Nobody's")."""
    word = word.lower()
    m = _CONTRACTION.match(word)
    return word in STOP_WORDS or word in _NOT_A_NAME or bool(m and m.group(1) in STOP_WORDS)


def not_a_person_after(text: str, end: int) -> bool:
    """Whether the words after a name make it a place, ward or service ("Rowan 1",
    "Rampton Hospital", "Alexandra Road")."""
    rest = text[end:].lstrip()
    following = rest.split(" ", 1)[0].lower().strip(".,;:!?")
    possessive = re.match(r"['’]s\s+(\w+)", text[end:])
    if possessive and possessive.group(1).lower() in _SERVICES:
        return True  # "Oakham Children's Centre", but "Sarah's house" is Sarah's
    return following in AFTER_NOT_PERSON or bool(re.match(r"\d", rest))


# Places named after people or groups; "Tracy's service" stays Tracy's.
_SERVICES = {"centre", "center", "hospital", "hospice", "clinic", "ward", "unit", "school",
             "college", "surgery"}  # fmt: skip


def is_title(word: str) -> bool:
    """A title written before a name ("Mrs", "Dr", "Nurse"), in any case."""
    return bool(_TITLE_AT_START.match(word[:1].upper() + word[1:].lower() + " "))


def at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?\n:;-–—"


def _plausible_word(text: str, start: int, end: int) -> bool:
    """Whether a single capitalised word that is also a name-word reads as a name here."""
    word = text[start:end]
    if not word[:1].isupper():
        return False
    if not at_sentence_start(text, start):
        return True
    return bool(_AGENT_VERBS.match(text[end:].lstrip()))


def trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading title ("Dr ") and a trailing possessive ("'s") from a name span."""
    m = _TITLE_AT_START.match(text[start:end])
    if m and start + m.end() < end:
        start += m.end()
    for suffix in ("'s", "’s", "'", "’"):
        if text[start:end].endswith(suffix):
            end -= len(suffix)
            break
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


_PARTICLES = {"de", "da", "van", "von", "der", "bin", "bint", "al", "el", "la", "le", "du"}


def capitalised_part(text: str, start: int, end: int) -> tuple[int, int]:
    """The first run of capitalised words in a model's name ("Carol rang" -> "Carol")."""
    words = list(re.finditer(r"\S+", text[start:end]))
    if not words or not words[0].group(0)[:1].isupper():
        return start, end  # all lower case: judged by looks_like_person
    last = words[0]
    for w in words[1:]:
        if not (w.group(0)[:1].isupper() or w.group(0).lower() in _PARTICLES):
            break
        last = w
    return start, start + last.end()


def looks_like_person(text: str, start: int, end: int) -> bool:
    """Filter for a candidate name from the model: not a place, service or plain word."""
    span = text[start:end]
    words = re.findall(r"[\w&'’-]+", span.lower())
    if not words or any(ch.isdigit() for ch in span):
        return False
    if any(w in NOT_PERSON_WORDS for w in words):
        return False
    if not any(w[:1].isupper() for w in span.split()):
        # In lower case the model's call needs the lists too: "tell kelly moss i said hello".
        first = span.split()[0]
        return (
            first_name_frequency(first) > 0
            and not is_everyday_word(first)
            and (len(words) > 1 and not any(is_function_word(w) for w in words))
        )
    if len(words) == 1:
        if len(words[0]) < 2 or span.isupper() and len(span) <= 4:  # "GP", "DWP"
            return False
        if words[0] in NAME_WORDS:
            return _plausible_word(text, start, end)
        if re.search(r"\b(?:the|a|an)\s+$", text[max(0, start - 5) : start], re.IGNORECASE):
            return False  # "dinners at the Harvester": a person has no article
        if (
            is_everyday_word(words[0])
            and not first_name_frequency(words[0])
            and not PERSON_ACTS.match(text[end:].lstrip())
        ):
            return False  # "They were Kind and Patient"; "Natalie, Gavin and Eve" stays
    return True


class NerPersonRecognizer(UKRecognizer):
    """People found by the spaCy pipeline's entity recogniser, filtered."""

    ENTITY = "PERSON"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        if nlp_artifacts is None:
            return
        for ent in nlp_artifacts.entities:
            if ent.label_ not in ("PERSON", "PER"):
                continue
            start, end = trim_name(text, ent.start_char, ent.end_char)
            start, end = capitalised_part(text, start, end)
            if (
                end > start
                and looks_like_person(text, start, end)
                and not not_a_person_after(text, end)
            ):
                yield start, end, 0.8


class NamePatternRecognizer(UKRecognizer):
    """Names given away by the words around them: "my name is …", "Dr …", "my son …"."""

    ENTITY = "PERSON"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for pattern in _NAME_PATTERNS:
            for m in pattern.finditer(text):
                start, end = trim_name(text, m.start("name"), m.end("name"))
                words = text[start:end].lower().split()
                if len(words) == 2 and (words[1] in STOP_WORDS or words[1] in _NOT_A_NAME):
                    end = start + len(text[start:end].split()[0])  # "my name is jo and …"
                    words = words[:1]
                if (
                    not words
                    or is_function_word(words[0])
                    or any(w in NOT_PERSON_WORDS for w in words)
                    or PERSON_ACTS.match(words[0])  # "My Dr rang me"
                ):
                    continue
                yield start, end, 0.75


# Words that follow "my name is" / "called" without being a name.
_NOT_A_NAME = frozenset(
    """
    not a the an on in it is was and but so that this what who for from just really about
    very too also still no yes here there because like only even never always anybody
    somebody nobody everybody anyone someone everyone
    im ive id ill dont cant wont didnt doesnt isnt wasnt youre theyre thats whats theres
    """.split()  # noqa: SIM905 - a word list reads best as text
)


# Phrases that put a person after them: "apart from Gabrielius", "I owe mihnea a lot".
_WITH_A_PERSON = (
    r"owe|apart from|except|besides|alongside|stayed with|paired with|paired up with|"
    r"bumped into|wait for|waited for|waiting for|worked under|worked with|signed by|"
    r"round to|round at"
)
# "my daughter funmi", "a lady called michelle": a lower-case name after words that announce
# a person (in survey answers typed without capitals).
_LOWER_NAME = re.compile(
    r"(?i:\b(?:(?:my|our|her|his|their)\s+(?:" + _RELATION + r")|called|named|"
    # Words that ask for or thank a person: "ring reece on …", "me and siobhan", "ask for jo".
    r"ring|rang|call|text|texted|message|messaged|phone|phoned|ask for|asked for|me and|me,|"
    r"thanks|thank you|spoke to|speak to|talk to|talked to|" + _WITH_A_PERSON + r")),?\s+"
    r"(?P<first>[a-z][a-z'’-]{1,20})(?:\s+(?P<second>[a-z][a-z'’-]{1,20}))?"
)
# A lower-case word that starts a sentence or clause and does what people do ("meryeme
# picked me up", "ancuța's brother knows").
_LOWER_AGENT = re.compile(
    r"(?:^|[.!?;,]\s+|\n)(?P<first>[a-zß-öø-ÿ][a-zß-öø-ÿ'’-]{1,20})(?=\s|['’]s\b)"
)


def is_shouting(text: str) -> bool:
    """Whether a text is written mostly in capitals (so capitals carry no meaning)."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 12 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)


def is_plain_word(word: str) -> bool:
    """A stop word or a dictionary word (or a plain inflection of one)."""
    from toolkit.privacy.ner import english_words

    word = word.lower().strip("'’-")
    if is_function_word(word) or word in NOT_PERSON_WORDS or word in FILLERS:
        return True  # "me and, um, I left"
    if word.endswith(("n't", "n’t")):
        return True
    if "-" in word:  # "co-produced", "well-known": plain when every part is
        return all(is_plain_word(part) for part in word.split("-") if part)
    words = english_words()
    if not words:
        return True  # no dictionary: leave lower-case names to the registers
    stems = {word}
    for suffix, replacements in _INFLECTIONS:
        if word.endswith(suffix):
            stems.update(word[: -len(suffix)] + r for r in replacements)
    return any(stem in words for stem in stems if len(stem) > 2)


_INFLECTIONS = (
    ("ies", ("y",)),
    ("es", ("", "e")),
    ("s", ("",)),
    ("ed", ("", "e")),
    ("ing", ("", "e")),
    ("er", ("", "e")),
    ("est", ("", "e")),
    ("ly", ("",)),
)


class LowerCaseNameRecognizer(UKRecognizer):
    """Lower-case names right after "my daughter", "my job coach", "a lady called".

    A word counts as a name there when it is neither a stop word nor in the dictionary of the
    spaCy pipeline's lemmatizer; a following surname is included on the same test.
    """

    ENTITY = "PERSON"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        # In a line typed in capitals, capitals say nothing: read it as lower case (the
        # offsets stay the same for the letters names are written in).
        if is_shouting(text) and len(text.lower()) == len(text):
            text = text.lower()
        for m in _LOWER_NAME.finditer(text):
            if is_plain_word(m.group("first")):
                continue
            second = m.group("second")
            end = m.end("second") if second and not is_plain_word(second) else m.end("first")
            yield m.start("first"), end, 0.55
        for m in _LOWER_AGENT.finditer(text):
            word = m.group("first")
            if is_plain_word(word) or is_everyday_word(word):
                continue
            if PERSON_ACTS.match(text[m.end("first") :].lstrip()):
                yield m.start("first"), m.end("first"), 0.55


class RegisterNameRecognizer(UKRecognizer):
    """Names from the study's participant and staff registers, wherever they appear.

    Full names match in any case. Single first names and surnames match in any case too,
    unless they are also ordinary words ("Hope", "Brown"): those need a capital letter and a
    place in the sentence where a name makes sense.
    """

    ENTITY = "PERSON"

    def __init__(self, names: Sequence[str] = ()) -> None:
        super().__init__()
        full: set[str] = set()
        parts: set[str] = set()
        for name in names:
            clean = " ".join(str(name).split())
            if len(clean) < 2:
                continue
            full.add(clean.lower())
            for part in re.split(r"\s+", clean):
                if len(part) >= 3:
                    parts.add(part.lower())
        self.full_names = frozenset(full)
        self.parts = frozenset(parts)
        alternatives = sorted(full | parts, key=len, reverse=True)
        self._pattern = (
            re.compile(
                # Not inside a web or email address ("facebook.com/jo.smith"): those have
                # their own recognisers.
                r"(?<![\w'./@-])(?:"
                + "|".join(re.escape(a) for a in alternatives)
                + r")(?![\w@-]|[./]\w)",
                re.IGNORECASE,
            )
            if alternatives
            else None
        )

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        if self._pattern is None:
            return
        for m in self._pattern.finditer(text):
            found = m.group(0).lower()
            if found in self.full_names and " " in found:
                yield m.start(), m.end(), 0.95
            elif found in NAME_WORDS or found in NOT_PERSON_WORDS:
                if _plausible_word(text, m.start(), m.end()):
                    yield m.start(), m.end(), 0.6
            else:
                yield m.start(), m.end(), 0.9


# Words after which a capitalised word is usually a person: "I went with Amira", "thanks Jo".
_PERSON_CONTEXT = re.compile(
    r"(?i:\b(?:with|and|by|told|tell|asked|ask|rang|ring|call|text|message|email|phone|"
    r"saw|see|seeing|met|meet|thanks|our|"
    r"thank you|cheers|honestly|called|named|phoned|texted|messaged|miss|love|me and|me n|"
    r"to see|spoke to|speak to|talked to|talk to|ask for|asked for|hiya|hi|hello|hey|morning|"
    r"afternoon|evening|i'm|i’m|i am|im|this is|it's|it’s|meeting me|meet you|, thanks|me,|"
    + _WITH_A_PERSON
    + r")),?\s+$"
)
# Zero-width, so that "Thanks Aisha Sharma" is tried at "Thanks" and again at "Aisha".
_CAPITALISED = re.compile(r"(?<![\w'’-])(?=(" + _NAME + r")(?![\w-]|['’](?![sS]\b)))")
_ADVERBS = frozenset(
    """
    honestly basically obviously actually really luckily hopefully unfortunately finally
    eventually recently usually literally seriously apparently definitely certainly probably
    personally originally initially generally normally sadly thankfully thankfully suddenly
    slowly quickly mostly only nearly clearly simply especially
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# "Thanks for meeting me, Efua." - a name addressed to someone, between a comma and the end.
_VOCATIVE = re.compile(r"^, \|[.?!]$")
# Single-word calls of the model that are reliable enough to overrule the context.
_SURE_LABELS = {"LANGUAGE", "DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL"}
# Entity types the model gives to things that are not people.
_NOT_PEOPLE = {
    "GPE",
    "LOC",
    "ORG",
    "FAC",
    "NORP",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "MONEY",
    "QUANTITY",
    "CARDINAL",
    "ORDINAL",
    "PERCENT",
}


class ContextNameRecognizer(UKRecognizer):
    """Capitalised words where a person is expected: "I went with Amira", "Amira rang me".

    Catches names the model misses in short, informal sentences. Words the model tags as a
    place or organisation, and the toolkit's lists of services and places, are left alone.
    """

    ENTITY = "PERSON"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        others = []
        if nlp_artifacts is not None and nlp_artifacts.tokens is not None:
            # The small model often calls an unfamiliar first name a place or organisation,
            # so only its multi-word calls ("the Cliffs Pavilion") overrule the context.
            others = [
                (e.start_char, e.end_char)
                for e in nlp_artifacts.tokens.ents
                if e.label_ in _NOT_PEOPLE
                and (len(e) > 1 or e.label_ in _SURE_LABELS)
                and not any(t.lower_ in ("and", "&") for t in e)
            ]  # "Liam and Connor"
        last_end = 0
        for m in _CAPITALISED.finditer(text):
            start, end = m.start(1), m.end(1)
            if start < last_end:
                continue
            words = text[start:end].lower().split()
            if any(w in NOT_PERSON_WORDS or is_function_word(w) for w in words):
                continue
            if is_title(words[0]) and len(words) == 1:
                continue  # "My Dr rang me": a title, not the name
            if any(s < end and start < e for s, e in others):
                continue
            if len(words) == 1 and is_everyday_word(words[0]):
                continue  # "and Listen more", "with Patients", "our Family worker"
            after = text[end:].lstrip()
            if at_sentence_start(text, start):
                if words[0] in NAME_WORDS or words[0] in _ADVERBS:
                    continue
                if not _AGENT_VERBS.match(after) or after.startswith(("and", "&")):
                    continue
            elif _AGENT_VERBS.match(after) and not after.startswith(("and", "&")):
                pass  # "…, Keisha from the programme rang"
            elif (
                not (
                    _PERSON_CONTEXT.search(text[max(0, start - 24) : start])
                    or _VOCATIVE.match(text[max(0, start - 2) : start] + "|" + text[end : end + 1])
                )
                or words[0] in NAME_WORDS
                and len(words) == 1
            ):
                continue
            if re.match(r"^(?:[A-Z][a-z]+\s+)?(?:" + "|".join(_ORG_SUFFIXES) + r")\b", after):
                continue  # "with Tesco Express", "by Essex County Council"
            if not_a_person_after(text, end):
                continue  # "Oakham Children's Centre"
            last_end = end
            yield start, end, 0.6


_ORG_SUFFIXES = (
    "Hospital",
    "Centre",
    "Council",
    "Trust",
    "Clinic",
    "Surgery",
    "College",
    "School",
    "Group",
    "Services?",
    "Plus",
    "Ltd",
    "Express",
    "Partnership",
    "Team",
)
