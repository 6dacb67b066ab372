"""The codebook a peer researcher applies: the shipped one is complete, bad ones are explained."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from toolkit.coding.codebook import load_codebook
from toolkit.errors import UserError
from toolkit.synthetic.phrases import THEME_IDS

SHIPPED = Path(__file__).resolve().parent.parent / "codebooks" / "employment_support.yml"
# The ids the synthetic study's ground truth uses (surveys/example/truth/themes.csv).
EXPECTED_IDS = set(THEME_IDS)


@pytest.fixture(scope="module")
def book():
    return load_codebook(SHIPPED)


def test_shipped_codebook_has_exactly_the_study_codes(book):
    assert set(book.codable_ids) == EXPECTED_IDS
    assert len(book.codable_ids) == 15


def test_every_code_can_be_applied_by_a_peer_researcher(book):
    for code in book.codable:
        assert len(code.definition.split()) >= 10, code.id
        assert code.include and code.exclude, code.id
        assert len(code.examples) >= 3, code.id
        assert code.keywords and code.lemma_patterns, code.id
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", code.color), code.id


def test_hierarchy_groups_codes_under_non_codable_categories(book):
    categories = {c.id for c in book.categories}
    assert categories == {
        "personal_circumstances",
        "recruitment_process",
        "support",
        "work_and_future",
    }
    assert book.code("transport").parent == "personal_circumstances"
    assert book.code("checks_waits").parent == "recruitment_process"
    assert book.code("buddies_mentors").parent == "support"
    assert set(book.code("support").children) == {"job_club_support", "buddies_mentors"}
    assert all(book.code(c).parent in categories for c in book.codable_ids)
    assert not book.code("support").codable
    # Parents come before their children, as REFI-QDA nests them.
    order = [c.id for c in book.codes]
    assert order.index("support") < order.index("job_club_support")


def test_description_joins_definition_and_guidance(book):
    text = book.code("transport").description
    assert text.startswith("Getting to training, interviews or work")
    assert "\nInclude: Bus or train fares" in text
    assert "\nExclude: Money worries" in text


def test_every_problem_is_reported_with_file_and_code_id(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(
        textwrap.dedent(
            """\
            name: bad
            codes:
              - id: barriers
                name: Barriers
                children:
                  - id: transport
                    definition: Getting there.
                    color: orange
                    regex: ['(bus']
                  - id: transport
                    definition: Again.
                  - id: childcare
                    name: Childcare
                    lemma_patterns: ["* nursery"]
                    colour: "#FFFFFF"
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(UserError) as info:
        load_codebook(path)
    lines = info.value.lines
    assert all(line.startswith(str(path)) for line in lines)
    text = "\n".join(lines)
    assert "code 'transport': colour is not valid: found 'orange', expected #RRGGBB" in text
    assert "code 'transport': regex does not compile" in text
    assert "code 'transport': id is used more than once" in text
    assert "code 'childcare': 'definition' is missing" in text
    assert "code 'childcare': unknown key 'colour'" in text
    assert "code 'childcare': lemma pattern is not valid: found '* nursery'" in text
    assert len(lines) == 6


def test_lemma_words_the_tokenizer_splits_are_reported(tmp_path):
    # "long-term" is three tokens to spaCy, so as one lemma alternative it never matched.
    path = tmp_path / "hyphen.yml"
    path.write_text(
        textwrap.dedent(
            """\
            name: hyphen
            codes:
              - id: health
                definition: Health.
                lemma_patterns: ["long term|long-term condition", "can * not|don't cope"]
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(UserError) as info:
        load_codebook(path)
    text = "\n".join(info.value.lines)
    assert "lemma pattern has 'long-term', which is several words" in text
    assert 'lemma pattern has "don\'t"' in text
    assert len(info.value.lines) == 2


def test_broken_yaml_names_the_row(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("codes:\n  - id: a\n   name: [unclosed\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"broken.yml, row \d+: not valid YAML"):
        load_codebook(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="codebook not found"):
        load_codebook(tmp_path / "nope.yml")
