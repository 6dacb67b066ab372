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

import re

import pandas as pd

from toolkit.reports import measures
from toolkit.reports.context import ReportContext
from toolkit.reports.display import BulletList, Figure, Heading, Markdown, Note, Quote, Section
from toolkit.reports.readability import RESIDENT_TARGET, describe, flesch
from toolkit.reports.sections import (
    _bar_chart,
    _code_names,
    about,
    cohort_changes,
    cohort_funnel,
    count_text,
    rounded,
)

BULLET = re.compile(r"^(?:[-*+]|\d+[.)])\s+(?P<text>.*)$")
# Chart text in the co-production report: as large as the body text when printed.
LARGE_TEXT = 15

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
    """The main themes, how sure we are of them, and one quote each (never the same twice)."""
    from toolkit.reports.provenance import checked_segments, theme_provenance, theme_quotes

    (people, segments, codings), gaps = ctx.tables("participants", "segments", "codings")
    if gaps:
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    names = _code_names(ctx)
    counts = theme_provenance(ctx, codings, segments).head(top)
    checked = checked_segments(ctx, segments)
    if checked == 0:
        how = (
            "A computer sorted what you said into themes. No one has checked this yet, so "
            "some of it may be wrong."
        )
    else:
        how = (
            "We sorted what you said into themes. Peer researchers checked part of this by "
            "hand. A computer did the rest."
        )
    section = Section().add(
        Markdown(ctx.say("These are the things people talked about most. " + how))
    )
    shown = [count_text(ctx, k) for k in counts["people"]]
    labels = [names.get(c, c) for c in counts["code"]]
    fig = _bar_chart(
        labels,
        [rounded(ctx, k) for k in counts["people"]],
        shown,
        "People who talked about it (rounded to the nearest 5)",
        font=LARGE_TEXT,
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
    quotes = {}
    if ctx.rule.quote_allowed(len(people)):
        quotes = theme_quotes(ctx, list(counts["code"]), codings, segments, consenting)
    for code, k in zip(counts["code"], counts["people"], strict=True):
        section.add(Heading(names.get(code, code), level=3))
        section.add(Markdown(ctx.say(f"{about(ctx, k).capitalize()} people talked about this.")))
        if code in quotes:
            section.add(Quote(quotes[code][0], attribution=f"Someone from {ctx.cohort_label}"))
    section.extend(named_topics(ctx))
    return section


def named_topics(ctx: ReportContext) -> list:
    """Other things people raised: only topics a peer researcher has named, that hold up.

    Machine-found topics are shown back to residents only once a person has read and named
    them (``topics.names`` in study.yml) and they came back on every refit (stable).
    """
    from toolkit.topics.names import reportable_topics

    info = ctx.table("topic_info", cohort_only=False)
    ctx.missing.discard("topic_info")
    if info is None or info.empty:
        return []
    topics = reportable_topics(info, named_only=True)
    if topics.empty:
        return []
    return [
        Heading("Other things people raised", level=3),
        Markdown(
            ctx.say(
                "Peer researchers read what people said and named these other subjects that "
                "came up again and again:"
            )
        ),
        BulletList([str(label) for label in topics["label"]]),
    ]


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
                points.append(ctx.say(change_in_words(ctx, row, what)))
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


def change_in_words(ctx: ReportContext, row, what: str) -> str:
    """A change as a person would feel it: points on the scale, answer steps, share who felt it.

    For a questionnaire scored by adding up answers, the change is turned back into steps
    of one answer (e.g. from "some of the time" to "often") using the instrument's own
    conversion table, so "2.4 points" becomes "one step up on about three of the seven
    questions".
    """
    direction = _direction(row.mean_change, row.higher_is_better)
    scale = measures.scale_text(row.instrument, row.item or None)
    text = f"On average, {what} got {direction} by {abs(row.mean_change):.1f} points"
    text += f" on {scale}." if scale else "."
    steps = measures.answer_steps(row.instrument, row.mean_pre, row.mean_post)
    if steps is not None and steps[0] >= 1:
        n_steps, n_items, example = steps
        text += (
            f" That is like moving one answer, for example between {example}, on about "
            f"{n_steps} of the {n_items} questions."
        )
    share = getattr(row, "share_meaningful", None)
    threshold = getattr(row, "meaningful_threshold", None)
    if share is not None and pd.notna(share) and threshold is not None and pd.notna(threshold):
        text += (
            f" About {round(10 * share)} in 10 people felt better by {threshold:g} points or "
            "more. That is a change people notice in their lives."
        )
    return text


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
    for block in parse_notes(path.read_text(encoding="utf-8")):
        kind, value = block
        if kind == "heading":
            section.add(Heading(value, level=3))
        elif kind == "bullets":
            section.add(BulletList([ctx.say(b) for b in value]))
        else:
            section.add(Markdown(ctx.say(value)))
    return section


def parse_notes(text: str) -> list[tuple[str, object]]:
    r"""Peer researchers' markdown as blocks: headings, paragraphs and bullet lists.

    Only the markdown people write in notes is understood: ``#`` headings, ``-``/``*``/``1.``
    bullets, blank lines between paragraphs. An indented or plain line right after a bullet
    continues that bullet (markdown's "lazy continuation"), so a bullet wrapped over two
    lines stays one bullet. Everything is shown as text: no HTML gets through.

    >>> parse_notes("- We will ask\n  the hospital.\n\nThanks.")
    [('bullets', ['We will ask the hospital.']), ('paragraph', 'Thanks.')]
    """
    blocks: list[tuple[str, object]] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("paragraph", " ".join(paragraph)))
            paragraph.clear()
        if bullets:
            blocks.append(("bullets", list(bullets)))
            bullets.clear()

    for line in text.splitlines():
        stripped = line.strip()
        bullet = BULLET.match(stripped)
        if stripped.startswith("#"):
            flush()
            blocks.append(("heading", stripped.lstrip("#").strip()))
        elif bullet:
            if paragraph:
                flush()
            bullets.append(bullet.group("text").strip())
        elif not stripped:
            flush()
        elif bullets:
            bullets[-1] = f"{bullets[-1]} {stripped}"
        else:
            paragraph.append(stripped)
    flush()
    return blocks


