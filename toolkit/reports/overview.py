"""Sections of the overview report: every cohort side by side.

Every count goes through the study's disclosure rule. The rows are overlapping groups or
pathway stages, not parts of a total, so no suppressed cell can be worked out from a total.

Example
-------
Before the study is built (here, an empty outputs folder) a section says what it needs
(``tests/test_report_run.py`` renders the overview from a built study):

>>> import tempfile
>>> from toolkit.resources import example_study_dir
>>> out = tempfile.mkdtemp()
>>> ctx = ReportContext.load(example_study_dir(), outputs_dir=out)
>>> funnel_by_cohort(ctx).needs
['pathway']
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from toolkit.outcomes import rounding  # noqa: E402
from toolkit.outcomes.prepost import publish_prepost  # noqa: E402
from toolkit.reports import measures  # noqa: E402
from toolkit.reports.context import ReportContext  # noqa: E402
from toolkit.reports.display import (  # noqa: E402
    Figure,
    Markdown,
    Note,
    Section,
    Table,
    draw_interval,
    palette,
    style_axes,
)
from toolkit.reports.sections import _code_names, cohort_changes, cohort_funnel, rounded  # noqa: E402

ALL = "All cohorts"


def _share_table(ctx: ReportContext, shown: pd.DataFrame, of: dict[str, str]) -> pd.DataFrame:
    """Percentages of each column's total, from the published (rounded) counts."""
    out = shown.copy()
    for col in shown.columns[1:]:
        total = of[col]
        out[col] = [
            f"{round(100 * int(v) / int(total))}%"
            if str(v).isdigit() and str(total).isdigit() and int(total)
            else ""
            for v in shown[col]
        ]
    return out


def reach_by_cohort(ctx: ReportContext) -> Section:
    """People in each Core20PLUS5 group per cohort and for the programme, with shares."""
    people = ctx.table("participants")
    if people is None:
        return Section(needs=["participants"]).add(Note(ctx.needs_note(["participants"])))
    columns, totals = {}, {}
    groups = [(c, people[people["cohort"] == c]) for c in ctx.study.cohort_names]
    groups.append((None, people[people["cohort"].isin(ctx.study.cohort_names)]))
    for cohort, sub in groups:
        name = ctx.label_of(cohort) if cohort else ALL
        reach = measures.published_reach(ctx.rule, sub)
        columns[name] = reach.set_index("group")["shown"]
        totals[name] = reach["of_shown"].iloc[0]
    shown = pd.DataFrame(columns).fillna("0").reset_index(names="Group")
    return Section().add(
        Markdown(
            ctx.say(
                "Groups overlap: one person can be in Core20 and in several PLUS groups, so the "
                "rows do not add up to everyone. Cohorts differ in size, so the second table "
                "gives each group as a share of its cohort."
            )
        ),
        Table(
            shown,
            caption="People in each Core20PLUS5 group, by cohort and for the programme",
            count_columns=list(shown.columns[1:]),
            rule=ctx.rule,
        ),
        Table(
            _share_table(ctx, shown, totals),
            caption="Share of each cohort in each group (from the rounded counts)",
        ),
    )


def funnel_by_cohort(ctx: ReportContext) -> Section:
    """The pathway per cohort and for the programme; the chart's legend follows its bars."""
    funnel = cohort_funnel(ctx)
    if funnel is None:
        return Section(needs=["pathway"]).add(Note(ctx.needs_note(["pathway"])))
    wide = funnel.pivot_table(
        index=["stage_order", "stage_label"], columns="cohort", values="n_reached", aggfunc="first"
    ).reset_index()
    cohorts = [c for c in ctx.study.cohort_names if c in wide.columns]
    labels = list(wide["stage_label"])
    fig, ax = plt.subplots(figsize=(9, 0.75 * len(labels) + 1.5))
    width = 0.8 / max(len(cohorts), 1)
    ys = np.arange(len(labels))[::-1]
    alt_parts = []
    for i, cohort in enumerate(cohorts):
        colour, _, hatch = palette(i)
        values = [rounded(ctx, v) for v in wide[cohort]]
        # First cohort on top within each stage, as the legend lists it.
        ax.barh(
            ys + ((len(cohorts) - 1) / 2 - i) * width,
            [v or 0 for v in values],
            height=width,
            color=colour,
            hatch=hatch,
            edgecolor="black",
            label=ctx.label_of(cohort),
        )
        alt_parts.append(
            ctx.label_of(cohort)
            + ": "
            + ", ".join(
                f"{lab} {ctx.rule.count(int(v))}"
                for lab, v in zip(labels, wide[cohort], strict=True)
            )
        )
    ax.set_yticks(ys, labels)
    ax.set_xlabel("People (rounded to the nearest 5; small numbers not drawn)", fontsize=11)
    ax.legend(frameon=False, fontsize=10)
    style_axes(ax)
    shown = wide[["stage_label"]].rename(columns={"stage_label": "Stage"})
    for c in cohorts:
        shown[ctx.label_of(c)] = [ctx.rule.count(int(v)) for v in wide[c]]
    if "all" in wide.columns:
        shown[ALL] = [ctx.rule.count(int(v)) for v in wide["all"]]
    firsts = {col: shown[col].iloc[0] for col in shown.columns[1:]}
    return Section().add(
        Table(
            shown,
            caption="People reaching each stage of the pathway, by cohort and for the programme",
            count_columns=list(shown.columns[1:]),
            rule=ctx.rule,
        ),
        Table(
            _share_table(ctx, shown, firsts),
            caption="Share of the people referred who reached each stage (from the rounded counts)",
        ),
        Figure(
            fig,
            alt="Grouped bar chart of the employment pathway by cohort. "
            + "; ".join(alt_parts)
            + ".",
            caption="Employment pathway by cohort",
        ),
    )


