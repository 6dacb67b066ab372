"""On the synthetic example study: the planted effects are found, and no null theme passes FDR.

``surveys/example/truth/effects.yml`` says what the generator planted: ``confidence`` ->
larger SWEMWBS gain, ``buddies_mentors`` -> more retained at 6 months, ``checks_waits`` ->
more people lost between offer and start; twelve other themes change nothing. The pipeline
never reads the truth folder; these tests compare its results with it.

Two feature sources are checked:

* the **real pipeline** (``built_example``: segments and rule/model codings from the code
  stage, through ``link`` and ``analyse``) — what a user would get;
* **truth themes** (``participant_themes.csv``) joined to the pipeline's own outcomes and
  covariates — isolates the statistics from coding noise.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from toolkit.outcomes.analyse import person_frame, run_associations
from toolkit.outcomes.definitions import outcome_specs
from toolkit.study.config import load_study
from toolkit.study.tables import StudyOutputs

pytestmark = pytest.mark.slow

PLANTED = {
    ("swemwbs_change", "code_confidence"): "up",
    ("retained_6m", "code_buddies_mentors"): "up",
    ("post_offer_loss", "code_checks_waits"): "up",
}
# Outcomes a planted theme also moves by construction (same mechanism, another measure).
DOWNSTREAM = {
    "code_confidence": {"swemwbs_change", "swemwbs_meaningful", "swemwbs_reliable"},
    "code_buddies_mentors": {"retained_6m", "retained_3m"},
    "code_checks_waits": {"post_offer_loss", "job_started", "days_offer_to_start"},
}


@pytest.fixture(scope="module")
def truth(example_copy):
    return yaml.safe_load((example_copy / "truth" / "effects.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def pipeline_results(built_example):
    study_dir, out_dir = built_example
    out = StudyOutputs("example", out_dir)
    return load_study(study_dir), out


def _null_codes(truth) -> list[str]:
    return [f"code_{t}" for t in truth["planted"]["null_themes"]]


def _check(table: pd.DataFrame, truth) -> None:
    hits = table[table["passes_fdr"]]
    for (outcome, feature), direction in PLANTED.items():
        row = table[(table["outcome"] == outcome) & (table["feature"] == feature)].iloc[0]
        assert row["passes_fdr"], f"{feature} ~ {outcome}: q = {row['q']:.3g}"
        null_value = 1.0 if row["scale"] == "odds ratio" else 0.0
        assert (row["estimate"] > null_value) == (direction == "up")
    false = hits[hits["feature"].isin(_null_codes(truth))]
    assert false.empty, f"null themes passing FDR: {false[['outcome', 'feature']].values}"
    for feature, outcomes in DOWNSTREAM.items():
        extra = hits[(hits["feature"] == feature) & ~hits["outcome"].isin(outcomes)]
        assert extra.empty, f"{feature} passes FDR on unplanted outcomes {extra['outcome']}"


def test_truth_features_find_planted_effects_and_nothing_else(
    pipeline_results, truth, example_copy
):
    from toolkit.privacy.pseudonymise import Pseudonymiser

    study, out = pipeline_results
    themes = pd.read_csv(example_copy / "truth" / "participant_themes.csv")
    pseudo = Pseudonymiser.from_environment(create=False)
    themes["pid"] = themes.pop("participant_ref").map(pseudo.pid)
    features = themes.rename(columns={c: f"code_{c}" for c in themes.columns if c != "pid"})
    features["coding_basis"] = "truth"
    specs = outcome_specs(study)
    frame = person_frame(
        out.read("participants"), out.read("outcomes"), features, out.read("scores"), specs
    )
    table = run_associations(study, frame, specs, features)
    _check(table, truth)


def test_pipeline_features_no_null_theme_passes_fdr(pipeline_results, truth):
    _study, out = pipeline_results
    table = out.read("associations")
    hits = table[table["passes_fdr"]]
    false = hits[hits["feature"].isin(_null_codes(truth))]
    assert false.empty, f"null themes passing FDR: {false[['outcome', 'feature']].values}"
    assert "interviewed" in table["adjusted_for"].iloc[0]


def test_association_p_values_are_calibrated_when_outcomes_are_shuffled(pipeline_results):
    """With each outcome shuffled between people, no feature can be linked to it: about 5% of
    p-values fall below 0.05 and BH finds something in about 5% of outcome families.

    This checks the pipeline's own features (codes and topics, many and correlated: people
    who say more mention more) against a null that is true by construction, rather than
    trusting the generator to plant nothing else; text that depends on an outcome (remarks
    about a rent rise after starting work) or one remark carrying two themes can link a topic
    to an outcome in the example for real.
    """
    import numpy as np

    study, out = pipeline_results
    specs = outcome_specs(study)
    outcomes, features = out.read("outcomes"), out.read("features")
    p_values, families, families_with_a_hit = [], 0, 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        shuffled = []
        for _, rows in outcomes.groupby("outcome"):
            rows = rows.copy()
            order = rng.permutation(len(rows))
            rows[["value", "baseline"]] = rows[["value", "baseline"]].to_numpy()[order]
            shuffled.append(rows)
        frame = person_frame(
            out.read("participants"), pd.concat(shuffled), features, out.read("scores"), specs
        )
        table = run_associations(study, frame, specs, features)
        p_values.append(table["p"].dropna().to_numpy())
        hit = table.groupby("fdr_family")["passes_fdr"].any()
        families += len(hit)
        families_with_a_hit += int(hit.sum())
    p = np.concatenate(p_values)
    assert len(p) > 4000
    # Binomial(n, 0.05) would give 0.05 +- 0.003; correlated features widen that.
    assert 0.035 <= (p < 0.05).mean() <= 0.065
    assert 0.005 <= (p < 0.01).mean() <= 0.015
    # BH keeps the chance of any false find in a family at or below 5% when nothing is real.
    assert families == 100 and families_with_a_hit <= 10


def test_pipeline_features_point_the_planted_way(pipeline_results):
    _study, out = pipeline_results
    table = out.read("associations").set_index(["outcome", "feature"])
    for (outcome, feature), direction in PLANTED.items():
        row = table.loc[(outcome, feature)]
        null_value = 1.0 if row["scale"] == "odds ratio" else 0.0
        assert (row["estimate"] > null_value) == (direction == "up"), (outcome, feature)


def test_pipeline_features_find_planted_effects(pipeline_results, truth):
    _study, out = pipeline_results
    _check(out.read("associations"), truth)


def test_observed_change_matches_generator(pipeline_results, truth):
    _study, out = pipeline_results
    pp = out.read("prepost").set_index(["outcome", "cohort"])
    observed = truth["observed"]
    swem = pp.loc[("swemwbs_change", "all")]
    assert swem["n_pairs"] == observed["swemwbs_change_n"]
    assert swem["mean_change"] == pytest.approx(
        observed["swemwbs_change_mean_complete_cases"], abs=0.01
    )
    assert swem["ci_low"] > 0  # "change observed": wellbeing rose
    life = pp.loc[("life_satisfaction_change", "all")]
    assert life["mean_change"] == pytest.approx(observed["life_satisfaction_change_mean"], abs=0.01)
    assert (pp["wording"] == "change observed").all()


def test_post_offer_loss_matches_generator(pipeline_results, truth):
    _study, out = pipeline_results
    loss = out.read("post_offer_loss").set_index("cohort").loc["all"]
    o = truth["observed"]["offered_but_not_started"]
    n_offered = o["n_checks_waits"] + o["n_others"]
    lost = o["checks_waits"] * o["n_checks_waits"] + o["others"] * o["n_others"]
    assert loss["n_offered"] == n_offered
    assert loss["n_post_offer_loss"] == pytest.approx(lost, abs=1)


def test_published_outputs_pass_release_check(pipeline_results):
    from toolkit.privacy.release_check import check_release

    study, out = pipeline_results
    findings = check_release(out.tables, study=study)
    assert findings == [], [str(f) for f in findings[:5]]
    assert (out.figures / "forest_retained_6m.png").exists()
    assert (out.figures / "pathway_funnel.png").exists()
