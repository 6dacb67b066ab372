"""Limitations worked out from the data, not written in general terms.

Each function returns sentences (or a table) about *this* study's data: who was lost to
follow-up and whether they differed at the start (per cohort, with the figures), how many
answers are missing per questionnaire and wave, whether people who started low improved
most (regression to the mean), small cohorts, how much of the coding people checked, how
many topics were unstable, and whether there was a comparison group. Numbers of people go
through the disclosure rule; means from groups below the threshold are not shown.

Example (needs a built study; ``tests/test_report_content.py`` runs it)::

    ctx = ReportContext.load("surveys/example", cohort="southend")
    attrition_points(ctx)
    # ['Southend-on-Sea: people lost to follow-up had lower wellbeing at the start ...']
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from toolkit.outcomes import rounding
from toolkit.reports.context import ReportContext

# Warwick Medical School's advice for a paired (S)WEMWBS comparison (REFERENCE.md).
MIN_PAIRS = 30
# The conventional level for calling a baseline difference between completers and
# non-completers clear.
ALPHA = 0.05
# People in the lowest and highest third of baseline scores are compared for regression to
# the mean.
THIRDS = 3


def _cohorts(ctx: ReportContext) -> list[str]:
    return [ctx.cohort] if ctx.cohort else ctx.study.cohort_names


def attrition_points(ctx: ReportContext, changes: pd.DataFrame) -> list[str]:
    """Per cohort and score outcome: completers against non-completers at baseline."""
    points = []
    outcomes = [o.name for o in ctx.study.outcomes if o.kind == "score_change"]
    rows = changes[changes["outcome"].isin(outcomes) & changes["cohort"].isin(_cohorts(ctx))]
    for cohort in _cohorts(ctx):
        found = []
        for r in rows[rows["cohort"] == cohort].itertuples():
            lost = int(r.n_non_completers)
            if lost < ctx.rule.threshold or int(r.n_pairs) < ctx.rule.threshold:
                continue
            if pd.isna(r.p_welch):
                continue
            what = str(r.label).split("(")[0].strip().lower().removeprefix("change in ")
            figures = (
                f"{rounding.points(r.baseline_mean_non_completers)} against "
                f"{rounding.points(r.baseline_mean_completers)}, {rounding.p_phrase(r.p_welch)}"
            )
            if r.p_welch < ALPHA:
                worse = (r.baseline_mean_non_completers < r.baseline_mean_completers) == bool(
                    r.higher_is_better
                )
                found.append(f"{'worse' if worse else 'better'} {what} ({figures})")
        label = ctx.label_of(cohort)
        if found:
            points.append(
                ctx.say(
                    f"{label}: people lost to follow-up started with "
                    + "; ".join(found)
                    + " than those who answered both surveys. The change shown is for those "
                    "who stayed, so it may not hold for everyone who took part."
                )
            )
        elif not rows[rows["cohort"] == cohort].empty:
            points.append(
                ctx.say(
                    f"{label}: people lost to follow-up did not differ clearly at the start "
                    f"from those who answered both surveys (p {ALPHA} or more on every measure)."
                )
            )
    return points


def missingness_table(ctx: ReportContext) -> pd.DataFrame | None:
    """Share of people without a usable score, per questionnaire and wave.

    The denominator is everyone in the cohort, so both a missed survey and unanswered
    questions count; the table splits the two.
    """
    people, scores = ctx.table("participants"), ctx.table("scores")
    if people is None or scores is None or people.empty:
        return None
    n = len(people)
    rows = []
    from toolkit.reports.profile import EMPLOYMENT, wave_label

    for wave in sorted(ctx.study.waves, key=lambda w: w.month):
        at_wave = scores[scores["wave"] == wave.name]
        answered = at_wave["pid"].nunique()
        for instrument in sorted(set(scores["instrument"]) - {EMPLOYMENT}):
            sub = at_wave[at_wave["instrument"] == instrument]
            # Item-scored questionnaires (ONS4): a person counts if any item is usable.
            valid = sub[sub["valid"].astype("boolean").fillna(False)]["pid"].nunique()
            attempted = sub["pid"].nunique()
            rows.append(
                [
                    instrument.upper(),
                    wave_label(ctx.study, wave.name).capitalize(),
                    rounding.percent(1 - answered / n),
                    rounding.percent((attempted - valid) / attempted) if attempted else "",
                    rounding.percent(1 - valid / n),
                ]
            )
    return pd.DataFrame(
        rows,
        columns=[
            "Questionnaire",
            "Survey",
            "Did not answer the survey",
            "Answered, but too many questions left blank to score",
            "No usable score (of everyone)",
        ],
    )


def regression_to_mean_point(ctx: ReportContext) -> str | None:
    """Did the people who started lowest improve most? Then say regression to the mean."""
    from toolkit.outcomes.definitions import score_pairs

    scores, people = ctx.table("scores"), ctx.table("participants")
    spec = next((o for o in ctx.study.outcomes if o.kind == "score_change"), None)
    if scores is None or people is None or spec is None:
        return None
    pairs = score_pairs(
        scores[scores["pid"].isin(people["pid"])],
        spec.instrument,
        spec.item,
        spec.from_wave,
        spec.to_wave,
    ).dropna()
    if len(pairs) < THIRDS * ctx.rule.threshold:
        return None
    change = pairs["post"] - pairs["pre"]
    third = pd.qcut(pairs["pre"].rank(method="first"), THIRDS, labels=False)
    low, high = change[third == 0], change[third == THIRDS - 1]
    sign = 1 if spec.higher_is_better else -1
    r, p = stats.pearsonr(pairs["pre"], change)
    # Only when starting low clearly goes with changing more: a negative correlation of
    # starting score with change, unlikely by chance, and the lowest third ahead.
    if sign * low.mean() <= sign * high.mean() or sign * r >= 0 or p >= ALPHA:
        return None
    what = (spec.label or spec.name).split("(")[0].strip().lower().removeprefix("change in ")
    return ctx.say(
        f"People who started with the lowest {what} changed most "
        f"({rounding.points(low.mean(), True)} points for the lowest third at the start, "
        f"{rounding.points(high.mean(), True)} for the highest; correlation of starting score "
        f"with change {r:.2f}, {rounding.p_phrase(p)}). Part of this is regression to the "
        "mean: people who join at a low point tend to score nearer their usual level later, "
        "with or without help."
    )


def small_groups_point(ctx: ReportContext, changes: pd.DataFrame | None) -> str | None:
    """Pairs fewer than Warwick's 30, per cohort."""
    if changes is None or changes.empty:
        return None
    first = changes["outcome"].iloc[0]
    rows = changes[(changes["outcome"] == first) & changes["cohort"].isin(_cohorts(ctx))]
    small = [r for r in rows.itertuples() if int(r.n_pairs) < MIN_PAIRS]
    if not small:
        return None
    names = ", ".join(ctx.label_of(r.cohort) for r in small)
    return ctx.say(
        f"Fewer than {MIN_PAIRS} people answered both surveys in {names}, fewer than Warwick "
        "Medical School advises for a before-and-after comparison, so the confidence "
        "intervals there are wide and single results may not repeat."
    )


