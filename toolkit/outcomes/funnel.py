"""Employment pathway funnel per cohort: who got how far, how fast, and at what cost.

referred -> engaged -> applied -> interviewed -> offered -> checks cleared -> started ->
retained 3 months -> retained 6 months. For each cohort (and all cohorts together):

* ``n_reached``: people with a date for the stage;
* ``conversion_from_previous``: of the people who reached the previous stage, the share who
  reached this one; ``conversion_from_first``: the same against everyone referred;
* ``median_days_from_previous``: median days between the two stages (people with both);
* post-offer loss: people offered a job who did not start it (often lost to slow
  pre-employment checks), as a count and a share of those offered;
* cost per job started, when ``pathway.programme_cost`` gives the cohort's cost.

Shares are computed from unrounded counts; publication (:func:`publish_funnel`) rounds and
suppresses the counts and blanks shares and medians whose groups are below the threshold.

Example
-------
>>> pathway = pd.DataFrame({"cohort": ["clacton"] * 4 + ["southend"] * 2,
...     "referred": ["2025-09-01"] * 6,
...     "engaged": ["2025-09-08", "2025-09-15", "2025-09-22", None, "2025-10-06", "2025-10-13"],
...     "started": ["2025-11-03", None, "2025-12-01", None, "2025-12-15", None]})
>>> table = pathway_funnel(pathway, ["referred", "engaged", "started"])
>>> columns = ["cohort", "stage", "n_reached", "conversion_from_previous"]
>>> print(table[columns].round(2).to_string(index=False))
  cohort    stage  n_reached  conversion_from_previous
     all referred          6                       NaN
     all  engaged          5                      0.83
     all  started          3                      0.60
 clacton referred          4                       NaN
 clacton  engaged          3                      0.75
 clacton  started          2                      0.67
southend referred          2                       NaN
southend  engaged          2                      1.00
southend  started          1                      0.50
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.study.config import PATHWAY_STAGES

STAGE_LABELS = {
    "referred": "Referred",
    "engaged": "Engaged",
    "applied": "Applied for a job",
    "interviewed": "Interviewed",
    "offered": "Offered a job",
    "checks_cleared": "Pre-employment checks cleared",
    "started": "Started work",
    "retained_3m": "In work at 3 months",
    "retained_6m": "In work at 6 months",
}


def _groups(pathway: pd.DataFrame, cohorts: list[str] | None):
    cohorts = cohorts or sorted(pathway["cohort"].dropna().astype(str).unique())
    yield "all", pathway[pathway["cohort"].astype(str).isin(cohorts)]
    for c in cohorts:
        yield c, pathway[pathway["cohort"].astype(str) == c]


RETENTION_MONTHS = {"retained_3m": 3, "retained_6m": 6}


def could_be_retained(dates: dict[str, pd.Series], stage: str, extracted_on) -> pd.Series:
    """Starters in post long enough, by the extract date, to have reached retention ``stage``.

    Anyone with the stage's date counts. Without an extract date every starter counts.
    """
    reached = dates[stage].notna()
    if extracted_on is None or "started" not in dates:
        return pd.Series(True, index=reached.index)
    due = dates["started"] + pd.DateOffset(months=RETENTION_MONTHS[stage])
    return reached | (due <= pd.Timestamp(extracted_on))


FUNNEL_COLUMNS = [
    "cohort",
    "stage_order",
    "stage",
    "stage_label",
    "n_reached",
    "n_previous",
    "conversion_from_previous",
    "conversion_from_first",
    "median_days_from_previous",
    "n_with_days",
]


def pathway_funnel(
    pathway: pd.DataFrame,
    stages: list[str] | None = None,
    cohorts: list[str] | None = None,
    extracted_on=None,
) -> pd.DataFrame:
    """One row per cohort x stage (raw counts; publish with :func:`publish_funnel`).

    With ``extracted_on`` (the pathway's extract date), conversion into a retention stage
    counts only the people of the previous stage who had been in post long enough to get
    there; the others are not yet known, not lost.
    """
    stages = [s for s in (stages or PATHWAY_STAGES) if s in pathway.columns]
    rows = []
    for cohort, sub in _groups(pathway, cohorts):
        dates = {s: pd.to_datetime(sub[s], errors="coerce") for s in stages}
        first = int(dates[stages[0]].notna().sum()) if stages else 0
        for i, stage in enumerate(stages):
            reached = dates[stage].notna()
            row = {
                "cohort": cohort,
                "stage_order": i + 1,
                "stage": stage,
                "stage_label": STAGE_LABELS.get(stage, stage),
                "n_reached": int(reached.sum()),
                "n_previous": np.nan,
                "conversion_from_previous": np.nan,
                "conversion_from_first": reached.sum() / first if first else np.nan,
                "median_days_from_previous": np.nan,
                "n_with_days": 0,
            }
            if i > 0:
                prev = dates[stages[i - 1]].notna()
                if stage in RETENTION_MONTHS:
                    prev &= could_be_retained(dates, stage, extracted_on)
                row["n_previous"] = int(prev.sum())
                if prev.sum():
                    row["conversion_from_previous"] = float((reached & prev).sum() / prev.sum())
                days = (dates[stage] - dates[stages[i - 1]]).dt.days.dropna()
                row["n_with_days"] = int(days.size)
                if days.size:
                    row["median_days_from_previous"] = float(days.median())
            rows.append(row)
    # Named columns even when empty: a study without a pathway file still publishes its tables.
    return pd.DataFrame(rows, columns=FUNNEL_COLUMNS)


def _reached(frame: pd.DataFrame, stage: str) -> pd.Series:
    if stage not in frame.columns:
        return pd.Series(False, index=frame.index)
    return pd.to_datetime(frame[stage], errors="coerce").notna()


def post_offer_loss(
    pathway: pd.DataFrame,
    cohorts: list[str] | None = None,
    programme_cost: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per cohort: offered, started, lost after offer (share of offered), cost per job."""
    rows = []
    for cohort, sub in _groups(pathway, cohorts):
        started = _reached(sub, "started")
        offered = _reached(sub, "offered")
        n_off = int(offered.sum())
        lost = int((offered & ~started).sum())
        n_started = int(started.sum())
        if programme_cost:
            cost = (
                sum(v for k, v in programme_cost.items() if k in set(sub["cohort"].astype(str)))
                if cohort == "all"
                else programme_cost.get(cohort)
            )
        else:
            cost = None
        rows.append(
            {
                "cohort": cohort,
                "n_offered": n_off,
                "n_started": n_started,
                "n_post_offer_loss": lost,
                "post_offer_loss_share": lost / n_off if n_off else np.nan,
                "programme_cost": cost if cost else np.nan,
                "cost_per_job_started": (cost / n_started) if (cost and n_started) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def retention(pathway: pd.DataFrame, cohorts: list[str] | None = None, extracted_on=None):
    """Per cohort: of the starters who had been in post long enough, how many stayed.

    Columns ``cohort, stage, n_starters_due, n_retained, retention_share`` for each retention
    stage the pathway records. A starter who began too recently (by ``extracted_on``) to
    have reached the stage is left out of both counts: not yet known, not lost.
    """
    rows = []
    for cohort, sub in _groups(pathway, cohorts):
        if "started" not in sub.columns:
            continue
        dates = {
            s: pd.to_datetime(sub[s], errors="coerce")
            for s in sub.columns
            if s in ("started", *RETENTION_MONTHS)
        }
        for stage in RETENTION_MONTHS:
            if stage not in dates:
                continue
            due = dates["started"].notna() & could_be_retained(dates, stage, extracted_on)
            kept = int((due & dates[stage].notna()).sum())
            n_due = int(due.sum())
            rows.append(
                {
                    "cohort": cohort,
                    "stage": stage,
                    "n_starters_due": n_due,
                    "n_retained": kept,
                    "retention_share": kept / n_due if n_due else np.nan,
                }
            )
    return pd.DataFrame(
        rows, columns=["cohort", "stage", "n_starters_due", "n_retained", "retention_share"]
    )


def publish_retention(table: pd.DataFrame, rule) -> pd.DataFrame:
    """Disclosure-controlled retention: counts through ``rule``; share from the rounded counts.

    The share is worked out from the published counts so that it cannot undo the rounding,
    and is blank when either count is suppressed.
    """
    out = table.copy()
    due = [rule.count(int(v)) for v in table["n_starters_due"]]
    kept = [rule.count(int(v)) for v in table["n_retained"]]
    out["retention_share"] = [
        round(int(k) / int(d), 2) if k.isdigit() and d.isdigit() and int(d) else np.nan
        for k, d in zip(kept, due, strict=True)
    ]
    out["n_starters_due"], out["n_retained"] = due, kept
    return out


def publish_funnel(funnel: pd.DataFrame, rule) -> pd.DataFrame:
    """Disclosure-controlled funnel: counts rounded/suppressed; small-group shares blanked."""
    out = funnel.copy()
    small_prev = funnel["n_previous"].fillna(0) < rule.threshold
    small_now = funnel["n_reached"] < rule.threshold
    out["conversion_from_previous"] = (
        funnel["conversion_from_previous"].mask(small_prev | small_now).round(2)
    )
    out["conversion_from_first"] = funnel["conversion_from_first"].mask(small_now).round(2)
    out["median_days_from_previous"] = funnel["median_days_from_previous"].mask(
        funnel["n_with_days"] < rule.threshold
    )
    for col in ("n_reached", "n_previous", "n_with_days"):
        out[col] = [rule.count(int(v)) if pd.notna(v) else "" for v in funnel[col]]
    return out


def publish_post_offer_loss(table: pd.DataFrame, rule) -> pd.DataFrame:
    """Disclosure-controlled post-offer loss and cost per job."""
    out = table.copy()
    out["post_offer_loss_share"] = (
        table["post_offer_loss_share"]
        .mask((table["n_offered"] < rule.threshold) | (table["n_post_offer_loss"] < rule.threshold))
        .round(2)
    )
    # Cost / exact starts would let a reader recover the unrounded count, so the published
    # figure divides by the published (rounded) count, and is blank when starts are few.
    published_starts = pd.to_numeric(
        pd.Series([rule.count(int(v)) for v in table["n_started"]], index=table.index),
        errors="coerce",
    )
    out["cost_per_job_started"] = (
        (table["programme_cost"] / published_starts.where(published_starts > 0))
        .mask(table["n_started"] < rule.threshold)
        .round(0)
    )
    out["cost_per_job_basis"] = "programme cost / published (rounded) number of job starts"
    for col in ("n_offered", "n_started", "n_post_offer_loss"):
        out[col] = [rule.count(int(v)) for v in table[col]]
    return out
