"""Review in Excel: export a workbook, fill it in as a person would, import it back."""

from __future__ import annotations

import shutil
import sys

import pandas as pd
import pytest
from coding_study import make_study
from openpyxl import Workbook, load_workbook

from toolkit.coding.codebook import load_study_codebook as study_codebook
from toolkit.coding.decisions import (
    current_decisions,
    log_path,
    orphaned_decisions,
    read_decisions,
    text_hash,
)
from toolkit.coding.review_export import META_SHEET, export_review, read_meta
from toolkit.coding.review_import import import_review
from toolkit.coding.review_select import mix_groups
from toolkit.errors import UserError

DECISION_1, DECISION_2, ADD_1 = 9, 12, 22  # columns (1-based) in the Review sheet


@pytest.fixture()
def mini(tmp_path):
    study, outputs = make_study(tmp_path)
    return study, outputs, tmp_path


def _row_of(ws, seg_id):
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == seg_id:
            return r
    raise AssertionError(seg_id)


def _fill(path, choices):
    """choices: {seg_id: {column: value}}; saved as a reviewer would save it."""
    wb = load_workbook(path)
    ws = wb["Review"]
    for seg, cells in choices.items():
        r = _row_of(ws, seg)
        for col, value in cells.items():
            ws.cell(r, col).value = value
    wb.save(path)


def test_the_workbook_is_ready_for_a_peer_researcher(mini):
    study, outputs, tmp = mini
    batch = export_review(study, "pr01", tmp / "pr01.xlsx", n=5, outputs=outputs)
    assert batch.n_rows == 5 and batch.order == "score"
    wb = load_workbook(tmp / "pr01.xlsx")
    assert wb.sheetnames == ["Review", "Instructions", "Codebook", META_SHEET]
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb[META_SHEET].protection.sheet
    ws = wb["Review"]
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["E"].width == 60
    assert ws["E2"].alignment.wrap_text
    assert ws["G1"].value == "Suggested code 1" and ws["I1"].value == "Decision 1"
    # Highest-scoring suggestion first: "There is no bus before 7." (transport 0.92).
    assert ws["E2"].value == "There is no bus before 7."
    assert ws["G2"].value == "transport — Transport"
    assert ws["H2"].value == "score 0.92: bus"
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert lists['"accept,reject"'].startswith("I2:I6")
    assert lists["'Codebook'!$A$2:$A$6"] == "V2:X6"  # five codable codes to add from
    assert wb["Codebook"]["A2"].value == "transport — Transport"
    assert ws["I2"].protection.locked is False and ws["E2"].protection.locked is True
    meta = read_meta(tmp / "pr01.xlsx")
    assert meta["info"]["reviewer"] == "pr01" and meta["info"]["study"] == "mini"
    assert [r["seg_id"] for r in meta["rows"]] == batch.seg_ids


def test_text_that_looks_like_a_formula_stays_text(mini):
    study, outputs, tmp = mini
    segments = outputs.read("segments")
    segments.loc[0, "text"] = '=HYPERLINK("http://x")'
    outputs.write("segments", segments)
    export_review(study, "pr01", tmp / "f.xlsx", n=20, outputs=outputs)
    ws = load_workbook(tmp / "f.xlsx")["Review"]
    cell = ws.cell(_row_of(ws, segments.loc[0, "seg_id"]), 5)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_decisions_come_back_with_reviewer_batch_and_time(mini):
    study, outputs, tmp = mini
    batch = export_review(study, "pr01", tmp / "pr01.xlsx", n=20, outputs=outputs)
    s = outputs.read("segments").set_index("text")["seg_id"]
    bus = s["There is no bus before 7."]
    childcare = s["Childcare costs too much – it eats my wages."]
    _fill(
        tmp / "pr01.xlsx",
        {
            bus: {DECISION_1: "accept", ADD_1: "training — Training"},
            childcare: {DECISION_1: "Accept", DECISION_2: "reject"},  # people type capitals
        },
    )
    report = import_review(study, tmp / "pr01.xlsx")
    assert dict(report.counts) == {"accept": 2, "reject": 1, "add": 1}
    log = read_decisions(study)
    assert len(log) == 4
    assert set(log["reviewer"]) == {"pr01"} and set(log["batch_id"]) == {batch.batch_id}
    assert set(log["source_file"]) == {"pr01.xlsx"}
    got = set(zip(log["seg_id"], log["code"], log["decision"], strict=True))
    assert got == {
        (bus, "transport", "accept"),
        (bus, "training", "add"),
        (childcare, "childcare", "accept"),
        (childcare, "confidence", "reject"),
    }
    assert log["decided_at"].str.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()

    # The same workbook again: nothing new, the log is byte-for-byte unchanged.
    before = log_path(study).read_bytes()
    again = import_review(study, tmp / "pr01.xlsx")
    assert again.result.already_imported and "already imported" in again.message
    assert log_path(study).read_bytes() == before

    # A changed mind: one new row; the earlier decision stays in the log.
    _fill(tmp / "pr01.xlsx", {childcare: {DECISION_2: "accept"}})
    changed = import_review(study, tmp / "pr01.xlsx")
    assert changed.result.appended == 1
    assert log_path(study).read_bytes().startswith(before)
    current = current_decisions(study).set_index(["seg_id", "code"])["decision"]
    assert current[(childcare, "confidence")] == "accept"
    assert len(read_decisions(study)) == 5


