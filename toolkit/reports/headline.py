"""The figures for page one: programme targets against what happened.

:func:`headline_figures` gathers, for one cohort (or the programme as a whole), the numbers an
evaluator looks for first — people engaged, jobs started (NHS and other, where recorded),
cost per job started, post-offer loss, retention, wellbeing change and reach into Core20
and PLUS groups — each beside its target from ``study.yml`` (``targets:``) and the published
table it comes from. Every count is the disclosure-controlled one published in that table,
so the page-one figure and the table agree to the digit.

Example (needs a built study; ``tests/test_report_content.py`` runs it)::

    ctx = ReportContext.load("surveys/example", cohort="clacton")
    headline_figures(ctx)[["figure", "target", "actual"]]
"""

from __future__ import annotations

import pandas as pd

from toolkit.outcomes import rounding
from toolkit.outcomes.funnel import (
    post_offer_loss,
    publish_post_offer_loss,
    publish_retention,
    retention,
)
from toolkit.reports import measures
from toolkit.reports.context import ReportContext

COLUMNS = ["key", "figure", "target", "actual", "status", "source"]
# Where each figure is published (tables/ under the study's outputs).
SOURCES = {
    "people_engaged": "pathway_funnel.csv (stage engaged)",
    "jobs_started": "pathway_funnel.csv (stage started)",
    "jobs_started_nhs": "pathway file (employer recorded as NHS)",
    "jobs_started_other": "pathway file (employer not NHS)",
    "cost_per_job": "post_offer_loss.csv (cost_per_job_started)",
    "post_offer_loss": "post_offer_loss.csv (post_offer_loss_share)",
    "retention": "retention.csv (retained_6m)",
    "wellbeing": "prepost.csv",
    "core20": "reach.csv (Core20)",
    "plus": "reach.csv (Core20 or at least one PLUS group)",
}
# A pathway column, when present, saying whether the job was with an NHS employer.
NHS_COLUMN = "nhs_employer"


def _group(ctx: ReportContext) -> str:
    return ctx.cohort or "all"


def cohort_targets(ctx: ReportContext):
    """The cohort's targets, or for the overview the programme total of every cohort's."""
    from toolkit.study.config import CohortTargets

    if ctx.cohort is not None:
        return ctx.study.targets.get(ctx.cohort)
    goals = [ctx.study.targets[c] for c in ctx.study.cohort_names if c in ctx.study.targets]
    if not goals:
        return None

    def total(attr):
        values = [getattr(g, attr) for g in goals]
        if any(v is None for v in values):
            return None  # a programme total is only meaningful when every cohort has one
        if any(isinstance(v, list) for v in values):
            lows = sum(v[0] if isinstance(v, list) else v for v in values)
            highs = sum(v[1] if isinstance(v, list) else v for v in values)
            return [lows, highs]
        return sum(values)

    jobs = [g.jobs_total for g in goals]
    costs = [(g.cost_per_job, g.jobs_total) for g in goals]
    cost = None
    if all(c is not None and j for c, j in costs):
        # Programme cost target per job: the jobs-weighted average of the cohorts' targets.
        cost = sum(c * j for c, j in costs) / sum(j for _, j in costs)
    return CohortTargets(
        people_engaged=total("people_engaged"),
        jobs_started=sum(jobs) if all(j is not None for j in jobs) else None,
        jobs_started_nhs=total("jobs_started_nhs"),
        jobs_started_other=total("jobs_started_other"),
        cost_per_job=cost,
        outcomes=[],
    )


def target_text(value, money: bool = False) -> str:
    """A target as written on the page: "400 to 600", "295", "£1,000"."""
    if value is None:
        return "none set"
    if isinstance(value, list):
        return f"{value[0]:,.0f} to {value[1]:,.0f}"
    return rounding.pounds(value) if money else f"{value:,.0f}"


def status(actual: float | None, target, lower_is_better: bool = False) -> str:
    """Met / not met / within range, from the published actual; blank when either is missing."""
    if actual is None or target is None:
        return ""
    if isinstance(target, list):
        low, high = target
        if actual < low:
            return "below target"
        return "within the range" if actual <= high else "above the range"
    if lower_is_better:
        return "met" if actual <= target else "not met"
    return "met" if actual >= target else "not met"


