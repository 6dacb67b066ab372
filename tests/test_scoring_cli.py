"""`lxt score IN.csv --instrument NAME [-o OUT.csv]` as a person runs it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

LXT = shutil.which("lxt", path=str(Path(sys.executable).parent)) or "lxt"
HEADER = "ref," + ",".join(f"swemwbs_{i}" for i in range(1, 8)) + "\r\n"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([LXT, *args], capture_output=True, text=True, timeout=120)


def test_scores_an_excel_csv_in_windows_1252_with_label_answers(tmp_path):
    src = tmp_path / "answers.csv"
    body = HEADER + "Zoë,All of the time,5,5,5,5,5,5\r\nA2,3,3,3,3,3,3,3\r\n"
    src.write_bytes(body.encode("cp1252"))
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    result = run("score", str(src), "--instrument", "swemwbs", "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["ref"].tolist() == ["Zoë", "A2"]
    assert out["score"].tolist() == pytest.approx([35.0, 19.25])
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # input untouched


def test_bad_answer_gives_one_line_exit_1_and_writes_nothing(tmp_path):
    src = tmp_path / "answers.csv"
    src.write_text(HEADER + "A1,3,3,3,3,3,3,3\r\nA2,3,3,7,3,3,3,3\r\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("score", str(src), "--instrument", "swemwbs", "-o", str(out))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "row 3, column 'swemwbs_3'" in lines[0] and "'7'" in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_unknown_instrument_is_a_user_error(tmp_path):
    src = tmp_path / "answers.csv"
    src.write_text(HEADER + "A1,3,3,3,3,3,3,3\n", encoding="utf-8")
    result = run("score", str(src), "--instrument", "happiness")
    assert result.returncode == 1 and "unknown instrument 'happiness'" in result.stderr