def test_two_reviewers_get_the_same_segments_and_both_are_kept(mini):
    study, outputs, tmp = mini
    first = export_review(study, "pr01", tmp / "pr01.xlsx", n=4, outputs=outputs)
    second = export_review(
        study, "pr02", tmp / "pr02.xlsx", outputs=outputs, segments_from=tmp / "pr01.xlsx"
    )
    assert second.seg_ids == first.seg_ids and second.order == "workbook"
    seg = first.seg_ids[0]
    _fill(tmp / "pr01.xlsx", {seg: {DECISION_1: "accept"}})
    _fill(tmp / "pr02.xlsx", {seg: {DECISION_1: "reject"}})
    import_review(study, tmp / "pr01.xlsx")
    import_review(study, tmp / "pr02.xlsx")
    current = current_decisions(study)
    assert sorted(zip(current["reviewer"], current["decision"], strict=True)) == [
        ("pr01", "accept"),
        ("pr02", "reject"),
    ]
    # pr01's next workbook skips what they decided; a new reviewer is still offered it.
    nxt = export_review(study, "pr01", tmp / "pr01b.xlsx", n=20, outputs=outputs)
    assert seg not in nxt.seg_ids and len(nxt.seg_ids) == len(outputs.read("segments")) - 1
    other = export_review(study, "pr03", tmp / "pr03.xlsx", n=20, outputs=outputs)
    assert seg in other.seg_ids


def test_a_filled_in_workbook_is_never_overwritten_by_accident(mini):
    study, outputs, tmp = mini
    batch = export_review(study, "pr01", tmp / "pr01.xlsx", n=3, outputs=outputs)
    _fill(tmp / "pr01.xlsx", {batch.seg_ids[0]: {DECISION_1: "accept"}})
    with pytest.raises(UserError, match="file already exists"):
        export_review(study, "pr01", tmp / "pr01.xlsx", n=3, outputs=outputs)
    wb = load_workbook(tmp / "pr01.xlsx")
    assert wb["Review"].cell(2, DECISION_1).value == "accept"
    again = export_review(study, "pr01", tmp / "pr01.xlsx", n=3, outputs=outputs, overwrite=True)
    assert again.batch_id != batch.batch_id


def test_cohort_filter(mini):
    study, outputs, tmp = mini
    batch = export_review(
        study, "pr01", tmp / "s.xlsx", n=50, outputs=outputs, cohorts=["southend"]
    )
    segments = outputs.read("segments").set_index("seg_id")
    assert set(segments.loc[batch.seg_ids, "cohort"]) == {"southend"}
    with pytest.raises(UserError, match="unknown cohort"):
        export_review(study, "pr01", tmp / "x.xlsx", outputs=outputs, cohorts=["jaywick"])


def _problems(study, path):
    with pytest.raises(UserError) as err:
        import_review(study, path)
    assert not log_path(study).exists()  # nothing appended on any problem
    return err.value.lines


def test_edited_text_removed_rows_and_unknown_codes_are_named_precisely(mini):
    study, outputs, tmp = mini
    batch = export_review(study, "pr01", tmp / "b.xlsx", n=6, outputs=outputs)
    wb = load_workbook(tmp / "b.xlsx")
    ws = wb["Review"]
    ws["E3"] = ws["E3"].value + " (edited)"
    ws["I2"] = "maybe"
    ws["V4"] = "housing — Housing"
    removed = ws["A7"].value
    ws.delete_rows(7)
    wb.save(tmp / "b.xlsx")
    lines = _problems(study, tmp / "b.xlsx")
    file = str(tmp / "b.xlsx")
    assert any(
        line.startswith(
            f"{file} [sheet Review], row 3, column 'What they said': the text was edited"
        )
        for line in lines
    )
    assert any(
        line.startswith(
            f"{file} [sheet Review], row 2, column 'Decision 1': unknown "
            "decision: found 'maybe', expected accept, reject or blank"
        )
        for line in lines
    )
    assert any(
        "row 4, column 'Add code 1': unknown code: found 'housing — Housing'" in line
        for line in lines
    )
    assert any(
        f"row 7, column 'Segment': a row was removed: found '{removed}'" in line for line in lines
    )
    assert batch.n_rows == 6


