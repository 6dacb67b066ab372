"""A team learns from text it coded earlier (`lxt learn TEXTS --labels`) and codes the next batch
(`lxt code --model`), and every bad input gets one clear line, exit 1 and nothing written.

The texts are synthetic (made here from a fixed seed); the meaning model is left out
(``--embedding none``) so the tests are fast, and the learner's word features carry them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_lxt as lxt

from toolkit.coding.learner import TextCoder, apply_rule, best_f1_threshold, labelling_style
from toolkit.errors import (
    LABELS_CODE_ONE_EXAMPLE,
    LABELS_EMPTY,
    LABELS_UNKNOWN_ID,
    MODEL_FOLDER_MISSING,
    TEXT_EMPTY,
)

TRANSPORT = [
    "the bus was late",
    "no bus on sundays",
    "the train fare is too much",
    "buses stop at six",
    "I could not get a lift to the centre",
    "the fare went up",
]
CHILDCARE = [
    "my kids need looking after",
    "no childcare near me",
    "nursery fees are huge",
    "the school run clashes",
    "the childminder let me down",
    "after school club is full",
]
OTHER = [
    "the staff were lovely",
    "I liked the course",
    "great support overall",
    "the advisor listened",
    "nothing to add",
    "it was fine",
]
ENDINGS = ["", " again", " every week", " honestly", " as usual", " this month"]


def corpus(n=120, seed=5):
    """Texts and long-layout labels; a third transport, a third childcare, a third neither."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        kind = i % 3
        pool = [TRANSPORT, CHILDCARE, OTHER][kind]
        texts.append({"id": f"t{i}", "text": rng.choice(pool) + rng.choice(ENDINGS)})
        if kind < 2:
            labels.append((f"t{i}", ["transport", "childcare"][kind]))
    return texts, labels


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_long(path: Path, labels) -> Path:
    path.write_text("id,code\n" + "".join(f"{i},{c}\n" for i, c in labels), encoding="utf-8")
    return path


@pytest.fixture
def coded(tmp_path):
    texts, labels = corpus()
    return write_jsonl(tmp_path / "texts.jsonl", texts), write_long(tmp_path / "labels.csv", labels)


def test_learn_then_code_new_text_with_the_documented_contract(
    tmp_path, coded, monkeypatch, capsys
):
    texts, labels = coded
    model = tmp_path / "model"
    status, out, err = lxt(
        capsys, monkeypatch, "learn", texts, "--labels", labels, "-o", model, "--embedding", "none"
    )
    assert status == 0, err
    meta = json.loads((model / "model.json").read_text())
    counts = {c["code"]: c["examples"] for c in meta["codes"]}
    assert counts == {"transport": 40, "childcare": 40}  # independent count of the labels
    assert meta["texts"] == 120 and meta["toolkit_version"]
    assert all(c["f1"] > 0.9 for c in meta["codes"])  # the two themes share no words
    cv = pd.read_csv(model / "coding_cv_metrics.csv")
    assert list(cv["code"]) == ["transport", "childcare"]

    new = write_jsonl(
        tmp_path / "new.jsonl",
        [
            {"id": "a", "text": "the bus never came"},
            {"id": "b", "text": "nursery closed"},
            {"id": "c", "text": "the course was great"},
        ],
    )
    status, _, err = lxt(
        capsys, monkeypatch, "code", new, "--model", model, "-o", tmp_path / "o.jsonl"
    )
    assert status == 0, err
    lines = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "c"]
    assert [[c["code"] for c in x["codes"]] for x in lines] == [["transport"], ["childcare"], []]
    first = lines[0]["codes"][0]
    assert set(first) == {"code", "score", "evidence"} and 0.5 < first["score"] <= 1.0
    assert "bus" in first["evidence"] and "like coded example" in first["evidence"]


