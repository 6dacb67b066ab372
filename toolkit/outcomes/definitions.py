"""Outcomes defined in ``study.yml`` -> the ``outcomes`` table (pid, outcome, value).

Each outcome in ``study.outcomes`` is turned into one value per participant for whom it is
defined. Kinds (see :class:`toolkit.study.config.Outcome`):

``score_change``
    follow-up minus baseline score (``to_wave`` minus ``from_wave``). The sign is the raw
    difference; ``higher_is_better`` says how to read it.
``meaningful_change``
    1 if the score moved by at least ``threshold`` points in the improving direction, else 0.
``reliable_change``
    1 if the reliable change index (Jacobson & Truax; REFERENCE.md) is beyond 1.96 in the
    improving direction, else 0. ``SE_diff = SD_pre * sqrt(2) * sqrt(1 - r)`` with ``r`` the
    outcome's ``reliability`` if given, otherwise Cronbach's alpha of the baseline items.
``stage_reached``
    1 if the pathway stage has a date, else 0. Retention stages (``retained_3m``,
    ``retained_6m``) are defined only for people who started a job: retention is a share
    of job starters, as employment programmes report it; with ``pathway.extracted_on`` only
    starters who had been in post 3 (6) months by that date count.
``days_between``
    days from ``from_stage`` to ``to_stage`` for people with both dates.

When the study has a pathway with ``offered`` and ``started`` stages, the derived outcome
``post_offer_loss`` (offered a job but did not start it, among people offered) is added,
because evaluators of employment programmes ask about it and no single stage holds it.

The table carries a ``baseline`` column: the from-wave score for score outcomes, which the
analysis uses as the ANCOVA covariate.

Example
-------
>>> from toolkit.resources import example_study_dir
>>> from toolkit.study.config import load_study
>>> study = load_study(example_study_dir())
>>> [s.name for s in outcome_specs(study)][-5:]
['job_started', 'retained_3m', 'retained_6m', 'days_offer_to_start', 'post_offer_loss']

Four people's pathway dates (no scores, so the score outcomes are left out):

>>> pathway = pd.DataFrame({"pid": ["p1", "p2", "p3", "p4"], "cohort": "clacton"})
>>> pathway = pathway.assign(**{stage: pd.NaT for stage in study.pathway.stages})
>>> pathway["offered"] = pd.to_datetime(["2025-11-01", "2025-11-03", "2025-11-05", None])
>>> pathway["started"] = pd.to_datetime(["2025-12-01", "2025-11-20", None, None])
>>> table = build_outcomes(study, None, pathway)
>>> table.groupby("outcome", sort=False)["value"].agg(["size", "mean"]).round(2)
                     size   mean
outcome
job_started             4   0.50
retained_3m             2   0.00
retained_6m             2   0.00
days_offer_to_start     2  23.50
post_offer_loss         3   0.33
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.errors import UserError
from toolkit.outcomes.funnel import RETENTION_MONTHS, could_be_retained
from toolkit.study.config import Outcome, Study

# |RCI| beyond this is reliable change at the 5% level (Jacobson & Truax 1991; REFERENCE.md).
RCI_CRITICAL = 1.96


@dataclass(frozen=True)
class OutcomeSpec:
    """What the analysis needs to know about one outcome."""

    name: str
    kind: str
    label: str
    binary: bool
    higher_is_better: bool
    instrument: str | None = None
    item: str | None = None
    from_wave: str | None = None
    to_wave: str | None = None
    threshold: float | None = None
    derived: bool = False  # added by the toolkit, not named in study.yml


def outcome_specs(study: Study) -> list[OutcomeSpec]:
    """The study's outcomes plus derived ones (``post_offer_loss``), in study order."""
    first = study.baseline.name
    last = max(study.waves, key=lambda w: w.month).name
    specs = [
        OutcomeSpec(
            name=o.name,
            kind=o.kind,
            label=o.label or o.name.replace("_", " "),
            binary=o.kind in ("meaningful_change", "reliable_change", "stage_reached"),
            higher_is_better=o.higher_is_better,
            instrument=o.instrument,
            item=o.item,
            # Score outcomes default to baseline -> last wave.
            from_wave=o.from_wave or (first if o.instrument else None),
            to_wave=o.to_wave or (last if o.instrument else None),
            threshold=o.threshold,
        )
        for o in study.outcomes
    ]
    names = {s.name for s in specs}
    stages = set(study.pathway.stages) if study.pathway else set()
    if {"offered", "started"} <= stages and "post_offer_loss" not in names:
        specs.append(
            OutcomeSpec(
                name="post_offer_loss",
                kind="post_offer_loss",
                label="Offered a job but did not start it",
                binary=True,
                higher_is_better=False,
                derived=True,
            )
        )
    return specs


