"""Dates of birth: a date with "born", "DOB", "date of birth" or "birthday" near it.

Other dates (an appointment, a start date) are kept: they carry the story and are not
identifying on their own.

Example
-------
>>> [r.entity_type for r in DateOfBirthRecognizer().analyze("DOB 12/03/1985", [])]
['DATE_OF_BIRTH']
>>> DateOfBirthRecognizer().analyze("I started on 12/03/2025", [])
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from toolkit.privacy.recognisers.base import UKRecognizer, has_context

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_DATE = re.compile(
    rf"(?<![\w/.-])(?:"
    rf"(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:{_YEAR}|\d{{2}})"  # 12/03/1985
    rf"|{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"  # 1985-03-12
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"  # 12 March 1985, 3rd of May
    rf"|{_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+{_YEAR})?"  # March 12th, 1985
    rf"|{_MONTH}\s+{_YEAR}"  # March 1985
    rf")(?![\w/])",
    re.IGNORECASE,
)
_BIRTH_CONTEXT = re.compile(r"\bborn\b|\bd\.?o\.?b\b|birth|birthday|\bb\. ")


class DateOfBirthRecognizer(UKRecognizer):
    ENTITY = "DATE_OF_BIRTH"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _DATE.finditer(text):
            start = m.start()
            if text[start : start + 4].lower() == "the ":
                start += 4
            if has_context(text, start, m.end(), _BIRTH_CONTEXT, before=40, after=24):
                yield start, m.end(), 0.85
