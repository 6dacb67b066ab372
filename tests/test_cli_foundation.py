"""`lxt validate`, `lxt run`, `lxt demo` as a peer researcher meets them on the command line.

Every broken input gives exit status 1, one line per problem naming the file (and row and
column where there is one), no traceback, nothing under the outputs folder, and the input
files exactly as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import BAD_CASES, TINY, expected_line
from conftest import run_lxt as lxt

from toolkit.files import sha256_file

LXT = Path(sys.executable).parent / "lxt"


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256_file(p) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", BAD_CASES)
def test_broken_input_exits_1_with_clear_lines_and_writes_nothing(
    capsys, monkeypatch, bad_study, tmp_path, case, command
):
    study = bad_study(case)
    before = checksums(study)
    out = tmp_path / "outputs"
    args = [command, study] + (["--out", out] if command == "run" else [])
    status, stdout, stderr = lxt(capsys, monkeypatch, *args)
    assert status == 1
    problem_lines = stderr.strip().splitlines()
    assert problem_lines and all(line.startswith("error: ") for line in problem_lines)
    assert any(expected_line(case) in line for line in problem_lines), problem_lines
    assert "Traceback" not in stdout + stderr
    assert not out.exists()
    assert checksums(study) == before


@pytest.mark.parametrize("case", ["binary_csv", "likert_out_of_range", "yaml_unknown_key"])
def test_the_installed_console_script_reports_bad_input(bad_study, tmp_path, case):
    study = bad_study(case)
    before = checksums(study)
    out = tmp_path / "outputs"
    env = {**os.environ, "LXT_OUTPUTS": str(tmp_path / "default-outputs")}
    result = subprocess.run(
        [str(LXT), "run", str(study), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert expected_line(case) in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not out.exists() and not (tmp_path / "default-outputs").exists()
    assert checksums(study) == before


def test_a_50_mb_line_through_the_console_script(tiny_study, tmp_path):
    with (tiny_study / "pathway.csv").open("a", encoding="utf-8") as fh:
        fh.write("T-006," + "9" * 50_000_000 + "\n")
    result = subprocess.run(
        [str(LXT), "validate", str(tiny_study)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: pathway.csv, row 6: line is 50,000,006 characters long, expected lines of at "
        "most 1,000,000 characters (is this the right file?)"
    )


def test_validate_says_a_good_study_is_ready(capsys, monkeypatch, tiny_study):
    status, stdout, stderr = lxt(capsys, monkeypatch, "validate", tiny_study)
    assert status == 0
    assert "no problems found" in stdout
    assert stderr == ""


def test_run_builds_the_ingest_tables_and_summarises(capsys, monkeypatch, tiny_study, tmp_path):
    # Only the ingest stage: the later stages have their own tests.
    monkeypatch.setattr(
        "toolkit.study.pipeline.STAGES", [("ingest", "toolkit.ingest.stage:run_stage")]
    )
    before = checksums(tiny_study)
    out = tmp_path / "outputs"
    status, stdout, _ = lxt(
        capsys, monkeypatch, "run", tiny_study, "--cohort", "south", "--out", out
    )
    assert status == 0
    assert stdout.splitlines()[:2] == [
        f"{tiny_study}: inputs checked, no problems. Running ingest ...",
        "Study 'tiny', cohorts: south",
    ]
    assert "ingest" in stdout and "participants 3" in stdout
    assert stdout.strip().endswith(f"Outputs are in {out}")
    participants = pd.read_parquet(out / "data" / "participants.parquet")
    assert participants["cohort"].tolist() == ["south"] * 3
    assert (out / "manifest.json").exists()
    assert checksums(tiny_study) == before


def held_report_stage(ctx) -> dict:
    """Stands in for the report stage: one report made, one held by the release check."""
    ctx.notes["reports"] = ["evaluation_report (south): HELD (release check): leak.csv, row 2"]
    return {"ready": 1, "held": 1}


def test_run_exits_1_when_a_report_is_held(capsys, monkeypatch, tiny_study, tmp_path):
    monkeypatch.setattr(
        "toolkit.study.pipeline.STAGES",
        [
            ("ingest", "toolkit.ingest.stage:run_stage"),
            ("report", "test_cli_foundation:held_report_stage"),
        ],
    )
    out = tmp_path / "outputs"
    status, stdout, stderr = lxt(capsys, monkeypatch, "run", tiny_study, "--out", out)
    assert status == 1
    assert "report" in stdout and (out / "manifest.json").exists()  # the run itself is kept
    assert (
        stderr.strip()
        .splitlines()[-1]
        .endswith("evaluation_report (south): HELD (release check): leak.csv, row 2")
    )
    assert "Traceback" not in stderr


def test_run_refuses_an_unknown_cohort(capsys, monkeypatch, tiny_study, tmp_path):
    out = tmp_path / "outputs"
    status, _, stderr = lxt(
        capsys, monkeypatch, "run", tiny_study, "--cohort", "east", "--out", out
    )
    assert status == 1
    assert "unknown cohort(s) ['east']" in stderr
    assert not out.exists()


def test_bad_usage_exits_2(capsys, monkeypatch):
    status, _, _ = lxt(capsys, monkeypatch, "run")
    assert status == 2


def test_demo_prepares_the_example_study_in_the_given_folder(tmp_path, monkeypatch):
    from toolkit.study import demo as foundation

    # The demo copies the committed example study when its data are there.
    monkeypatch.setattr(foundation, "EXAMPLE_STUDY", TINY)
    monkeypatch.setattr(foundation, "has_example_data", lambda folder: True)
    study = foundation.prepare_demo_study(tmp_path)
    assert study == tmp_path / "example"
    assert checksums(study) == checksums(TINY)


def test_demo_generates_the_study_when_the_repository_copy_has_no_data(tmp_path, monkeypatch):
    from toolkit.study import demo as foundation
    from toolkit.study.validate import validate_study

    monkeypatch.setattr(foundation, "has_example_data", lambda folder: False)
    study = foundation.prepare_demo_study(tmp_path)
    assert len(pd.read_csv(study / "participants.csv")) == 450
    codebook = [
        line
        for line in (study / "study.yml").read_text().splitlines()
        if line.startswith("codebook:")
    ]
    assert codebook == [
        f"codebook: {foundation.EXAMPLE_STUDY.parents[1] / 'codebooks'}/employment_support.yml"
    ]
    assert validate_study(study) == []


def test_demo_runs_the_pipeline_and_says_where_the_outputs_are(capsys, monkeypatch, tmp_path):
    from toolkit.study import demo as foundation

    # The tiny study stands in for the example, and only ingest runs: the full demo is what
    # `make demo` does, and the shared `built_example` fixture runs every stage once.
    monkeypatch.setattr(foundation, "EXAMPLE_STUDY", TINY)
    monkeypatch.setattr(
        "toolkit.study.pipeline.STAGES", [("ingest", "toolkit.ingest.stage:run_stage")]
    )
    status, stdout, stderr = lxt(capsys, monkeypatch, "demo", "--out", tmp_path)
    assert status == 0, stderr
    out = tmp_path / "outputs" / "example"
    assert (out / "data" / "documents.parquet").exists()
    assert stdout.strip().endswith(f"Outputs are in {out}")


@pytest.mark.parametrize(("cores", "expected"), [(None, 1), (1, 1), (2, 2), (16, 4)])
def test_reports_use_one_process_per_core_by_default_up_to_four(monkeypatch, cores, expected):
    from toolkit.cli import foundation

    monkeypatch.setattr(foundation.os, "cpu_count", lambda: cores)
    assert foundation.default_jobs() == expected
