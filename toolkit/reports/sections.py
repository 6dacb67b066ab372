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

from toolkit.outcomes.prepost import publish_prepost  # noqa: E402
from toolkit.reports import measures  # noqa: E402
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


def cohort_changes(ctx: ReportContext) -> pd.DataFrame | None:
    """Raw pre/post rows for this report's cohort (or every cohort for the overview)."""
    people, scores = ctx.table("participants"), ctx.table("scores")
    if people is None or scores is None:
        return None
    key = "_changes"
    if key not in ctx._cache:
        cohorts = [ctx.cohort] if ctx.cohort else ctx.study.cohort_names
        # The analyse stage's table when it covers these cohorts, else work it out here.
        built = ctx.table("prepost", cohort_only=False)
        ctx.missing.discard("prepost")
        if built is not None and set(cohorts) <= set(built["cohort"].astype(str)):
            ctx._cache[key] = built[built["cohort"].astype(str).isin(["all", *cohorts])]
        else:
            ctx._cache[key] = measures.outcome_changes(
                ctx.study, scores, people, ctx.table("responses"), cohorts=cohorts
            )
    table = ctx._cache[key]
    return table[table["cohort"] == (ctx.cohort or "all")] if ctx.cohort else table


def cohort_funnel(ctx: ReportContext) -> pd.DataFrame | None:
    """Raw funnel rows for this report's cohort (all cohorts and ``all`` for the overview)."""
    pathway = ctx.table("pathway")
    if pathway is None or pathway.empty:
        return None
    cohorts = [ctx.cohort] if ctx.cohort else ctx.study.cohort_names
    extracted = ctx.study.pathway.extracted_on if ctx.study.pathway else None
    table = measures.funnel(pathway, cohorts=cohorts, extracted_on=extracted)
    return table[table["cohort"] == ctx.cohort] if ctx.cohort else table


def _missing(ctx: ReportContext, *names: str) -> Section | None:
    gaps = [n for n in names if ctx.table(n) is None]
    if gaps:
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    return None


def _bar_chart(labels: list[str], values: list[int | None], shown: list[str], xlabel: str):
    """Horizontal bars with the shown value written at the end of each bar (never colour alone).

    Suppressed values (None) get no bar, only their "*" label, so nothing hints at their size.
    """
    height = 0.55 * len(labels) + 1.2
    fig, ax = plt.subplots(figsize=(8, height))
    colour, _, hatch = palette(0)
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, [v or 0 for v in values], color=colour, hatch=hatch, edgecolor="black")
    top = max([v or 0 for v in values] + [1])
    for y, value, text in zip(ys, values, shown, strict=True):
        ax.text((value or 0) + top * 0.01, y, text, va="center", fontsize=11)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel(xlabel, fontsize=11)
    style_axes(ax)
    return fig


