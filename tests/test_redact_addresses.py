"""Addresses are redacted whole, with or without a street word, and ordinary numbers are not."""

from __future__ import annotations

import pytest

from toolkit.privacy.redact import Redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def found(redactor: Redactor, text: str) -> list[tuple[str, str]]:
    return [(s.label, text[s.start : s.end]) for s in redactor.redact(text).spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 84 Queensway now.", [("ADDRESS", "84 Queensway")]),
        (
            "Send it to 137 Queensway SS16 5TB please.",
            [("ADDRESS", "137 Queensway"), ("POSTCODE", "SS16 5TB")],
        ),
        (
            "It's 122 Bennett, Basildon CO15 3XY, the blue door.",
            [("ADDRESS", "122 Bennett"), ("POSTCODE", "CO15 3XY")],
        ),
        ("our flat is at 8c walker ig11 8db", [("ADDRESS", "8c walker"), ("POSTCODE", "ig11 8db")]),
        (
            "We've been at Studio 18, 237 George Chase since May.",
            [("ADDRESS", "Studio 18, 237 George Chase")],
        ),
        (
            "Post it to Rose Cottage, Church Lane please.",
            [("ADDRESS", "Rose Cottage, Church Lane")],
        ),
        (
            "SEND THE FORMS TO 40B JONES SS1 2AB",
            [("ADDRESS", "40B JONES"), ("POSTCODE", "SS1 2AB")],
        ),
    ],
)
def test_addresses_are_found_whole(redactor, text, expected):
    assert found(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "It's a 30 minute walk and 2 buses down the road.",
        "I moved to 3 different flats in 2 years.",
        "I've applied for 40 jobs and had 3 interviews.",
        "The room was number 14 on the second floor.",
    ],
)
def test_numbers_in_ordinary_sentences_are_not_addresses(redactor, text):
    assert found(redactor, text) == []