def score_pairs(
    scores: pd.DataFrame, instrument: str, item: str | None, from_wave: str, to_wave: str
) -> pd.DataFrame:
    """Valid scores of one instrument (or ONS4 item) at two waves, one row per person.

    Returns a frame indexed by ``pid`` with columns ``pre`` and ``post`` (NaN where the
    person has no valid score at that wave).
    """
    sel = scores[scores["instrument"] == instrument]
    if "item" in sel.columns:
        sel = sel[sel["item"].fillna("").astype(str) == (item or "")]
    if "valid" in sel.columns:
        sel = sel[sel["valid"].fillna(False).astype(bool)]
    sel = sel.dropna(subset=["score"])
    wide = sel.pivot_table(index="pid", columns="wave", values="score", aggfunc="first")
    out = pd.DataFrame(index=wide.index)
    out["pre"] = wide[from_wave] if from_wave in wide.columns else np.nan
    out["post"] = wide[to_wave] if to_wave in wide.columns else np.nan
    return out.astype(float)


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of complete rows of an item matrix (rows = people, columns = items).

    >>> round(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 5]})), 3)
    0.972
    """
    x = items.dropna().to_numpy(dtype=float)
    k = x.shape[1]
    if k < 2 or x.shape[0] < 3:
        return float("nan")
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var / total_var)) if total_var > 0 else float("nan")


def baseline_alpha(responses: pd.DataFrame | None, instrument: str, wave: str) -> float:
    """Cronbach's alpha of an instrument's items at one wave, from the ``responses`` table."""
    if responses is None or responses.empty:
        return float("nan")
    sel = responses[(responses["instrument"] == instrument) & (responses["wave"] == wave)]
    wide = sel.assign(value=pd.to_numeric(sel["value"], errors="coerce")).pivot_table(
        index="pid", columns="item", values="value", aggfunc="first"
    )
    return cronbach_alpha(wide)


def reliable_change_index(
    pre: np.ndarray, post: np.ndarray, sd_pre: float, reliability: float
) -> np.ndarray:
    """RCI = (post - pre) / SE_diff with SE_diff = SD_pre * sqrt(2) * sqrt(1 - r).

    >>> reliable_change_index(np.array([20.0]), np.array([26.0]), 4.0, 0.8).round(3)
    array([2.372])
    """
    se_diff = sd_pre * np.sqrt(2.0) * np.sqrt(1.0 - reliability)
    return (np.asarray(post, float) - np.asarray(pre, float)) / se_diff


def reliability_for(
    outcome: Outcome | None, responses, instrument: str, item: str | None, wave: str
) -> float:
    """The outcome's ``reliability`` if given; else Cronbach's alpha of the instrument's
    items at ``wave``. A single item (e.g. ONS life satisfaction) has no alpha: NaN."""
    given = getattr(outcome, "reliability", None) if outcome is not None else None
    if given is not None:
        return float(given)
    if item:
        return float("nan")
    return baseline_alpha(responses, instrument, wave)


def build_outcomes(
    study: Study,
    scores: pd.DataFrame | None,
    pathway: pd.DataFrame | None,
    responses: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute every outcome in ``study.yml`` (plus derived ones) as a long table.

    Returns columns ``pid, outcome, value, baseline``; people for whom an outcome is not
    defined (no follow-up score, never offered a job, ...) have no row for it.
    """
    by_name = {o.name: o for o in study.outcomes}
    frames = []
    for spec in outcome_specs(study):
        if spec.kind in ("score_change", "meaningful_change", "reliable_change"):
            frames.append(_score_outcome(spec, by_name.get(spec.name), study, scores, responses))
        else:
            frames.append(_pathway_outcome(spec, by_name.get(spec.name), study, pathway))
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return pd.DataFrame(
            {
                "pid": pd.Series(dtype=str),
                "outcome": pd.Series(dtype=str),
                "value": pd.Series(dtype=float),
                "baseline": pd.Series(dtype=float),
            }
        )
    return pd.concat(frames, ignore_index=True)


