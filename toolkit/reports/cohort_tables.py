"""The raw tables a report reads for its cohort: pre/post change and the pathway funnel.

Shared by the report sections, page one (:mod:`toolkit.reports.headline`), the co-production
report and the overview, so each works out the same numbers the same way.
"""

from __future__ import annotations

import pandas as pd

from toolkit.reports import measures
from toolkit.reports.context import ReportContext


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
    if table.empty or "cohort" not in table.columns:
        # No questionnaire outcomes (e.g. a study started from an NVivo project): no changes.
        return None
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