def coding_point(ctx: ReportContext) -> str | None:
    """How much of the coding behind the themes a person checked."""
    from toolkit.reports.provenance import checked_segments

    segments = ctx.table("segments")
    if segments is None or segments.empty or ctx.table("codings") is None:
        return None
    checked = checked_segments(ctx, segments)
    if checked == 0:
        return ctx.say(
            "The themes rest entirely on machine suggestions (codebook rules and trained "
            "models): no person has yet checked the coding of this cohort's "
            f"{len(segments):,} segments. Theme counts may be too high or too low."
        )
    share = round(100 * checked / len(segments))
    return ctx.say(
        f"People have checked {checked:,} of {len(segments):,} segments ({share}%); the rest "
        "of the coding is machine suggestions that nobody has reviewed."
    )


def topics_point(ctx: ReportContext) -> str | None:
    """How many of the topics found came back in re-runs of the topic model."""
    info = ctx.table("topic_info", cohort_only=False)
    if info is None or "stable" not in info.columns:
        return None
    info = info[info["topic"].astype(int) >= 0]
    if info.empty:
        return None
    unstable = int((~info["stable"].astype("boolean").fillna(False)).sum())
    if unstable == 0:
        return None
    did = "a topic" if unstable == 1 else "topics"
    return ctx.say(
        f"{unstable} of the {len(info)} topics found by the topic model did not come back in "
        f"most re-runs with other seeds. Such {did} may be chance groupings; the Themes "
        "section marks them."
    )
