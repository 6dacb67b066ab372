"""Participant features: what each person talked about (stage ``link``).

The bridge from what people said to how they fared. For each participant and each code /
topic:

* ``code_<id>`` / ``topic_<n>``: 1 if the person mentioned it at all, else 0;
* ``code_<id>_share`` / ``topic_<n>_share``: the share of their segments carrying it.

Codes come from human decisions where a person has made one, otherwise from the rule or
model suggestion (DESIGN.md principle 2): for each segment and code the latest decision in
the study's decision log wins (accept / add applies the code, reject removes it), and a
segment-code pair nobody has reviewed keeps its machine coding. ``coding_basis`` says, per
participant, whether their codes are ``human`` (every coded pair reviewed), ``model`` (none
reviewed), ``mixed`` or ``none`` (nothing coded), and every published table repeats it.

Topic features count each segment's assigned topic; the outlier topic (-1) stays in the
denominator but gets no column.

The stage also builds the ``outcomes`` table (:mod:`toolkit.outcomes.definitions`), since both are
per-person tables the analysis joins.

Example
-------
>>> segs = pd.DataFrame({"seg_id": ["a", "b", "c"], "pid": ["p1", "p1", "p2"]})
>>> cods = pd.DataFrame({"seg_id": ["a"], "code": ["transport"], "source": ["rule"]})
>>> participant_features(segs, cods)[["pid", "code_transport", "code_transport_share"]]
  pid  code_transport  code_transport_share
0  p1               1                   0.5
1  p2               0                   0.0
"""

from __future__ import annotations

import pandas as pd

from toolkit.coding.codebook import load_study_codebook
from toolkit.coding.decisions import read_decisions
from toolkit.study.tables import StudyOutputs


