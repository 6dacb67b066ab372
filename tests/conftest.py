"""Shared fixtures. Others may add fixtures here: keep each one short and documented.

Safety nets for every test session (autouse):

- ``pseudonym_key``: a fixed pseudonym key in ``LXT_PSEUDONYM_KEY``, so no test creates a key
  file in the user's configuration folder and pids are the same on every run;
- ``LXT_OUTPUTS`` points to a temporary folder, so no test can write to the repo's outputs/.

Study fixtures:

- ``tiny_study``: a fresh copy of ``tests/data/tiny`` (six made-up people) in ``tmp_path``;
- ``bad_study(case)``: that copy with the broken files of ``tests/data/bad/<case>`` laid over it;
- ``example_copy`` / ``ingested_example`` / ``built_example``: the synthetic example study
  copied once per session, run through ingest only, and run through every stage (sharing one
  temporary outputs folder, so ingest runs once);
- ``built_tiny``: the tiny study built once per session; returns ``(study_dir, outputs_dir)``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
TINY = TESTS / "data" / "tiny"
BAD = TESTS / "data" / "bad"
EXAMPLE = REPO / "surveys" / "example"
TEST_KEY = "a pseudonym key used only by the test suite"
BAD_CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir()) if BAD.is_dir() else []


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key(tmp_path_factory) -> str:
    """Fix the pseudonym key and send default outputs to a temp folder for the whole session."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LXT_PSEUDONYM_KEY", TEST_KEY)
        mp.setenv("LXT_OUTPUTS", str(tmp_path_factory.mktemp("lxt-outputs")))
        yield TEST_KEY


def copy_study(source: Path, target: Path) -> Path:
    """Copy a study folder, making paths that point outside it (``../..``) absolute."""
    from toolkit.study.demo import copy_study as _copy

    return _copy(source, target)


def run_lxt(capsys, monkeypatch, *args) -> tuple[int, str, str]:
    """Run the real entry point (`toolkit.cli:main`) in-process; return (status, out, err)."""
    import sys

    from toolkit import cli

    monkeypatch.setattr(sys, "argv", ["lxt", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
        raise SystemExit(0)  # main() returns normally on success
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def record_hand_built_outputs(study, outputs) -> None:
    """Mark outputs a test wrote table by table as this study's, current with its inputs.

    ``lxt run`` does this at the end of a run (manifest with input checksums, owner record);
    commands that read outputs refuse any that lack it.
    """
    from toolkit.files import write_json
    from toolkit.study.inputs import input_checksums
    from toolkit.study.outputs import claim_outputs

    write_json(
        {"study": study.name, "inputs": input_checksums(study), "stages": {}}, outputs.manifest
    )
    claim_outputs(study, outputs.root)


def overlay_case(case: str, target: Path) -> Path:
    """The tiny study with the files of bad case ``case`` laid over it, in ``target``."""
    copy_study(TINY, target)
    case_dir = BAD / case
    for path in case_dir.rglob("*"):
        if path.is_file() and path.name not in ("expect.txt", "README.md"):
            dest = target / path.relative_to(case_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
    return target


def expected_line(case: str) -> str:
    """The text the problem line of a bad case must contain."""
    return (BAD / case / "expect.txt").read_text(encoding="utf-8").strip()


@pytest.fixture
def tiny_study(tmp_path) -> Path:
    return copy_study(TINY, tmp_path / "tiny")


@pytest.fixture
def bad_study(tmp_path):
    def make(case: str) -> Path:
        return overlay_case(case, tmp_path / case)

    return make


@pytest.fixture(scope="session")
def built_tiny(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny study run through the ingest stage once (the later stages are not run)."""
    from toolkit.study.pipeline import run_study

    base = tmp_path_factory.mktemp("built-tiny")
    study = copy_study(TINY, base / "tiny")
    out = base / "outputs"
    run_study(study, out=out, stages=["ingest"], progress=False)
    return study, out


@pytest.fixture(scope="session")
def example_copy(tmp_path_factory) -> Path:
    """A copy of the synthetic example study (tests must never touch surveys/example)."""
    if not (EXAMPLE / "participants.csv").exists():
        pytest.skip("the synthetic example study has not been generated yet")
    return copy_study(EXAMPLE, tmp_path_factory.mktemp("example") / "example")


@pytest.fixture(scope="session")
def ingested_example(example_copy, tmp_path_factory) -> tuple[Path, Path]:
    """The example study through the ingest stage only; returns ``(study_dir, outputs_dir)``.

    For tests of the ingest tables that must not depend on the later stages.
    """
    from toolkit.study.pipeline import run_study

    out = tmp_path_factory.mktemp("example-outputs")
    run_study(example_copy, out=out, stages=["ingest"], progress=False)
    return example_copy, out


@pytest.fixture(scope="session")
def built_example(ingested_example) -> tuple[Path, Path]:
    """The example study run through every stage once; returns ``(study_dir, outputs_dir)``.

    Shares its outputs folder with ``ingested_example``: the ingest stage is reused, not rerun.
    """
    from toolkit.study.pipeline import run_study

    study, out = ingested_example
    run_study(study, out=out, progress=False)
    return study, out