def headline_row(
    key: str, figure: str, actual: str, *, target: str = "", status: str = "", source=None
) -> dict:
    """One row of the headline figures table; the source defaults to the key's own."""
    return dict(
        key=key,
        figure=figure,
        target=target,
        actual=actual,
        status=status,
        source=SOURCES[key] if source is None else source,
    )


def _published_count(ctx: ReportContext, n: int) -> tuple[str, int | None]:
    shown = ctx.rule.count(int(n))
    return shown, (int(shown) if shown.strip().isdigit() else None)


def pathway_rows(ctx: ReportContext, goals) -> list[dict]:
    """People engaged, jobs started (NHS / other when recorded), cost, loss, retention."""
    pathway = ctx.table("pathway")
    if pathway is None or pathway.empty:
        return []
    from toolkit.reports.cohort_tables import cohort_funnel

    rows = []
    funnel = cohort_funnel(ctx)
    reached = (
        funnel[funnel["cohort"] == _group(ctx)].set_index("stage")["n_reached"]
        if funnel is not None
        else pd.Series(dtype=int)
    )
    for key, stage, label, attr in (
        ("people_engaged", "engaged", "People engaged", "people_engaged"),
        ("jobs_started", "started", "Jobs started", "jobs_total"),
    ):
        if stage not in reached:
            continue
        shown, value = _published_count(ctx, reached[stage])
        target = getattr(goals, attr, None) if goals else None
        rows.append(
            headline_row(
                key,
                label,
                shown,
                target=target_text(target),
                status=status(value, target),
            )
        )
    rows += sector_rows(ctx, pathway, goals)
    cohorts = [ctx.cohort] if ctx.cohort else ctx.study.cohort_names
    costs = ctx.study.pathway.programme_cost if ctx.study.pathway else None
    if "started" in pathway.columns:
        loss = publish_post_offer_loss(post_offer_loss(pathway, cohorts, costs), ctx.rule)
        row = loss[loss["cohort"] == _group(ctx)].iloc[0]
        cost = row["cost_per_job_started"]
        target = goals.cost_per_job if goals else None
        if pd.notna(cost) or target is not None:
            rows.append(
                headline_row(
                    "cost_per_job",
                    "Cost per job started",
                    rounding.pounds(cost) if pd.notna(cost) else "not known",
                    target=target_text(target, money=True),
                    status=status(float(cost) if pd.notna(cost) else None, target, True),
                )
            )
        share = row["post_offer_loss_share"]
        rows.append(
            headline_row(
                "post_offer_loss",
                "Offered a job but did not start (post-offer loss)",
                (
                    f"{rounding.percent(share)} of {row['n_offered']} offered"
                    if pd.notna(share)
                    else "too few to show"
                ),
            )
        )
        extracted = ctx.study.pathway.extracted_on if ctx.study.pathway else None
        kept = publish_retention(retention(pathway, cohorts, extracted), ctx.rule)
        six = kept[(kept["cohort"] == _group(ctx)) & (kept["stage"] == "retained_6m")]
        if not six.empty:
            r = six.iloc[0]
            rows.append(
                headline_row(
                    "retention",
                    "Still in work 6 months after starting",
                    (
                        f"{rounding.percent(r['retention_share'])} ({r['n_retained']} of "
                        f"{r['n_starters_due']} starters in post long enough)"
                        if pd.notna(r["retention_share"])
                        else "too few to show"
                    ),
                )
            )
    return rows


def sector_rows(ctx: ReportContext, pathway: pd.DataFrame, goals) -> list[dict]:
    """Jobs started with NHS and other employers: counted where the pathway records it."""
    if goals is None or (goals.jobs_started_nhs is None and goals.jobs_started_other is None):
        return []
    recorded = NHS_COLUMN in pathway.columns
    started = pd.to_datetime(pathway.get("started"), errors="coerce").notna()
    rows = []
    for key, label, target, want in (
        ("jobs_started_nhs", "Jobs started in the NHS", goals.jobs_started_nhs, True),
        (
            "jobs_started_other",
            "Jobs started with other employers",
            goals.jobs_started_other,
            False,
        ),
    ):
        if target is None:
            continue
        if recorded:
            # A blank employer is neither NHS nor other: it is not counted on either row.
            match = (pathway[NHS_COLUMN].astype("boolean") == want).fillna(False).astype(bool)
            shown, value = _published_count(ctx, int((started & match).sum()))
        else:
            shown, value = "not recorded in the pathway file", None
        rows.append(
            headline_row(
                key,
                label,
                shown,
                target=target_text(target),
                status=status(value, target),
            )
        )
    return rows


