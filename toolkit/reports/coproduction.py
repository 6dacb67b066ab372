"""Sections of the co-production report: plain English for the people who took part.

Short sentences, everyday words, numbers as "about 45 people". The prose each section writes
is recorded (``ctx.say``) and :func:`how_easy_to_read` reports its Flesch reading ease in the
report itself. The "What happens next" section is written by the peer researchers in
``<study folder>/next_steps/<cohort>.md`` (or ``next_steps/all.md``).

Example
-------
Before the study is built (here, an empty outputs folder) a section says what it needs
(``tests/test_report_run.py`` renders the full reports from a built study):

>>> import tempfile
>>> from toolkit.resources import example_study_dir
>>> out = tempfile.mkdtemp()
>>> ctx = ReportContext.load(example_study_dir(), cohort="basildon", outputs_dir=out)
>>> what_you_told_us(ctx).needs
['participants', 'segments', 'codings']
"""

from __future__ import annotations

import pandas as pd

from toolkit.reports import measures
from toolkit.reports.context import ReportContext
from toolkit.reports.display import BulletList, Figure, Heading, Markdown, Note, Quote, Section
from toolkit.reports.readability import PLAIN_ENGLISH, describe, flesch
from toolkit.reports.sections import (
    _bar_chart,
    _code_names,
    about,
    cohort_changes,
    cohort_funnel,
    count_text,
    rounded,
)

PLAIN_MEASURES = {
    "swemwbs": "how well people felt (wellbeing)",
    "ons4": "how satisfied people felt with life",
    "ucla3": "how lonely people felt",
}


def introduction(ctx: ReportContext) -> Section:
    return Section().add(
        Markdown(
            ctx.say(
                f"This report is for the people in {ctx.cohort_label} who took part in the "
                "study, and for the community groups who worked with us. Peer researchers asked "
                "you about work, support and your hopes. Here is what we heard, what changed, "
                "and what we will do next. "
                "We have taken out names and anything else that could show who you are."
            )
        )
    )


def who_took_part(ctx: ReportContext) -> Section:
    people = ctx.table("participants")
    if people is None:
        return Section(needs=["participants"]).add(Note(ctx.needs_note(["participants"])))
    n = len(people)
    core20 = int(measures.core20_mask(people).sum())
    return Section().add(
        Markdown(
            ctx.say(
                f"{about(ctx, n).capitalize()} people from {ctx.cohort_label} took part. "
                f"{about(ctx, core20).capitalize()} of them live in the poorest fifth of areas "
                "in England."
            )
        )
    )


def what_you_told_us(ctx: ReportContext, top: int = 4) -> Section:
    """The main themes, each with one quote from someone who agreed to be quoted."""
    (people, segments, codings), gaps = ctx.tables("participants", "segments", "codings")
    if gaps:
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    names = _code_names(ctx)
    counts = measures.code_people(codings, segments).head(top)
    section = Section().add(
        Markdown(
            ctx.say(
                "These are the things people talked about most. We grouped what you said into "
                "themes."
            )
        )
    )
    shown = [count_text(ctx, k) for k in counts["people"]]
    labels = [names.get(c, c) for c in counts["code"]]
    fig = _bar_chart(
        labels,
        [rounded(ctx, k) for k in counts["people"]],
        shown,
        "People who talked about it (rounded to the nearest 5)",
    )
    section.add(
        Figure(
            fig,
            alt="Bar chart of the main themes and how many people talked about each: "
            + "; ".join(f"{lab} {s}" for lab, s in zip(labels, shown, strict=True))
            + ". A star means a small number of people.",
            caption="The main themes, and how many people talked about each",
        )
    )
    consenting = measures.consenting_pids(people)
    quotes_ok = ctx.rule.quote_allowed(len(people))
    best = codings.groupby("seg_id")["score"].max() if "score" in codings.columns else None
    for code, k in zip(counts["code"], counts["people"], strict=True):
        section.add(Heading(names.get(code, code), level=3))
        section.add(Markdown(ctx.say(f"{about(ctx, k).capitalize()} people talked about this.")))
        if quotes_ok:
            seg_ids = codings.loc[codings["code"] == code, "seg_id"]
            quote = measures.pick_quote(seg_ids, segments, consenting, best)
            if quote:
                section.add(Quote(quote, attribution=f"Someone from {ctx.cohort_label}"))
    return section