def change_by_cohort(ctx: ReportContext) -> Section:
    changes = cohort_changes(ctx)
    if changes is None:
        gaps = sorted(ctx.missing & {"participants", "scores"}) or ["scores"]
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    published = publish_prepost(changes, ctx.rule)
    rows = []
    for raw, pub in zip(changes.itertuples(), published.itertuples(), strict=True):
        name = "All cohorts" if raw.cohort == "all" else ctx.label_of(raw.cohort)
        ok = pd.notna(pub.ci_low)
        rows.append(
            [
                raw.label,
                name,
                pub.n_pairs,
                f"{rounding.points(raw.mean_change, True)} ({rounding.points(raw.ci_low, True)}"
                f" to {rounding.points(raw.ci_high, True)})"
                if ok
                else "",
                rounding.effect(raw.d_baseline_sd, True)
                if ok and pd.notna(getattr(raw, "d_baseline_sd", float("nan")))
                else "",
            ]
        )
    display = pd.DataFrame(
        rows,
        columns=[
            "Measure",
            "Cohort",
            "People (both times)",
            "Change in points (95% CI)",
            "Change / baseline SD",
        ],
    )
    section = Section().add(
        Table(
            display,
            caption="Change between the surveys, by cohort",
            count_columns=["People (both times)"],
            rule=ctx.rule,
        )
    )
    first = changes[changes["outcome"] == changes["outcome"].iloc[0]]
    ok = publish_prepost(first, ctx.rule)["ci_low"].notna().to_numpy()
    first = first[ok]
    if not first.empty:
        fig, ax = plt.subplots(figsize=(8, 0.7 * len(first) + 1.4))
        ys = np.arange(len(first))[::-1]
        names = []
        for i, (y, row) in enumerate(zip(ys, first.itertuples(), strict=True)):
            draw_interval(ax, row.mean_change, row.ci_low, row.ci_high, y, i)
            names.append("All cohorts" if row.cohort == "all" else ctx.label_of(row.cohort))
        ax.axvline(0, color="black", linestyle="--", linewidth=1)
        ax.set_yticks(ys, names)
        ax.set_xlabel(f"{first['label'].iloc[0]}: average change (95% CI)", fontsize=11)
        style_axes(ax)
        alt = (
            f"Chart of {first['label'].iloc[0]} by cohort with 95% confidence intervals: "
            + "; ".join(
                f"{n} {r.mean_change:+.2f} ({r.ci_low:+.2f} to {r.ci_high:+.2f})"
                for n, r in zip(names, first.itertuples(), strict=True)
            )
            + "."
        )
        section.add(Figure(fig, alt=alt, caption=f"{first['label'].iloc[0]}, by cohort"))
    return section


def themes_by_cohort(ctx: ReportContext, top: int = 8) -> Section:
    """People mentioning each common theme per cohort, and what the counts rest on."""
    from toolkit.reports.provenance import final_codings, theme_provenance
    from toolkit.reports.sections import coding_intro

    (people, segments, codings), gaps = ctx.tables("participants", "segments", "codings")
    if gaps:
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    names = _code_names(ctx)
    provenance = theme_provenance(ctx, codings, segments).head(top)
    overall = provenance["code"].tolist()
    cohort_of = people.set_index("pid")["cohort"]
    joined = final_codings(ctx, codings)[["seg_id", "code"]].merge(
        segments[["seg_id", "pid"]], on="seg_id"
    )
    joined = joined[joined["code"].isin(overall)]
    joined["cohort"] = joined["pid"].map(cohort_of)
    wide = joined.groupby(["code", "cohort"])["pid"].nunique().unstack(fill_value=0)
    wide = wide.reindex(index=overall, columns=ctx.study.cohort_names, fill_value=0)
    shown = pd.DataFrame({"Theme": [names.get(c, c) for c in overall]})
    for c in ctx.study.cohort_names:
        shown[ctx.label_of(c)] = [ctx.rule.count(int(v)) for v in wide[c]]
    shown[ALL] = [ctx.rule.count(int(v)) for v in provenance["people"]]
    shown["Based on"] = list(provenance["basis"])
    return Section().add(
        Markdown(ctx.say(coding_intro(ctx, segments, provenance))),
        Table(
            shown,
            caption="People mentioning each of the most common themes",
            count_columns=list(shown.columns[1:-1]),
            rule=ctx.rule,
        ),
    )
