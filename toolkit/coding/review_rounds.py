"""Coding rounds kept with a study as text: ``<study>/reviews/*.csv``, added to the decision log.

A team's earlier coding often exists as "this sentence, this code, accepted" rather than as
review workbooks: an exported spreadsheet, an academic partner's round, or the synthetic
reviewers of the example study. Each file has the columns ``reviewer, text, code, decision``
(``accept``, ``reject`` or ``add``). Because segment ids depend on the study's pseudonymisation
key, rows are matched by text: a decision applies to every segment with that text (ignoring
capitals, spacing and curly quotes), as a review workbook's row does for identical texts.

Each file is one batch (``reviews/<file name>``) of the append-only decision log: running
again adds nothing, a new segment with a known text gets the decision added, and decisions
are never removed or rewritten. Every bad row is reported at once; nothing is appended then.

Example (needs a built study; ``tests/test_review_rounds.py`` runs it)::

    added = import_review_rounds(study, segments)
    added["round1_pr01.csv"]
    # 1450
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.coding.decisions import DECISIONS, append_decisions, text_hash
from toolkit.coding.review_select import normal_text
from toolkit.errors import ProblemCollector

FOLDER = "reviews"
COLUMNS = ["reviewer", "text", "code", "decision"]


def round_files(study) -> list[Path]:
    folder = Path(study.folder) / FOLDER
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def read_round(path: Path, codable: set[str], problems: ProblemCollector) -> pd.DataFrame:
    """One round's rows, checked: columns, decisions, codes in the codebook, no blanks."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        problems.add(path, f"missing column(s) {', '.join(missing)}", expected=",".join(COLUMNS))
        return frame.iloc[0:0]
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if row.decision not in DECISIONS:
            problems.add(
                path,
                "unknown decision",
                row=i,
                column="decision",
                value=row.decision,
                expected="accept, reject or add",
            )
        if row.code not in codable:
            problems.add(
                path,
                "code not in the study's codebook",
                row=i,
                column="code",
                value=row.code,
            )
        for column in ("reviewer", "text"):
            if not str(getattr(row, column)).strip():
                problems.add(path, f"the {column} is blank", row=i, column=column)
    return frame


def import_review_rounds(study, segments: pd.DataFrame, codable_ids: list[str]) -> dict:
    """Add every round in ``<study>/reviews/`` to the decision log; returns rows added per file.

    Rows whose text no segment has are counted under ``"unmatched"`` (text changed by
    redaction, or a segmentation that splits differently).
    """
    files = round_files(study)
    if not files:
        return {}
    problems = ProblemCollector()
    rounds = {path: read_round(path, set(codable_ids), problems) for path in files}
    problems.raise_if_any()
    keys = segments["text"].map(normal_text)
    by_text = segments.assign(_key=keys).groupby("_key", sort=False)
    seg_of = {k: list(zip(g["seg_id"], g["text"], strict=True)) for k, g in by_text}
    added: dict = {"unmatched": 0}
    for path, frame in rounds.items():
        records = []
        for row in frame.itertuples(index=False):
            matches = seg_of.get(normal_text(row.text), [])
            added["unmatched"] += not matches
            records += [
                {
                    "reviewer": row.reviewer.strip(),
                    "seg_id": seg,
                    "code": row.code,
                    "decision": row.decision,
                    "text_hash": text_hash(text),
                }
                for seg, text in dict(matches).items()
            ]
        name = f"{FOLDER}/{path.name}"
        result = append_decisions(study, records, source_file=name, batch_id=name)
        added[path.name] = result.appended
    return added