# -- sections ---------------------------------------------------------------------------------
def summary(ctx: ReportContext) -> Section:
    """Key figures in a few sentences: who took part, jobs started, wellbeing change."""
    section = Section()
    people = ctx.table("participants")
    if people is None:
        return Section(needs=["participants"]).add(Note(ctx.needs_note(["participants"])))
    n = len(people)
    core20 = int(measures.core20_mask(people).sum())
    points = [
        ctx.say(f"{about(ctx, n).capitalize()} people took part in {ctx.cohort_label}."),
        ctx.say(
            f"{about(ctx, core20).capitalize()} of them live in the most deprived 20% of areas "
            "in England (Core20)."
        ),
    ]
    funnel = cohort_funnel(ctx)
    if funnel is not None:
        reached = funnel.set_index("stage")["n_reached"]
        if "started" in reached:
            points.append(ctx.say(f"{about(ctx, reached['started']).capitalize()} started work."))
        if "retained_6m" in reached:
            points.append(
                ctx.say(
                    f"{about(ctx, reached['retained_6m']).capitalize()} were still in work six "
                    "months after starting."
                )
            )
    changes = cohort_changes(ctx)
    if changes is not None and not changes.empty:
        row = changes.iloc[0]
        if row["n_pairs"] >= ctx.rule.threshold and pd.notna(row.get("ci_low")):
            points.append(
                ctx.say(
                    f"{row['label']}: {row['mean_change']:+.1f} points on average (95% CI "
                    f"{row['ci_low']:+.1f} to {row['ci_high']:+.1f}) among "
                    f"{about(ctx, row['n_pairs'])} people who answered at both times."
                )
            )
    if not ctx.study.comparison_group:
        points.append(
            ctx.say(
                "There was no comparison group, so these are changes observed, not the impact "
                "of the programme."
            )
        )
    return section.add(BulletList(points))


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
    return Section().add(
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


def pathway_funnel(ctx: ReportContext) -> Section:
    """The employment pathway, from referral to still being in work at six months."""
    gap = _missing(ctx, "pathway")
    if gap:
        return gap
    funnel = cohort_funnel(ctx)
    if funnel is None or funnel.empty:
        return Section().add(Note("The pathway table has no stage dates for this cohort."))
    first = int(funnel["n_reached"].iloc[0])
    display = pd.DataFrame(
        {
            "Stage": funnel["stage_label"],
            "People": [count_text(ctx, k) for k in funnel["n_reached"]],
            "Share of those referred": [percent_text(ctx, k, first) for k in funnel["n_reached"]],
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


def outcome_change(ctx: ReportContext) -> Section:
    """Before and after: mean change with 95% CIs and effect sizes, for each measure."""
    gap = _missing(ctx, "participants", "scores")
    if gap:
        return gap
    changes = cohort_changes(ctx)
    if changes is None or changes.empty:
        return Section().add(Note("The study names no score-change outcomes to report."))
    published = publish_prepost(changes, ctx.rule)
    rows = []
    for raw, pub in zip(changes.itertuples(), published.itertuples(), strict=True):
        if pd.isna(pub.ci_low):
            rows.append([raw.label, pub.n_pairs, "", "", "", "", ""])
            continue
        rows.append(
            [
                raw.label,
                pub.n_pairs,
                f"{raw.mean_pre:.1f} to {raw.mean_post:.1f}",
                f"{raw.mean_change:+.2f} ({raw.ci_low:+.2f} to {raw.ci_high:+.2f})",
                f"{raw.g_z:+.2f}" if pd.notna(raw.g_z) else "",
                _p(raw.p_t) + " / " + _p(raw.p_wilcoxon),
                "higher is better" if raw.higher_is_better else "lower is better",
            ]
        )
    display = pd.DataFrame(
        rows,
        columns=[
            "Measure",
            "People (both times)",
            "Average before to after",
            "Change (95% CI)",
            "Effect size g",
            "p (t-test / Wilcoxon)",
            "Direction",
        ],
    )
    before, after = waves(ctx)
    section = Section().add(
        Markdown(
            ctx.say(
                f"People answered the same questions at {before.replace('_', ' ')} and at "
                f"{after.replace('_', ' ')}. We compare each person with themselves. The "
                "paired t-test suits the wellbeing score; the Wilcoxon signed-rank test suits "
                "the short 0 to 10 and loneliness scales. The effect size (Hedges' g) puts the "
                "measures on one scale: 0.2 is small, 0.5 medium, 0.8 large."
            )
        ),
        Table(
            display,
            caption=f"Change between the two surveys, {ctx.cohort_label}",
            count_columns=["People (both times)"],
            rule=ctx.rule,
        ),
    )
    shown = changes[published["ci_low"].notna().to_numpy()]
    if not shown.empty:
        fig = _forest(shown)
        alt = (
            "Chart of average change with 95% confidence intervals: "
            + "; ".join(
                f"{r.label} {r.mean_change:+.2f} (from {r.ci_low:+.2f} to {r.ci_high:+.2f})"
                for r in shown.itertuples()
            )
            + ". The dashed line marks no change."
        )
        section.add(Figure(fig, alt=alt, caption="Average change in each measure with 95% CI"))
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


def _p(p: float) -> str:
    if pd.isna(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _code_names(ctx: ReportContext) -> dict[str, str]:
    if not ctx.study.codebook:
        return {}
    from toolkit.coding.codebook import load_codebook

    try:
        book = load_codebook(ctx.study.path(ctx.study.codebook))
    except Exception:  # a broken codebook is reported by the code stage, not here
        return {}
    return {c.id: c.name for c in book.codes}


def themes(ctx: ReportContext, top: int = 6) -> Section:
    """The most common codes (people mentioning each, with a quote) and the topics found."""
    gap = _missing(ctx, "participants", "segments", "codings")
    if gap:
        return gap
    people = ctx.table("participants")
    segments = ctx.table("segments")
    codings = ctx.table("codings")
    names = _code_names(ctx)
    counts = measures.code_people(codings, segments).head(top)
    n = len(people)
    display = pd.DataFrame(
        {
            "Theme": [names.get(c, c) for c in counts["code"]],
            "People who mentioned it": [count_text(ctx, k) for k in counts["people"]],
            "Share of people": [percent_text(ctx, k, n) for k in counts["people"]],
        }
    )
    section = Section().add(
        Markdown(
            ctx.say(
                "Peer researchers coded what people said in surveys and interviews with the "
                "study codebook. The table shows the themes mentioned by the most people."
            )
        ),
        Table(
            display,
            caption=f"Most common themes, {ctx.cohort_label}",
            count_columns=["People who mentioned it"],
            rule=ctx.rule,
        ),
    )
    consenting = measures.consenting_pids(people)
    if ctx.rule.quote_allowed(n):
        best = codings.groupby("seg_id")["score"].max() if "score" in codings.columns else None
        for code in counts["code"]:
            seg_ids = codings.loc[codings["code"] == code, "seg_id"]
            quote = measures.pick_quote(seg_ids, segments, consenting, best)
            if quote:
                section.add(
                    Heading(names.get(code, code), level=3),
                    Quote(quote, attribution=f"A participant in {ctx.cohort_label}"),
                )
    else:
        section.add(Note("Quotes are not shown: the group is too small to keep people anonymous."))
    section.extend(_topic_blocks(ctx, segments, consenting, n))
    return section


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
                keywords,
                count_text(ctx, k),
                "Yes" if stable else "No: treat with caution",
            ]
        )
    display = pd.DataFrame(rows, columns=["Topic", "Key words", "People", "Stable across re-runs"])
    blocks = [
        Heading("Topics found by the computer", level=3),
        Markdown(
            ctx.say(
                "A topic model grouped similar answers without using the codebook. A topic is "
                "marked stable when it came back in most re-runs with different seeds; "
                "unstable topics may be chance groupings."
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
        rows.append(
            [
                feature.removeprefix("code: ").removeprefix("topic: "),
                labels.get(r.outcome, r.outcome),
                r.scale,
                f"{r.estimate:.2f} ({r.ci_low:.2f} to {r.ci_high:.2f})",
                f"{r.q:.3f}",
                "Yes" if r.q < FDR_LEVEL else "No",
                r.n_with_feature,
            ]
        )
    display = pd.DataFrame(
        rows,
        columns=[
            "Experience",
            "Outcome",
            "Measure",
            "Estimate (95% CI)",
            "q (false discovery rate)",
            "Passes FDR",
            "People with it",
        ],
    )
    passing = int((tested["q"] < FDR_LEVEL).sum())
    basis = str(table["coding_basis"].iloc[0]) if "coding_basis" in table.columns else ""
    section = Section().add(
        Markdown(
            ctx.say(
                f"We tested {len(tested)} pairs of an experience (a theme or topic a person "
                "talked about) and an outcome, using everyone in the study with cohort, age, "
                "deprivation and baseline score taken into account. With so many tests some "
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
    """Limitations written from the data: size, drop-out, missing answers, no comparison group."""
    points = []
    people = ctx.table("participants")
    scores = ctx.table("scores")
    changes = cohort_changes(ctx)
    if people is not None and scores is not None and changes is not None and not changes.empty:
        main = changes.iloc[0]
        paired = int(main["n_pairs"])
        if paired < 30:
            points.append(
                ctx.say(
                    f"Only {about(ctx, paired)} people answered the {main['instrument'].upper()} "
                    "questions at both times, fewer than the 30 that Warwick Medical School "
                    "suggests, so the confidence intervals are wide."
                )
            )
        else:
            points.append(
                ctx.say(
                    f"{about(ctx, paired).capitalize()} people answered the "
                    f"{main['instrument'].upper()} questions at both times, enough for a paired "
                    "comparison."
                )
            )
        _, after = waves(ctx)
        followed, total = measures.followup_rate(scores, people, after)
        if total:
            share = round(100 * (total - followed) / total)
            points.append(
                ctx.say(
                    f"About {share}% of people did not answer the follow-up survey. If they differ "
                    "from those who did (for example, if people who struggled stopped replying), "
                    "the changes shown may be too hopeful."
                )
            )
        missing = measures.missing_share(scores)
        if missing > 0:
            points.append(
                ctx.say(
                    f"About {round(100 * missing)}% of questionnaires had unanswered items and "
                    "could not be scored; they are left out rather than guessed."
                )
            )
    else:
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
    return Section().add(BulletList(points))


def methods_appendix(ctx: ReportContext) -> Section:
    """Toolkit and package versions, seeds, parameters and input checksums."""
    from toolkit.reports.templates import template_checksums
    from toolkit.study.inputs import input_checksums
    from toolkit.study.pipeline import package_versions

    versions = package_versions()
    params = pd.DataFrame(
        [(k, str(v)) for k, v in ctx.parameters.items() if k != "outputs_dir"]
        + [
            ("disclosure rounding", str(ctx.study.disclosure.rounding)),
            ("topic model seed", str(ctx.study.topics.seed)),
        ],
        columns=["Parameter", "Value"],
    )
    checksums = input_checksums(ctx.study)
    inputs = pd.DataFrame(
        [(k, v[:16]) for k, v in sorted(checksums.items())],
        columns=["Input file", "SHA-256 (start)"],
    )
    templates = pd.DataFrame(
        [(k, v[:16]) for k, v in template_checksums().items()],
        columns=["Report template", "SHA-256 (start)"],
    )
    return Section().add(
        Heading("Software", level=3),
        Table(
            pd.DataFrame(sorted(versions.items()), columns=["Package", "Version"]),
            caption="Toolkit and package versions",
        ),
        Heading("Parameters and seeds", level=3),
        Table(params, caption="Parameters of this report"),
        Heading("Inputs", level=3),
        Markdown(
            "Checksums let anyone confirm that a report was made from the same files. Only the "
            "first 16 characters are shown; the full values are in manifest.json."
        ),
        Table(inputs, caption="Input files and their checksums"),
        Table(templates, caption="Report templates and their checksums"),
        Markdown(
            f"Disclosure control: counts of 1 to {ctx.rule.threshold - 1} are shown as a star "
            f"and other counts are rounded to the nearest {ctx.study.disclosure.rounding} "
            "(NHS England rule). Quotes are shown only from people who agreed to be quoted, "
            "with names and contact details removed."
        ),
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
