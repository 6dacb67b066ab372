"""The report notebook templates in ``notebooks/`` and their checksums.

Each template has a cell tagged ``parameters`` (papermill's convention) holding
``study_dir``, ``cohort``, ``outputs_dir``, ``disclosure_threshold`` and ``seed``.

Example
-------
>>> sorted(REPORTS)
['coproduction_report', 'evaluation_report', 'overview']
>>> template_path("overview").name
'overview.ipynb'
"""

from __future__ import annotations

from pathlib import Path

from toolkit.files import sha256_file
from toolkit.resources import notebooks_dir

NOTEBOOKS_DIR = notebooks_dir()

# Report name -> True if it is made once per cohort, False if once for the whole study.
REPORTS: dict[str, bool] = {
    "evaluation_report": True,
    "coproduction_report": True,
    "overview": False,
}

# Folder (under outputs/<study>/reports/) that holds the cross-cohort overview.
OVERVIEW_FOLDER = "overview"

PARAMETER_NAMES = ("study_dir", "cohort", "outputs_dir", "disclosure_threshold", "seed")


def template_path(report: str, folder: Path | None = None) -> Path:
    """Path of the notebook template for ``report`` (e.g. ``evaluation_report``)."""
    return (folder or NOTEBOOKS_DIR) / f"{report}.ipynb"


def file_checksum(path: Path) -> str:
    return sha256_file(Path(path))


def template_checksums(folder: Path | None = None) -> dict[str, str]:
    """SHA-256 of every report template, by file name (for the methods appendix and cache)."""
    out = {}
    for report in REPORTS:
        path = template_path(report, folder)
        if path.exists():
            out[path.name] = file_checksum(path)
    return out
