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
pathway      pid, cohort, <stage> dates (referred ... retained_6m)
segments     seg_id, doc_id, pid, speaker, start, end, text
codings      seg_id, code, source (rule | model | human:<reviewer>), score, evidence, decided_at
topics       seg_id, topic, probability;   topic_info: topic, label, size, keywords, exemplars
features     pid x (code and topic prevalence)
outcomes     pid, outcome, value
========== ==================================================================================
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUTS = REPO_ROOT / "outputs"


def outputs_root() -> Path:
    """Where derived files go: ``$LXT_OUTPUTS`` or the repository's ``outputs/``."""
    return Path(os.environ.get("LXT_OUTPUTS", DEFAULT_OUTPUTS)).expanduser()


class StudyOutputs:
    """The derived-file layout of one study: ``outputs/<study>/{data,models,reports,...}``."""

    def __init__(self, study_name: str, root: str | Path | None = None):
        self.name = study_name
        self.root = Path(root) if root is not None else outputs_root() / study_name

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
            from toolkit.errors import UserError

            raise UserError(
                f"{path}: table {name!r} has not been built yet; run `lxt run` on the study first"
            )
        return pd.read_parquet(path)

    def write(self, name: str, frame: pd.DataFrame) -> Path:
        path = self.table_path(name)
        write_parquet(frame, path)
        return path


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=suffix or path.suffix or ".tmp", dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, **kwargs)


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(obj, path: str | Path) -> None:
    write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", path)


def write_jsonl(records, path: str | Path) -> None:
    """Write one JSON object per line (UTF-8), atomically."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
