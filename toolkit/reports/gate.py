"""The release gate: a report is marked ready only after it passes ``lxt check-release``.

A rendered report (executed notebook, HTML, PDF) is checked in a folder of its own with
:func:`toolkit.privacy.release_check.check_release`. If nothing is found, the files move to
``reports/<cohort>/`` and ``READY.json`` there records the check; otherwise they go to
``reports/_held/<cohort>/`` with ``FINDINGS.json``, and are not published.

Example
-------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "report.html").write_text("<p>About 45 people took part.</p>")
>>> run_gate(folder)
(True, [])
>>> _ = (folder / "report.html").write_text("<p>Ring me on 07700 900123.</p>")
>>> run_gate(folder)
(False, ["report.html, line 1: PHONE '07…' (identifier)"])
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from toolkit.privacy.release_check import check_release
from toolkit.study.tables import write_json

HELD_FOLDER = "_held"
FAILED_FOLDER = "_failed"
READY_FILE = "READY.json"
# Findings starting with this mean "not checked", not "unsafe": such a result is never reused.
UNCHECKED = "not checked"


def run_gate(folder: Path, study=None) -> tuple[bool, list[str]]:
    """Run the release check on ``folder``; (passed, findings as text). Every finding blocks."""
    findings = check_release(folder, study=study)
    return not findings, [str(f) for f in findings]


def read_ready(folder: Path) -> dict:
    path = Path(folder) / READY_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def mark_ready(folder: Path, report: str, record: dict) -> None:
    """Add ``report`` to ``folder/READY.json`` (one entry per report in the folder)."""
    ready = read_ready(folder)
    ready[report] = {**record, "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_json(ready, Path(folder) / READY_FILE)


def unmark_ready(folder: Path, report: str) -> None:
    ready = read_ready(folder)
    if report in ready:
        ready.pop(report)
        write_json(ready, Path(folder) / READY_FILE)