def _direction(change: float, higher_is_better: bool) -> str:
    better = change > 0 if higher_is_better else change < 0
    return "better" if better else "worse"


def what_changed(ctx: ReportContext) -> Section:
    """Jobs and wellbeing in everyday words, with the honest caveat."""
    points = []
    funnel = cohort_funnel(ctx)
    if funnel is not None:
        reached = funnel.set_index("stage")["n_reached"]
        if "started" in reached:
            points.append(
                ctx.say(f"{about(ctx, reached['started']).capitalize()} people started a job.")
            )
        if "retained_6m" in reached:
            points.append(
                ctx.say(
                    f"{about(ctx, reached['retained_6m']).capitalize()} were "
                    "still in work six months later."
                )
            )
    changes = cohort_changes(ctx)
    if changes is not None:
        for row in changes.itertuples():
            if row.n_pairs < ctx.rule.threshold or pd.isna(row.ci_low):
                continue
            if row.item and row.instrument == "ons4" and row.item != "satisfaction":
                continue
            what = PLAIN_MEASURES.get(row.instrument, row.label)
            if row.ci_low <= 0 <= row.ci_high:
                points.append(ctx.say(f"We did not see a clear change in {what}."))
            else:
                points.append(
                    ctx.say(
                        f"On average, {what} got "
                        f"{_direction(row.mean_change, row.higher_is_better)}"
                        f" by {abs(row.mean_change):.1f} points."
                    )
                )
    if not points:
        gaps = sorted(ctx.missing & {"pathway", "scores", "participants"}) or ["scores"]
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    section = Section().add(BulletList(points))
    if not ctx.study.comparison_group:
        section.add(
            Markdown(
                ctx.say(
                    "We cannot say the programme caused these changes. We did not follow a "
                    "group of "
                    "people who did not take part, so we cannot compare."
                )
            )
        )
    return section


def next_steps_file(ctx: ReportContext):
    folder = ctx.study.path("next_steps")
    for name in (f"{ctx.cohort}.md", "all.md"):
        if (folder / name).is_file():
            return folder / name
    return None


def what_happens_next(ctx: ReportContext) -> Section:
    """Written by the peer researchers; the report shows where to write it if it is missing."""
    path = next_steps_file(ctx)
    if path is None:
        return Section(needs=["next_steps"]).add(
            Note(
                f"Peer researchers: write what happens next in next_steps/{ctx.cohort}.md in the "
                "study folder, then run lxt report again."
            )
        )
    section = Section()
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush():
        if paragraph:
            section.add(Markdown(ctx.say(" ".join(paragraph))))
            paragraph.clear()
        if bullets:
            section.add(BulletList([ctx.say(b) for b in bullets]))
            bullets.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            flush()
            section.add(Heading(stripped.lstrip("#").strip(), level=3))
        elif stripped.startswith(("- ", "* ")):
            if paragraph:
                flush()
            bullets.append(stripped[2:].strip())
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
    flush()
    return section


def how_easy_to_read(ctx: ReportContext) -> Section:
    """Flesch reading ease of the prose written so far in this report."""
    text = " ".join(ctx.prose)
    if not text.strip():
        return Section().add(Note("There is no text to measure yet."))
    score = flesch(text)
    verdict = (
        "This meets our aim of plain English (60 or more)."
        if score >= PLAIN_ENGLISH
        else "This is below our aim of 60; we will make the wording simpler."
    )
    return Section().add(
        Markdown(
            f"We checked how easy this report is to read with the Flesch reading ease score. It "
            f"goes from 0 (very hard) to 100 (very easy). This report scores **{score:.0f}**, "
            "which "
            f"is {describe(score)}. {verdict} Your own words, in the quotes, are not counted."
        )
    )
