"""200 simulated studies: planted effects recovered within their CIs; BH controls the FDR.

Each check runs the toolkit's own functions on data generated with a known truth. Nominal
95% intervals should cover the truth in about 95% of studies; we require at least 90%.
Under no effect, the share of studies with any false discovery after Benjamini-Hochberg
(the FDR under the complete null) must not exceed 5% by more than three Monte Carlo
standard errors (sqrt(0.05 * 0.95 / 200) = 1.5 points each): with 200 studies the estimate
itself is that noisy, so a tighter bound would fail by chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_sim import simulate_binary, simulate_change, simulate_people

from toolkit.outcomes.associations import associations, covariate_matrix, fit_one
from toolkit.outcomes.prepost import paired_change
from toolkit.outcomes.topic_effects import TopicEffects

N_STUDIES = 200
MC_SLACK = 3 * np.sqrt(0.05 * 0.95 / N_STUDIES)
COVARIATES = ["age_band", "imd_quintile", "cohort", "baseline_score"]

pytestmark = pytest.mark.slow


def _study(seed: int, n: int, n_features: int, effects: dict[str, float]):
    rng = np.random.default_rng(seed)
    people = simulate_people(n, n_features, rng)
    wide = simulate_change(people, effects, rng)
    frame = people.set_index("pid")
    frame["change"] = (wide["post"] - wide["pre"]).to_numpy()
    frame["baseline_score"] = wide["pre"].to_numpy()
    return frame, wide, rng


def test_mean_change_ci_covers_truth():
    covered = 0
    for s in range(N_STUDIES):
        _, wide, _ = _study(s, 60, 0, {})
        r = paired_change(wide["pre"].to_numpy(), wide["post"].to_numpy())
        covered += r["ci_low"] <= 1.5 <= r["ci_high"]
    assert covered / N_STUDIES >= 0.90


def test_ancova_feature_effect_recovered_within_ci():
    covered = found = 0
    for s in range(N_STUDIES):
        frame, _, _ = _study(1000 + s, 200, 1, {"code_f0": 2.0})
        r = fit_one(
            frame["change"],
            frame["code_f0"].astype(float),
            covariate_matrix(frame, COVARIATES),
            binary=False,
        )
        covered += r["ci_low"] <= 2.0 <= r["ci_high"]
        found += r["p"] < 0.05
    assert covered / N_STUDIES >= 0.90
    assert found / N_STUDIES >= 0.80  # and the effect is usually detected


def test_logistic_odds_ratio_recovered_within_ci():
    covered = 0
    for s in range(N_STUDIES):
        frame, _, rng = _study(2000 + s, 300, 1, {})
        people = frame.reset_index()
        frame["started"] = simulate_binary(people, {"code_f0": 1.0}, -0.5, rng)
        r = fit_one(
            frame["started"],
            frame["code_f0"].astype(float),
            covariate_matrix(frame, ["cohort", "imd_quintile"]),
            binary=True,
        )
        covered += r["ci_low"] <= np.e <= r["ci_high"]
    assert covered / N_STUDIES >= 0.90


def test_no_effect_false_discoveries_within_nominal_rate_after_bh():
    any_discovery = 0
    for s in range(N_STUDIES):
        frame, _, _ = _study(3000 + s, 150, 10, {})
        features = [f"code_f{j}" for j in range(10)]
        table = associations(frame, ["change"], {"change": False}, features, COVARIATES)
        any_discovery += bool(table["passes_fdr"].any())
    # Under the complete null the FDR equals the chance of any discovery.
    assert any_discovery / N_STUDIES <= 0.05 + MC_SLACK


def test_false_discovery_proportion_with_some_real_effects():
    fdp = []
    for s in range(N_STUDIES):
        frame, _, _ = _study(4000 + s, 150, 10, {"code_f0": 2.5, "code_f1": 2.5})
        features = [f"code_f{j}" for j in range(10)]
        table = associations(frame, ["change"], {"change": False}, features, COVARIATES)
        hits = table.loc[table["passes_fdr"], "feature"]
        false = (~hits.isin(["code_f0", "code_f1"])).sum()
        fdp.append(false / max(len(hits), 1))
    assert np.mean(fdp) <= 0.05 + MC_SLACK


def _topic_study(seed: int, n: int = 150, probability: float = 1.0):
    """People in two cohorts; cohort B talks about topic 0 more (planted +0.15 share)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"cohort": rng.choice(["a", "b"], n), "imd_quintile": rng.integers(1, 6, n)},
        index=pd.Index([f"p{i}" for i in range(n)], name="pid"),
    )
    theta = 0.30 + 0.15 * (frame["cohort"] == "b").to_numpy()
    n_seg = rng.integers(3, 9, n)
    pid = np.repeat(frame.index.to_numpy(), n_seg)
    topic = np.where(rng.random(pid.size) < np.repeat(theta, n_seg), 0, 1)
    assignments = pd.DataFrame(
        {
            "seg_id": np.arange(pid.size).astype(str),
            "pid": pid,
            "topic": topic,
            "probability": probability,
        }
    )
    return assignments, frame


def test_topic_effect_recovered_within_ci():
    covered = 0
    for s in range(N_STUDIES):
        assignments, frame = _topic_study(5000 + s)
        fit = TopicEffects(n_draws=2, n_coef_draws=5, seed=s).fit(
            assignments, frame, ["cohort", "imd_quintile"]
        )
        row = fit.coefficients_.query("topic == 0 and term == 'cohort_b'").iloc[0]
        covered += row["ci_low"] <= 0.15 <= row["ci_high"]
    assert covered / N_STUDIES >= 0.90


def test_uncertain_topic_assignments_widen_intervals():
    assignments, frame = _topic_study(77)
    sure = TopicEffects(n_draws=40, seed=1).fit(assignments, frame, ["cohort"])
    unsure = TopicEffects(n_draws=40, seed=1).fit(
        assignments.assign(probability=0.6), frame, ["cohort"]
    )
    get = lambda f: f.coefficients_.query("topic == 0 and term == 'cohort_b'").iloc[0]  # noqa: E731
    # Hard assignments: Rubin's rules reduce to one OLS fit with HC3 errors.
    X = np.column_stack([np.ones(len(frame)), (frame["cohort"] == "b").astype(float)])
    share = assignments.assign(k=assignments["topic"] == 0).groupby("pid")["k"].mean()
    y = share.reindex(frame.index).to_numpy()
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    assert get(sure)["estimate"] == pytest.approx(beta[1])
    # Shares drawn with 60% confidence: the estimate shrinks (0.6 x) and the between-draw
    # variance is added, so the interval is no narrower relative to the estimate.
    assert get(unsure)["estimate"] == pytest.approx(0.6 * beta[1], abs=0.02)
    rel = lambda r: r["se"] / abs(r["estimate"])  # noqa: E731
    assert rel(get(unsure)) > rel(get(sure))
