"""Redaction of free text: real identifiers in interview-style text, and what must be kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.errors import UserError
from toolkit.privacy.redact import Redactor, Span

REGISTER = ["Kerry-Ann Whitfield", "Tomasz Nowak", "Carol Bennett"]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(names=REGISTER, keep_terms=["Clacton", "Jaywick", "Job Centre Plus"])


def found(redactor: Redactor, text: str) -> list[tuple[str, str]]:
    """(label, original text) of every redacted span."""
    return [(s.label, text[s.start : s.end]) for s in redactor.redact(text).spans]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("My NHS number is 943 476 5919.", [("NHS_NUMBER", "943 476 5919")]),
        ("nhs no 943-476-5919 ok", [("NHS_NUMBER", "943-476-5919")]),
        ("Reference 9434765919 on the letter", [("NHS_NUMBER", "9434765919")]),
        # wrong check digit: a typo, still redacted because "NHS" is next to it
        ("The nurse put my NHS number as 943 476 5918.", [("NHS_NUMBER", "943 476 5918")]),
        ("NI number QQ 12 34 56 C please", [("NI_NUMBER", "QQ 12 34 56 C")]),
        ("my ni is ab123456c", [("NI_NUMBER", "ab123456c")]),
        ("Ring me on 07700 900123 after three", [("PHONE", "07700 900123")]),
        (
            "or +44 7700 900123, or (01632) 960123",
            [("PHONE", "+44 7700 900123"), ("PHONE", "(01632) 960123")],
        ),
        ("the office is 020 7946 0018", [("PHONE", "020 7946 0018")]),
        ("email jo.smith99@example.co.uk thanks", [("EMAIL", "jo.smith99@example.co.uk")]),
        ("see www.facebook.com/jo.smith.cakes.", [("URL", "www.facebook.com/jo.smith.cakes")]),
        ("postcode ss1 1aa, or CO151AB", [("POSTCODE", "ss1 1aa"), ("POSTCODE", "CO151AB")]),
        ("I live at 14 Victoria Road now", [("ADDRESS", "14 Victoria Road")]),
        ("It's Flat 3, 27 High Street.", [("ADDRESS", "Flat 3, 27 High Street")]),
        ("We got moved to 59 Brooklands last spring", [("ADDRESS", "59 Brooklands")]),
        ("I was born on 12/03/1985 in Clacton", [("DATE_OF_BIRTH", "12/03/1985")]),
        ("DOB: 3rd May 1990.", [("DATE_OF_BIRTH", "3rd May 1990")]),
        ("My name's Priya and I'm 34", [("PERSON", "Priya")]),
        ("Dr Okafor signed me off", [("PERSON", "Okafor")]),
        ("my son Jake has autism", [("PERSON", "Jake")]),
        ("Me and Agnieszka went to the jobs fair", [("PERSON", "Agnieszka")]),
        ("Thanks for meeting me, Efua.", [("PERSON", "Efua")]),
        ("i pick up my daughter funmi at three", [("PERSON", "funmi")]),
        ("my key worker kwame okafor helped me", [("PERSON", "kwame okafor")]),
    ],
)
def test_identifiers_are_found_with_their_exact_spans(redactor, text, expected):
    assert found(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Will it help? I honestly don't know.",
        "There's hope now, which there wasn't before.",
        "They gave me a grace period on the rent arrears.",
        "Mark my words, I'll be working by Christmas.",
        "I was at Southend Hospital, then the Job Centre Plus sent me on a course.",
        "My GP said the NHS could refer me.",
        "I get B12 injections every twelve weeks.",
        "It's a 30 minute walk and 2 buses down the road.",
        "I started on 12 March 2024 and earned £1,250 a month in 2019 and 2020.",
        "We work 9 to 5, 37.5 hours, and the A127 was shut.",
        "Jaywick to Clacton takes an hour on the bus.",
        "my daughter wrote to me and my son started college",
    ],
)
def test_ordinary_words_places_and_services_are_kept(redactor, text):
    assert found(redactor, text) == []


def test_repeated_and_invalid_nhs_numbers_are_not_taken_without_context(redactor):
    assert found(redactor, "Order 111 111 1111 and 943 476 5918 arrived") == []


def test_register_names_are_found_in_any_case_and_in_part(redactor):
    text = "kerry-ann whitfield came round, then Kerry-Ann rang Tomasz."
    assert found(redactor, text) == [
        ("PERSON", "kerry-ann whitfield"),
        ("PERSON", "Kerry-Ann"),
        ("PERSON", "Tomasz"),
    ]


def test_placeholders_are_consistent_within_a_document(redactor):
    turns = [
        "Hiya, I'm Carol Bennett from the programme.",
        "Carol helped me, and Tomasz Nowak rang me on 07700 900123.",
        "Tomasz again, same number 07700 900123. Thanks Carol.",
    ]
    done = redactor.redact_parts(turns)
    assert done[0].text == "Hiya, I'm [PERSON_1] from the programme."
    assert done[1].text == "[PERSON_1] helped me, and [PERSON_2] rang me on [PHONE_1]."
    assert done[2].text == "[PERSON_2] again, same number [PHONE_1]. Thanks [PERSON_1]."


def test_offsets_point_into_the_input_text(redactor):
    text = "Ring Kerry-Ann on 07700 900123 or email kaw@example.org, SS1 1AA."
    result = redactor.redact(text)
    assert result.spans == [
        Span(5, 14, "PERSON", "[PERSON_1]"),
        Span(18, 30, "PHONE", "[PHONE_1]"),
        Span(40, 55, "EMAIL", "[EMAIL_1]"),
        Span(57, 64, "POSTCODE", "[POSTCODE_1]"),
    ]
    assert result.text == "Ring [PERSON_1] on [PHONE_1] or email [EMAIL_1], [POSTCODE_1]."


def test_separate_documents_have_their_own_numbering(redactor):
    done = redactor.redact_many(["Tomasz rang.", "Carol rang, then Tomasz."])
    assert [d.text for d in done] == ["[PERSON_1] rang.", "[PERSON_1] rang, then [PERSON_2]."]


def test_for_study_uses_names_keep_terms_and_cohort_places(example_study_redactor):
    text = "I moved from Southend-on-Sea to Basildon with Kerry-Ann Whitfield."
    assert [s.label for s in example_study_redactor.redact(text).spans] == ["PERSON"]


@pytest.fixture(scope="module")
def example_study_redactor() -> Redactor:
    from toolkit.study.config import load_study

    return Redactor.for_study(load_study("surveys/example"), REGISTER)


def test_empty_and_blank_text(redactor):
    assert redactor.redact("").text == ""
    assert redactor.redact_parts(["", "  "])[1].spans == []


def test_lxt_redact_reads_and_writes_jsonl(tmp_path):
    source = tmp_path / "in.jsonl"
    lines = [
        {"id": "a1", "text": "My name is Sarah Jones, NHS 943 476 5919."},
        {"id": 2, "text": "Will it help? I live at 14 Victoria Road, SS1 1AA."},
    ]
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    lxt = Path(sys.executable).parent / "lxt"
    run = subprocess.run(
        [str(lxt), "redact", str(source), "-o", str(target)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert out[0] == {
        "id": "a1",
        "text": "My name is [PERSON_1], NHS [NHS_NUMBER_1].",
        "spans": [
            {"start": 11, "end": 22, "label": "PERSON"},
            {"start": 28, "end": 40, "label": "NHS_NUMBER"},
        ],
    }
    assert out[1]["text"] == "Will it help? I live at [ADDRESS_1], [POSTCODE_1]."
    assert [s["label"] for s in out[1]["spans"]] == ["ADDRESS", "POSTCODE"]


def test_lxt_redact_reports_bad_lines(tmp_path):
    from toolkit.jsonl import read_id_text_jsonl as read_jsonl_texts

    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": 1, "text": "ok"}\nnot json\n{"id": 3}\n', encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_jsonl_texts(source)
    assert [p.row for p in err.value.problems] == [2, 3]
    assert "'text' is missing" in str(err.value.problems[1])