def _score_outcome(spec, outcome, study, scores, responses) -> pd.DataFrame | None:
    if scores is None or scores.empty:
        return None
    if not spec.instrument:
        raise UserError(f"study.yml: outcome {spec.name!r} needs an instrument")
    from_wave = spec.from_wave or study.baseline.name
    later = [w.name for w in sorted(study.waves, key=lambda w: w.month) if w.name != from_wave]
    to_wave = spec.to_wave or (later[-1] if later else None)
    if to_wave is None:
        raise UserError(f"study.yml: outcome {spec.name!r} needs a to_wave (only one wave)")
    pairs = score_pairs(scores, spec.instrument, spec.item, from_wave, to_wave).dropna()
    change = pairs["post"] - pairs["pre"]
    sign = 1.0 if spec.higher_is_better else -1.0
    if spec.kind == "score_change":
        value = change
    elif spec.kind == "meaningful_change":
        if spec.threshold is None:
            raise UserError(
                f"study.yml: outcome {spec.name!r} (meaningful_change) needs a threshold"
            )
        value = (sign * change >= spec.threshold).astype(float)
    else:
        r = reliability_for(outcome, responses, spec.instrument, spec.item, from_wave)
        if not np.isfinite(r):
            raise UserError(
                f"study.yml: outcome {spec.name!r} (reliable_change) needs a reliability: "
                "add `reliability: 0.85` (for example) or score a multi-item instrument"
            )
        baseline_all = score_pairs(scores, spec.instrument, spec.item, from_wave, to_wave)["pre"]
        sd_pre = float(baseline_all.dropna().std(ddof=1))
        rci = reliable_change_index(pairs["pre"], pairs["post"], sd_pre, r)
        value = pd.Series((sign * rci > RCI_CRITICAL).astype(float), index=pairs.index)
    return pd.DataFrame(
        {
            "pid": pairs.index.astype(str),
            "outcome": spec.name,
            "value": value.to_numpy(dtype=float),
            "baseline": pairs["pre"].to_numpy(dtype=float),
        }
    )


def _pathway_outcome(spec, outcome, study, pathway) -> pd.DataFrame | None:
    if pathway is None or pathway.empty:
        return None
    dates = pathway.set_index("pid")

    def reached(stage: str) -> pd.Series:
        if stage not in dates.columns:
            raise UserError(
                f"study.yml: outcome {spec.name!r} uses pathway stage {stage!r}, which the "
                f"pathway table does not have; expected one of {list(study.pathway.stages)}"
            )
        return pd.to_datetime(dates[stage], errors="coerce").notna()

    if spec.kind == "stage_reached":
        stage = outcome.stage
        value = reached(stage).astype(float)
        if stage in RETENTION_MONTHS and "started" in dates.columns:
            extracted = study.pathway.extracted_on if study.pathway is not None else None
            stage_dates = {s: pd.to_datetime(dates[s], errors="coerce") for s in ("started", stage)}
            value = value[reached("started") & could_be_retained(stage_dates, stage, extracted)]
    elif spec.kind == "post_offer_loss":
        offered = reached("offered")
        value = (~reached("started")[offered]).astype(float)
    elif spec.kind == "days_between":
        start = pd.to_datetime(dates[outcome.from_stage], errors="coerce")
        end = pd.to_datetime(dates[outcome.to_stage], errors="coerce")
        value = ((end - start).dt.days).dropna().astype(float)
    else:  # pragma: no cover - the schema allows no other kinds
        raise ValueError(spec.kind)
    return pd.DataFrame(
        {
            "pid": value.index.astype(str),
            "outcome": spec.name,
            "value": value.to_numpy(dtype=float),
            "baseline": np.nan,
        }
    )