def resolve_codings(codings: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """Final (seg_id, code, basis) pairs: human decisions over machine suggestions.

    ``decisions`` is the decision log (columns reviewer, seg_id, code, decision, in log
    order) or None. ``basis`` is ``human`` or ``model`` (rule and model codings alike).
    """
    machine = codings.loc[
        ~codings["source"].astype(str).str.startswith("human:"), ["seg_id", "code"]
    ].drop_duplicates()
    machine = machine.assign(basis="model")
    if decisions is None or decisions.empty:
        # Without a log, human rows already merged into codings count as accepted.
        human = (
            codings.loc[codings["source"].astype(str).str.startswith("human:"), ["seg_id", "code"]]
            .drop_duplicates()
            .assign(basis="human")
        )
        return pd.concat([human, machine]).drop_duplicates(["seg_id", "code"], keep="first")
    # The log's last word on a segment-code pair wins, whichever reviewer gave it.
    last = decisions.drop_duplicates(["seg_id", "code"], keep="last")
    applied = last.loc[last["decision"].isin(["accept", "add"]), ["seg_id", "code"]]
    decided = last[["seg_id", "code"]].assign(_decided=True)
    undecided = machine.merge(decided, on=["seg_id", "code"], how="left")
    undecided = undecided.loc[undecided["_decided"].isna(), ["seg_id", "code", "basis"]]
    return pd.concat([applied.assign(basis="human"), undecided], ignore_index=True)


def participant_features(
    segments: pd.DataFrame,
    codings: pd.DataFrame | None = None,
    topics: pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
    codes: list[str] | None = None,
) -> pd.DataFrame:
    """One row per participant with mention and share columns for each code and topic.

    Parameters
    ----------
    segments : ``segments`` table (seg_id, pid, optional speaker)
    codings : ``codings`` table (seg_id, code, source)
    topics : ``topics`` table (seg_id, topic, probability); one assigned topic per segment
    decisions : decision log (see :func:`resolve_codings`)
    codes : every code to give a column (e.g. the codebook's codable ids), even if unused
    """
    segs = segments
    if "speaker" in segs.columns:
        segs = segs[segs["speaker"].astype(str).str.lower() != "interviewer"]
    segs = segs[["seg_id", "pid"]].drop_duplicates("seg_id")
    n_seg = segs.groupby("pid").size().rename("n_segments")
    out = n_seg.to_frame()
    # Columns are gathered in a dict and joined once (inserting hundreds one by one is slow).
    cols: dict[str, pd.Series] = {}
    basis_col = pd.Series("none", index=out.index, name="coding_basis")
    if codings is not None and not codings.empty:
        final = resolve_codings(codings, decisions).merge(segs, on="seg_id", how="inner")
        all_codes = sorted(set(codes or []) | set(final["code"].astype(str)))
        counts = (
            final.drop_duplicates(["seg_id", "code"])
            .groupby(["pid", "code"])
            .size()
            .unstack(fill_value=0)
            .reindex(index=out.index, columns=all_codes, fill_value=0)
        )
        for code in all_codes:
            cols[f"code_{code}"] = (counts[code] > 0).astype(int)
            cols[f"code_{code}_share"] = counts[code] / out["n_segments"]
        shares = final.groupby("pid")["basis"].agg(lambda b: (b == "human").mean())
        basis_col = (
            shares.reindex(out.index)
            .map(
                lambda s: (
                    "none" if pd.isna(s) else "human" if s == 1 else "model" if s == 0 else "mixed"
                )
            )
            .rename("coding_basis")
        )
    elif codes:
        for code in codes:
            cols[f"code_{code}"] = pd.Series(0, index=out.index)
            cols[f"code_{code}_share"] = pd.Series(0.0, index=out.index)
    cols["coding_basis"] = basis_col
    if topics is not None and not topics.empty:
        # Keep each segment's most probable topic (the contract allows several rows).
        assigned = (
            topics.sort_values("probability", ascending=False)
            .drop_duplicates("seg_id")
            .merge(segs, on="seg_id", how="inner")
        )
        assigned = assigned[assigned["topic"].astype(int) >= 0]
        counts = assigned.groupby(["pid", "topic"]).size().unstack(fill_value=0)
        counts = counts.reindex(index=out.index, fill_value=0)
        for topic in sorted(counts.columns, key=int):
            cols[f"topic_{int(topic)}"] = (counts[topic] > 0).astype(int)
            cols[f"topic_{int(topic)}_share"] = counts[topic] / out["n_segments"]
    out = pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
    return out.reset_index()


def feature_columns(features: pd.DataFrame, kind: str = "mention") -> list[str]:
    """Feature column names: ``mention`` (0/1) or ``share`` columns, codes then topics."""
    cols = [c for c in features.columns if c.startswith(("code_", "topic_"))]
    if kind == "share":
        return [c for c in cols if c.endswith("_share")]
    return [c for c in cols if not c.endswith("_share")]


def run_stage(ctx) -> dict:
    """Stage ``link``: write the ``features`` and ``outcomes`` tables."""
    from toolkit.outcomes.definitions import build_outcomes

    out: StudyOutputs = ctx.outputs
    study = ctx.study
    summary: dict = {}
    if out.has("segments"):
        segments = out.read("segments")
        codings = out.read("codings") if out.has("codings") else None
        topics = out.read("topics") if out.has("topics") else None
        decisions = read_decisions(study)
        codes = list(load_study_codebook(study).codable_ids) if study.codebook else None
        feats = participant_features(segments, codings, topics, decisions, codes)
        out.write("features", feats)
        summary["features_people"] = int(len(feats))
        summary["feature_columns"] = len(feature_columns(feats))
        summary["coding_basis"] = feats["coding_basis"].value_counts().to_dict()
    scores = out.read("scores") if out.has("scores") else None
    pathway = out.read("pathway") if out.has("pathway") else None
    responses = out.read("responses") if out.has("responses") else None
    outcomes = build_outcomes(study, scores, pathway, responses)
    out.write("outcomes", outcomes)
    summary["outcome_rows"] = int(len(outcomes))
    return summary
