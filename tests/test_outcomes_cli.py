"""`lxt analyse`: a clear one-line error when the study has not been built yet."""

from __future__ import annotations

import subprocess
import sys


def test_analyse_before_run_says_what_to_do(tiny_study, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "toolkit.cli", "analyse", str(tiny_study), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `lxt run" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()  # nothing half-written
