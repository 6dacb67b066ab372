"""Employment pathway funnel on a hand-built pathway whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.outcomes.funnel import (
    pathway_funnel,
    post_offer_loss,
    publish_funnel,
    publish_post_offer_loss,
)
from toolkit.privacy.disclosure import DisclosureRule

D = pd.Timestamp


@pytest.fixture
def pathway():
    # 20 people in cohort a: all referred, 16 engaged, 12 offered, 9 started.
    # 4 people in cohort b: all referred, 2 offered, 1 started.
    rows = []
    for i in range(20):
        rows.append(
            {
                "pid": f"a{i}",
                "cohort": "a",
                "referred": D("2025-01-01"),
                "engaged": D("2025-01-01") + pd.Timedelta(days=i) if i < 16 else pd.NaT,
                "offered": D("2025-03-01") if i < 12 else pd.NaT,
                "started": D("2025-03-01") + pd.Timedelta(days=10 + i) if i < 9 else pd.NaT,
            }
        )
    for i in range(4):
        rows.append(
            {
                "pid": f"b{i}",
                "cohort": "b",
                "referred": D("2025-02-01"),
                "engaged": D("2025-02-02"),
                "offered": D("2025-04-01") if i < 2 else pd.NaT,
                "started": D("2025-04-20") if i < 1 else pd.NaT,
            }
        )
    return pd.DataFrame(rows)


def test_counts_conversion_and_median_days(pathway):
    f = pathway_funnel(pathway, ["referred", "engaged", "offered", "started"], ["a", "b"])
    a = f[f["cohort"] == "a"].set_index("stage")
    assert a["n_reached"].tolist() == [20, 16, 12, 9]
    assert a.loc["engaged", "conversion_from_previous"] == pytest.approx(16 / 20)
    assert a.loc["started", "conversion_from_previous"] == pytest.approx(9 / 12)
    assert a.loc["started", "conversion_from_first"] == pytest.approx(9 / 20)
    # engaged i days after referral for i = 0..15: median 7.5 days
    assert a.loc["engaged", "median_days_from_previous"] == pytest.approx(7.5)
    # started 10 + i days after offer for i = 0..8: median 14
    assert a.loc["started", "median_days_from_previous"] == pytest.approx(14)
    total = f[f["cohort"] == "all"].set_index("stage")
    assert total.loc["offered", "n_reached"] == 14


def test_post_offer_loss_and_cost_per_job(pathway):
    t = post_offer_loss(pathway, ["a", "b"], {"a": 90_000, "b": 10_000}).set_index("cohort")
    assert t.loc["a", "n_post_offer_loss"] == 3
    assert t.loc["a", "post_offer_loss_share"] == pytest.approx(3 / 12)
    assert t.loc["a", "cost_per_job_started"] == pytest.approx(10_000)
    assert t.loc["all", "programme_cost"] == 100_000
    assert t.loc["all", "cost_per_job_started"] == pytest.approx(10_000)


def test_published_funnel_hides_small_groups(pathway):
    rule = DisclosureRule()
    f = pathway_funnel(pathway, ["referred", "engaged", "offered", "started"], ["a", "b"])
    pub = publish_funnel(f, rule)
    b = pub[pub["cohort"] == "b"].set_index("stage")
    assert b["n_reached"].tolist() == ["*", "*", "*", "*"]
    assert b["conversion_from_previous"].isna().all()
    a = pub[pub["cohort"] == "a"].set_index("stage")
    assert a["n_reached"].tolist() == ["20", "15", "10", "10"]  # 16 -> 15, 12 -> 10, 9 -> 10
    loss = publish_post_offer_loss(post_offer_loss(pathway, ["a", "b"], {"a": 90_000}), rule)
    loss = loss.set_index("cohort")
    assert loss.loc["a", "n_post_offer_loss"] == "*"
    assert pd.isna(loss.loc["a", "post_offer_loss_share"])  # 3 people: not shown
    # Published cost per job divides by the published (rounded) count: 90,000 / 10.
    assert loss.loc["a", "cost_per_job_started"] == pytest.approx(9_000)


def test_retention_conversion_counts_only_starters_in_post_long_enough():
    d = pd.Timestamp
    pathway = pd.DataFrame(
        {
            "pid": ["p1", "p2", "p3", "p4"],
            "cohort": "a",
            "started": [d("2025-01-10"), d("2025-06-01"), d("2025-11-01"), d("2025-12-20")],
            # By 2026-01-15 only p1 and p2 can be 3 months in; p1 was retained, p2 was not.
            "retained_3m": [d("2025-04-10"), pd.NaT, pd.NaT, pd.NaT],
        }
    )
    stages = ["started", "retained_3m"]
    final = pathway_funnel(pathway, stages, ["a"]).set_index(["cohort", "stage"])
    assert final.loc[("a", "retained_3m"), "conversion_from_previous"] == pytest.approx(1 / 4)
    cut = pathway_funnel(pathway, stages, ["a"], extracted_on=d("2026-01-15").date())
    row = cut.set_index(["cohort", "stage"]).loc[("a", "retained_3m")]
    assert row["n_previous"] == 2 and row["conversion_from_previous"] == pytest.approx(1 / 2)
    assert row["n_reached"] == 1
