"""Where people live: UK postcodes and street addresses.

Example
-------
>>> [r.entity_type for r in PostcodeRecognizer().analyze("ss1 1aa", [])]
['POSTCODE']
>>> r = AddressRecognizer().analyze("I moved to Flat 3, 27 High Street last May", [])
>>> "Flat 3, 27 High Street last May"[r[0].start - 11 : r[0].end - 11]
'Flat 3, 27 High Street'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from toolkit.privacy.recognisers.base import UKRecognizer

# Royal Mail format: outward code (area letters, district) + inward code (sector, unit).
# Unit letters never include C I K M O V; area letters never start with Q V X.
_POSTCODE = re.compile(
    r"(?<![\w])([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)[ \u00a0]{0,2}(\d[ABD-HJLNP-UW-Z]{2})(?!\w)",
    re.IGNORECASE,
)


class PostcodeRecognizer(UKRecognizer):
    """Postcodes in any case, with or without the space (``SS1 1AA``, ``ss11aa``).

    Presidio's built-in postcode score (0.1) is below any sensible threshold; a string with
    this shape is almost never anything else in interview text, so it scores 0.9.
    """

    ENTITY = "POSTCODE"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _POSTCODE.finditer(text):
            # "a1 1aa"-like strings in prose are rare but an all-lowercase single-letter area
            # with no space ("b12ab") is more often a code of some other kind.
            yield m.start(), m.end(), 0.9


_SUFFIX = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Court|Ct|Crescent|Cres|Gardens|"
    "Gdns|Place|Pl|Terrace|Grove|Walk|Hill|Rise|Parade|Square|Sq|Mews|View|Green|Row|Park|Vale|"
    "Gate|Chase|End|Approach|Boulevard|Broadway|Wharf|Quay|Estate|Meadow|Meadows|Fields|Wood|"
    "Croft|Hollow|Path|Wynd|Circus|Esplanade|Promenade"
)
# Suffixes that ordinary lower-case prose also uses ("a 30 minute walk", "the other way").
_WEAK = {
    "way",
    "walk",
    "hill",
    "view",
    "green",
    "row",
    "park",
    "gate",
    "end",
    "wood",
    "path",
    "fields",
    "place",
    "court",
    "rise",
    "st",
    "dr",
    "ln",
    "ct",
    "pl",
    "sq",
    "rd",
    "vale",
}
_UNIT = r"(?:Flat|Apartment|Apt|Unit|Room|Maisonette|Studio|Suite)\.?\s*\d{1,4}[A-Za-z]?"
_BUILDING = (
    r"(?:House|Court|Lodge|Tower|Heights|Mansions|Point|Building|Block|Hall|Cottage|Cottages|"
    r"Farm|Farmhouse|Barn|Villa|Bungalow|Manor|Grange|Mill)"
)
_NUMBER = r"\d{1,4}[A-Za-z]?(?:\s?-\s?\d{1,4})?"
_NAME_WORD = r"(?:[A-Z][A-Za-z'’-]+|[a-z][a-z'’-]+)"
_ADDRESS = re.compile(
    rf"(?:(?P<unit>{_UNIT}),?\s+(?:(?:[A-Z][A-Za-z'-]+\s+){{1,3}}{_BUILDING},?\s+)?)?"
    rf"(?P<num>{_NUMBER}),?\s+(?P<street>(?:{_NAME_WORD}\s+){{1,3}}(?P<suffix>{_SUFFIX}))\b"
    rf"|(?P<unit2>{_UNIT}),?\s+(?:[A-Z][A-Za-z'-]+\s+){{1,3}}{_BUILDING}\b",
    re.IGNORECASE,
)
# A named house and its street: "Rose Cottage, Church Lane", "Bradley House, Hazel Road".
_HOUSE_NAME = re.compile(
    # House names are capitalised ("Rose Cottage", "ROSE COTTAGE"), so "it to" is not one.
    rf"(?P<house>(?:(?-i:[A-Z][A-Za-z'’-]+)\s+){{1,3}}{_BUILDING}),?\s+"
    rf"(?P<street>(?:{_NAME_WORD}\s+){{1,3}}(?P<suffix>{_SUFFIX}))\b",
    re.IGNORECASE,
)
# A house number and a street with no street word ("137 Queensway", "8c walker"), counted
# only right before a postcode (":class:`PostcodeRecognizer`'s pattern) or after words that
# introduce an address.
_BARE_STREET = re.compile(
    rf"(?<![\d.,:/£$-])\b{_NUMBER},? (?P<words>[^\W\d_][\w'’-]*(?: [^\W\d_][\w'’-]*)?)"
)
# Between a bare street and its postcode: nothing, a comma, or a town ("137 Queensway,
# Basildon SS16 5TB").
_TOWN_GAP = re.compile(r",? +(?:[A-Z][a-z]+(?:[ -][A-Za-z]+){0,2},? +)?")
_UNIT_BEFORE = re.compile(rf"{_UNIT},?\s+$")
_ADDRESS_BEFORE = re.compile(
    r"(?i:\b(?:live|lives|living|lived|moved|move|moving|staying|stay|stays|address is|"
    r"address's|address|new address|post it|send it|send them|send the forms|send letters|"
    r"deliver it|deliver|delivered|at number|house is|flat is|round to|round at|come to|"
    r"came to|addressed to|write to)\s+(?:(?:at|to|in|into|on|over at|over to)\s+)?)$"
)
# Streets without a street word ("59 Brooklands") count after words that introduce a home,
# or after a flat number ("Flat 3, 149 Brooklands").
_PLACE_WORDS = r"[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+){0,2}"
_HOME_ADDRESS = re.compile(
    r"(?:(?i:\b(?:live|lives|living|lived|moved|move|moving|staying|stay|stays|address is|"
    r"address's|address|post it to|send it to|send letters to|at number|house is at|"
    r"flat is at|round to|round at))\s+(?i:(?:at|to|in|into|on|over at|over to)\s+)?"
    rf"(?P<a>{_NUMBER},?\s+{_PLACE_WORDS}))"
    rf"|(?P<b>{_UNIT},?\s+{_NUMBER},?\s+{_PLACE_WORDS})"
)
_HOME_BEFORE = re.compile(
    r"(?i:\b(?:live|lives|living|lived|moved|staying|address is|address)\s+(?:at|to|in|on)?\s*)$"
)
_NOT_STREET_WORDS = {
    "the",
    "a",
    "an",
    "my",
    "our",
    "your",
    "their",
    "his",
    "her",
    "to",
    "of",
    "in",
    "on",
    "at",
    "and",
    "or",
    "for",
    "down",
    "up",
    "minutes",
    "minute",
    "mins",
    "min",
    "hours",
    "hour",
    "miles",
    "mile",
    "years",
    "year",
    "weeks",
    "week",
    "days",
    "day",
    "months",
    "month",
    "times",
    "people",
    "pounds",
    "quid",
    "buses",
    "bus",
    "stops",
    "stop",
    "kids",
    "children",
    "is",
    "was",
    "were",
    "are",
    "be",
    "it",
    "that",
    "this",
    "from",
    "by",
    "with",
    "me",
    "i",
    "other",
    "same",
    "whole",
    "long",
    "short",
    "main",
    "back",
    "front",
    "more",
    "less",
    "per",
    "each",
    "every",
    "am",
    "pm",
    "steps",
    "doors",
    "floors",
    "jobs",
    "interviews",
}


class AddressRecognizer(UKRecognizer):
    """Street addresses: "14 Victoria Road", "Flat 3, 27 High Street", "Flat 2, Hope House".

    Lower-case addresses ("14 victoria road") count only with a clear street word, so that
    "a 30 minute walk" or "2 buses down the road" are left alone.
    """

    ENTITY = "ADDRESS"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _ADDRESS.finditer(text):
            if m.group("unit2"):
                yield m.start(), m.end(), 0.85
                continue
            street_words = m.group("street").split()[:-1]
            suffix = m.group("suffix")
            if any(w.lower() in _NOT_STREET_WORDS for w in street_words):
                continue
            capitalised = all(w[0].isupper() for w in street_words) and suffix[0].isupper()
            home = _HOME_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
            if not capitalised and suffix.lower() in _WEAK and not home:
                continue
            if len(suffix) <= 2 and not capitalised:
                continue
            yield m.start(), m.end(), 0.85 if capitalised else 0.6
        for m in _HOUSE_NAME.finditer(text):
            words = m.group(0).split()
            if any(w.lower().strip(",") in _NOT_STREET_WORDS for w in words):
                continue
            yield m.start(), m.end(), 0.8
        yield from _bare_streets(text)
        for m in _HOME_ADDRESS.finditer(text):
            group = "a" if m.group("a") else "b"
            words = m.group(group).split()
            if any(w.lower().strip(",") in _NOT_STREET_WORDS for w in words[1:]):
                continue
            yield m.start(group), m.end(group), 0.7


def _street_words(words: str) -> str | None:
    """The street part of a bare address: one word, or two in the same case ("Kings Mead")."""
    parts = words.split()
    if not parts or parts[0].lower() in _NOT_STREET_WORDS:
        return None
    from toolkit.privacy.recognisers.name_lists import is_everyday_word

    if (
        len(parts) == 2
        and parts[1].lower() not in _NOT_STREET_WORDS
        and not is_everyday_word(parts[1])
        and (parts[1][0].isupper() == parts[0][0].isupper())
        and (parts[1].isupper() == parts[0].isupper())
    ):
        return " ".join(parts)
    return parts[0]


def _bare_streets(text: str) -> Iterable[tuple[int, int, float]]:
    """Addresses without a street word, next to a postcode or after an address phrase."""
    for m in _BARE_STREET.finditer(text):
        street = _street_words(m.group("words"))
        if street is None:
            continue
        unit = _UNIT_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
        start = m.start() - (len(unit.group(0)) if unit else 0)
        end = m.start("words") + len(street)
        gap = _TOWN_GAP.match(text, m.end())
        if street == m.group("words") and gap and _POSTCODE.match(text, gap.end()):
            yield start, end, 0.8
            continue
        after_phrase = bool(_ADDRESS_BEFORE.search(text[max(0, start - 32) : start]))
        gap_to_postcode = len(text[end:]) - len(text[end:].lstrip(" ,"))
        if _POSTCODE.match(text, end + gap_to_postcode) or (
            after_phrase and _street_shaped(street)
        ):
            yield start, end, 0.75


def _street_shaped(street: str) -> bool:
    """Not an adjective or adverb in lower case ("moved to 3 different flats")."""
    if street[0].isupper():
        return True
    from toolkit.privacy.ner import english_words_of

    return street.split()[0].lower() not in english_words_of(("adj", "adv"))
