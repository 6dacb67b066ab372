"""End to end: no identifier planted in the example study reaches anything under outputs/."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

TRUTH = Path(__file__).resolve().parent.parent / "surveys" / "example" / "truth"


def readable_text(path: Path) -> str:
    """Everything a person could read out of one output file (tables, zips, text)."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return "\n".join(frame[c].astype(str).str.cat(sep="\n") for c in frame.columns)
    if zipfile.is_zipfile(path):  # .xlsx, .docx, .qdpx
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())
    return path.read_bytes().decode("utf-8", "ignore")


@pytest.mark.slow
def test_no_planted_identifier_is_written_under_outputs(built_example):
    _, outputs = built_example
    truth = pd.read_csv(TRUTH / "identifiers.csv", dtype=str, keep_default_na=False)
    assert len(truth) > 300
    files = [p for p in Path(outputs).rglob("*") if p.is_file()]
    assert any(p.name == "documents.parquet" for p in files)
    corpus = "\n".join(readable_text(p) for p in files)
    leaks = []
    for label, value in truth[["label", "value"]].drop_duplicates().itertuples(index=False):
        # Whole words only: a planted "Chloe" must not be found inside "Chloe's" placeholder
        # text, but would be found as a word on its own.
        if re.search(r"(?<![\w-])" + re.escape(value) + r"(?![\w-])", corpus):
            leaks.append(f"{label}: {value}")
    assert leaks == []


@pytest.mark.slow
def test_participant_references_never_reach_outputs(built_example):
    study_dir, outputs = built_example
    refs = pd.read_csv(Path(study_dir) / "participants.csv", dtype=str)["participant_ref"]
    corpus = "\n".join(readable_text(p) for p in Path(outputs).rglob("*") if p.is_file())
    assert [r for r in refs if r in corpus] == []
