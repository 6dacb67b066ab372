"""Reports: parameterised notebooks per cohort, rendered to accessible HTML and PDF.

``notebooks/evaluation_report.ipynb`` and ``notebooks/coproduction_report.ipynb`` run once per
cohort and ``notebooks/overview.ipynb`` once per study (:mod:`toolkit.reports.runner`). The
notebooks are thin: each section is a tested function in :mod:`toolkit.reports.sections`
(evaluation), :mod:`toolkit.reports.coproduction` or :mod:`toolkit.reports.overview`, shown
through the accessible blocks of :mod:`toolkit.reports.display`. Rendering is in
:mod:`toolkit.reports.render`; the release gate in :mod:`toolkit.reports.gate`.

Running the notebooks takes minutes (papermill, then HTML and PDF in Chromium), so the
example is shown rather than run (``tests/test_report_run.py`` runs it)::

    from toolkit.reports.runner import run_reports

    run = run_reports("surveys/example", jobs=2)
    run.counts()        # {'ready': 7}
"""

from __future__ import annotations

__all__ = ["ReportResult", "ReportRun", "run_reports", "run_stage"]


def __getattr__(name: str):
    # The runner (and through its release gate, Presidio and torch) loads only when asked
    # for: every report notebook imports this package for its sections, and loading those
    # in each notebook's kernel took 6 s of the 11 s a report takes to run.
    if name in ("ReportResult", "ReportRun", "run_reports"):
        from toolkit.reports import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_stage(ctx) -> dict:
    """Pipeline stage ``report``: run every report for the context's cohorts.

    Reports that fail or are held back do not stop the pipeline (its manifest must still be
    written, or every stage would rerun next time): they are counted in the result and
    described in ``ctx.notes["reports"]``; ``lxt report`` on its own exits 1 for them.
    """
    from toolkit.reports.runner import run_reports

    run = run_reports(
        ctx.study.folder,
        cohorts=ctx.cohorts,
        jobs=ctx.jobs,
        out=ctx.outputs.root,
        progress=ctx.progress,
    )
    ctx.notes["reports"] = run.summary_lines() or ["every report passed the release check"]
    return run.counts()