def named_outcome_rows(ctx: ReportContext, goals) -> list[dict]:
    """Targets for named outcomes: counted when they name a yes/no outcome, else said so."""
    if goals is None:
        return []
    rows = []
    outcomes = ctx.table("outcomes") if any(g.outcome for g in goals.outcomes) else None
    for goal in goals.outcomes:
        shown, value, source = "not measured in this study's data", None, "study.yml targets"
        if goal.outcome and outcomes is not None:
            sub = outcomes[outcomes["outcome"] == goal.outcome]
            n = int(pd.to_numeric(sub["value"], errors="coerce").fillna(0).gt(0).sum())
            shown, value = _published_count(ctx, n)
            source = f"outcomes table ({goal.outcome})"
        rows.append(
            headline_row(
                f"target:{goal.label}",
                goal.label,
                shown,
                target=target_text(goal.target),
                status=status(value, goal.target),
                source=source,
            )
        )
    return rows


def wellbeing_row(ctx: ReportContext) -> dict | None:
    """The study's first score change: mean change, 95% CI, scale and meaningful share."""
    from toolkit.outcomes.prepost import publish_prepost
    from toolkit.reports.cohort_tables import cohort_changes

    changes = cohort_changes(ctx)
    if changes is None or changes.empty:
        return None
    raw = changes[changes["cohort"] == _group(ctx)].iloc[0]
    pub = publish_prepost(changes[changes["cohort"] == _group(ctx)].head(1), ctx.rule).iloc[0]
    if pd.isna(pub["ci_low"]):
        actual = f"too few people answered twice ({pub['n_pairs']})"
    else:
        actual = (
            f"{rounding.points(raw['mean_change'], signed=True)} points (95% CI "
            f"{rounding.points(raw['ci_low'], signed=True)} to "
            f"{rounding.points(raw['ci_high'], signed=True)}; {pub['n_pairs']} people)"
        )
        scale = measures.scale_text(raw["instrument"], raw.get("item"))
        if scale:
            actual += f" on {scale}"
        if pd.notna(pub.get("share_meaningful")) and pd.notna(raw.get("meaningful_threshold")):
            actual += (
                f"; {rounding.percent(pub['share_meaningful'])} improved by "
                f"{raw['meaningful_threshold']:g} points or more"
            )
    return headline_row(
        "wellbeing",
        str(raw["label"]),
        actual,
    )


def reach_rows(ctx: ReportContext) -> list[dict]:
    """People living in Core20 areas, and in Core20 or a PLUS group, with shares."""
    people = ctx.table("participants")
    if people is None:
        return []
    reach = measures.published_reach(ctx.rule, people)
    rows = []
    for key, group in (
        ("core20", measures.CORE20_LABEL),
        ("plus", measures.CORE20_OR_PLUS_LABEL),
    ):
        hit = reach[reach["group"] == group]
        if hit.empty:
            continue
        r = hit.iloc[0]
        share = f" ({r['share']})" if r["share"] else ""
        rows.append(
            headline_row(
                key,
                group,
                f"{r['shown']} of {r['of_shown']}{share}",
            )
        )
    return rows


def headline_figures(ctx: ReportContext) -> pd.DataFrame:
    """Page one's table: ``key, figure, target, actual, status, source`` (all published)."""
    goals = cohort_targets(ctx)
    rows = pathway_rows(ctx, goals) + named_outcome_rows(ctx, goals)
    well = wellbeing_row(ctx)
    if well:
        rows.append(well)
    rows += reach_rows(ctx)
    return pd.DataFrame(rows, columns=COLUMNS)
