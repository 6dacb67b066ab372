"""Named tables between stages, and where derived files live (DESIGN.md, "Tables").

Every stage reads and writes *named* tables under ``outputs/<study>/data/<name>.parquet``.
Writes are atomic (a temporary file renamed into place), so a crash or a user error never
leaves a half-written table behind.

Table names and their columns (the contracts between stages):

========== ==================================================================================
participants pid, cohort, demographics (age_band, gender, ethnicity, imd_decile, imd_quintile),
             plus_<group> flags, consent_<name> flags
responses    pid, wave, instrument, item, value
scores       pid, wave, instrument, score, band, valid, n_missing (+ raw_score, prorated)
documents    doc_id, pid, source, wave, text (redacted), kind (survey | transcript)
turns        doc_id, pid, turn, speaker, role, start, end   (offsets into documents.text)
pathway      pid, cohort, <stage> dates (referred ... retained_6m), nhs_employer when named
segments     seg_id, doc_id, pid, speaker, start, end, text
codings      seg_id, code, source (rule | model | human:<reviewer>), score, evidence, decided_at
topics       seg_id, topic, probability;   topic_info: topic, label, size, keywords, exemplars
features     pid x (code and topic prevalence)
outcomes     pid, outcome, value
========== ==================================================================================
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.errors import Messages, UserError

# The file helpers every stage writes with; imported here too so table code finds them in one place.
from toolkit.files import (  # noqa: F401
    atomic_path,
    sha256_file,
    write_csv,
    write_json,
    write_jsonl,
    write_parquet,
    write_text,
)
from toolkit.study.outputs import default_outputs_root

# Column lists of the tables the stages write, beside the contract above: each stage writes
# its table with these columns, in this order, and tests read them from here.
RESPONSE_COLUMNS = ["pid", "wave", "instrument", "item", "value"]
SCORE_COLUMNS = [*RESPONSE_COLUMNS[:4], "score", "band", "valid", "n_missing", "raw_score",
                 "prorated", "flag"]  # fmt: skip
DOCUMENT_COLUMNS = ["doc_id", "pid", "cohort", "kind", "source", "wave", "text"]
TURN_COLUMNS = ["doc_id", "pid", "turn", "speaker_role", "speaker", "start", "end"]
SEGMENT_COLUMNS = [
    "seg_id", "doc_id", "pid", "cohort", "wave", "source", "speaker", "start", "end", "text",
]  # fmt: skip
CODING_COLUMNS = ["seg_id", "code", "source", "score", "evidence", "decided_at"]


class StudyOutputs:
    """The derived-file layout of one study: ``outputs/<study>/{data,models,reports,...}``."""

    def __init__(self, study_name: str, root: str | Path):
        self.name = study_name
        self.root = Path(root)

    @classmethod
    def for_study(cls, study, root: str | Path | None = None) -> StudyOutputs:
        """The outputs of ``study``: ``root`` if given, else its folder's default place.

        See :func:`toolkit.study.outputs.default_outputs_root`.
        """
        if root is None:
            root = default_outputs_root(study.folder)
        return cls(study.name, root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def tables(self) -> Path:
        """Published (disclosure-controlled) tables, safe to share."""
        return self.root / "tables"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def table_path(self, name: str) -> Path:
        return self.data / f"{name}.parquet"

    def has(self, name: str) -> bool:
        return self.table_path(name).exists()

    def read(self, name: str) -> pd.DataFrame:
        path = self.table_path(name)
        if not path.exists():
            raise UserError(
                f"{path}: " + Messages.MISSING_TABLE.format(name=name, command="lxt run")
            )
        return pd.read_parquet(path)

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        path = self.table_path(name)
        write_parquet(frame, path)
        return path