def test_wide_layout_from_excel_learns_the_same_counts(tmp_path, coded, monkeypatch, capsys):
    texts, _ = coded
    raw, long = corpus()
    wide = pd.DataFrame({"id": [r["id"] for r in raw]})
    for code in ("transport", "childcare"):
        mine = {i for i, c in long if c == code}
        wide[code] = [1 if i in mine else None for i in wide["id"]]
    wide.to_excel(tmp_path / "labels.xlsx", index=False)
    model = tmp_path / "model"
    status, _, err = lxt(
        capsys,
        monkeypatch,
        "learn",
        texts,
        "--labels",
        tmp_path / "labels.xlsx",
        "-o",
        model,
        "--embedding",
        "none",
    )
    assert status == 0, err
    meta = json.loads((model / "model.json").read_text())
    assert {c["code"]: c["examples"] for c in meta["codes"]} == {"transport": 40, "childcare": 40}
    assert {c["code"]: c["non_examples"] for c in meta["codes"]} == {
        "transport": 80,
        "childcare": 80,
    }


def _bad(tmp_path, coded, monkeypatch, capsys, *, texts=None, labels=None):
    model = tmp_path / "model"
    status, out, err = lxt(
        capsys,
        monkeypatch,
        "learn",
        texts or coded[0],
        "--labels",
        labels or coded[1],
        "-o",
        model,
        "--embedding",
        "none",
    )
    assert status == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not model.exists()
    return err


def test_label_for_an_unknown_id_is_one_line_naming_row_and_column(
    tmp_path, coded, monkeypatch, capsys
):
    labels = tmp_path / "bad.csv"
    labels.write_text(coded[1].read_text() + "t999,transport\n")
    err = _bad(tmp_path, coded, monkeypatch, capsys, labels=labels)
    assert "row 82" in err and "column 'id'" in err and LABELS_UNKNOWN_ID in err and "t999" in err


def test_code_with_one_example_is_refused(tmp_path, coded, monkeypatch, capsys):
    labels = tmp_path / "bad.csv"
    labels.write_text(coded[1].read_text() + "t2,benefits\n")
    err = _bad(tmp_path, coded, monkeypatch, capsys, labels=labels)
    assert "'benefits'" in err and LABELS_CODE_ONE_EXAMPLE in err


def test_empty_label_file_is_refused(tmp_path, coded, monkeypatch, capsys):
    labels = tmp_path / "empty.csv"
    labels.write_text("")
    assert LABELS_EMPTY in _bad(tmp_path, coded, monkeypatch, capsys, labels=labels)


def test_an_empty_text_is_refused_with_its_line(tmp_path, coded, monkeypatch, capsys):
    texts, _ = corpus()
    texts[3]["text"] = "   "
    path = write_jsonl(tmp_path / "t.jsonl", texts)
    err = _bad(tmp_path, coded, monkeypatch, capsys, texts=path)
    assert "row 4" in err and "column 'text'" in err and TEXT_EMPTY in err


def _learn_words_only(capsys, monkeypatch, coded, model):
    """``lxt learn`` on the small corpus without a meaning model (fast); returns the folder."""
    args = ["learn", coded[0], "--labels", coded[1], "-o", model, "--embedding", "none"]
    lxt(capsys, monkeypatch, *args)
    return model


def test_model_folder_from_another_version_is_refused(tmp_path, coded, monkeypatch, capsys):
    model = _learn_words_only(capsys, monkeypatch, coded, tmp_path / "model")
    meta = json.loads((model / "model.json").read_text())
    meta["toolkit_version"] = "0.0.1"
    (model / "model.json").write_text(json.dumps(meta))
    out = tmp_path / "o.jsonl"
    status, _, err = lxt(capsys, monkeypatch, "code", coded[0], "--model", model, "-o", out)
    assert status == 1 and "0.0.1" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    status, _, err = lxt(capsys, monkeypatch, "code", coded[0], "--model", tmp_path, "-o", out)
    assert status == 1 and MODEL_FOLDER_MISSING in err


def test_codebook_without_the_models_codes_is_refused(tmp_path, coded, monkeypatch, capsys):
    model = _learn_words_only(capsys, monkeypatch, coded, tmp_path / "model")
    book = tmp_path / "book.yml"
    book.write_text("codes:\n  - id: transport\n    definition: Getting there.\n")
    status, _, err = lxt(
        capsys, monkeypatch, "code", coded[0], "--model", model, "--codebook", book
    )
    assert status == 1 and "childcare" in err and len(err.strip().splitlines()) == 1