def test_a_workbook_from_elsewhere_is_refused(mini):
    study, outputs, tmp = mini
    plain = Workbook()
    plain.active["A1"] = "not ours"
    plain.save(tmp / "plain.xlsx")
    (lines,) = [_problems(study, tmp / "plain.xlsx")]
    assert "not a review workbook from `lxt review export`" in lines[0]
    (tmp / "notes.xlsx").write_text("hello", encoding="utf-8")
    assert "not an Excel workbook" in _problems(study, tmp / "notes.xlsx")[0]

    export_review(study, "pr01", tmp / "b.xlsx", n=3, outputs=outputs)
    other_root = tmp / "other"
    other, _ = make_study(other_root)
    text = (
        (other.folder / "study.yml")
        .read_text(encoding="utf-8")
        .replace("name: mini", "name: other")
    )
    (other.folder / "study.yml").write_text(text, encoding="utf-8")
    from toolkit.study.config import load_study

    lines = _problems(load_study(other.folder), tmp / "b.xlsx")
    assert "this workbook belongs to another study: found 'mini'" in lines[0]


def test_a_changed_header_is_refused(mini):
    study, outputs, tmp = mini
    export_review(study, "pr01", tmp / "b.xlsx", n=3, outputs=outputs)
    wb = load_workbook(tmp / "b.xlsx")
    wb["Review"].insert_cols(5)
    wb.save(tmp / "b.xlsx")
    lines = _problems(study, tmp / "b.xlsx")
    assert "row 1, column 'What they said': the header row was changed" in lines[0]


