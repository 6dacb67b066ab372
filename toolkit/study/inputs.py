"""A study's input files and their checksums: what decides whether outputs are up to date.

The pipeline fingerprints each stage from these checksums (:mod:`toolkit.study.pipeline`), and
commands that read outputs compare them with the ones recorded at the last run
(:mod:`toolkit.study.outputs`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from toolkit.files import sha256_file
from toolkit.study.config import Study, study_file


def study_inputs(study: Study) -> list[Path]:
    """Every input file the study names (files, transcript folder contents, codebook)."""
    paths: list[Path] = [study_file(study.folder)]
    paths.append(study.path(study.participants.file))
    if study.staff:
        paths.append(study.path(study.staff.file))
    paths += [study.path(w.file) for w in study.waves]
    if study.pathway:
        paths.append(study.path(study.pathway.file))
    if study.codebook:
        paths.append(study.path(study.codebook))
    for optional in (study.imd_lookup, study.social_values):
        if optional:
            paths.append(study.path(optional))
    if study.transcripts:
        folder = study.path(study.transcripts.folder)
        if folder.is_dir():
            paths += sorted(p for p in folder.rglob("*") if p.is_file())
    decisions = study.path(study.decisions)
    if decisions.is_dir():
        paths += sorted(p for p in decisions.rglob("*") if p.is_file())
    return paths


def input_checksums(study: Study) -> dict[str, str]:
    """sha256 of every input, by path relative to the study folder.

    Transcript file names carry participant references (``CLA-0014_baseline.txt``), and the
    manifest is published beside reports, so the transcripts folder is recorded as one
    combined checksum instead of file by file.
    """
    out = {}
    folder = study.path(study.transcripts.folder).resolve() if study.transcripts else None
    combined = hashlib.sha256()
    n_transcripts = 0
    for p in study_inputs(study):
        if not p.exists():
            continue
        digest = sha256_file(p)
        if folder is not None and p.resolve().is_relative_to(folder):
            name = os.path.relpath(p.resolve(), folder)
            combined.update(f"{name}\0{digest}\n".encode())
            n_transcripts += 1
            continue
        # Relative names keep the manifest free of where a user keeps their files.
        out[os.path.relpath(p.resolve(), study.folder)] = digest
    if n_transcripts:
        label = os.path.relpath(folder, study.folder)
        out[f"{label}/ ({n_transcripts} files, combined)"] = combined.hexdigest()
    return out


def split_checksums(study: Study, checksums: dict[str, str]) -> tuple[dict, dict]:
    """Separate the decision log from the other inputs (it changes far more often)."""
    prefix = str(Path(study.decisions)).rstrip("/") + "/"
    decisions = {k: v for k, v in checksums.items() if k.startswith(prefix)}
    return {k: v for k, v in checksums.items() if k not in decisions}, decisions


def decision_checksums(study: Study) -> dict[str, str]:
    """sha256 of the decision log's files only, keyed as in :func:`input_checksums`.

    Stages that add decisions (imported codings, review rounds) change the log while the
    pipeline runs; the runner reads these again after such a stage.
    """
    folder = study.path(study.decisions)
    if not folder.is_dir():
        return {}
    return {
        os.path.relpath(p.resolve(), study.folder): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
