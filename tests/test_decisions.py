"""The decision log: append-only, idempotent per batch, and nothing ever lost."""

from __future__ import annotations

import pandas as pd
import pytest
from coding_study import make_study

from toolkit.coding.decisions import (
    COLUMNS,
    append_decisions,
    current_decisions,
    human_codings,
    log_path,
    orphaned_decisions,
    read_decisions,
    text_hash,
)
from toolkit.errors import UserError


@pytest.fixture()
def study(tmp_path):
    study, outputs = make_study(tmp_path)
    return study, outputs.read("segments")


def _records(segments, decisions):
    """[(row index in segments, code, decision)] -> records for reviewer pr01."""
    return [
        {
            "reviewer": "pr01",
            "seg_id": segments.iloc[i]["seg_id"],
            "code": code,
            "decision": decision,
            "text_hash": text_hash(segments.iloc[i]["text"]),
        }
        for i, code, decision in decisions
    ]


def test_the_log_lives_beside_the_study_and_keeps_who_and_when(study):
    study, segments = study
    recs = _records(segments, [(0, "transport", "accept"), (1, "childcare", "reject")])
    result = append_decisions(
        study, recs, source_file="pr01.xlsx", batch_id="b1", decided_at="2026-01-02T10:00:00+00:00"
    )
    assert result.appended == 2 and not result.already_imported
    path = log_path(study)
    assert path == study.folder / "decisions" / "decision_log.csv"
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    log = read_decisions(study)
    assert log["decision"].tolist() == ["accept", "reject"]
    assert set(log["reviewer"]) == {"pr01"} and set(log["batch_id"]) == {"b1"}
    assert log["decided_at"].iloc[0] == "2026-01-02T10:00:00+00:00"
    assert log["source_file"].iloc[1] == "pr01.xlsx"


def test_reimporting_the_same_batch_appends_nothing(study):
    study, segments = study
    recs = _records(segments, [(0, "transport", "accept"), (1, "childcare", "reject")])
    append_decisions(study, recs, source_file="pr01.xlsx", batch_id="b1")
    before = log_path(study).read_bytes()
    again = append_decisions(study, recs, source_file="pr01.xlsx", batch_id="b1")
    assert again.appended == 0 and again.already_imported
    assert "already imported" in again.message
    assert log_path(study).read_bytes() == before


def test_a_changed_mind_is_appended_and_the_old_decision_kept(study):
    study, segments = study
    append_decisions(
        study,
        _records(segments, [(0, "transport", "accept"), (1, "childcare", "reject")]),
        source_file="pr01.xlsx",
        batch_id="b1",
    )
    before = log_path(study).read_bytes()
    changed = _records(segments, [(0, "transport", "reject"), (1, "childcare", "reject")])
    result = append_decisions(study, changed, source_file="pr01.xlsx", batch_id="b1")
    assert result.appended == 1
    after = log_path(study).read_bytes()
    assert after.startswith(before)  # never rewritten, only appended
    log = read_decisions(study)
    assert len(log) == 3
    current = current_decisions(log)
    assert len(current) == 2
    row = current.loc[current["code"] == "transport"].iloc[0]
    assert row["decision"] == "reject"
    # Changing back again is a change too (latest-in-batch comparison, not "ever seen").
    back = _records(segments, [(0, "transport", "accept")])
    assert append_decisions(study, back, source_file="pr01.xlsx", batch_id="b1").appended == 1
    assert current_decisions(study).set_index("code").loc["transport", "decision"] == "accept"


def test_orphans_are_reported_with_a_reason_and_never_dropped(study):
    study, segments = study
    append_decisions(
        study,
        _records(
            segments,
            [
                (0, "transport", "accept"),
                (1, "childcare", "accept"),
                (2, "peer_support", "add"),
                (3, "training", "accept"),
            ],
        ),
        source_file="pr01.xlsx",
        batch_id="b1",
    )
    before = log_path(study).read_bytes()
    # The pipeline is re-run: segment 0 disappears, segment 1's text changes, and the
    # codebook loses "training".
    rerun = segments.iloc[1:].copy()
    rerun.loc[rerun.index[0], "text"] = "Childcare costs too much."
    codable = ["transport", "childcare", "confidence", "peer_support"]
    orphans = orphaned_decisions(study, rerun, codable)
    reasons = dict(zip(orphans["code"], orphans["reason"], strict=True))
    assert reasons == {
        "transport": "segment no longer exists",
        "childcare": "segment text has changed since the decision",
        "training": "code is not in the codebook",
    }
    assert log_path(study).read_bytes() == before
    assert len(read_decisions(study)) == 4


def test_human_codings_follow_the_codings_contract(study):
    study, segments = study
    append_decisions(
        study,
        _records(
            segments,
            [(0, "transport", "accept"), (1, "childcare", "reject"), (2, "peer_support", "add")],
        ),
        source_file="pr01.xlsx",
        batch_id="b1",
    )
    human = human_codings(study)
    assert list(human.columns) == ["seg_id", "code", "source", "score", "evidence", "decided_at"]
    assert sorted(human["code"]) == ["peer_support", "transport"]
    assert set(human["source"]) == {"human:pr01"}


def test_a_hand_edited_log_is_a_clear_error(study):
    study, segments = study
    append_decisions(
        study, _records(segments, [(0, "transport", "accept")]), source_file="x.xlsx", batch_id="b1"
    )
    path = log_path(study)
    path.write_text(
        path.read_text(encoding="utf-8") + "t,pr01,s1,transport,maybe,x,b2,h\n", encoding="utf-8"
    )
    with pytest.raises(UserError) as err:
        read_decisions(study)
    assert "decision_log.csv, row 3, column 'decision': unknown decision: found 'maybe'" in str(
        err.value
    )


def test_bad_records_are_refused_before_anything_is_written(study):
    study, _ = study
    with pytest.raises(ValueError, match="unknown decision"):
        append_decisions(
            study,
            [{"reviewer": "a", "seg_id": "s", "code": "c", "decision": "maybe"}],
            batch_id="b",
        )
    assert not log_path(study).exists()
    assert read_decisions(study).empty
    assert isinstance(current_decisions(study), pd.DataFrame)