def test_the_command_line_round_trip(mini, monkeypatch, capsys):
    from toolkit.cli import main

    study, outputs, tmp = mini

    def lxt(*args):
        monkeypatch.setattr(sys, "argv", ["lxt", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code
        return code, capsys.readouterr()

    code, out = lxt(
        "review",
        "export",
        study.folder,
        "--reviewer",
        "pr01",
        "-o",
        tmp / "b.xlsx",
        "--n",
        "3",
        "--out",
        outputs.root,
    )
    assert code == 0 and "Wrote 3 segments for pr01" in out.out
    seg = read_meta(tmp / "b.xlsx")["rows"][0]["seg_id"]
    _fill(tmp / "b.xlsx", {seg: {DECISION_1: "accept"}})
    shutil.copy(tmp / "b.xlsx", tmp / "b2.xlsx")
    code, out = lxt("review", "import", study.folder, tmp / "b.xlsx")
    assert code == 0 and "Added 1 decision(s)" in out.out
    _fill(tmp / "b2.xlsx", {seg: {DECISION_1: "perhaps"}})
    code, out = lxt("review", "import", study.folder, tmp / "b2.xlsx")
    assert code == 1 and "Traceback" not in out.err
    assert out.err.startswith(
        f"error: {tmp / 'b2.xlsx'} [sheet Review], row 2, column 'Decision 1': unknown decision"
    )


def test_once_people_have_decided_enough_the_least_certain_come_first(mini):
    from toolkit.coding.classifiers import learn_from_decisions, rank_for_review
    from toolkit.coding.decisions import append_decisions
    from toolkit.embeddings.backends import get_embedder

    study, outputs, tmp = mini
    # 24 decided segments about buses (transport) or courses (not transport), 6 undecided.
    texts = [f"I could not get the bus number {i} to work." for i in range(12)]
    texts += [f"The course in week {i} taught me a lot." for i in range(12)]
    texts += [
        "The bus and the course were both fine.",
        "Nothing helped me at all.",
        "A bus driver on the course.",
        "My course was far away by bus.",
        "I liked the trainer.",
        "The timetable changed.",
    ]
    segments = pd.DataFrame(
        {
            "seg_id": [f"s{i:02d}" for i in range(30)],
            "doc_id": "d",
            "pid": "p01",
            "cohort": "clacton",
            "wave": "baseline",
            "source": "support",
            "speaker": "participant",
            "start": range(30),
            "end": range(1, 31),
            "text": texts,
        }
    )
    outputs.write("segments", segments)
    outputs.write(
        "codings",
        pd.DataFrame(
            {
                "seg_id": ["s24"],
                "code": ["transport"],
                "source": ["rule"],
                "score": [0.9],
                "evidence": ["bus"],
                "decided_at": [""],
            }
        ),
    )
    append_decisions(
        study,
        [
            {
                "reviewer": "pr01",
                "seg_id": f"s{i:02d}",
                "code": "transport",
                "decision": "accept" if i < 12 else "reject",
            }
            for i in range(24)
        ],
        source_file="earlier.xlsx",
        batch_id="b0",
    )
    batch = export_review(study, "pr01", tmp / "next.xlsx", n=6, outputs=outputs)
    assert batch.order == "uncertain"
    assert sorted(batch.seg_ids) == [f"s{i}" for i in range(24, 30)]
    learned = learn_from_decisions(
        read_decisions(study), segments, study_codebook(study), get_embedder("tfidf")
    )
    ranked = rank_for_review(
        learned.predict_proba(learned.vectors),
        segments["seg_id"],
        decided=read_decisions(study)[["seg_id", "code"]],
        thresholds=learned.thresholds(),
    )
    order = ranked.drop_duplicates("seg_id")["seg_id"].tolist()
    # Least certain first, dealt out in turn from each (cohort, suggested code) group: s24 is
    # the only segment with a suggestion (transport), so it comes second, not where it ranks.
    keys = {s: ("clacton", "transport" if s == "s24" else None) for s in order}
    assert batch.seg_ids == mix_groups(order, keys)[:6]
    assert batch.seg_ids[1] == "s24" and batch.seg_ids[0] == order[0]
    by_score = export_review(study, "pr01", tmp / "s.xlsx", n=6, outputs=outputs, order="score")
    assert by_score.order == "score" and by_score.seg_ids[0] == "s24"


CODES = ["transport", "childcare", "confidence", "peer_support", "training"]


def test_identical_texts_are_shown_once_and_decided_for_every_copy(mini):
    study, outputs, tmp = mini
    segments = outputs.read("segments")
    first = segments.iloc[0]  # "There is no bus before 7." (transport suggested at 0.92)
    twins = pd.DataFrame(
        [
            {
                **first.to_dict(),
                "seg_id": "twin1",
                "doc_id": "d7",
                "text": "there is no bus  before 7.",
            },
            {**first.to_dict(), "seg_id": "twin2", "doc_id": "d8", "cohort": "southend"},
        ]
    )
    outputs.write("segments", pd.concat([segments, twins], ignore_index=True))
    batch = export_review(study, "pr01", tmp / "b.xlsx", n=50, outputs=outputs)
    texts = load_workbook(tmp / "b.xlsx")["Review"]
    shown = [texts.cell(r, 5).value for r in range(2, texts.max_row + 1)]
    assert shown.count("There is no bus before 7.") == 1 and len(batch.seg_ids) == len(segments)
    assert "twin1" not in batch.seg_ids and "twin2" not in batch.seg_ids
    meta = {r["seg_id"]: r for r in read_meta(tmp / "b.xlsx")["rows"]}
    twins_listed = [t.split("@")[0] for t in meta[first["seg_id"]]["same_text"].split()]
    assert twins_listed == ["twin1", "twin2"]
    row = _row_of(texts, first["seg_id"])
    assert texts.cell(row, 4).value.endswith("said the same way in 2 other place(s)")
    _fill(tmp / "b.xlsx", {first["seg_id"]: {DECISION_1: "accept"}})
    report = import_review(study, tmp / "b.xlsx")
    assert report.counts["accept"] == 1  # one decision made by the person...
    log = read_decisions(study).set_index("seg_id")
    assert log.loc[["twin1", "twin2"], "decision"].tolist() == ["accept", "accept"]  # ...applied 3x
    assert log.loc["twin1", "source_file"] == f"b.xlsx (same text as {first['seg_id']})"
    assert log.loc[first["seg_id"], "source_file"] == "b.xlsx"
    # Each copy carries the fingerprint of its own text, so none looks edited since.
    assert log.loc["twin1", "text_hash"] == text_hash("there is no bus  before 7.")
    assert orphaned_decisions(study, outputs.read("segments"), CODES).empty


def test_a_batch_mixes_codes_and_cohorts(mini):
    study, outputs, tmp = mini
    batch = export_review(study, "pr01", tmp / "b.xlsx", n=4, outputs=outputs)
    segments = outputs.read("segments").set_index("seg_id")
    codings = outputs.read("codings").sort_values("score", ascending=False)
    top = codings.drop_duplicates("seg_id").set_index("seg_id")["code"]
    groups = [(segments.loc[s, "cohort"], top.get(s)) for s in batch.seg_ids]
    assert len(set(groups)) == 4  # four rows, four different (cohort, code) groups
    assert {c for c, _ in groups} == {"clacton", "southend"}
