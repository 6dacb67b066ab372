"""Outcomes from study.yml definitions, on hand-built scores and pathway dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import UserError
from toolkit.outcomes.definitions import build_outcomes, cronbach_alpha, outcome_specs
from toolkit.study.config import Study

D = pd.Timestamp


def make_study(outcomes: list[dict]) -> Study:
    return Study.model_validate(
        {
            "name": "t",
            "title": "t",
            "participants": {"file": "p.csv"},
            "cohorts": [{"name": "a", "label": "A"}],
            "waves": [
                {"name": "baseline", "file": "b.csv", "month": 0},
                {"name": "followup_6m", "file": "f.csv", "month": 6},
            ],
            "pathway": {
                "file": "pw.csv",
                "stages": {
                    s: s
                    for s in ("referred", "offered", "checks_cleared", "started", "retained_6m")
                },
            },
            "outcomes": outcomes,
        }
    )


SCORES = pd.DataFrame(
    {
        "pid": ["p1", "p1", "p2", "p2", "p3", "p4", "p4"],
        "wave": ["baseline", "followup_6m"] * 2 + ["baseline", "baseline", "followup_6m"],
        "instrument": "swemwbs",
        "item": "",
        "score": [20.0, 26.0, 24.0, 23.0, 18.0, 15.0, 30.0],
        "valid": [True, True, True, True, True, True, False],  # p4's follow-up is not valid
    }
)
PATHWAY = pd.DataFrame(
    {
        "pid": ["p1", "p2", "p3"],
        "cohort": "a",
        "referred": [D("2025-01-01")] * 3,
        "offered": [D("2025-02-01"), D("2025-02-10"), pd.NaT],
        "checks_cleared": [D("2025-03-01"), pd.NaT, pd.NaT],
        "started": [D("2025-03-15"), pd.NaT, pd.NaT],
        "retained_6m": [pd.NaT, pd.NaT, pd.NaT],
    }
)
OUTCOMES = [
    {
        "name": "swem",
        "kind": "score_change",
        "instrument": "swemwbs",
        "from_wave": "baseline",
        "to_wave": "followup_6m",
    },
    {"name": "swem_3", "kind": "meaningful_change", "instrument": "swemwbs", "threshold": 3},
    {"name": "swem_rc", "kind": "reliable_change", "instrument": "swemwbs", "reliability": 0.8},
    {"name": "started", "kind": "stage_reached", "stage": "started"},
    {"name": "kept", "kind": "stage_reached", "stage": "retained_6m"},
    {
        "name": "wait",
        "kind": "days_between",
        "from_stage": "offered",
        "to_stage": "started",
        "higher_is_better": False,
    },
]


def test_every_kind_of_outcome():
    study = make_study(OUTCOMES)
    t = build_outcomes(study, SCORES, PATHWAY).set_index(["outcome", "pid"])["value"]
    assert t[("swem", "p1")] == 6 and t[("swem", "p2")] == -1
    assert ("swem", "p4") not in t.index  # invalid follow-up: no pair
    assert t[("swem_3", "p1")] == 1 and t[("swem_3", "p2")] == 0
    # SD of baseline (20, 24, 18, 15) = 3.775; SE_diff = 3.775 * sqrt(2) * sqrt(0.2) = 2.388;
    # p1: 6 / 2.388 = 2.51 > 1.96 -> reliable improvement.
    assert t[("swem_rc", "p1")] == 1 and t[("swem_rc", "p2")] == 0
    assert t.xs("started").to_dict() == {"p1": 1.0, "p2": 0.0, "p3": 0.0}
    assert t.xs("kept").to_dict() == {"p1": 0.0}  # retention: job starters only
    assert t.xs("post_offer_loss").to_dict() == {"p1": 0.0, "p2": 1.0}
    assert t.xs("wait").to_dict() == {"p1": 42.0}
    assert [s.name for s in outcome_specs(study)][-1] == "post_offer_loss"


def test_baseline_column_for_ancova():
    t = build_outcomes(make_study(OUTCOMES[:1]), SCORES, None)
    assert t.set_index("pid")["baseline"].to_dict() == {"p1": 20.0, "p2": 24.0}


def test_reliable_change_without_reliability_or_items_is_a_user_error():
    study = make_study([{"name": "rc", "kind": "reliable_change", "instrument": "swemwbs"}])
    with pytest.raises(UserError, match="needs a reliability"):
        build_outcomes(study, SCORES, None, responses=None)


def test_cronbach_alpha_matches_formula():
    rng = np.random.default_rng(0)
    true = rng.normal(size=200)
    items = pd.DataFrame({f"i{k}": true + rng.normal(scale=0.8, size=200) for k in range(5)})
    k = 5
    expected = k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())
    assert cronbach_alpha(items) == pytest.approx(expected)


def test_retention_counts_only_starters_who_could_have_reached_it():
    pathway = pd.DataFrame(
        {
            "pid": ["p1", "p2", "p3", "p4"],
            "cohort": "a",
            "referred": [D("2025-01-01")] * 4,
            "offered": [D("2025-02-01")] * 4,
            "checks_cleared": [D("2025-03-01")] * 4,
            # p1 six months in by the extract; p2 one day short; p3 one day short but
            # already recorded as retained (the date wins); p4 exactly six months.
            "started": [D("2025-03-15"), D("2025-09-02"), D("2025-09-02"), D("2025-09-01")],
            "retained_6m": [pd.NaT, pd.NaT, D("2026-03-01"), D("2026-03-01")],
        }
    )
    study = make_study([{"name": "kept", "kind": "stage_reached", "stage": "retained_6m"}])
    as_given = build_outcomes(study, SCORES, pathway).query("outcome == 'kept'")
    assert as_given.set_index("pid")["value"].to_dict() == {
        "p1": 0.0,
        "p2": 0.0,
        "p3": 1.0,
        "p4": 1.0,
    }
    study.pathway.extracted_on = pd.Timestamp("2026-03-01").date()
    censored = build_outcomes(study, SCORES, pathway).query("outcome == 'kept'")
    assert censored.set_index("pid")["value"].to_dict() == {"p1": 0.0, "p3": 1.0, "p4": 1.0}


def test_extract_date_is_read_from_study_yml():
    study = Study.model_validate(
        {
            **make_study([]).model_dump(exclude_none=True),
            "pathway": {"file": "pw.csv", "stages": {"started": "s"}, "extracted_on": "2026-03-01"},
        }
    )
    assert study.pathway.extracted_on.isoformat() == "2026-03-01"
