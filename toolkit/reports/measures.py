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

import pandas as pd

PLUS_LABELS = {
    "ethnic_minority": "Ethnic minority communities",
    "disability_or_ltc": "Disability or long-term condition",
    "learning_disability": "Learning disability or autism",
    "carer": "Unpaid carers",
    "coastal": "Coastal communities",
    "inclusion_health": "Inclusion health groups",
}


# What redaction leaves in text, e.g. "[PERSON_1]" or "[PHONE]" (also when a segment
# boundary has cut off the opening bracket: "PERSON_1] from the programme ...").
PLACEHOLDER = r"\[?\b[A-Z]{2,}(?:_[A-Z]+)*(?:_\d+)?\]"
CORE20_LABEL = "Core20: most deprived 20% of areas"
CORE20_OR_PLUS_LABEL = "Core20 or at least one PLUS group"


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
    rows = [("Everyone", n), (CORE20_LABEL, int(core20.sum()))]
    plus_cols = [c for c in people.columns if c.startswith("plus_")]
    any_plus = pd.Series(False, index=people.index)
    for col in plus_cols:
        flag = _flag(people[col])
        any_plus |= flag
        rows.append((plus_label(col), int(flag.sum())))
    if plus_cols:
        rows.append((CORE20_OR_PLUS_LABEL, int((core20 | any_plus).sum())))
    frame = pd.DataFrame(rows, columns=["group", "people"])
    frame["of"] = n
    return frame


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
    joined = (
        codings[["seg_id", "code"]]
        .drop_duplicates()
        .merge(segments[["seg_id", "pid"]], on="seg_id", how="inner")
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
    stable across runs), text without redaction placeholders first. Text is already
    redacted at ingest.
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
    # A quote full of "[PERSON_1]" placeholders reads badly: those come last.
    pool = pool.assign(_redacted=pool["text"].astype(str).str.contains(PLACEHOLDER))
    pool = pool.sort_values(
        ["_redacted", "_score", "_len", "seg_id"], ascending=[True, False, True, True]
    )
    return " ".join(str(pool.iloc[0]["text"]).split())


def consenting_pids(people: pd.DataFrame) -> set[str]:
    """People who agreed to be quoted (``consent_quotes``); nobody if the flag is absent."""
    if "consent_quotes" not in people.columns:
        return set()
    return set(people.loc[_flag(people["consent_quotes"]), "pid"])


def outcome_changes(study, scores, participants, responses=None, cohorts=None) -> pd.DataFrame:
    """Pre/post change of every score outcome in ``study.yml``, per cohort and ``all``.

    A thin wrapper over :func:`toolkit.outcomes.prepost.prepost_table` (raw numbers: publish with
    :func:`toolkit.outcomes.prepost.publish_prepost`).
    """
    from toolkit.outcomes.definitions import outcome_specs
    from toolkit.outcomes.prepost import prepost_table

    return prepost_table(
        study, scores, participants, outcome_specs(study), responses=responses, cohorts=cohorts
    )


def funnel(pathway: pd.DataFrame, cohorts=None, extracted_on=None) -> pd.DataFrame:
    """Pathway funnel per cohort and ``all`` (see
    :func:`toolkit.outcomes.funnel.pathway_funnel`).
    """
    from toolkit.outcomes.funnel import pathway_funnel

    return pathway_funnel(pathway, cohorts=cohorts, extracted_on=extracted_on)


def published_reach(rule, people: pd.DataFrame) -> pd.DataFrame:
    """:func:`reach_counts` as published: ``group, shown, of_shown, share``.

    Counts go through ``rule``; the share is worked out from the *rounded* counts (so it
    cannot undo the rounding) and is blank when either count is suppressed.
    """
    reach = reach_counts(people)
    shown = [rule.count(int(k)) for k in reach["people"]]
    of = rule.count(int(reach["of"].iloc[0])) if len(reach) else ""
    shares = [
        f"{round(100 * int(k) / int(of))}%" if k.isdigit() and of.isdigit() and int(of) else ""
        for k in shown
    ]
    return pd.DataFrame({"group": reach["group"], "shown": shown, "of_shown": of, "share": shares})


def scale_text(instrument: str, item: str | None = None) -> str:
    """The range of a score in words, e.g. "a scale from 7 to 35"; blank if unknown."""
    try:
        from toolkit.scoring.instruments import load_instrument

        inst = load_instrument(instrument)
    except Exception:  # noqa: BLE001 - an unknown instrument simply has no range to show
        return ""
    if item and inst.method == "items" and inst.minimum is not None:
        low, high = inst.minimum, inst.maximum
    elif inst.score_range:
        low, high = inst.score_range
    else:
        return ""
    return f"a scale from {low:g} to {high:g}"


def answer_steps(instrument: str, mean_pre: float, mean_post: float):
    """A change in score as steps of one answer: ``(steps, items, example)`` or None.

    Scores made by adding up answers move by one point when one answer moves up one step;
    a converted score (SWEMWBS metric) is first turned back into the raw sum with the
    instrument's conversion table (linear between table entries). ``example`` names the
    step in the middle of the answer scale, e.g. '"some of the time" and "often"'.

    >>> answer_steps("swemwbs", 20.0, 22.4)[0:2]
    (3, 7)
    """
    import numpy as np

    try:
        from toolkit.scoring.instruments import load_instrument

        inst = load_instrument(instrument)
    except Exception:  # noqa: BLE001 - unknown instrument: no answer steps to describe
        return None
    if inst.method != "sum" or not inst.items or inst.minimum is None:
        return None
    if inst.conversion:
        raw = np.array(sorted(inst.conversion))
        metric = np.array([inst.conversion[r] for r in raw])
        change = float(np.interp(mean_post, metric, raw) - np.interp(mean_pre, metric, raw))
    else:
        change = float(mean_post - mean_pre)
    middle = (inst.minimum + inst.maximum) // 2
    labels = inst.labels
    example = ""
    if middle in labels and middle + 1 in labels:
        example = f'"{labels[middle].lower()}" and "{labels[middle + 1].lower()}"'
    return round(abs(change)), len(inst.items), example
