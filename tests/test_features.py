"""Participant features: human decisions over machine codings; mention and share columns."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.outcomes.link import feature_columns, participant_features, resolve_codings

SEGMENTS = pd.DataFrame(
    {
        "seg_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
        "pid": ["p1", "p1", "p1", "p1", "p2", "p3"],
        "speaker": ["participant"] * 6,
    }
)
CODINGS = pd.DataFrame(
    {
        "seg_id": ["s1", "s2", "s3", "s5"],
        "code": ["transport", "transport", "confidence", "transport"],
        "source": ["rule", "model", "rule", "rule"],
    }
)


def _log(rows):
    return pd.DataFrame(rows, columns=["reviewer", "seg_id", "code", "decision"])


def test_machine_codings_only():
    f = participant_features(SEGMENTS, CODINGS, codes=["transport", "confidence", "childcare"])
    f = f.set_index("pid")
    assert f.loc["p1", "n_segments"] == 4
    assert f.loc["p1", "code_transport"] == 1
    assert f.loc["p1", "code_transport_share"] == pytest.approx(2 / 4)
    assert f.loc["p3", "code_transport"] == 0
    assert f["code_childcare"].sum() == 0  # in the codebook, never used: still a column
    assert f.loc["p1", "coding_basis"] == "model" and f.loc["p3", "coding_basis"] == "none"


def test_human_decisions_win_and_are_recorded():
    log = _log(
        [
            ("ana", "s1", "transport", "reject"),  # removes a machine code
            ("ana", "s4", "childcare", "add"),  # adds one nobody suggested
            ("ben", "s5", "transport", "accept"),
            ("ben", "s5", "transport", "reject"),  # a later decision on the same pair wins
        ]
    )
    final = resolve_codings(CODINGS, log)
    pairs = set(map(tuple, final[["seg_id", "code", "basis"]].values))
    assert ("s1", "transport", "model") not in pairs
    assert ("s4", "childcare", "human") in pairs
    assert ("s2", "transport", "model") in pairs  # not reviewed: machine coding kept
    assert not any(p[0] == "s5" for p in pairs)
    f = participant_features(SEGMENTS, CODINGS, decisions=log).set_index("pid")
    assert f.loc["p1", "code_transport_share"] == pytest.approx(1 / 4)
    assert f.loc["p1", "code_childcare"] == 1
    assert f.loc["p1", "coding_basis"] == "mixed"
    assert f.loc["p2", "code_transport"] == 0


def test_interviewer_segments_left_out():
    segs = SEGMENTS.copy()
    segs.loc[3, "speaker"] = "interviewer"
    f = participant_features(segs, CODINGS).set_index("pid")
    assert f.loc["p1", "n_segments"] == 3


def test_topic_features_use_most_probable_topic():
    topics = pd.DataFrame(
        {
            "seg_id": ["s1", "s1", "s2", "s3", "s5"],
            "topic": [0, 1, 1, -1, 0],
            "probability": [0.7, 0.3, 0.9, 0.2, 0.8],
        }
    )
    f = participant_features(SEGMENTS, CODINGS, topics).set_index("pid")
    assert f.loc["p1", "topic_0_share"] == pytest.approx(1 / 4)
    assert f.loc["p1", "topic_1_share"] == pytest.approx(1 / 4)  # s1 counts for topic 0 only
    assert "topic_-1" not in f.columns
    assert f.loc["p2", "topic_0"] == 1
    assert feature_columns(f.reset_index()) == [
        "code_confidence",
        "code_transport",
        "topic_0",
        "topic_1",
    ]
