"""Made-up personal identifiers for the redaction stage to find.

Every generator takes a :class:`random.Random` and returns the identifier *as written* in a
document (formats vary on purpose: spaced, dashed, lower case, with or without brackets).
Numbers come from ranges that are never issued to real people where such ranges exist:

- NHS numbers start with 999, the range NHS Digital keeps for testing; the check digit is a
  valid Modulus 11 digit, so a validator accepts them.
- Phone numbers mostly use the Ofcom "drama" ranges (07700 900xxx, 01632 960xxx,
  020 7946 0xxx); a few use the local Essex area codes, to look like real local numbers.
- Email addresses and web sites use the reserved example.* domains (RFC 2606).

Example
-------
>>> import random
>>> is_valid_nhs_number(nhs_number(random.Random(1)))
True
"""

from __future__ import annotations

import random
import re

# Modulus 11 weights for the first nine digits (NHS Data Dictionary, "NHS Number").
NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# National Insurance number prefixes: HMRC rules (letters D F I Q U V never first;
# D F I O Q U V never second; some pairs never issued).
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NI_BANNED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

# Real Essex postcode districts, so the postcodes look local (inward codes are random).
POSTCODE_DISTRICTS = {
    "clacton": ["CO15", "CO16", "CO13", "CO7", "CO12"],
    "southend": ["SS0", "SS1", "SS2", "SS3", "SS9", "SS7"],
    "basildon": ["SS13", "SS14", "SS15", "SS16", "SS12", "CM11"],
}
# Inward codes never use C I K M O V in their last two letters.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# fmt: off
STREETS = [
    "Victoria Road", "High Street", "Station Road", "Church Road", "Pier Avenue",
    "Marine Parade", "Old Road", "Rosemary Road", "Brooklands", "Golf Green Road",
    "London Road", "Southchurch Avenue", "Hamlet Court Road", "Whitmore Way", "Clay Hill Road",
    "Pound Lane", "Holland Road", "Jaywick Lane", "Crossways", "Meadow Way", "Kings Parade",
]

PHONE_AREAS = {"clacton": "01255", "southend": "01702", "basildon": "01268"}

EMAIL_DOMAINS = ["example.com", "example.org", "example.co.uk", "example.net"]

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
# fmt: on


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for nine NHS-number digits (None when 10: number unused).

    >>> nhs_check_digit("943476591")
    9
    """
    total = sum(int(d) * w for d, w in zip(first_nine, NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(text: str) -> bool:
    """True when ``text`` (spaces/dashes allowed) is ten digits with a valid check digit.

    >>> is_valid_nhs_number("943 476 5919")
    True
    >>> is_valid_nhs_number("943 476 5918")
    False
    """
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def nhs_number(rng: random.Random) -> str:
    """A test-range (999...) NHS number with a valid check digit, in one of three layouts."""
    while True:
        first = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_check_digit(first)
        if check is not None:
            break
    digits = first + str(check)
    layout = rng.choice(["spaced", "spaced", "dashed", "plain"])
    if layout == "spaced":
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if layout == "dashed":
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits


def ni_number(rng: random.Random) -> str:
    """A National Insurance number with a valid prefix, e.g. ``"JT 48 20 17 B"``."""
    while True:
        prefix = rng.choice(NI_FIRST) + rng.choice(NI_SECOND)
        if prefix not in NI_BANNED_PREFIXES:
            break
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    suffix = rng.choice("ABCD")
    layout = rng.choice(["spaced", "spaced", "plain", "lower"])
    if layout == "spaced":
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    if layout == "plain":
        return f"{prefix}{digits}{suffix}"
    return f"{prefix}{digits}{suffix}".lower()


def phone_number(rng: random.Random, cohort: str) -> str:
    """A UK phone number: mobile, landline or international form."""
    kind = rng.choice(["mobile", "mobile", "mobile_plus", "drama_land", "local", "london"])
    tail3 = f"{rng.randrange(1000):03d}"
    if kind == "mobile":
        return rng.choice([f"07700 900{tail3}", f"07700900{tail3}", f"07700 900 {tail3}"])
    if kind == "mobile_plus":
        return rng.choice([f"+44 7700 900{tail3}", f"+44 (0)7700 900{tail3}", f"+447700900{tail3}"])
    if kind == "drama_land":
        return rng.choice([f"01632 960{tail3}", f"(01632) 960{tail3}"])
    if kind == "london":
        return f"020 7946 0{tail3}"
    area = PHONE_AREAS[cohort]
    local = f"{rng.randrange(200000, 999999)}"
    return rng.choice([f"{area} {local}", f"({area}) {local}", f"{area}{local}"])


def email(rng: random.Random, first: str, last: str) -> str:
    """An email address on a reserved example domain."""
    first_l, last_l = _ascii(first).lower(), _ascii(last).lower()
    local = rng.choice(
        [
            f"{first_l}.{last_l}",
            f"{first_l}{last_l}{rng.randrange(10, 99)}",
            f"{first_l[0]}{last_l}",
            f"{first_l}_{rng.randrange(1970, 2008)}",
        ]
    )
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def postcode(rng: random.Random, cohort: str) -> str:
    """An Essex-looking postcode, sometimes lower case or without the space."""
    district = rng.choice(POSTCODE_DISTRICTS[cohort])
    inward = f"{rng.randrange(1, 10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    layout = rng.choice(["normal", "normal", "normal", "nospace", "lower"])
    if layout == "nospace":
        return f"{district}{inward}"
    if layout == "lower":
        return f"{district} {inward}".lower()
    return f"{district} {inward}"


def street_address(rng: random.Random) -> str:
    """A street address such as ``"14 Victoria Road"`` or ``"Flat 3, 27 High Street"``."""
    street = rng.choice(STREETS)
    number = rng.randrange(1, 160)
    if rng.random() < 0.3:
        return f"Flat {rng.randrange(1, 12)}, {number} {street}"
    return f"{number} {street}"


def date_of_birth(rng: random.Random) -> str:
    """A date of birth in one of the ways people write them."""
    year = rng.randrange(1961, 2009)
    month = rng.randrange(1, 13)
    day = rng.randrange(1, 29)
    layout = rng.choice(["slash", "words", "dots", "ordinal"])
    if layout == "slash":
        return f"{day:02d}/{month:02d}/{year}"
    if layout == "dots":
        return f"{day:02d}.{month:02d}.{year % 100:02d}"
    if layout == "ordinal":
        return f"{_ordinal(day)} of {MONTHS[month - 1]} {year}"
    return f"{day} {MONTHS[month - 1]} {year}"


def url(rng: random.Random, first: str, last: str) -> str:
    """A web address that points at a person (a profile or a personal page)."""
    handle = f"{_ascii(first).lower()}.{_ascii(last).lower()}.{rng.randrange(1, 99)}"
    return rng.choice(
        [
            f"https://www.facebook.com/{handle}",
            f"www.example.org/{_ascii(first).lower()}{_ascii(last).lower()}",
            f"https://www.linkedin.com/in/{handle.replace('.', '-')}",
            f"http://{_ascii(last).lower()}family.example.co.uk",
        ]
    )


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _ascii(text: str) -> str:
    # Email addresses and handles are ASCII; names like "Zoë" or "O'Brien" are folded.
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z]", "", folded) or "x"
