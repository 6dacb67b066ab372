"""What the reports say: targets against actuals, provenance, limitations, statistics, profile.

Each test builds the seeded report study (tests/report_study.py) and checks a section's
figures against an independent computation from the stage tables.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from report_study import build
from scipy import stats

from toolkit.outcomes import rounding
from toolkit.privacy.disclosure import DisclosureRule
from toolkit.reports import coproduction as cp
from toolkit.reports import limits, profile
from toolkit.reports import sections as rs
from toolkit.reports.context import ReportContext
from toolkit.reports.headline import cohort_targets, headline_figures, sector_rows
from toolkit.reports.provenance import theme_provenance, theme_quotes

RULE = DisclosureRule()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("content"))


def fresh(built, tmp_path) -> tuple[Path, Path]:
    """A private copy of the built study, for tests that add decisions or tables."""
    study, out = built
    shutil.copytree(study, tmp_path / "study")
    shutil.copytree(out, tmp_path / "outputs")
    return tmp_path / "study", tmp_path / "outputs"


def html_text(section) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section._repr_html_()))


def started(out: Path, cohort: str | None) -> int:
    pathway = pd.read_parquet(out / "data/pathway.parquet")
    if cohort:
        pathway = pathway[pathway["cohort"] == cohort]
    return int(pathway["started"].notna().sum())


# -- page one ---------------------------------------------------------------------------
def test_page_one_shows_southend_jobs_and_cost_per_job_against_its_targets(built):
    study, out = built
    ctx = ReportContext.load(study, "southend", out)
    figures = headline_figures(ctx).set_index("key")
    n = started(out, "southend")
    assert figures.loc["jobs_started", "actual"] == RULE.count(n)
    assert figures.loc["jobs_started", "target"] == "295"  # 175 NHS + 120 other
    assert figures.loc["jobs_started", "status"] == (
        "met" if int(RULE.count(n)) >= 295 else "not met"
    )
    cost = 205000 / int(RULE.count(n))  # divides by the published count, as the table does
    assert figures.loc["cost_per_job", "actual"] == f"£{round(cost):,}"
    assert figures.loc["cost_per_job", "target"] == "£1,000"
    assert figures.loc["cost_per_job", "source"].startswith("post_offer_loss.csv")
    assert figures.loc["jobs_started_nhs", "target"] == "175"


def test_page_one_counts_jobs_with_nhs_and_other_employers_from_the_pathway_file(built):
    study, out = built
    pathway = pd.read_parquet(out / "data/pathway.parquet")
    starters = pathway[(pathway["cohort"] == "southend") & pathway["started"].notna()]
    nhs = int((starters["nhs_employer"] == True).sum())  # noqa: E712 - NA is neither
    other = int((starters["nhs_employer"] == False).sum())  # noqa: E712
    unknown = len(starters) - nhs - other
    assert nhs > 0 and other > 0 and unknown > 0  # the built study has all three
    ctx = ReportContext.load(study, "southend", out)
    figures = headline_figures(ctx).set_index("key")
    assert figures.loc["jobs_started_nhs", "actual"] == RULE.count(nhs)
    # A starter whose employer is not recorded counts as neither.
    assert figures.loc["jobs_started_other", "actual"] == RULE.count(other)
    assert figures.loc["jobs_started_other", "target"] == "120"
    # Without the column, the report says so rather than guessing.
    pathway = ctx.table("pathway").drop(columns="nhs_employer")
    rows = {r["key"]: r for r in sector_rows(ctx, pathway, cohort_targets(ctx))}
    assert rows["jobs_started_nhs"]["actual"] == "not recorded in the pathway file"


def test_page_one_for_the_programme_adds_up_the_cohorts_targets(built):
    study, out = built
    ctx = ReportContext.load(study, None, out)
    goals = cohort_targets(ctx)
    assert goals.jobs_started == 40 + 295 + 45
    assert goals.cost_per_job == pytest.approx((4000 * 40 + 1000 * 295 + 4000 * 45) / 380)
    figures = headline_figures(ctx).set_index("key")
    assert figures.loc["jobs_started", "actual"] == RULE.count(started(out, None))
    # Clacton's 400 to 600 engaged cannot add to Southend's "no target": no total invented.
    assert figures.loc["people_engaged", "target"] == "none set"


def test_a_range_target_is_judged_against_both_ends(built):
    study, out = built
    figures = headline_figures(ReportContext.load(study, "clacton", out)).set_index("key")
    assert figures.loc["people_engaged", "target"] == "400 to 600"
    assert figures.loc["people_engaged", "status"] == "below target"
    named = figures.loc["target:Peer researchers into work or training"]
    assert (named["target"], named["actual"]) == ("60", "not measured in this study's data")


def test_a_named_outcome_target_counts_the_people_who_reached_it(built, tmp_path):
    study, out = fresh(built, tmp_path)
    pathway = pd.read_parquet(out / "data/pathway.parquet")
    outcomes = pd.DataFrame(
        {
            "pid": pathway["pid"],
            "outcome": "retained_6m",
            "value": pathway["retained_6m"].notna().astype(float),
        }
    )
    outcomes.to_parquet(out / "data/outcomes.parquet", index=False)
    ctx = ReportContext.load(study, "basildon", out)
    row = (
        headline_figures(ctx).set_index("key").loc["target:People in work 6 months after starting"]
    )
    kept = int(pathway.loc[pathway["cohort"] == "basildon", "retained_6m"].notna().sum())
    assert row["actual"] == RULE.count(kept)
    assert row["target"] == "30"


def test_page_one_wellbeing_and_reach_match_an_independent_computation(built):
    study, out = built
    ctx = ReportContext.load(study, "clacton", out)
    figures = headline_figures(ctx).set_index("key")
    scores = pd.read_parquet(out / "data/scores.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    mine = people[people["cohort"] == "clacton"]
    swem = scores[(scores["instrument"] == "swemwbs") & scores["valid"]]
    wide = swem[swem["pid"].isin(mine["pid"])].pivot_table(
        index="pid", columns="wave", values="score"
    )
    change = (wide["followup_6m"] - wide["baseline"]).dropna()
    assert figures.loc["wellbeing", "actual"].startswith(f"{change.mean():+.1f} points (95% CI")
    assert "on a scale from 7 to 35" in figures.loc["wellbeing", "actual"]
    share = (change >= 3).mean()
    assert (
        f"{round(100 * round(share, 2))}% improved by 3 points or more"
        in (figures.loc["wellbeing", "actual"])
    )
    core20 = int((mine["imd_decile"] <= 2).sum())
    shown, of = RULE.count(core20), RULE.count(len(mine))
    assert figures.loc["core20", "actual"] == (
        f"{shown} of {of} ({round(100 * int(shown) / int(of))}%)"
    )


def test_summary_names_targets_and_says_change_not_impact(built):
    study, out = built
    text = html_text(rs.summary(ReportContext.load(study, "southend", out)))
    assert "Targets and results, Southend-on-Sea" in text
    assert "Southend anchor employment programme (example)" in text
    assert "changes observed, not the impact" in text


# -- provenance ---------------------------------------------------------------------------
def test_theme_counts_say_they_rest_on_machine_suggestions_nobody_reviewed(built):
    study, out = built
    ctx = ReportContext.load(study, "clacton", out)
    text = html_text(rs.themes(ctx))
    assert "None of the coding has been checked by a person yet" in text
    assert text.count("machine suggestions, not yet reviewed by a person") >= 6
    assert "Peer researchers coded" not in text


def test_reviewed_segments_are_counted_and_quoted_first_and_no_quote_is_reused(built, tmp_path):
    from toolkit.coding.decisions import append_decisions
    from toolkit.study.config import load_study

    study_dir, out = fresh(built, tmp_path)
    segments = pd.read_parquet(out / "data/segments.parquet")
    codings = pd.read_parquet(out / "data/codings.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    mine = segments[segments["pid"].isin(people.loc[people["cohort"] == "clacton", "pid"])]
    consenting = set(people.loc[people["consent_quotes"], "pid"])
    transport = codings[
        (codings["code"] == "transport") & codings["seg_id"].isin(mine["seg_id"])
    ].merge(segments[["seg_id", "pid"]], on="seg_id")
    accepted = transport[transport["pid"].isin(consenting)].head(3)
    # Someone also codes one of those segments as confidence: it must not be quoted twice.
    records = [
        {"reviewer": "pr1", "seg_id": s, "code": "transport", "decision": "accept"}
        for s in accepted["seg_id"]
    ] + [{"reviewer": "pr1", "seg_id": accepted["seg_id"].iloc[0], "code": "confidence",
          "decision": "add"}]  # fmt: skip
    append_decisions(load_study(study_dir), records, batch_id="b1")
    ctx = ReportContext.load(study_dir, "clacton", out)
    table = theme_provenance(ctx, codings, mine).set_index("code")
    n_transport = int(transport["seg_id"].nunique())
    assert table.loc["transport", "reviewed"] == 3
    assert table.loc["transport", "basis"] == (
        f"partly reviewed: people checked 3 of {n_transport} segments"
    )
    quotes = theme_quotes(ctx, list(table.index), codings, mine, consenting)
    assert quotes[table.index[0]][1] in ("accepted", "machine")
    texts = [q[0] for q in quotes.values()]
    assert len(texts) == len(set(texts)), "a quote appears under two themes"
    if "transport" in quotes:
        accepted_texts = set(segments.loc[segments["seg_id"].isin(accepted["seg_id"]), "text"])
        assert (
            quotes["transport"]
            == (
                quotes["transport"][0],
                "accepted",
            )
            and quotes["transport"][0] in accepted_texts
        )
    assert "People have checked 4 of" not in html_text(rs.themes(ctx))  # 3 segments, 4 rows
    assert f"People have checked 3 of the {len(mine):,} segments" in html_text(rs.themes(ctx))


def test_a_machine_quote_is_the_strongest_evidence_for_that_theme_only(built):
    study, out = built
    ctx = ReportContext.load(study, "southend", out)
    segments = pd.read_parquet(out / "data/segments.parquet")
    codings = pd.read_parquet(out / "data/codings.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    mine = segments[segments["pid"].isin(people.loc[people["cohort"] == "southend", "pid"])]
    consenting = set(people.loc[people["consent_quotes"], "pid"])
    quotes = theme_quotes(ctx, ["checks_waits"], codings, mine, consenting)
    own = codings[(codings["code"] == "checks_waits")].merge(mine, on="seg_id")
    own = own[own["pid"].isin(consenting)]
    assert quotes["checks_waits"] == (own.sort_values("score").iloc[-1]["text"], "machine")


# -- co-production ------------------------------------------------------------------------
def test_a_wrapped_bullet_in_the_peer_researchers_notes_stays_one_bullet():
    notes = (
        "# Next\n\nWe will share this.\n\n- We will ask the hospital to make the wait shorter,"
        " and to tell people how long it\n  will take.\n- We will set up a buddy.\n"
        "Thanks to all.\n\n<script>x</script>\n"
    )
    blocks = cp.parse_notes(notes)
    assert blocks[2] == (
        "bullets",
        [
            "We will ask the hospital to make the wait shorter, and to tell people how long "
            "it will take.",
            "We will set up a buddy. Thanks to all.",
        ],
    )
    assert blocks[-1] == ("paragraph", "<script>x</script>")  # shown as text, escaped later


def test_a_change_is_explained_as_steps_of_one_answer():
    # SWEMWBS metric 20.73 is raw 23 and 22.35 is raw 25: two answers one step up.
    assert measures_steps("swemwbs", 20.73, 22.35) == (2, 7)
    # UCLA-3 has no conversion: a 1-point change is one answer step.
    assert measures_steps("ucla3", 6.0, 5.0) == (1, 3)


def measures_steps(instrument, pre, post):
    from toolkit.reports.measures import answer_steps

    return answer_steps(instrument, pre, post)[:2]


def test_coproduction_report_thanks_people_and_lists_support_from_study_yml(built):
    study, out = built
    ctx = ReportContext.load(study, "clacton", out)
    assert "Thank you to everyone who took part" in html_text(cp.thank_you(ctx))
    support = html_text(cp.where_to_get_support(ctx))
    for contact in yaml.safe_load((study / "study.yml").read_text())["support"]:
        assert f"{contact['name']}: {contact['how']}" in support


# -- statistics ---------------------------------------------------------------------------
def test_change_table_names_d_z_and_the_baseline_sd_effect_size_with_scale_and_threshold(built):
    study, out = built
    ctx = ReportContext.load(study, "southend", out)
    text = html_text(rs.outcome_change(ctx))
    assert "Hedges" not in text and "Effect size g" not in text
    assert "d_z (change / SD of change)" in text
    assert "7 to 35; meaningful change 3; higher is better" in text
    scores = pd.read_parquet(out / "data/scores.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    swem = scores[(scores["instrument"] == "swemwbs") & scores["valid"]]
    swem = swem[swem["pid"].isin(people.loc[people["cohort"] == "southend", "pid"])]
    wide = swem.pivot_table(index="pid", columns="wave", values="score").dropna()
    diff = wide["followup_6m"] - wide["baseline"]
    d_base = diff.mean() / wide["baseline"].std(ddof=1)
    d_z = diff.mean() / diff.std(ddof=1)
    assert f"{d_base:+.2f} ({rs.effect_words(d_base)})" in text
    assert f"{d_z:+.2f}" in text


def test_small_p_values_read_below_0001_and_money_totals_are_not_to_the_penny():
    assert rounding.p_text(0.0) == "< 0.001"
    assert rounding.p_phrase(0.0004) == "p < 0.001"
    assert rounding.p_phrase(0.0213) == "p = 0.021"
    assert rounding.pounds_total(2158490.57) == "£2,158,000"


# -- limitations --------------------------------------------------------------------------
def test_attrition_bias_is_reported_with_the_figures_when_those_lost_started_worse(built, tmp_path):
    study, out = fresh(built, tmp_path)
    scores = pd.read_parquet(out / "data/scores.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    southend = set(people.loc[people["cohort"] == "southend", "pid"])
    followed = set(scores.loc[scores["wave"] == "followup_6m", "pid"])
    lost = scores["pid"].isin(southend - followed)
    base = (scores["wave"] == "baseline") & (scores["instrument"] == "swemwbs")
    scores.loc[lost & base, "score"] -= 4  # those lost to follow-up started lower
    scores.to_parquet(out / "data/scores.parquet", index=False)
    ctx = ReportContext.load(study, "southend", out)
    points = limits.attrition_points(ctx, rs.cohort_changes(ctx))
    swem = scores[base & scores["valid"] & scores["pid"].isin(southend)].set_index("pid")["score"]
    # Completers: a usable wellbeing score at follow-up too.
    later = scores[
        (scores["wave"] == "followup_6m") & (scores["instrument"] == "swemwbs") & scores["valid"]
    ]
    done = swem[swem.index.isin(later["pid"])]
    gone = swem[~swem.index.isin(later["pid"])]
    p = stats.ttest_ind(done, gone, equal_var=False).pvalue
    expected = f"worse wellbeing ({gone.mean():.1f} against {done.mean():.1f}, "
    assert any(expected in point and rounding.p_phrase(p) in point for point in points), points
    assert points[0].startswith("Southend-on-Sea: people lost to follow-up started with")


def test_missing_answers_are_shown_per_questionnaire_and_wave(built):
    study, out = built
    ctx = ReportContext.load(study, "basildon", out)
    table = limits.missingness_table(ctx).set_index(["Questionnaire", "Survey"])
    scores = pd.read_parquet(out / "data/scores.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    mine = people.loc[people["cohort"] == "basildon", "pid"]
    swem = scores[
        (scores["instrument"] == "swemwbs")
        & (scores["wave"] == "followup_6m")
        & scores["pid"].isin(mine)
    ]
    unusable = 1 - swem["valid"].sum() / len(mine)
    row = table.loc[("SWEMWBS", "6 months later")]
    assert row["No usable score (of everyone)"] == f"{round(100 * unusable)}%"
    assert (
        row["Did not answer the survey"]
        == f"{round(100 * (1 - swem['pid'].nunique() / len(mine)))}%"
    )


def test_limitations_name_machine_coding_unstable_topics_and_no_comparison_group(built):
    study, out = built
    text = html_text(rs.limitations(ReportContext.load(study, "clacton", out)))
    assert "rest entirely on machine suggestions" in text
    assert "1 of the 4 topics found by the topic model did not come back" in text
    assert "We describe change observed, not impact" in text


def test_regression_to_the_mean_is_named_only_when_low_starters_change_most(built, tmp_path):
    study, out = fresh(built, tmp_path)
    ctx = ReportContext.load(study, "clacton", out)
    assert limits.regression_to_mean_point(ctx) is None  # seeded change does not depend on start
    scores = pd.read_parquet(out / "data/scores.parquet")
    swem = scores["instrument"] == "swemwbs"
    base = scores[swem & (scores["wave"] == "baseline")].set_index("pid")["score"]
    post = swem & (scores["wave"] == "followup_6m")
    # Follow-up pulled halfway back towards 21: those who start low gain most.
    scores.loc[post, "score"] = scores.loc[post, "pid"].map(base).to_numpy() * 0.5 + 10.5
    scores.to_parquet(out / "data/scores.parquet", index=False)
    ctx = ReportContext.load(study, "clacton", out)
    point = limits.regression_to_mean_point(ctx)
    assert point and "regression to the mean" in point


# -- who took part ------------------------------------------------------------------------
def test_profile_by_age_is_disclosure_controlled_with_secondary_suppression(built):
    study, out = built
    ctx = ReportContext.load(study, "basildon", out)
    people = pd.read_parquet(out / "data/participants.parquet")
    mine = people[people["cohort"] == "basildon"]
    table = profile.profile_table(ctx, mine, "age_band").set_index("Age group")
    counts = mine["age_band"].value_counts()
    for band, n in counts.items():
        shown = table.loc[band, "People"]
        assert shown == "*" or shown == RULE.count(n)
    hidden = (table["People"] == "*").sum()
    assert hidden != 1, "one hidden cell could be worked out from the total"


def test_waves_have_human_names(built):
    study, out = built
    ctx = ReportContext.load(study, "clacton", out)
    assert profile.wave_label(ctx.study, "followup_6m") == "6 months later"
    text = html_text(rs.outcome_change(ctx))
    assert "followup_6m" not in text and "followup 6m" not in text


def test_methods_appendix_shows_no_absolute_path(built):
    study, out = built
    ctx = ReportContext.load(study, "clacton", out)
    html = rs.methods_appendix(ctx)._repr_html_()
    assert str(Path(study).resolve()) not in html
    assert "example (folder study)" in html


# -- published tables ---------------------------------------------------------------------
@pytest.mark.slow
def test_analyse_publishes_retention_reach_and_a_dictionary_of_every_column(built, tmp_path):
    from toolkit.outcomes import analyse
    from toolkit.outcomes.dictionary import dictionary_rows
    from toolkit.study.config import load_study
    from toolkit.study.tables import StudyOutputs

    study_dir, out = fresh(built, tmp_path)
    raw = yaml.safe_load((study_dir / "study.yml").read_text())
    for outcome in raw["outcomes"]:
        if outcome["kind"] == "reliable_change":  # the seeded study has no item responses
            outcome["reliability"] = 0.85
    (study_dir / "study.yml").write_text(yaml.safe_dump(raw, sort_keys=False))
    study = load_study(study_dir)
    ctx = SimpleNamespace(
        study=study,
        outputs=StudyOutputs(study.name, out),
        cohorts=study.cohort_names,
        seed=42,
        notes={},
        progress=False,
    )
    analyse.run_stage(ctx)
    rows = dictionary_rows(out / "tables")
    described = rows["description"].map(lambda d: isinstance(d, str))
    assert described.all(), rows[~described]
    assert "not yet described" not in (out / "tables/README.md").read_text()
    assert "## retention.csv" in (out / "tables/README.md").read_text()
    wellby = pd.read_csv(out / "tables/wellby.csv").iloc[0]
    assert wellby["value_central"] % 1000 == 0
    scores = pd.read_parquet(out / "data/scores.parquet")
    life = scores[(scores["instrument"] == "ons4") & (scores["item"] == "satisfaction")]
    wide = life.pivot_table(index="pid", columns="wave", values="score").dropna()
    change = (wide["followup_6m"] - wide["baseline"]).mean()
    # Green Book central value, on the published (rounded) number of people.
    expected = change * int(RULE.count(len(wide))) * 13000
    assert wellby["value_central"] == round(expected / 1000) * 1000
    retention = pd.read_csv(out / "tables/retention.csv")
    pathway = pd.read_parquet(out / "data/pathway.parquet")
    six = retention[(retention["cohort"] == "all") & (retention["stage"] == "retained_6m")].iloc[0]
    kept = int(pathway["retained_6m"].notna().sum())
    assert str(six["n_retained"]) == RULE.count(kept)
    reach = pd.read_csv(out / "tables/reach.csv", dtype=str)
    people = pd.read_parquet(out / "data/participants.parquet")
    everyone = reach[(reach["cohort"] == "all") & (reach["group"] == "Everyone")].iloc[0]
    assert everyone["people"] == RULE.count(len(people))
    # The page-one figure and the published table agree to the digit.
    ctx = ReportContext.load(study_dir, None, out)
    figures = headline_figures(ctx).set_index("key")
    assert figures.loc["retention", "actual"].startswith(
        f"{round(100 * float(six['retention_share']))}% ({six['n_retained']} of"
    )
    np.testing.assert_equal(len(retention), 8)
    # Core20PLUS5: shares from the published counts, and the report shows the table's figures.
    core = pd.read_csv(out / "tables/core20plus5.csv", dtype=str)
    shown = core[core["n_people"].str.isdigit() & core["n_cohort"].str.isdigit()]
    expected = (shown["n_people"].astype(int) / shown["n_cohort"].astype(int)).round(2)
    assert np.allclose(shown["share_of_cohort"].astype(float), expected)
    ctx = ReportContext.load(study_dir, "clacton", out)
    table = rs.outcomes_by_group(ctx)[-1].frame
    mine = core[core["cohort"] == "clacton"]
    assert table["People"].tolist() == mine["n_people"].tolist()
    started = mine.set_index("group").loc["All participants", "job_started__value"]
    assert table.iloc[0, 3].startswith(f"{round(100 * float(started))}% (")


def test_reviewer_agreement_and_model_quality_are_shown_when_the_study_has_them(built, tmp_path):
    study, out = fresh(built, tmp_path)
    ctx = ReportContext.load(study, "clacton", out)
    assert "How far reviewers agreed" not in html_text(rs.themes(ctx))  # none yet: nothing
    (out / "tables").mkdir(exist_ok=True)
    pd.DataFrame(
        {
            "code": ["transport", "overall"],
            "n_reviewers": [2, 2],
            "n_units": [40, 120],
            "percent_agreement": [0.925, 0.9],
            "cohens_kappa": [0.81, 0.77],
            "krippendorff_alpha": [0.8123, 0.7649],
            "n_machine_pairs": [40, 120],
            "machine_agreement": [0.8, 0.75],
            "machine_kappa": [0.55, 0.5],
        }
    ).to_csv(out / "tables/agreement.csv", index=False)
    (out / "models").mkdir(exist_ok=True)
    pd.DataFrame(
        {
            "code": ["transport"],
            "positives": [30],
            "negatives": [90],
            "trained": [True],
            "precision": [0.8],
            "recall": [0.6667],
            "f1": [0.7619],
            "still_needed": [0],
            "codebook_f1": [0.5],
            "used": [True],
        }
    ).to_csv(out / "models/coding_cv_metrics.csv", index=False)
    ctx = ReportContext.load(study, "clacton", out)
    text = html_text(rs.themes(ctx))
    assert "Transport and travel 40 92% 0.81 0.55" in text
    assert "All themes 120 90% 0.76 0.50" in text
    assert "Transport and travel 30 / 90 0.80 0.67 0.76 Yes" in text


def test_pathway_table_gives_median_days_between_steps(built):
    study, out = built
    ctx = ReportContext.load(study, "southend", out)
    table = next(b for b in rs.pathway_funnel(ctx).blocks if hasattr(b, "frame")).frame
    pathway = pd.read_parquet(out / "data/pathway.parquet")
    mine = pathway[pathway["cohort"] == "southend"]
    days = (mine["started"] - mine["checks_cleared"]).dt.days.dropna()
    row = table.set_index("Stage").loc["Started work"]
    assert row["Median days from the step before"] == f"{days.median():.0f}"


def test_a_quote_without_redaction_placeholders_is_preferred():
    from toolkit.reports.measures import pick_quote

    segments = pd.DataFrame(
        {
            "seg_id": ["a", "b", "c"],
            "pid": ["p1", "p2", "p3"],
            "text": [
                "[PERSON_1] from the programme rang me every week to see how I was.",
                "PERSON_2] from the job club rang me every week to see how I was getting on.",
                "My mentor rang me every week and that kept me going through the long checks.",
            ],
        }
    )
    scores = pd.Series({"a": 0.9, "b": 0.9, "c": 0.5})
    quote = pick_quote(["a", "b", "c"], segments, {"p1", "p2", "p3"}, scores)
    assert quote.startswith("My mentor")


def test_a_misspelt_cohort_or_outcome_in_targets_is_one_clear_line(tmp_path):
    import subprocess
    import sys

    from report_study import write_study

    study = write_study(tmp_path / "study")
    raw = yaml.safe_load((study / "study.yml").read_text())
    raw["targets"]["clactn"] = raw["targets"].pop("clacton")
    raw["targets"]["basildon"]["outcomes"][0]["outcome"] = "retained_9m"
    (study / "study.yml").write_text(yaml.safe_dump(raw, sort_keys=False))
    done = subprocess.run(
        [sys.executable, "-c", "from toolkit.cli import main; main()", "validate", str(study)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "targets names cohort 'clactn'; expected one of ['clacton'" in done.stderr
    assert "targets.basildon: outcome 'retained_9m' is not in outcomes" in done.stderr


def test_the_coproduction_report_shows_only_stable_topics_a_person_has_named(built, tmp_path):
    study, out = fresh(built, tmp_path)
    info = pd.read_parquet(out / "data/topic_info.parquet")
    # Nobody has named a topic yet: residents see no machine-found topics.
    ctx = ReportContext.load(study, "clacton", out)
    assert cp.named_topics(ctx) == []
    # A peer researcher named topics 0 (stable) and 2 (unstable), and hid topic 3.
    info["named"] = info["topic"].isin([0, 2])
    info["hidden"] = info["topic"].eq(3)
    info.to_parquet(out / "data/topic_info.parquet", index=False)
    ctx = ReportContext.load(study, "clacton", out)
    blocks = cp.named_topics(ctx)
    assert [b.items for b in blocks if hasattr(b, "items")] == [["Buses and early shifts"]]
    assert "Other things people raised" in html_text(cp.what_you_told_us(ctx))


def test_report_sections_load_without_the_redaction_models():
    """A notebook kernel imports the report sections only: the runner's release gate, and
    with it Presidio, transformers and torch, must not load in every report's kernel."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from toolkit.reports import coproduction, overview, sections\n"
        "from toolkit.reports.context import ReportContext\n"
        "heavy = ['presidio_analyzer', 'torch', 'transformers', 'spacy', 'bertopic']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "from toolkit.reports import run_reports\n"
        "print(run_reports.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["", "toolkit.reports.runner"]


def test_the_evaluation_report_says_who_named_each_topic(built, tmp_path):
    study, out = fresh(built, tmp_path)
    ctx = ReportContext.load(study, "clacton", out)
    text = html_text(rs.themes(ctx))
    info = pd.read_parquet(out / "data/topic_info.parquet").set_index("topic")
    shown = [t for t in info.index if t >= 0 and f" {info.loc[t, 'label']} Computer, " in text]
    # Nobody has named a topic: every name in the table is the computer's suggestion.
    assert "Named by" in text and "A person" not in text and shown
    assert "a suggestion until someone on the research team renames" in text
    # A peer researcher names the first topic shown; the table now says a person did.
    info["named"] = info.index == shown[0]
    info.reset_index().to_parquet(out / "data/topic_info.parquet", index=False)
    text = html_text(rs.themes(ReportContext.load(study, "clacton", out)))
    assert f" {info.loc[shown[0], 'label']} A person " in text
    assert text.count("A person") == 1
