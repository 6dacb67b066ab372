"""People residents talk about are redacted however they are written, without any register."""

from __future__ import annotations

import pytest

from toolkit.privacy.recognisers.name_lists import first_name_frequency, is_everyday_word
from toolkit.privacy.redact import Redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def people(redactor: Redactor, text: str) -> list[str]:
    return [text[s.start : s.end] for s in redactor.redact(text).spans if s.label == "PERSON"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call Shannon Thompson on 07700 900123.", ["Shannon Thompson"]),
        ("Call Megan on 07700 900456 after six.", ["Megan"]),
        ("I went along with Reece Clarke to the fair.", ["Reece Clarke"]),
        ("Callum Smith-Jones sorted my CV.", ["Callum Smith-Jones"]),
        ("Me and Siobhan both started on the Monday.", ["Siobhan"]),
        ("Zofia Begum helped me with the forms.", ["Zofia Begum"]),
        ("I was referred by Szabina J Gelencsér.", ["Szabina J Gelencsér"]),
        ("Then Faina D. Yefremova rang about the flat.", ["Faina D. Yefremova"]),
        ("My neighbour Tomomi Nishiyama drives me in.", ["Tomomi Nishiyama"]),
        ("thanks to patricia desrosiers i got the job", ["patricia desrosiers"]),
        ("ASKED FOR DAVOR BUT HE WAS OFF THAT WEEK", ["DAVOR"]),
        ("Paula de Celma runs the drop-in.", ["Paula de Celma"]),
    ],
)
def test_names_from_everywhere_are_found_with_their_surname(redactor, text, expected):
    assert people(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Will it help? I don't know yet.",
        "They gave me a grace period on the council tax.",
        "I went to the Princess Alexandra Hospital in Harlow.",
        "The food bank at St Mary's church is open on Fridays.",
        "MY CONFIDENCE WENT FROM 3 OUT OF 10 TO 8.",
        "my ni is ab123456c and im on universal credit",
    ],
)
def test_places_services_and_everyday_words_are_not_people(redactor, text):
    assert people(redactor, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A possessive is not part of the name.
        ("Astrid's brother knows the manager.", ["Astrid"]),
        # Lower case or capitals, with what a person does after the name.
        ("meryeme picked me up at half eight.", ["meryeme"]),
        ("jamie got me the interview.", ["jamie"]),
        ("IT WAS REGINALD WHO FOUND THE FLAT FOR US.", ["REGINALD"]),
        ("I owe mihnea a lot, honestly.", ["mihnea"]),
        # After a title, any word is a surname.
        ("Mr king was my line manager.", ["king"]),
        ("Professor alfonsi did my assessment.", ["alfonsi"]),
        # Names listed with a name already found.
        (
            "Everyone, Prasetyo, Deanna and Kieran Lewis, was kind.",
            ["Prasetyo", "Deanna", "Kieran Lewis"],
        ),
        ("The team, Priya, Tom and Eve, worked with us.", ["Priya", "Tom", "Eve"]),
        ("Mrs Okafor and Mrs Day ran the panel.", ["Okafor", "Day"]),
        # The name starts at the first name; the model's lower-case call is checked by the list.
        ("Tell Kelly Moss I said hello.", ["Kelly Moss"]),
        ("I went round to Sarah's house after.", ["Sarah"]),
        ("Things got better thanks to Tracy's service.", ["Tracy"]),
        ("tell kelly moss i said hello.", ["kelly moss"]),
        # Common British first names the dictionary also lists as rare words.
        ("When I got home from hospital Pauline the physio came round.", ["Pauline"]),
    ],
)
def test_names_without_a_word_that_announces_them(redactor, text, expected):
    assert people(redactor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Clacton Pier is where I had my first job.",
        "They were Kind and Patient with me the whole way.",
        "Sunday dinners at the Harvester were our treat.",
        "My Dr rang me on Monday morning.",
        "It was complicated by his MS which meant more visits.",
        "im from jaywick and im on universal credit",
        "The shifts were too much for me and, um, I left after a few weeks.",
        "The staff at Marfield and Oakby Children's Centre are kind.",
    ],
)
def test_titles_articles_and_places_keep_words_out_of_names(redactor, text):
    assert people(redactor, text) == []


def test_a_name_found_once_is_redacted_wherever_it_appears_in_the_document(redactor):
    turns = [
        "Shannon Thompson from the job club rang me.",
        "Honestly shannon was the reason I stuck with it.",
        "THOMPSON KNEW EVERYONE AT THE HUB.",
    ]
    done = redactor.redact_parts(turns)
    assert [r.text for r in done] == [
        "[PERSON_1] from the job club rang me.",
        "Honestly [PERSON_1] was the reason I stuck with it.",
        "[PERSON_1] KNEW EVERYONE AT THE HUB.",
    ]


def test_propagation_leaves_everyday_uses_of_a_name_word(redactor):
    done = redactor.redact_parts(["Grace Evans helped me.", "They gave me a grace period."])
    assert [r.text for r in done] == ["[PERSON_1] helped me.", "They gave me a grace period."]


def test_the_first_name_list_knows_frequencies_in_great_britain_and_elsewhere():
    # The dictionary's own lines: "F  Siobhan ... 28" (Great Britain 2, Ireland 8) and
    # "F  Zofia ... 8" (Poland 8, nothing in Great Britain).
    assert first_name_frequency("Siobhan", "great_britain") == 2
    assert first_name_frequency("siobhan") == 8
    assert first_name_frequency("Zofia") == 8
    assert first_name_frequency("Zofia", "great_britain") == 0
    assert first_name_frequency("Spreadsheet") == 0
    assert is_everyday_word("Will") and not is_everyday_word("Siobhan")
