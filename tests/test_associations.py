"""Experiences <-> outcomes: estimates checked against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_sim import simulate_binary, simulate_change, simulate_people
from statsmodels.stats.multitest import multipletests

from toolkit.outcomes.associations import associations, covariate_matrix, fit_one


@pytest.fixture(scope="module")
def study_frame():
    rng = np.random.default_rng(2026)
    people = simulate_people(400, 6, rng)
    wide = simulate_change(people, {"code_f0": 2.0}, rng)
    frame = people.set_index("pid")
    frame["change"] = (wide["post"] - wide["pre"]).to_numpy()
    frame["baseline_score"] = wide["pre"].to_numpy()
    frame["started"] = simulate_binary(people, {"code_f1": 1.0}, -0.5, rng)
    return frame


def test_ols_matches_hand_computed_hc3(study_frame):
    f = study_frame
    covars = covariate_matrix(f, ["baseline_score", "cohort"])
    r = fit_one(f["change"], f["code_f0"].astype(float), covars, binary=False)
    X = np.column_stack([f["code_f0"], covars.to_numpy(float)])
    y = f["change"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    e = y - X @ beta
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    cov = xtx_inv @ (X.T * (e**2 / (1 - h) ** 2)) @ X @ xtx_inv
    assert r["estimate"] == pytest.approx(beta[0])
    assert r["se"] == pytest.approx(np.sqrt(cov[0, 0]))
    assert r["n"] == 400
    # ANCOVA form: the coefficient is the same whether the outcome is change or follow-up.
    post = f["change"] + f["baseline_score"]
    r_post = fit_one(post, f["code_f0"].astype(float), covars, binary=False)
    assert r_post["estimate"] == pytest.approx(r["estimate"])


def test_logistic_without_covariates_gives_cross_product_odds_ratio():
    # 2x2 table: feature yes: 30 of 50 started; feature no: 20 of 80 started.
    x = np.r_[np.ones(50), np.zeros(80)]
    y = np.r_[np.ones(30), np.zeros(20), np.ones(20), np.zeros(60)]
    idx = pd.RangeIndex(130)
    const = pd.DataFrame({"const": 1.0}, index=idx)
    r = fit_one(pd.Series(y, index=idx), pd.Series(x, index=idx), const, binary=True)
    assert r["estimate"] == pytest.approx((30 * 60) / (20 * 20), rel=1e-5)
    # Woolf standard error of the log odds ratio: sqrt(1/a + 1/b + 1/c + 1/d)
    assert r["se"] == pytest.approx(np.sqrt(1 / 30 + 1 / 20 + 1 / 20 + 1 / 60), rel=1e-4)


def test_benjamini_hochberg_hand_worked():
    q = multipletests([0.01, 0.04, 0.03, 0.005], method="fdr_bh")[1]
    assert q == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_planted_effects_found_and_table_is_tidy(study_frame):
    feats = [f"code_f{j}" for j in range(6)]
    table = associations(
        study_frame,
        ["change", "started"],
        {"change": False, "started": True},
        feats,
        ["age_band", "imd_quintile", "cohort", "baseline_score"],
    )
    assert len(table) == 12
    hits = set(map(tuple, table.loc[table["passes_fdr"], ["outcome", "feature"]].values))
    assert ("change", "code_f0") in hits and ("started", "code_f1") in hits
    f0 = table.query("outcome == 'change' and feature == 'code_f0'").iloc[0]
    assert f0["ci_low"] < 2.0 < f0["ci_high"]
    assert f0["scale"] == "difference"
    f1 = table.query("outcome == 'started' and feature == 'code_f1'").iloc[0]
    assert f1["scale"] == "odds ratio" and f1["ci_low"] < np.e < f1["ci_high"]
    for _, sub in table.groupby("outcome"):
        assert sub["q"].to_numpy() == pytest.approx(multipletests(sub["p"], method="fdr_bh")[1])


def test_rare_feature_is_skipped_with_a_reason(study_frame):
    f = study_frame.copy()
    f["code_rare"] = 0
    f.iloc[:4, f.columns.get_loc("code_rare")] = 1
    table = associations(f, ["change"], {"change": False}, ["code_rare"], ["cohort"])
    row = table.iloc[0]
    assert np.isnan(row["estimate"]) and "fewer than 10" in row["note"]
    assert not row["passes_fdr"]


def test_codes_and_topics_share_one_fdr_family_per_outcome(study_frame):
    f = study_frame.copy()
    for j in range(3):
        f[f"topic_{j}"] = f[f"code_f{j + 3}"]
    feats = ["code_f0", "code_f1", "code_f2", "topic_0", "topic_1", "topic_2"]
    table = associations(f, ["change"], {"change": False}, feats, ["cohort", "baseline_score"])
    assert set(table["fdr_family"]) == {"change"}
    assert table["q"].to_numpy() == pytest.approx(multipletests(table["p"], method="fdr_bh")[1])
