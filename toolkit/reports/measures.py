"""The numbers behind the report sections, as plain data frames (unrounded, not for display).

Each function takes the stage tables and returns exact numbers; the section modules pass every
count through the disclosure rule before anything is shown. Keeping the arithmetic here means
tests can check it against an independent computation.

Example
-------
>>> import pandas as pd
>>> people = pd.DataFrame({"pid": ["a", "b", "c"], "imd_decile": [1, 3, 2],
...                        "plus_carer": [True, False, False]})
>>> reach_counts(people)[["group", "people"]].values.tolist()[:2]
[['Everyone', 3], ['Core20: most deprived 20% of areas', 2]]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.study import PATHWAY_STAGES

PLUS_LABELS = {
    "ethnic_minority": "Ethnic minority communities",
    "disability_or_ltc": "Disability or long-term condition",
    "learning_disability": "Learning disability or autism",
    "carer": "Unpaid carers",
    "coastal": "Coastal communities",
    "inclusion_health": "Inclusion health groups",
}

STAGE_LABELS = {
    "referred": "Referred",
    "engaged": "Took part in support",
    "applied": "Applied for a job",
    "interviewed": "Had an interview",
    "offered": "Offered a job",
    "checks_cleared": "Passed pre-employment checks",
    "started": "Started work",
    "retained_3m": "Still in work after 3 months",
    "retained_6m": "Still in work after 6 months",
}

# (instrument, item, label, higher_is_better, test). Paired t-test for SWEMWBS (Warwick's
# advice), Wilcoxon signed-rank for the short ordinal scales (REFERENCE.md, evaluation stats).
MEASURES = (
    ("swemwbs", "", "Wellbeing (SWEMWBS, 7 to 35)", True, "t"),
    ("ons4", "satisfaction", "Life satisfaction (ONS, 0 to 10)", True, "wilcoxon"),
    ("ons4", "worthwhile", "Feeling life is worthwhile (ONS, 0 to 10)", True, "wilcoxon"),
    ("ons4", "happy", "Happiness yesterday (ONS, 0 to 10)", True, "wilcoxon"),
    ("ons4", "anxious", "Anxiety yesterday (ONS, 0 to 10)", False, "wilcoxon"),
    ("ucla3", "", "Loneliness (UCLA-3, 3 to 9)", False, "wilcoxon"),
)


def plus_label(column: str) -> str:
    key = column.removeprefix("plus_")
    return PLUS_LABELS.get(key, key.replace("_", " ").capitalize())


def core20_mask(people: pd.DataFrame) -> pd.Series:
    """True for people living in the most deprived 20% of areas (IMD deciles 1-2)."""
    if "imd_quintile" in people.columns:
        return pd.to_numeric(people["imd_quintile"], errors="coerce").eq(1)
    if "imd_decile" in people.columns:
        return pd.to_numeric(people["imd_decile"], errors="coerce").le(2)
    return pd.Series(False, index=people.index)


def _flag(series: pd.Series) -> pd.Series:
    return series.astype("boolean").fillna(False).astype(bool)


def reach_counts(people: pd.DataFrame) -> pd.DataFrame:
    """People in each Core20PLUS5 group: columns ``group, people, of``.

    ``of`` is the number of people the group is counted among (everyone).
    """
    n = len(people)
    core20 = core20_mask(people)
    rows = [("Everyone", n), ("Core20: most deprived 20% of areas", int(core20.sum()))]
    plus_cols = [c for c in people.columns if c.startswith("plus_")]
    any_plus = pd.Series(False, index=people.index)
    for col in plus_cols:
        flag = _flag(people[col])
        any_plus |= flag
        rows.append((plus_label(col), int(flag.sum())))
    if plus_cols:
        rows.append(("Core20 or at least one PLUS group", int((core20 | any_plus).sum())))
    frame = pd.DataFrame(rows, columns=["group", "people"])
    frame["of"] = n
    return frame


def funnel_counts(pathway: pd.DataFrame) -> pd.DataFrame:
    """People reaching each pathway stage, in pathway order: ``stage, label, people``."""
    stages = [s for s in PATHWAY_STAGES if s in pathway.columns]
    rows = [(s, STAGE_LABELS[s], int(pathway[s].notna().sum())) for s in stages]
    return pd.DataFrame(rows, columns=["stage", "label", "people"])


def paired_scores(scores: pd.DataFrame, instrument: str, item: str, before: str, after: str):
    """Valid scores of people measured at both waves, as two aligned series."""
    frame = scores[(scores["instrument"] == instrument) & _flag(scores["valid"])]
    if "item" in frame.columns:
        frame = frame[frame["item"].fillna("").astype(str) == item]
    wide = frame.pivot_table(index="pid", columns="wave", values="score", aggfunc="first")
    if before not in wide.columns or after not in wide.columns:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    wide = wide[[before, after]].dropna()
    return wide[before].astype(float), wide[after].astype(float)


def paired_change(before: pd.Series, after: pd.Series, test: str = "t") -> dict:
    """Mean change with a 95% CI, Hedges-corrected d_z with its CI, and a p-value.

    d_z = mean(diff) / sd(diff); Hedges' small-sample factor J = 1 - 3 / (4 (n - 1) - 1)
    (REFERENCE.md). The CI of d_z uses the usual large-sample standard error
    sqrt(1/n + d^2 / (2n)).
    """
    diff = (after - before).to_numpy(dtype=float)
    n = len(diff)
    out = {"n": n, "mean_before": float(before.mean()) if n else math.nan,
           "mean_after": float(after.mean()) if n else math.nan}
    if n < 3:
        return {**out, "change": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "effect": math.nan, "effect_low": math.nan, "effect_high": math.nan,
                "p": math.nan, "test": test}
    mean, sd = float(diff.mean()), float(diff.std(ddof=1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    d = mean / sd if sd > 0 else 0.0
    g = d * (1 - 3 / (4 * (n - 1) - 1))
    se = math.sqrt(1 / n + g**2 / (2 * n))
    if test == "t":
        p = float(stats.ttest_rel(after, before).pvalue) if sd > 0 else 1.0
    else:
        p = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    return {**out, "change": mean, "ci_low": mean - half, "ci_high": mean + half,
            "effect": g, "effect_low": g - 1.96 * se, "effect_high": g + 1.96 * se,
            "p": p, "test": test}


def outcome_changes(scores: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """One row per measure in :data:`MEASURES` that has scores: paired change statistics."""
    rows = []
    for instrument, item, label, higher_better, test in MEASURES:
        if not (scores["instrument"] == instrument).any():
            continue
        b, a = paired_scores(scores, instrument, item, before, after)
        rows.append({"instrument": instrument, "item": item, "measure": label,
                     "higher_is_better": higher_better, **paired_change(b, a, test)})
    return pd.DataFrame(rows)


def followup_rate(scores: pd.DataFrame, people: pd.DataFrame, after: str) -> tuple[int, int]:
    """(people with any valid score at the follow-up wave, people in the cohort)."""
    at_after = scores[(scores["wave"] == after) & _flag(scores["valid"])]["pid"].nunique()
    return int(at_after), len(people)


def missing_share(scores: pd.DataFrame) -> float:
    """Share of attempted questionnaire scores that could not be scored (missing items)."""
    if scores.empty:
        return 0.0
    return float(1 - _flag(scores["valid"]).mean())


def code_people(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """People (distinct pid) and segments per code: ``code, people, segments``, most first."""
    joined = codings[["seg_id", "code"]].drop_duplicates().merge(
        segments[["seg_id", "pid"]], on="seg_id", how="inner"
    )
    grouped = joined.groupby("code").agg(people=("pid", "nunique"), segments=("seg_id", "size"))
    return grouped.reset_index().sort_values(["people", "code"], ascending=[False, True])


def pick_quote(
    seg_ids: list[str] | pd.Series,
    segments: pd.DataFrame,
    consenting: set[str],
    scores: pd.Series | None = None,
    min_chars: int = 40,
    max_chars: int = 320,
) -> str | None:
    """A short participant quote from ``seg_ids``: consent to quotes given, not the interviewer.

    The best-scoring candidate wins (ties: the shorter text, then seg_id, so the choice is
    stable across runs). Text is already redacted at ingest.
    """
    pool = segments[segments["seg_id"].isin(list(seg_ids)) & segments["pid"].isin(consenting)]
    if "speaker" in pool.columns:
        pool = pool[~pool["speaker"].fillna("").astype(str).str.lower().isin(["interviewer"])]
    lengths = pool["text"].astype(str).str.len()
    pool = pool[(lengths >= min_chars) & (lengths <= max_chars)]
    if pool.empty:
        return None
    pool = pool.assign(_len=pool["text"].astype(str).str.len())
    pool = pool.assign(_score=pool["seg_id"].map(scores) if scores is not None else 0.0)
    pool = pool.sort_values(["_score", "_len", "seg_id"], ascending=[False, True, True])
    return " ".join(str(pool.iloc[0]["text"]).split())


def consenting_pids(people: pd.DataFrame) -> set[str]:
    """People who agreed to be quoted (``consent_quotes``); nobody if the flag is absent."""
    if "consent_quotes" not in people.columns:
        return set()
    return set(people.loc[_flag(people["consent_quotes"]), "pid"])
