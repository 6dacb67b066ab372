"""Where each theme count comes from, and which quote illustrates it.

A theme count rests either on coding that people reviewed (a decision in the study's log) or
on machine suggestions (codebook rules, trained models) nobody has checked yet; the reader
must be told which. :func:`theme_provenance` counts, per code, the people and segments and
how many of those segments a person decided on, using the same resolution as the ``link``
stage (:func:`toolkit.outcomes.link.resolve_codings`: a person's latest decision wins over a
machine suggestion). :func:`theme_quotes` picks one quote per theme: from segments people
accepted for that theme where there are any, else the segment with the strongest evidence
for that theme alone, and never the same words under two themes.

Example
-------
>>> basis_text(reviewed=0, segments=12)
'machine suggestions, not yet reviewed by a person'
>>> basis_text(reviewed=12, segments=12)
'reviewed by people (all 12 segments checked)'
"""

from __future__ import annotations

import pandas as pd

from toolkit.reports import measures
from toolkit.reports.context import ReportContext


def basis_text(reviewed: int, segments: int) -> str:
    """Plain words for how much of a theme's evidence people have checked."""
    if segments == 0:
        return "no segments"
    if reviewed == 0:
        return "machine suggestions, not yet reviewed by a person"
    if reviewed >= segments:
        return f"reviewed by people (all {segments} segments checked)"
    return f"partly reviewed: people checked {reviewed} of {segments} segments"


def decision_log(ctx: ReportContext) -> pd.DataFrame:
    """The study's decision log (empty when nobody has decided anything yet)."""
    if "_decisions" not in ctx._cache:
        from toolkit.coding.decisions import read_decisions

        try:
            ctx._cache["_decisions"] = read_decisions(ctx.study)
        except Exception:  # noqa: BLE001 - an unreadable log is reported by the code stage
            ctx._cache["_decisions"] = pd.DataFrame(columns=["seg_id", "code", "decision"])
    return ctx._cache["_decisions"]


def final_codings(ctx: ReportContext, codings: pd.DataFrame) -> pd.DataFrame:
    """``seg_id, code, basis`` after people's decisions (``basis`` human or model)."""
    from toolkit.outcomes.link import resolve_codings

    log = decision_log(ctx)
    return resolve_codings(codings, log if len(log) else None)


def checked_segments(ctx: ReportContext, segments: pd.DataFrame) -> int:
    """Segments of this cohort on which a person has made at least one decision."""
    log = decision_log(ctx)
    if log.empty:
        return 0
    return int(segments["seg_id"].isin(set(log["seg_id"])).sum())


def theme_provenance(
    ctx: ReportContext, codings: pd.DataFrame, segments: pd.DataFrame
) -> pd.DataFrame:
    """Per code: ``code, people, segments, reviewed, basis``, most people first.

    ``reviewed`` counts the theme's segments whose coding a person decided (accepted or
    added); the rest are machine suggestions nobody has checked.
    """
    final = final_codings(ctx, codings)
    final = final[final["seg_id"].isin(segments["seg_id"])]
    joined = final.merge(segments[["seg_id", "pid"]], on="seg_id", how="inner")
    if joined.empty:
        return pd.DataFrame(columns=["code", "people", "segments", "reviewed", "basis"])
    grouped = joined.groupby("code").agg(
        people=("pid", "nunique"),
        segments=("seg_id", "nunique"),
        reviewed=("basis", lambda b: int((b == "human").sum())),
    )
    grouped = grouped.reset_index().sort_values(["people", "code"], ascending=[False, True])
    grouped["basis"] = [
        basis_text(int(r), int(s))
        for r, s in zip(grouped["reviewed"], grouped["segments"], strict=True)
    ]
    return grouped.reset_index(drop=True)


def theme_quotes(
    ctx: ReportContext,
    codes: list[str],
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    consenting: set[str],
) -> dict[str, tuple[str, str]]:
    """One quote per code: ``code -> (text, "accepted" | "machine")``; none reused.

    Accepted segments (a person applied the code) come first; otherwise the segment whose
    evidence for *this* code scores highest. A segment or text already used for an earlier
    theme is skipped, so no quote appears under two themes.
    """
    final = final_codings(ctx, codings)
    machine = codings[~codings["source"].astype(str).str.startswith("human:")]
    score = machine.groupby(["seg_id", "code"])["score"].max() if "score" in machine else None
    used_ids: set[str] = set()
    used_texts: set[str] = set()
    quotes: dict[str, tuple[str, str]] = {}
    for code in codes:
        mine = final[final["code"] == code]
        for basis, label in (("human", "accepted"), ("model", "machine")):
            ids = mine.loc[mine["basis"] == basis, "seg_id"]
            ids = ids[~ids.isin(used_ids)]
            pool = segments[segments["seg_id"].isin(ids)]
            pool = pool[~pool["text"].map(lambda t: " ".join(str(t).split())).isin(used_texts)]
            strength = None
            if score is not None and basis == "model":
                strength = pd.Series(
                    [score.get((s, code), 0.0) for s in pool["seg_id"]], index=pool["seg_id"]
                )
            quote = measures.pick_quote(pool["seg_id"], pool, consenting, strength)
            if quote:
                seg = pool.loc[pool["text"].map(lambda t: " ".join(str(t).split())) == quote]
                used_ids.update(seg["seg_id"])
                used_texts.add(quote)
                quotes[code] = (quote, label)
                break
    return quotes
