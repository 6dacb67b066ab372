"""Earlier coding rounds kept with a study as text join its decision log, once, for every copy."""

from __future__ import annotations

import pandas as pd
import pytest
from coding_study import make_study

from toolkit.coding.decisions import log_path, read_decisions
from toolkit.coding.review_rounds import import_review_rounds
from toolkit.errors import UserError

CODES = ["transport", "childcare", "confidence", "peer_support", "training"]


@pytest.fixture()
def study_with_rounds(tmp_path):
    study, outputs = make_study(tmp_path)
    segments = outputs.read("segments")
    bus = segments.loc[segments["text"] == "There is no bus before 7."].iloc[0]
    # The same sentence said by someone else, with other spacing and capitals.
    twin = {**bus.to_dict(), "seg_id": "twin", "doc_id": "d9", "text": "there is no bus before 7."}
    segments = pd.concat([segments, pd.DataFrame([twin])], ignore_index=True)
    (study.folder / "reviews").mkdir()
    (study.folder / "reviews" / "round1.csv").write_text(
        "reviewer,text,code,decision\n"
        "pr01,There is no bus before 7.,transport,accept\n"
        "pr01,There is no bus before 7.,childcare,reject\n"
        "pr02,There is no bus before 7.,transport,accept\n"
        "pr01,A sentence nobody said.,training,add\n",
        encoding="utf-8",
    )
    return study, segments, bus["seg_id"]


def test_each_decision_applies_to_every_segment_with_that_text(study_with_rounds):
    study, segments, seg = study_with_rounds
    added = import_review_rounds(study, segments, CODES)
    assert added == {"unmatched": 1, "round1.csv": 6}  # 3 decisions x 2 segments, 1 unmatched
    log = read_decisions(study)
    mine = log.loc[(log["reviewer"] == "pr01") & (log["code"] == "transport")]
    assert sorted(mine["seg_id"]) == sorted([seg, "twin"])
    assert set(log["batch_id"]) == {"reviews/round1.csv"}


def test_running_again_adds_nothing_and_never_rewrites_the_log(study_with_rounds):
    study, segments, _ = study_with_rounds
    import_review_rounds(study, segments, CODES)
    before = log_path(study).read_bytes()
    assert import_review_rounds(study, segments, CODES)["round1.csv"] == 0
    assert log_path(study).read_bytes() == before


def test_a_bad_row_is_reported_with_row_and_column_and_nothing_is_added(study_with_rounds):
    study, segments, _ = study_with_rounds
    path = study.folder / "reviews" / "round1.csv"
    path.write_text(path.read_text() + "pr01,There is no bus before 7.,transport,maybe\n")
    with pytest.raises(UserError) as error:
        import_review_rounds(study, segments, CODES)
    assert error.value.lines == [
        f"{path}, row 6, column 'decision': unknown decision: found 'maybe', "
        "expected accept, reject or add"
    ]
    assert not log_path(study).exists()


def test_the_example_studys_reviewers_disagree_as_people_do():
    from pathlib import Path

    reviews = Path(__file__).resolve().parent.parent / "surveys" / "example" / "reviews"
    one = pd.read_csv(reviews / "round1_pr01.csv")
    two = pd.read_csv(reviews / "round1_pr02.csv")
    later = pd.read_csv(reviews / "round2_pr01.csv")
    # Round 1: the same 240 sentences for both (a sentence with nothing suggested and nothing
    # added leaves no row); round 2: other sentences.
    assert len(set(one["text"]) | set(two["text"])) <= 240
    assert len(set(one["text"]) & set(two["text"])) > 180
    assert not set(later["text"]) & (set(one["text"]) | set(two["text"]))
    applied = {
        name: set(map(tuple, f.loc[f["decision"] != "reject", ["text", "code"]].to_numpy()))
        for name, f in (("pr01", one), ("pr02", two))
    }
    both = applied["pr01"] & applied["pr02"]
    either = applied["pr01"] | applied["pr02"]
    # They mostly agree on which codes apply, but not always: realistic, not identical.
    assert 0.6 < len(both) / len(either) < 0.95
