"""A data dictionary for the published tables: ``tables/README.md``, one line per column.

People open ``tables/*.csv`` in Excel, SPSS or R without the toolkit beside them, so every
column of every published table is described in plain words, with its unit. Columns named
after a study's outcome (``<outcome>__value`` in ``core20plus5.csv``) are described by their
suffix. :func:`describe_column` returns None for a column it does not know, and
:func:`write_data_dictionary` lists such columns under "not yet described" rather than
inventing a meaning (a test checks that the example study has none).

Example
-------
>>> describe_column("core20plus5.csv", "swemwbs_change__ci_low")
'lower end of the 95% confidence interval of the outcome (same units as __value)'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.study.tables import atomic_path

# Columns shared by several tables.
COMMON = {
    "cohort": "cohort name from study.yml; 'all' = every cohort together",
    "outcome": "outcome name from study.yml (outcomes:)",
    "outcome_label": "the outcome's readable name",
    "label": "readable name of the measure",
    "note": "why a value is blank or needs care",
    "coding_basis": "which codings the features came from: reviewed by people, or machine "
    "suggestions not yet reviewed",
    "wording": "'change observed' without a comparison group (not 'impact')",
    "estimate": "estimate: a difference in the outcome's units, or an odds ratio (see scale)",
    "se": "standard error of the estimate",
    "ci_low": "lower end of the 95% confidence interval",
    "ci_high": "upper end of the 95% confidence interval",
    "p": "p-value (two-sided)",
    "q": "Benjamini-Hochberg q-value (false discovery rate) within the outcome",
    "people": "people (rounded to the nearest 5; '*' = fewer than the threshold)",
    "source": "where the value comes from",
}

TABLES: dict[str, dict[str, str]] = {
    "prepost.csv": {
        "instrument": "questionnaire (e.g. swemwbs, ons4, ucla3)",
        "item": "item of the questionnaire when scored item by item (ONS4), else blank",
        "from_wave": "wave of the first score (baseline)",
        "to_wave": "wave of the second score (follow-up)",
        "higher_is_better": "True if a higher score means better",
        "meaningful_threshold": "change in points counted as meaningful for a person",
        "n_pairs": "people with a valid score at both waves (rounded)",
        "mean_pre": "average score at the first wave, people with both scores (points)",
        "mean_post": "average score at the second wave, same people (points)",
        "mean_change": "average change, second minus first wave (points)",
        "sd_change": "standard deviation of the change (points)",
        "p_t": "p-value of the paired t-test",
        "p_wilcoxon": "p-value of the Wilcoxon signed-rank test",
        "d_z": "d_z: average change divided by the SD of change (paired effect size; not "
        "comparable with between-group effect sizes)",
        "g_z": "d_z with Hedges' small-sample correction",
        "sd_baseline": "standard deviation of the first-wave score, same people (points)",
        "d_baseline_sd": "average change divided by the baseline SD: the effect size to compare "
        "across studies (0.2 small, 0.5 medium, 0.8 large)",
        "share_meaningful": "share (0-1) of people who improved by the meaningful threshold "
        "or more",
        "share_reliable_improved": "share (0-1) with reliable improvement (RCI > 1.96)",
        "share_reliable_deteriorated": "share (0-1) with reliable deterioration (RCI < -1.96)",
        "reliability": "reliability used for the reliable change index (Cronbach's alpha)",
        "n_completers": "people with a first-wave score who also answered the follow-up (rounded)",
        "n_non_completers": "people with a first-wave score who did not answer the follow-up "
        "(rounded)",
        "baseline_mean_completers": "first-wave average of completers (points)",
        "baseline_mean_non_completers": "first-wave average of people lost to follow-up (points)",
        "baseline_difference": "completers minus non-completers at the first wave (points)",
        "p_welch": "p-value of Welch's t-test of that difference (attrition bias check)",
        "smd": "standardised mean difference of that comparison",
        "mlm_people": "people in the mixed model (everyone with any score; rounded)",
        "mlm_change": "change estimated by the mixed model with a random intercept per person, "
        "which keeps people with one score (points)",
        "mlm_ci_low": "lower end of the mixed model's 95% confidence interval",
        "mlm_ci_high": "upper end of the mixed model's 95% confidence interval",
        "mlm_p": "p-value of the mixed model's change",
        "mlm_converged": "True if the mixed model converged",
    },
    "pathway_funnel.csv": {
        "stage_order": "position of the stage on the pathway (1 = first)",
        "stage": "stage name (study.yml pathway stages)",
        "stage_label": "readable stage name",
        "n_reached": "people with a date for the stage (rounded)",
        "n_previous": "people at the previous stage who could have reached this one (rounded)",
        "conversion_from_previous": "share (0-1) of those who reached this stage",
        "conversion_from_first": "share (0-1) of everyone referred who reached this stage",
        "median_days_from_previous": "median days from the previous stage (people with both dates)",
        "n_with_days": "people with both dates (rounded)",
    },
    "post_offer_loss.csv": {
        "n_offered": "people offered a job (rounded)",
        "n_started": "people who started a job (rounded)",
        "n_post_offer_loss": "people offered a job who did not start it (rounded)",
        "post_offer_loss_share": "share (0-1) of people offered a job who did not start it",
        "programme_cost": "programme cost for the cohort (pounds, from study.yml)",
        "cost_per_job_started": "programme cost divided by the published number of job "
        "starts (whole pounds)",
        "cost_per_job_basis": "how cost per job was worked out",
    },
    "retention.csv": {
        "stage": "retention stage (retained_3m or retained_6m)",
        "n_starters_due": "starters in post long enough, by the extract date, to reach the "
        "stage (rounded)",
        "n_retained": "of them, people still in work at the stage (rounded)",
        "retention_share": "share (0-1) still in work, from the rounded counts",
    },
    "reach.csv": {
        "group": "Core20PLUS5 group (groups overlap)",
        "of": "everyone in the cohort (rounded)",
        "share_of_everyone": "share of everyone, worked out from the rounded counts",
    },
    "associations.csv": {
        "feature": "experience: code_<id> (a codebook theme) or topic_<n> (a topic)",
        "feature_label": "readable name of the experience",
        "model": "model fitted: logistic for yes/no outcomes, OLS with HC3 errors otherwise",
        "scale": "scale of the estimate: 'odds ratio' or 'difference'",
        "n": "people in the model (rounded)",
        "n_with_feature": "people in the model who talked about the experience (rounded)",
        "fdr_family": "tests the q-value is adjusted over (one outcome)",
        "passes_fdr": "True if q < 0.05",
        "adjusted_for": "covariates in the model",
    },
    "topic_effects.csv": {
        "topic": "topic number",
        "topic_label": "readable topic name",
        "term": "regression term as the model names it",
        "term_label": "the term in words (a covariate level against the reference level)",
        "n_people": "people in the model (rounded)",
        "estimate": "difference in the expected share (0-1) of a person's segments on the "
        "topic, against the reference level",
        "method": "how the estimate was made",
    },
    "topic_effects_levels.csv": {
        "topic": "topic number",
        "topic_label": "readable topic name",
        "covariate": "covariate the topic share is shown by",
        "level": "level of the covariate",
        "estimate": "expected share (0-1) of a person's segments on the topic at this level",
    },
    "core20plus5.csv": {
        "group": "Core20PLUS5 group (groups overlap)",
        "n_people": "people in the group (rounded; secondary suppression applied)",
        "n_cohort": "people in the cohort (rounded)",
        "share_of_cohort": "share (0-1) of the cohort in the group, from the rounded counts",
    },
    "wellby.csv": {
        "mean_change": "average change in life satisfaction (0-10 points)",
        "people": "people with life satisfaction at both waves (rounded)",
        "years": "years the change is assumed to last",
        "wellbys": "WELLBYs: change x people x years (1 decimal place)",
        "value_central": "WELLBYs x £13,000 (Green Book central value; nearest £1,000)",
        "value_low": "WELLBYs x £10,000 (low value; nearest £1,000)",
        "value_high": "WELLBYs x £16,000 (high value; nearest £1,000)",
        "price_year": "price year of the WELLBY values",
        "assumptions": "assumptions behind the value",
    },
    "topics_per_cohort.csv": {
        "topic": "topic number (-1 = segments no topic fitted); names are in the reports",
        "n_participants": "people with at least one segment on the topic (rounded)",
    },
    "social_value.csv": {
        "value_per_year": "user-supplied value of the outcome per person per year (pounds)",
        "total_value": "value per year x people (pounds)",
    },
}

# Columns named "<outcome>__<suffix>" (core20plus5.csv): described by their suffix.
SUFFIXES = {
    "n": "people in the group with the outcome recorded (rounded)",
    "count": "people in the group who achieved a yes/no outcome (rounded)",
    "value": "share (0-1) for a yes/no outcome, otherwise the average (outcome's units)",
    "ci_low": "lower end of the 95% confidence interval of the outcome (same units as __value)",
    "ci_high": "upper end of the 95% confidence interval of the outcome (same units as __value)",
}


def describe_column(table: str, column: str) -> str | None:
    """Plain-words meaning of ``column`` in published ``table`` (a file name), or None."""
    own = TABLES.get(table, {})
    if column in own:
        return own[column]
    if column in COMMON:
        return COMMON[column]
    if "__" in column:
        outcome, suffix = column.rsplit("__", 1)
        if suffix in SUFFIXES:
            return SUFFIXES[suffix]
    return None


def dictionary_rows(tables_dir: Path) -> pd.DataFrame:
    """``table, column, description`` for every column of every CSV in ``tables_dir``."""
    rows = []
    for path in sorted(Path(tables_dir).glob("*.csv")):
        columns = pd.read_csv(path, nrows=0).columns
        for column in columns:
            rows.append((path.name, column, describe_column(path.name, column)))
    return pd.DataFrame(rows, columns=["table", "column", "description"])


def write_data_dictionary(tables_dir: Path) -> Path:
    """Write ``tables_dir/README.md`` describing every published table's columns."""
    tables_dir = Path(tables_dir)
    rows = dictionary_rows(tables_dir)
    lines = [
        "# Published tables: what each column means",
        "",
        "Counts of people are rounded to the nearest 5 and counts below the threshold show as",
        "'*' (NHS England rule). Shares are fractions from 0 to 1. Scores and changes are in the",
        "questionnaire's points. Made by the toolkit's analyse stage; do not edit by hand.",
    ]
    unknown = []
    for table, group in rows.groupby("table", sort=True):
        lines += ["", f"## {table}", "", "| column | meaning |", "|---|---|"]
        for rec in group.itertuples():
            known = isinstance(rec.description, str)
            if not known:
                unknown.append(f"{table}: {rec.column}")
            text = rec.description if known else "not yet described"
            lines.append(f"| `{rec.column}` | {text} |")
    if unknown:
        lines += ["", "Not yet described: " + ", ".join(unknown)]
    path = tables_dir / "README.md"
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