def thank_you(ctx: ReportContext) -> Section:
    """A thank-you to the people who took part and the peer researchers."""
    return Section().add(
        Markdown(
            ctx.say(
                "Thank you to everyone who took part. You gave us your time and told us about "
                "your life. Thank you too to the peer researchers, who asked the questions and "
                "listened. This report would not exist without you."
            )
        )
    )


def where_to_get_support(ctx: ReportContext) -> Section:
    """Where to get help, from ``support:`` in study.yml."""
    contacts = ctx.study.support
    if not contacts:
        return Section(needs=["support"]).add(
            Note(
                "Study team: list where people can get support under support: in study.yml "
                "(a name and how to reach them), then run lxt report again."
            )
        )
    return Section().add(
        Markdown(
            ctx.say(
                "Talking about hard times can bring up strong feelings. If you need help, "
                "you can contact:"
            )
        ),
        BulletList([ctx.say(f"{c.name}: {c.how}") for c in contacts]),
    )


def how_easy_to_read(ctx: ReportContext) -> Section:
    """Flesch reading ease of the prose written so far in this report, in plain words."""
    text = " ".join(ctx.prose)
    if not text.strip():
        return Section().add(Note("There is no text to measure yet."))
    score = flesch(text)
    verdict = "That is our aim." if score >= RESIDENT_TARGET else "We will work to make it simpler."
    return Section().add(
        Markdown(
            f"We want this report to be easy to read. We checked it with a test that scores "
            f"text from 0 (very hard) to 100 (very easy). It scores {score:.0f}, which is "
            f"{describe(score)}. {verdict}"
        )
    )
