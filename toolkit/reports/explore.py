"""Helpers for ``notebooks/explore_study.ipynb``: a peer researcher's first look at a study.

Each function takes a :class:`ReportContext` and returns something Jupyter displays: a table
of themes, some quotes for one theme, the outcome changes. Counts go through the disclosure
rule, as in the reports, so a screen shared in a meeting is safe too.

Example
-------
Before the study is built (here, an empty outputs folder) the helpers say what they need;
on a built study ``read_quotes(ctx, "transport", how_many=3)`` shows three quotes.

>>> import tempfile
>>> from toolkit.resources import example_study_dir
>>> out = tempfile.mkdtemp()
>>> ctx = ReportContext.load(example_study_dir(), cohort="clacton", outputs_dir=out)
>>> read_quotes(ctx, "transport", how_many=3).needs
['codings', 'participants', 'segments']
"""

from __future__ import annotations

from toolkit.reports import measures
from toolkit.reports.context import ReportContext
from toolkit.reports.display import Markdown, Note, Quote, Section
from toolkit.reports.sections import _code_names


def theme_ids(ctx: ReportContext) -> dict[str, str]:
    """Theme id -> name, for the ids to type into :func:`read_quotes`."""
    return _code_names(ctx)


def read_quotes(ctx: ReportContext, theme: str, how_many: int = 5) -> Section:
    """Up to ``how_many`` quotes coded with ``theme`` from people who agreed to be quoted."""
    people, segments, codings = (ctx.table(n) for n in ("participants", "segments", "codings"))
    if people is None or segments is None or codings is None:
        gaps = sorted(ctx.missing & {"participants", "segments", "codings"})
        return Section(needs=gaps).add(Note(ctx.needs_note(gaps)))
    names = _code_names(ctx)
    if theme not in names:
        return Section().add(
            Note(f"There is no theme called {theme!r}. Try one of: " + ", ".join(sorted(names)))
        )
    consenting = measures.consenting_pids(people)
    seg_ids = list(codings.loc[codings["code"] == theme, "seg_id"].unique())
    section = Section().add(Markdown(f"Quotes for the theme **{names[theme]}**:"))
    shown = 0
    for seg_id in sorted(seg_ids):
        if shown >= how_many:
            break
        quote = measures.pick_quote([seg_id], segments, consenting)
        if quote:
            section.add(Quote(quote, attribution=f"Someone from {ctx.cohort_label}"))
            shown += 1
    if not shown:
        section.add(Note("No quotes for this theme from people who agreed to be quoted."))
    return section
