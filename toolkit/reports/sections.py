"""Sections of the evaluation report (one cohort), each returning a displayable :class:`Section`.

The evaluation report notebook calls these in order: :func:`summary`, :func:`sample_and_reach`,
:func:`pathway_funnel`, :func:`outcome_change`, :func:`themes`, :func:`experiences_and_outcomes`,
:func:`limitations`, :func:`methods_appendix`. Every count shown goes through the study's
disclosure rule (counts of 1-7 shown as "*", others rounded to 5 by default); percentages are
worked out from the rounded counts so they cannot undo the rounding. A section whose tables are
not built yet says which stage to run.

Example
-------
Before the study is built (here, an empty outputs folder) a section says what it needs
(``tests/test_report_run.py`` renders the full reports from a built study):

>>> import tempfile
>>> from toolkit.resources import example_study_dir
>>> out = tempfile.mkdtemp()
>>> ctx = ReportContext.load(example_study_dir(), cohort="clacton", outputs_dir=out)
>>> section = sample_and_reach(ctx)
>>> section.needs
['participants']
>>> print(section.blocks[0].text)
This section needs the participants table(s), made by the ingest stage(s). Run `lxt run` on
the study, then `lxt report` again.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # reports render off-screen; never open a window
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from toolkit.outcomes import rounding  # noqa: E402
from toolkit.outcomes.prepost import publish_prepost  # noqa: E402
from toolkit.reports import measures, profile  # noqa: E402
from toolkit.reports.cohort_tables import cohort_changes, cohort_funnel  # noqa: F401
from toolkit.reports.context import ReportContext  # noqa: E402
from toolkit.reports.display import (  # noqa: E402
    BulletList,
    Figure,
    Heading,
    Markdown,
    Note,
    Quote,
    Section,
    Table,
    draw_interval,
    palette,
    style_axes,
)


# -- disclosure-safe formatting --------------------------------------------------------------
def rounded(ctx: ReportContext, n: int) -> int | None:
    """The published value of count ``n``: None when suppressed, else the rounded number."""
    shown = ctx.rule.count(int(n))
    return None if shown.strip() == "*" else int(float(shown))


def count_text(ctx: ReportContext, n: int) -> str:
    """A count as shown in a table: "*" or the rounded number."""
    return ctx.rule.count(int(n))


def percent_text(ctx: ReportContext, k: int, n: int) -> str:
    """Percentage from the *rounded* counts; blank when either is suppressed or zero."""
    rk, rn = rounded(ctx, k), rounded(ctx, n)
    if rk is None or not rn:
        return ""
    return f"{round(100 * rk / rn)}%"


def about(ctx: ReportContext, n: int) -> str:
    """Plain words for a count: "about 45" or "fewer than 8"."""
    value = rounded(ctx, n)
    if value is None:
        return f"fewer than {ctx.rule.threshold}"
    return "no" if value == 0 else f"about {value}"


def waves(ctx: ReportContext) -> tuple[str, str]:
    """(baseline wave, last follow-up wave)."""
    ordered = sorted(ctx.study.waves, key=lambda w: w.month)
    return ordered[0].name, ordered[-1].name


def _missing(ctx: ReportContext, *names: str) -> Section | None:
    gaps = [n for n in names if ctx.table(n) is None]
    if gaps:
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    return None


def _bar_chart(
    labels: list[str], values: list[int | None], shown: list[str], xlabel: str, font: int = 11
):
    """Horizontal bars with the shown value written at the end of each bar (never colour alone).

    Suppressed values (None) get no bar, only their "*" label, so nothing hints at their size.
    ``font`` is the size of every text on the chart (larger for residents' reports).
    """
    height = (0.55 + 0.03 * (font - 11)) * len(labels) + 1.2
    fig, ax = plt.subplots(figsize=(8, height))
    colour, _, hatch = palette(0)
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, [v or 0 for v in values], color=colour, hatch=hatch, edgecolor="black")
    top = max([v or 0 for v in values] + [1])
    for y, value, text in zip(ys, values, shown, strict=True):
        ax.text((value or 0) + top * 0.01, y, text, va="center", fontsize=font)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel(xlabel, fontsize=font)
    style_axes(ax)
    ax.tick_params(labelsize=font)
    return fig


# -- sections ---------------------------------------------------------------------------------
def summary(ctx: ReportContext) -> Section:
    """Page one: targets against actuals and the headline results, each traceable to a table."""
    from toolkit.reports.headline import cohort_targets, headline_figures

    people = ctx.table("participants")
    if people is None:
        return Section(needs=["participants"]).add(Note(ctx.needs_note(["participants"])))
    figures = headline_figures(ctx)
    goals = cohort_targets(ctx)
    where = ctx.cohort_label if ctx.cohort else "the programme as a whole (all cohorts)"
    points = [ctx.say(f"{about(ctx, len(people)).capitalize()} people took part in {where}.")]
    by_key = figures.set_index("key")
    # Words for the headline results; every number is also in the table below.
    for key, words in (
        ("jobs_started", "Jobs started: {actual} (target {target}, {status})."),
        ("cost_per_job", "Cost per job started: {actual} (target {target}, {status})."),
        ("wellbeing", "{figure}: {actual}."),
    ):
        if key in by_key.index:
            row = by_key.loc[key]
            text = words.format(**row.to_dict())
            text = text.replace(", )", ")").replace(" (target none set)", "")
            points.append(ctx.say(text))
    if not ctx.study.comparison_group:
        points.append(
            ctx.say(
                "There was no comparison group, so these are changes observed, not the impact "
                "of the programme."
            )
        )
    shown = figures.rename(
        columns={
            "figure": "Figure",
            "target": "Target",
            "actual": "Result",
            "status": "Against target",
            "source": "Published in (tables/)",
        }
    ).drop(columns="key")
    caption = f"Targets and results, {ctx.cohort_label}"
    if goals is not None and goals.source:
        caption += f" (targets: {goals.source})"
    section = Section().add(
        BulletList(points),
        # Page one: the table starts on the first page even if it runs onto the second.
        Table(shown, caption=caption, css_class="lxt-summary", keep_together=False),
    )
    if goals is None:
        section.add(
            Note(
                "No programme targets are set for this cohort. Add them under targets: in "
                "study.yml to show results against them."
            )
        )
    return section


def sample_and_reach(ctx: ReportContext) -> Section:
    """Who took part: Core20 and PLUS groups, as a table and a bar chart."""
    gap = _missing(ctx, "participants")
    if gap:
        return gap
    reach = measures.reach_counts(ctx.table("participants"))
    n = int(reach["of"].iloc[0])
    display = pd.DataFrame(
        {
            "Group": reach["group"],
            "People": [count_text(ctx, k) for k in reach["people"]],
            "Share of everyone": [percent_text(ctx, k, n) for k in reach["people"]],
        }
    )
    groups = reach.iloc[1:]
    values = [rounded(ctx, k) for k in groups["people"]]
    shown = [count_text(ctx, k) for k in groups["people"]]
    fig = _bar_chart(list(groups["group"]), values, shown, "People (rounded to the nearest 5)")
    alt = (
        "Bar chart of people in each Core20PLUS5 group in "
        + ctx.cohort_label
        + ": "
        + "; ".join(f"{g} {s}" for g, s in zip(groups["group"], shown, strict=True))
        + ". A star means fewer than "
        + f"{ctx.rule.threshold} people."
    )
    section = Section().add(
        Heading("When", level=3),
        BulletList([ctx.say(line) for line in profile.fieldwork_lines(ctx)]),
        Heading("Core20PLUS5 groups", level=3),
        Markdown(
            ctx.say(
                "Core20PLUS5 is NHS England's approach to reducing health inequalities. Core20 "
                "means the most deprived 20% of areas in England (Index of Multiple "
                "Deprivation deciles 1 and 2); PLUS groups are chosen locally."
            )
        ),
        Table(
            display,
            caption=f"People taking part in {ctx.cohort_label}, by group",
            count_columns=["People"],
            rule=ctx.rule,
        ),
        Figure(fig, alt=alt, caption="People in each group (a star means a small number)"),
    )
    people = ctx.table("participants")
    columns = [c for c in profile.PROFILE_COLUMNS if c in people.columns]
    if columns:
        section.add(Heading("Age, gender and ethnic group", level=3))
    for column in columns:
        table = profile.profile_table(ctx, people, column)
        section.add(
            Table(
                table,
                caption=f"{table.columns[0]}, {ctx.cohort_label}",
                count_columns=["People"],
                rule=ctx.rule,
            )
        )
    work = profile.employment_change(ctx, people)
    if work is not None:
        section.add(
            Heading("Work before and after", level=3),
            Markdown(
                ctx.say(
                    "Employment status of the people who answered at both times. Groups "
                    "smaller than the threshold, and one more where needed so that they "
                    "cannot be worked out, show as a star."
                )
            ),
            Table(
                work,
                caption=f"Employment status at the start and at follow-up, {ctx.cohort_label}",
                count_columns=list(work.columns[1:]),
                rule=ctx.rule,
            ),
        )
    return section


def pathway_funnel(ctx: ReportContext) -> Section:
    """The employment pathway, from referral to still being in work at six months."""
    gap = _missing(ctx, "pathway")
    if gap:
        return gap
    funnel = cohort_funnel(ctx)
    if funnel is None or funnel.empty:
        return Section().add(Note("The pathway table has no stage dates for this cohort."))
    first = int(funnel["n_reached"].iloc[0])
    from toolkit.outcomes.funnel import publish_funnel

    days = publish_funnel(funnel, ctx.rule)["median_days_from_previous"]
    display = pd.DataFrame(
        {
            "Stage": funnel["stage_label"],
            "People": [count_text(ctx, k) for k in funnel["n_reached"]],
            "Share of those referred": [percent_text(ctx, k, first) for k in funnel["n_reached"]],
            "Median days from the step before": ["" if pd.isna(d) else f"{d:.0f}" for d in days],
        }
    )
    values = [rounded(ctx, k) for k in funnel["n_reached"]]
    shown = [count_text(ctx, k) for k in funnel["n_reached"]]
    fig = _bar_chart(
        list(funnel["stage_label"]), values, shown, "People (rounded to the nearest 5)"
    )
    alt = (
        f"Funnel chart of the employment pathway in {ctx.cohort_label}: "
        + "; ".join(f"{lab} {s}" for lab, s in zip(funnel["stage_label"], shown, strict=True))
        + "."
    )
    return Section().add(
        Markdown(
            ctx.say(
                "Each bar shows how many people reached a step on the way into work. Shares are "
                "worked out from the rounded counts."
            )
        ),
        Table(
            display,
            caption=f"People reaching each stage of the pathway, {ctx.cohort_label}",
            count_columns=["People"],
            rule=ctx.rule,
        ),
        Figure(fig, alt=alt, caption="Employment pathway: people reaching each stage"),
    )


def effect_words(value: float) -> str:
    """Cohen's benchmarks for a standardised change (change / baseline SD)."""
    size = abs(value)
    if size < 0.2:
        return "negligible"
    if size < 0.5:
        return "small"
    return "medium" if size < 0.8 else "large"


def _scale_cell(raw) -> str:
    scale = measures.scale_text(raw.instrument, raw.item or None).removeprefix("a scale from ")
    parts = [scale] if scale else []
    if pd.notna(raw.meaningful_threshold):
        parts.append(f"meaningful change {raw.meaningful_threshold:g}")
    parts.append("higher is better" if raw.higher_is_better else "lower is better")
    return "; ".join(parts)


def outcome_change(ctx: ReportContext) -> Section:
    """Before and after: change with 95% CIs, scale and threshold, and effect sizes named."""
    gap = _missing(ctx, "participants", "scores")
    if gap:
        return gap
    changes = cohort_changes(ctx)
    if changes is None or changes.empty:
        return Section().add(Note("The study names no score-change outcomes to report."))
    published = publish_prepost(changes, ctx.rule)
    change_rows, effect_rows = _change_rows(changes, published)
    before, after = waves(ctx)
    section = Section().add(
        Markdown(
            ctx.say(
                f"People answered the same questions at {profile.wave_label(ctx.study, before)} "
                f"and {profile.wave_label(ctx.study, after)}. We compare each person with "
                "themselves. Changes are in the questionnaire's own points; the scale and the "
                "change that matters to a person are beside each one."
            )
        ),
        Table(
            pd.DataFrame(
                change_rows,
                columns=[
                    "Measure",
                    "Scale",
                    "People (both times)",
                    "Average before to after",
                    "Change (95% CI)",
                    "Improved by a meaningful amount",
                ],
            ),
            caption=f"Change between the two surveys, {ctx.cohort_label}",
            count_columns=["People (both times)"],
            rule=ctx.rule,
        ),
    )
    section.extend(_effect_size_blocks(ctx, effect_rows))
    robust = robustness_table(changes, published)
    if robust is not None:
        section.add(
            Markdown(
                ctx.say(
                    "Two checks. The mixed model uses everyone with a score at either time, not "
                    "only those who answered twice. Reliable change counts people whose own "
                    "change is larger than the questionnaire's measurement error."
                )
            ),
            Table(
                robust, caption=f"Everyone with a score, and reliable change, {ctx.cohort_label}"
            ),
        )
    section.extend(outcomes_by_group(ctx))
    section.extend(wellby_blocks(ctx))
    section.extend(_change_chart(changes[published["ci_low"].notna().to_numpy()]))
    if not ctx.study.comparison_group:
        section.add(
            Note(
                ctx.say(
                    "These are changes observed in the people who took part. Without a comparison "
                    "group they are not evidence of impact."
                )
            )
        )
    return section


def _change_rows(changes: pd.DataFrame, published: pd.DataFrame) -> tuple[list, list]:
    """Rows of the change table and of the effect-size table (only where figures are shown)."""
    change_rows, effect_rows = [], []
    for raw, pub in zip(changes.itertuples(), published.itertuples(), strict=True):
        shown = pd.notna(pub.ci_low)
        change_rows.append(
            [
                raw.label,
                _scale_cell(raw),
                pub.n_pairs,
                f"{rounding.points(raw.mean_pre)} to {rounding.points(raw.mean_post)}"
                if shown
                else "",
                f"{rounding.points(raw.mean_change, True)} ({rounding.points(raw.ci_low, True)} "
                f"to {rounding.points(raw.ci_high, True)})"
                if shown
                else "",
                rounding.percent(pub.share_meaningful)
                if shown and pd.notna(getattr(pub, "share_meaningful", float("nan")))
                else "",
            ]
        )
        if not shown:
            continue
        d_base = getattr(raw, "d_baseline_sd", float("nan"))
        effect_rows.append(
            [
                raw.label,
                f"{rounding.effect(d_base, True)} ({effect_words(d_base)})"
                if pd.notna(d_base)
                else "",
                rounding.effect(raw.d_z, True) if pd.notna(raw.d_z) else "",
                rounding.p_text(raw.p_t),
                rounding.p_text(raw.p_wilcoxon),
            ]
        )
    return change_rows, effect_rows


def _effect_size_blocks(ctx: ReportContext, effect_rows: list) -> list:
    """The two effect sizes, named and explained, with the tests beside them."""
    if not effect_rows:
        return []
    return [
        Markdown(
            ctx.say(
                "Two effect sizes. **Change / baseline SD** divides the average change by "
                "how much scores varied at the start: this is the one to compare with "
                "other studies, and Cohen's guide (0.2 small, 0.5 medium, 0.8 large) "
                "applies to it. **d_z** divides by how much the changes varied; it grows "
                "when people's two scores are closely related, so it is not judged on "
                "Cohen's scale. The paired t-test suits the wellbeing score; the Wilcoxon "
                "signed-rank test suits the short 0 to 10 and loneliness scales."
            )
        ),
        Table(
            pd.DataFrame(
                effect_rows,
                columns=[
                    "Measure",
                    "Change / baseline SD",
                    "d_z (change / SD of change)",
                    "p (paired t-test)",
                    "p (Wilcoxon)",
                ],
            ),
            caption=f"Effect sizes and tests, {ctx.cohort_label}",
        ),
    ]


def _change_chart(shown: pd.DataFrame) -> list:
    """The forest chart of the changes whose figures are shown, with alt text."""
    if shown.empty:
        return []
    alt = (
        "Chart of average change with 95% confidence intervals: "
        + "; ".join(
            f"{r.label} {rounding.points(r.mean_change, True)} (from "
            f"{rounding.points(r.ci_low, True)} to {rounding.points(r.ci_high, True)})"
            for r in shown.itertuples()
        )
        + ". The dashed line marks no change."
    )
    return [Figure(_forest(shown), alt=alt, caption="Average change in each measure with 95% CI")]


def robustness_table(changes: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame | None:
    """Mixed-model change (everyone with any score) and shares with reliable change."""
    rows = []
    for raw, pub in zip(changes.itertuples(), published.itertuples(), strict=True):
        if pd.isna(pub.ci_low):
            continue
        mlm = ""
        if pd.notna(getattr(pub, "mlm_change", float("nan"))):
            mlm = (
                f"{rounding.points(raw.mlm_change, True)} ({rounding.points(raw.mlm_ci_low, True)}"
                f" to {rounding.points(raw.mlm_ci_high, True)}); {pub.mlm_people} people"
            )
        improved = getattr(pub, "share_reliable_improved", float("nan"))
        worse = getattr(pub, "share_reliable_deteriorated", float("nan"))
        rows.append([raw.label, mlm, rounding.percent(improved), rounding.percent(worse)])
    if not rows:
        return None
    return pd.DataFrame(
        rows,
        columns=[
            "Measure",
            "Mixed-model change (95% CI)",
            "Reliable improvement",
            "Reliable deterioration",
        ],
    )


def outcomes_by_group(ctx: ReportContext) -> list:
    """Outcomes in Core20 and PLUS groups (the analyse stage's ``core20plus5``), published."""
    from toolkit.outcomes.core20 import publish_core20

    raw = ctx.table("core20plus5", cohort_only=False)
    ctx.missing.discard("core20plus5")
    if raw is None:
        return []
    raw = raw[raw["cohort"].astype(str) == (ctx.cohort or "all")].reset_index(drop=True)
    if raw.empty:
        return []
    pub = publish_core20(raw, ctx.rule)
    specs = {o.name: o for o in ctx.study.outcomes}
    chosen = [
        name
        for name in (
            next((o.name for o in ctx.study.outcomes if o.kind == "score_change"), None),
            next((o.name for o in ctx.study.outcomes if o.kind == "stage_reached"), None),
        )
        if name and f"{name}__value" in pub.columns
    ]
    if not chosen:
        return []
    table = pd.DataFrame({"Group": pub["group"], "People": pub["n_people"]})
    for name in chosen:
        spec = specs[name]
        binary = f"{name}__count" in pub.columns
        cells = []
        for v, lo, hi in zip(
            pub[f"{name}__value"], pub[f"{name}__ci_low"], pub[f"{name}__ci_high"], strict=True
        ):
            if pd.isna(v):
                cells.append("")
            elif binary:
                cells.append(
                    f"{rounding.percent(v)} ({rounding.percent(lo)} to {rounding.percent(hi)})"
                )
            else:
                cells.append(
                    f"{rounding.points(v, True)} ({rounding.points(lo, True)} to "
                    f"{rounding.points(hi, True)})"
                )
        table[f"{spec.label or name} (95% CI)"] = cells
    return [
        Heading("Outcomes in Core20 and PLUS groups", level=3),
        Markdown(
            ctx.say(
                "The same outcomes for each group. Groups overlap, and a blank means too few "
                "people to show."
            )
        ),
        Table(
            table,
            caption=f"Outcomes by Core20PLUS5 group, {ctx.cohort_label}",
            count_columns=["People"],
            rule=ctx.rule,
        ),
    ]


def wellby_blocks(ctx: ReportContext) -> list:
    """The Green Book WELLBY value of the life-satisfaction change (programme-wide), if made."""
    path = ctx.outputs.tables / "wellby.csv"
    if not path.exists():
        return []
    row = pd.read_csv(path).iloc[0]
    return [
        Heading("Social value (WELLBY)", level=3),
        Markdown(
            ctx.say(
                f"Across the programme, the change in life satisfaction of "
                f"{row['people']} people ({rounding.points(row['mean_change'], True)} points on "
                f"0 to 10) is valued at about {rounding.pounds_total(row['value_central'])} "
                f"(range {rounding.pounds_total(row['value_low'])} to "
                f"{rounding.pounds_total(row['value_high'])}) with the HM Treasury Green Book "
                f"WELLBY value ({int(row['price_year'])} prices). {row['assumptions']}"
            )
        ),
    ]


def _forest(changes: pd.DataFrame):
    """Mean change with 95% CI per measure, one small panel each (scales differ)."""
    k = len(changes)
    fig, axes = plt.subplots(k, 1, figsize=(8, 1.1 * k + 0.8), squeeze=False)
    for i, (ax, row) in enumerate(zip(axes[:, 0], changes.itertuples(), strict=True)):
        draw_interval(ax, row.mean_change, row.ci_low, row.ci_high, 0, i)
        ax.axvline(0, color="black", linewidth=1, linestyle="--")
        span = max(abs(row.ci_low), abs(row.ci_high), 0.5) * 1.3
        ax.set_xlim(-span, span)
        ax.set_yticks([0], [row.label])
        better = "higher is better" if row.higher_is_better else "lower is better"
        ax.text(1.0, 0.9, better, transform=ax.transAxes, ha="right", fontsize=9)
        style_axes(ax)
    axes[-1, 0].set_xlabel("Average change in points (95% CI)", fontsize=11)
    fig.tight_layout()
    return fig


def _code_names(ctx: ReportContext) -> dict[str, str]:
    if not ctx.study.codebook:
        return {}
    from toolkit.coding.codebook import load_study_codebook

    try:
        book = load_study_codebook(ctx.study)
    except Exception:  # a broken codebook is reported by the code stage, not here
        return {}
    return {c.id: c.name for c in book.codes}


def coding_intro(ctx: ReportContext, segments: pd.DataFrame, provenance: pd.DataFrame) -> str:
    """One sentence on how much of the coding people have checked."""
    from toolkit.reports.provenance import checked_segments

    checked = checked_segments(ctx, segments)
    total = len(segments)
    if checked == 0:
        return (
            "None of the coding has been checked by a person yet: every theme below rests on "
            "machine suggestions (codebook rules and trained models), which can be wrong."
        )
    share = round(100 * checked / total) if total else 0
    return (
        f"People have checked {checked:,} of the {total:,} segments ({share}%). A theme "
        "rests on their decisions where they made one, and on machine suggestions elsewhere; "
        "the table says which for each theme."
    )


def themes(ctx: ReportContext, top: int = 6) -> Section:
    """The most common themes with their provenance, a quote each, and the topics found."""
    from toolkit.reports.provenance import coding_quality, theme_provenance, theme_quotes

    gap = _missing(ctx, "participants", "segments", "codings")
    if gap:
        return gap
    people = ctx.table("participants")
    segments = ctx.table("segments")
    codings = ctx.table("codings")
    names = _code_names(ctx)
    counts = theme_provenance(ctx, codings, segments).head(top)
    n = len(people)
    display = pd.DataFrame(
        {
            "Theme": [names.get(c, c) for c in counts["code"]],
            "People who mentioned it": [count_text(ctx, k) for k in counts["people"]],
            "Share of people": [percent_text(ctx, k, n) for k in counts["people"]],
            "Based on": list(counts["basis"]),
        }
    )
    section = Section().add(
        Markdown(
            ctx.say(
                "What people said in surveys and interviews was coded with the study codebook. "
                + coding_intro(ctx, segments, counts)
            )
        ),
        Table(
            display,
            caption=f"Most common themes, {ctx.cohort_label}",
            count_columns=["People who mentioned it"],
            rule=ctx.rule,
        ),
    )
    section.extend(coding_quality(ctx, list(counts["code"]), names))
    consenting = measures.consenting_pids(people)
    if ctx.rule.quote_allowed(n):
        quotes = theme_quotes(ctx, list(counts["code"]), codings, segments, consenting)
        for code in counts["code"]:
            if code in quotes:
                text, basis = quotes[code]
                how = (
                    "a passage people coded as this theme"
                    if basis == "accepted"
                    else "suggested by the computer, not yet checked by a person"
                )
                section.add(
                    Heading(names.get(code, code), level=3),
                    Quote(text, attribution=f"A participant in {ctx.cohort_label} ({how})"),
                )
    else:
        section.add(Note("Quotes are not shown: the group is too small to keep people anonymous."))
    section.extend(_topic_blocks(ctx, segments, consenting, n))
    return section


def named_by(meta) -> str:
    """Who gave a topic its name, for a report's topic table (``topic_info`` row).

    >>> named_by({"named": True, "label_source": "phrase"})
    'A person'
    >>> named_by({"named": False, "label_source": "code"})
    'Computer, from the codebook'
    """
    if bool(meta.get("named", False)):
        return "A person"
    if meta.get("label_source") == "code":
        return "Computer, from the codebook"
    return "Computer, from what people said"


def _topic_blocks(ctx: ReportContext, segments, consenting, n) -> list:
    info = ctx.table("topic_info", cohort_only=False)
    topics = ctx.table("topics")
    if info is None or topics is None:
        return [Note(ctx.needs_note(["topics", "topic_info"]))]
    topics = topics[topics["topic"] >= 0]  # -1 = outliers, not a topic
    per_topic = (
        topics.merge(segments[["seg_id", "pid"]], on="seg_id").groupby("topic")["pid"].nunique()
    )
    info = info[info["topic"] >= 0]
    if "hidden" in info.columns:  # topics people chose to hide (study.yml topics.names)
        info = info[~info["hidden"].fillna(False).astype(bool)]
    info = info.set_index("topic")
    rows = []
    for topic, k in per_topic.sort_values(ascending=False).head(6).items():
        if topic not in info.index:
            continue
        meta = info.loc[topic]
        keywords = meta.get("keywords", "")
        if not isinstance(keywords, str):
            keywords = ", ".join(list(keywords)[:6])
        stable = bool(meta.get("stable", False))
        rows.append(
            [
                str(meta.get("label", topic)),
                named_by(meta),
                keywords,
                count_text(ctx, k),
                "Yes" if stable else "No: treat with caution",
            ]
        )
    display = pd.DataFrame(
        rows, columns=["Topic", "Named by", "Key words", "People", "Stable across re-runs"]
    )
    blocks = [
        Heading("Topics found by the computer", level=3),
        Markdown(
            ctx.say(
                "A topic model grouped similar answers without using the codebook. A topic is "
                "marked stable when it came back in most re-runs with different seeds; "
                "unstable topics may be chance groupings. A name given by the computer is a "
                "short phrase people used in the topic, or the codebook code most of it has: "
                "a suggestion until someone on the research team renames, merges or hides "
                "the topic."
            )
        ),
        Table(
            display,
            caption=f"Largest topics, {ctx.cohort_label}",
            count_columns=["People"],
            rule=ctx.rule,
        ),
    ]
    return blocks


# How each covariate of the association models is said in a report.
COVARIATE_WORDS = {
    "cohort": "cohort",
    "age_band": "age",
    "imd_quintile": "deprivation",
    "imd_decile": "deprivation",
    "baseline_score": "baseline score",
    "interviewed": "whether they were interviewed",
    "text_amount": "how much they said",
}


def adjusted_for_words(table: pd.DataFrame) -> str:
    """The association models' covariates in words ("cohort, age and how much they said").

    >>> adjusted_for_words(pd.DataFrame({"adjusted_for": ["cohort, age_band, text_amount"]}))
    'cohort, age and how much they said'
    """
    names = str(table["adjusted_for"].iloc[0]) if "adjusted_for" in table.columns else ""
    words = [COVARIATE_WORDS.get(n, n.replace("_", " ")) for n in names.split(", ") if n]
    words = list(dict.fromkeys(words)) or ["nothing else"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def experiences_and_outcomes(ctx: ReportContext, top: int = 10) -> Section:
    """Which experiences go with which outcomes (analyse stage), with FDR control.

    The models are fitted on everyone (cohort is a covariate), because single cohorts are
    too small for stable estimates; the section says so.
    """
    from toolkit.outcomes.associations import FDR_LEVEL, publish_associations
    from toolkit.outcomes.definitions import outcome_specs

    table = ctx.table("associations", cohort_only=False)
    if table is None:
        return Section(needs=["associations"]).add(Note(ctx.needs_note(["associations"])))
    tested = table[table["p"].notna()]
    if tested.empty:
        return Section().add(Note("No experience was common enough to test against outcomes."))
    published = publish_associations(tested, ctx.rule)
    labels = {s.name: s.label for s in outcome_specs(ctx.study)}
    order = published.sort_values(["q", "p"]).head(top)
    rows = []
    for r in order.itertuples():
        feature = str(getattr(r, "feature_label", r.feature))
        odds = r.scale == "odds ratio"
        fmt = (lambda v: f"{v:.2f}") if odds else (lambda v: f"{v:+.2f}")
        rows.append(
            [
                feature.removeprefix("code: ").removeprefix("topic: "),
                labels.get(r.outcome, r.outcome),
                ("Odds ratio " if odds else "Difference ")
                + f"{fmt(r.estimate)} ({fmt(r.ci_low)} to {fmt(r.ci_high)})",
                rounding.p_text(r.q) + (" (passes)" if r.q < FDR_LEVEL else ""),
                r.n_with_feature,
            ]
        )
    display = pd.DataFrame(
        rows,
        columns=[
            "Experience",
            "Outcome",
            "Estimate (95% CI)",
            "q (false discovery rate)",
            "People with it",
        ],
    )
    passing = int((tested["q"] < FDR_LEVEL).sum())
    basis = str(table["coding_basis"].iloc[0]) if "coding_basis" in table.columns else ""
    section = Section().add(
        Markdown(
            ctx.say(
                f"We tested {len(tested)} pairs of an experience (a theme or topic a person "
                "talked about) and an outcome, using everyone in the study with "
                f"{adjusted_for_words(table)} taken into account. With so many tests some "
                "would look important by chance, so p-values are adjusted to control the false "
                f"discovery rate (Benjamini-Hochberg). {passing} pair(s) pass at q below "
                f"{FDR_LEVEL}. These are associations, not causes."
            )
        ),
        Table(
            display,
            caption="Strongest associations between experiences and outcomes",
            count_columns=["People with it"],
            rule=ctx.rule,
        ),
    )
    if basis:
        section.add(Note(f"Codes used here: {basis}."))
    alt_file = ctx.outputs.figures / "alt_text.json"
    if alt_file.exists():
        import json

        alts = json.loads(alt_file.read_text(encoding="utf-8"))
        first = order["outcome"].iloc[0]
        png = ctx.outputs.figures / f"forest_{first}.png"
        if png.exists() and alts.get(png.name):
            section.add(
                Figure.from_png(
                    png, alt=alts[png.name], caption=f"Experiences and {labels.get(first, first)}"
                )
            )
    return section


def limitations(ctx: ReportContext) -> Section:
    """Limitations worked out from the data (see :mod:`toolkit.reports.limits`)."""
    from toolkit.reports import limits

    points: list[str] = []
    changes = cohort_changes(ctx)
    if changes is not None and not changes.empty:
        points += limits.attrition_points(ctx, changes)
    for point in (
        limits.small_groups_point(ctx, changes),
        limits.regression_to_mean_point(ctx),
        limits.coding_point(ctx),
        limits.topics_point(ctx),
    ):
        if point:
            points.append(point)
    if changes is None:
        gaps = sorted({"participants", "scores"} & ctx.missing) or ["scores"]
        points.append(ctx.needs_note(gaps))
    if not ctx.study.comparison_group:
        points.append(
            ctx.say(
                "There was no comparison group of similar people who did not take part, so we "
                "cannot say how much of the change the programme caused (HM Treasury Magenta "
                "Book). We describe change observed, not impact."
            )
        )
    points.append(
        ctx.say(
            "Themes come from what people chose to tell peer researchers; people with the "
            "hardest experiences may be the least likely to take part."
        )
    )
    section = Section().add(BulletList(points))
    missing = limits.missingness_table(ctx)
    if missing is not None and not missing.empty:
        section.add(
            Heading("Missing answers", level=3),
            Markdown(
                ctx.say(
                    "Scores are left out rather than guessed when too many questions are "
                    "blank. Shares are of everyone in the cohort."
                )
            ),
            Table(
                missing, caption=f"Missing answers by questionnaire and survey, {ctx.cohort_label}"
            ),
        )
    return section


def methods_appendix(ctx: ReportContext) -> Section:
    """Toolkit and package versions, seeds, parameters and input checksums."""
    from toolkit.reports.templates import template_checksums
    from toolkit.study.inputs import input_checksums
    from toolkit.study.pipeline import package_versions

    versions = package_versions()
    params = pd.DataFrame(
        # Folders are named, not given as absolute paths: a report leaves the machine it
        # was made on, and a path can name a person or a secure drive.
        [("study", f"{ctx.study.name} (folder {ctx.study.folder.name})")]
        + [(k, str(v)) for k, v in ctx.parameters.items() if k not in ("outputs_dir", "study_dir")]
        + [
            ("disclosure rounding", str(ctx.study.disclosure.rounding)),
            ("topic model seed", str(ctx.study.topics.seed)),
        ],
        columns=["Parameter", "Value"],
    )
    checksums = input_checksums(ctx.study)
    inputs = pd.DataFrame(
        [(k, v[:16]) for k, v in sorted(checksums.items())]
        + [(f"report template {k}", v[:16]) for k, v in template_checksums().items()],
        columns=["Input file", "SHA-256 (start)"],
    )
    # Two packages a row: the list is long and every entry short.
    items = sorted(versions.items())
    half = -(-len(items) // 2)
    left, right = items[:half], items[half:] + [("", "")] * (2 * half - len(items))
    software = pd.DataFrame(
        [(a, b, c, d) for (a, b), (c, d) in zip(left, right, strict=True)],
        columns=["Package", "Version", "Package ", "Version "],
    )
    return Section().add(
        Markdown(
            f"Disclosure control: counts of 1 to {ctx.rule.threshold - 1} are shown as a star "
            f"and other counts are rounded to the nearest {ctx.study.disclosure.rounding} "
            "(NHS England rule). Quotes are shown only from people who agreed to be quoted, "
            "with names and contact details removed."
        ),
        Heading("Software", level=3),
        Table(software, caption="Toolkit and package versions"),
        Heading("Parameters and seeds", level=3),
        Table(params, caption="Parameters of this report"),
        Heading("Inputs", level=3),
        Markdown(
            "Checksums let anyone confirm that a report was made from the same files. Only the "
            "first 16 characters are shown; the full values are in manifest.json."
        ),
        Table(inputs, caption="Input files and report templates, with their checksums"),
    )


def title(ctx: ReportContext, name: str) -> Section:
    """The report's top heading (level 1) and a line saying what it covers."""
    from datetime import date

    return Section().add(
        Heading(f"{name}: {ctx.cohort_label}", level=1),
        Markdown(
            f"{ctx.study.title}. Made on {date.today():%d %B %Y} with the Lived Experience Toolkit."
        ),
    )
