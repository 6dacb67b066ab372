"""Installed as a package (a built wheel, not an editable install), the toolkit works from any
folder: its instruments, report templates, codebooks and example study ship inside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
# What a wheel is built from (a copy, so that building never writes into the checkout).
SOURCES = ("toolkit", "surveys/instruments", "surveys/example", "codebooks", "notebooks")
SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(wheel file, install folder): the toolkit built as a wheel and installed into a folder."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "decisions")
    for folder in SOURCES:
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in SOURCE_FILES:
        shutil.copyfile(REPO / name, source / name)
    # A real study beside the example must never end up in the wheel.
    (source / "surveys" / "real_study").mkdir()
    (source / "surveys" / "real_study" / "participants.csv").write_text("ref,name\nA1,Jo\n")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    wheel = next((base / "dist").glob("lived_experience_toolkit-*.whl"))
    target = base / "installed"
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return wheel, target


def run_installed(target: Path, cwd: Path, *args: str, timeout: int = 120):
    # The installed copy first on the path, so the checkout's editable install is not used.
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from toolkit.cli import main; sys.exit(main())", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_wheel_ships_the_toolkits_files_and_no_real_study(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    shipped = sorted(n for n in names if n.startswith("toolkit/shipped/"))
    instruments = [n for n in shipped if n.startswith("toolkit/shipped/surveys/instruments/")]
    assert len(instruments) == len(list((REPO / "surveys" / "instruments").glob("*.yml")))
    for name in ("evaluation_report", "coproduction_report", "overview", "explore_study"):
        assert f"toolkit/shipped/notebooks/{name}.ipynb" in shipped
    assert "toolkit/shipped/codebooks/employment_support.yml" in shipped
    assert "toolkit/shipped/surveys/example/study.yml" in shipped
    assert "toolkit/data/report.css" in names
    studies = {n.split("/")[3] for n in shipped if n.startswith("toolkit/shipped/surveys/")}
    assert studies == {"example", "instruments"}


def test_the_installed_toolkit_finds_its_files_outside_the_repository(installed, tmp_path):
    _, target = installed
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import toolkit.resources as r; print(r.shipped_root()); print(r.checkout_root())",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [str(target / "toolkit" / "shipped"), "None"]


def test_lxt_score_works_from_an_empty_folder(installed, tmp_path):
    _, target = installed
    answers = tmp_path / "answers.csv"
    items = [f"swemwbs_{i}" for i in range(1, 8)]
    pd.DataFrame([[1, *[3] * 7], [2, *[5] * 7]], columns=["id", *items]).to_csv(
        answers, index=False
    )
    result = run_installed(target, tmp_path, "score", "answers.csv", "--instrument", "swemwbs")
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(pd.io.common.StringIO(result.stdout))
    # Raw 21 -> 19.25 and raw 35 -> 35.00 on the SWEMWBS metric table (REFERENCE.md).
    assert scored["score"].tolist() == [19.25, 35.0]


@pytest.mark.slow
def test_lxt_demo_from_the_installed_toolkit_writes_the_reports(installed, tmp_path):
    _, target = installed
    result = run_installed(target, tmp_path, "demo", "--out", "demo", timeout=1800)
    assert result.returncode == 0, result.stderr[-2000:]
    reports = tmp_path / "demo" / "outputs" / "example" / "reports"
    assert (reports / "clacton" / "evaluation_report.pdf").stat().st_size > 10_000
    assert (reports / "overview" / "overview.html").exists()
    ready = (reports / "clacton" / "READY.json").read_text(encoding="utf-8")
    assert "evaluation_report" in ready and "coproduction_report" in ready
