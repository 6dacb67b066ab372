"""UK identifying numbers: NHS number, National Insurance number, phone numbers.

Example
-------
>>> [r.entity_type for r in NhsNumberRecognizer().analyze("NHS no 943 476 5919", [])]
['NHS_NUMBER']
>>> nhs_check_digit_ok("9434765919"), nhs_check_digit_ok("9434765918")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from toolkit.privacy.recognisers.base import UKRecognizer, has_context

_NHS = re.compile(r"(?<![\w+/.-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w/]|[.-]\d)")
_NHS_CONTEXT = re.compile(r"\bnhs\b|\bchi\b|health (service|care) (no|number)|patient (no|number)")


def nhs_check_digit_ok(digits: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (NHS Data Dictionary, 'NHS Number')."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


class NhsNumberRecognizer(UKRecognizer):
    """NHS numbers written ``943 476 5919``, ``943-476-5919`` or ``9434765919``.

    A number whose check digit is right is taken on its own; one whose check digit is wrong
    (a typo) is taken only with "NHS" nearby. Repeated digits (``111 111 1111``) never are.
    """

    ENTITY = "NHS_NUMBER"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _NHS.finditer(text):
            digits = m.group(1) + m.group(3) + m.group(4)
            if len(set(digits)) == 1:
                continue
            context = has_context(text, m.start(), m.end(), _NHS_CONTEXT, after=16)
            if nhs_check_digit_ok(digits) and (digits[0] != "0" or context):
                yield m.start(), m.end(), 0.95
            elif context:
                yield m.start(), m.end(), 0.7


# Shape: two letters, three pairs of digits, a suffix letter A-D. HMRC never issues some
# prefixes (first letter D F I Q U V, second D F I O Q U V, BG GB KN NK NT TN ZZ), but
# "QQ 12 34 56 C" is HMRC's own example and a typo is still someone's number: those score
# lower rather than being let through.
_NINO = re.compile(
    r"(?<![\w])([A-Z]{2})[ -]?(\d{2})[ -]?(\d{2})[ -]?(\d{2})[ -]?([A-D])(?!\w)", re.IGNORECASE
)
_NINO_ISSUED = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]$")


class NiNumberRecognizer(UKRecognizer):
    """National Insurance numbers in any case, with or without spaces (``QQ 12 34 56 C``)."""

    ENTITY = "NI_NUMBER"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _NINO.finditer(text):
            yield m.start(), m.end(), 0.9 if _NINO_ISSUED.match(m.group(1).upper()) else 0.75


_PHONE_START = re.compile(r"^(\+?\s*44|\(?0)")


class UKPhoneRecognizer(UKRecognizer):
    """UK phone numbers: mobile, landline, freephone, ``+44``, brackets.

    Uses libphonenumber at its 'possible' level so that unallocated ranges, such as Ofcom's
    drama numbers (07700 900xxx, 01632 960xxx), are still caught. To keep years and prices
    out, a match must have at least 10 digits and start like a UK number (0, +44 or (0).
    """

    ENTITY = "PHONE"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        matcher = phonenumbers.PhoneNumberMatcher(
            text, "GB", leniency=phonenumbers.Leniency.POSSIBLE, max_tries=10_000
        )
        for match in matcher:
            raw = match.raw_string
            digits = sum(c.isdigit() for c in raw)
            if digits >= 10 and _PHONE_START.match(raw):
                yield match.start, match.end, 0.8