def test_codes_with_too_few_examples_are_named_and_left_to_people():
    texts, long = corpus()
    labels = pd.DataFrame({"transport": [0] * len(texts), "rare": [0] * len(texts)})
    for i, code in long:
        if code == "transport":
            labels.loc[int(i[1:]), "transport"] = 1
    labels.loc[[0, 3, 6], "rare"] = 1
    coder = TextCoder(embedding=None).fit([t["text"] for t in texts], labels)
    m = coder.metrics_.set_index("code")
    assert not m.loc["rare", "trained"] and "left to people" in m.loc["rare", "note"]
    assert m.loc["rare", "examples"] == 3
    assert coder.learned_codes == ["transport"]


def test_best_threshold_maximises_f1_against_a_brute_force_search():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.5 * y + rng.normal(0.25, 0.2, 200), 0, 1)
    cut = best_f1_threshold(y, p)

    def f1(t):
        said = p >= t
        tp = (said & (y == 1)).sum()
        return 2 * tp / (said.sum() + y.sum())

    best = max(f1(t) for t in np.linspace(0, 1, 2001))
    assert f1(cut) == pytest.approx(best, abs=1e-9)


def test_single_label_coding_applies_exactly_the_best_code():
    labels = pd.DataFrame({"a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1]})
    assert labelling_style(labels) == "single"
    proba = np.array([[0.2, 0.3, 0.1], [0.9, 0.8, 0.1]])
    chosen = apply_rule(proba, np.array([0.5, 0.5, 0.5]), "single")
    assert chosen.tolist() == [[False, True, False], [True, False, False]]
    chosen = apply_rule(proba, np.array([0.5, 0.5, 0.5]), "at_least_one")
    assert chosen.tolist() == [[False, True, False], [True, True, False]]


def test_single_label_picks_the_way_to_choose_the_best_code_by_cross_validation():
    rng = random.Random(9)
    common = ["the staff were kind", "nurses were lovely", "friendly team", "kind staff"]
    rare = ["parking was awful", "no parking spaces", "the car park was full"]
    texts, rows = [], []
    for i in range(150):
        is_rare = i % 10 == 0
        texts.append(rng.choice(rare if is_rare else common) + rng.choice(ENDINGS))
        rows.append({"staff": int(not is_rare), "parking": int(is_rare)})
    coder = TextCoder(embedding=None, min_examples=3).fit(texts, pd.DataFrame(rows))
    proba = coder.oof_
    thresholds = np.array([coder.thresholds_[c] for c in coder.learned_codes])
    truth = pd.DataFrame(rows).to_numpy() == 1

    def macro(chosen):
        out = []
        for j in range(2):
            tp = (chosen[:, j] & truth[:, j]).sum()
            out.append(2 * tp / (chosen[:, j].sum() + truth[:, j].sum()))
        return np.mean(out)

    plain = macro(apply_rule(proba, thresholds, "single"))
    relative = macro(apply_rule(proba / thresholds, np.ones(2), "single"))
    assert coder.relative_ == (relative > plain)
    # Whichever was chosen, every text gets exactly one code.
    assert (coder.decide(proba).sum(axis=1) == 1).all()


def test_codes_learned_in_two_processes_equal_those_learned_in_one():
    texts, long = corpus(n=150, seed=11)
    labels = pd.DataFrame({"transport": [0] * len(texts), "childcare": [0] * len(texts)})
    for i, code in long:
        labels.loc[int(i[1:]), code] = 1
    said = [t["text"] for t in texts]
    one = TextCoder(embedding=None, jobs=1).fit(said, labels)
    two = TextCoder(embedding=None, jobs=2).fit(said, labels)
    assert one.learned_codes == two.learned_codes == ["transport", "childcare"]
    for code in one.learned_codes:
        np.testing.assert_array_equal(one.models_[code].coef_, two.models_[code].coef_)
        assert one.thresholds_[code] == two.thresholds_[code]
    np.testing.assert_array_equal(one.oof_, two.oof_)
    pd.testing.assert_frame_equal(one.metrics_, two.metrics_)
    assert two.metrics_.set_index("code").loc["transport", "f1"] > 0.9
