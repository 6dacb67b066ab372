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

from toolkit.outcomes import rounding
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


def _read_csv(path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path) if path.exists() else None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def coding_quality(ctx: ReportContext, codes: list[str], names: dict[str, str]) -> list:
    """Blocks on how far reviewers agreed and how well the trained models did, when known.

    Reads ``tables/agreement.csv`` (``lxt agreement``) and ``models/coding_cv_metrics.csv``
    (the code stage, once there are enough decisions to learn from). Both cover the whole
    study, not one cohort, and the blocks say so. Nothing is shown when neither exists.
    """
    from toolkit.reports.display import Heading, Markdown, Table

    blocks: list = []
    agreement = _read_csv(ctx.outputs.tables / "agreement.csv")
    if agreement is not None and not agreement.empty and "krippendorff_alpha" in agreement:
        rows = agreement[agreement["code"].isin([*codes, "overall"])]
        rows = rows[pd.to_numeric(rows["n_units"], errors="coerce").fillna(0) > 0]
        if not rows.empty:
            shown = pd.DataFrame(
                {
                    "Theme": [
                        "All themes" if c == "overall" else names.get(c, c) for c in rows["code"]
                    ],
                    "Segments coded by two or more people": rows["n_units"].astype(str),
                    "People agreed": [
                        rounding.percent(v) for v in pd.to_numeric(rows["percent_agreement"])
                    ],
                    "Krippendorff's alpha": [
                        rounding.effect(v) for v in pd.to_numeric(rows["krippendorff_alpha"])
                    ],
                    "People and machine (kappa)": [
                        rounding.effect(v) for v in pd.to_numeric(rows["machine_kappa"])
                    ],
                }
            )
            blocks += [
                Heading("How far reviewers agreed", level=3),
                Markdown(
                    ctx.say(
                        "Where two or more people coded the same segments, this shows how often "
                        "they agreed (whole study). Krippendorff's alpha of 0.8 or more is "
                        "usually taken as reliable, 0.67 to 0.8 as tentative."
                    )
                ),
                Table(shown, caption="Agreement between reviewers, and with the machine"),
            ]
    metrics = _read_csv(ctx.outputs.models / "coding_cv_metrics.csv")
    if metrics is not None and not metrics.empty and "f1" in metrics:
        rows = metrics[metrics["code"].isin(codes) & metrics["trained"].astype(bool)]
        if not rows.empty:
            shown = pd.DataFrame(
                {
                    "Theme": [names.get(c, c) for c in rows["code"]],
                    "Examples people coded (yes / no)": [
                        f"{int(p)} / {int(n)}"
                        for p, n in zip(rows["positives"], rows["negatives"], strict=True)
                    ],
                    "Precision": [rounding.effect(v) for v in rows["precision"]],
                    "Recall": [rounding.effect(v) for v in rows["recall"]],
                    "F1": [rounding.effect(v) for v in rows["f1"]],
                    "Used for suggestions": [
                        "Yes" if bool(u) else "No" for u in rows.get("used", True)
                    ],
                }
            )
            blocks += [
                Heading("How well the trained models suggest codes", level=3),
                Markdown(
                    ctx.say(
                        "Models trained on people's decisions suggest codes for the segments "
                        "nobody has reviewed. Precision is the share of their suggestions "
                        "people would accept; recall the share of people's codes they find "
                        "(cross-validated, whole study)."
                    )
                ),
                Table(shown, caption="Quality of the trained coding models"),
            ]
    return blocks
