"""Outputs belong to one study folder: a copy never reads another study's outputs, and a study
whose inputs changed since its last run is not used as if current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TINY, copy_study
from conftest import run_lxt as lxt

from toolkit.errors import Messages
from toolkit.files import sha256_file
from toolkit.study.config import load_study
from toolkit.study.outputs import OWNER_FILE, default_outputs_root, owner_of
from toolkit.study.pipeline import run_study
from toolkit.study.tables import StudyOutputs


def files_under(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256_file(p) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def run_tiny(tmp_path, monkeypatch):
    """The tiny study in ``tmp_path/a/tiny``, run through ingest into its default outputs."""
    monkeypatch.setenv("LXT_OUTPUTS", str(tmp_path / "shared-outputs"))
    study = copy_study(TINY, tmp_path / "a" / "tiny")
    run_study(study, stages=["ingest"], progress=False)
    return study


def test_default_outputs_follow_the_study_folder_not_its_name(tmp_path):
    in_checkout = tmp_path / "repo" / "surveys" / "example"
    in_project = tmp_path / "project" / "example"
    assert default_outputs_root(in_checkout, env={}) == tmp_path / "repo" / "outputs" / "example"
    assert default_outputs_root(in_project, env={}) == tmp_path / "project" / "outputs" / "example"
    assert default_outputs_root(in_project, env={"LXT_OUTPUTS": str(tmp_path / "secure")}) == (
        tmp_path / "secure" / "example"
    )


def test_a_run_records_which_folder_its_outputs_belong_to(run_tiny, tmp_path):
    root = tmp_path / "shared-outputs" / "tiny"
    assert owner_of(root) == run_tiny.resolve()
    # The owner record is kept beside the manifest, never inside what is published.
    assert (root / OWNER_FILE).exists() and not (root / "reports" / OWNER_FILE).exists()


def test_a_never_run_copy_is_refused_by_review_export_and_writes_nothing(
    run_tiny, tmp_path, capsys, monkeypatch
):
    # A copy with the same folder name in a project folder of its own: never run.
    copy = tmp_path / "b" / "tiny"
    shutil.copytree(run_tiny, copy)
    monkeypatch.delenv("LXT_OUTPUTS")
    target = tmp_path / "batch.xlsx"
    status, _, err = lxt(
        capsys, monkeypatch, "review", "export", copy, "--reviewer", "pr01", "-o", target
    )
    assert status == 1
    assert err.strip().splitlines() == [
        f"error: {copy.resolve()}: "
        + Messages.NO_OUTPUTS.format(command=f"lxt run {copy.resolve()}")
    ]
    assert not target.exists()
    assert not (tmp_path / "b" / "outputs").exists()


def test_a_same_named_copy_never_reads_the_first_studys_outputs(
    run_tiny, tmp_path, capsys, monkeypatch
):
    # Under one LXT_OUTPUTS both folders would map to .../tiny: the copy is refused, by
    # review export and by run, and the first study's outputs are left exactly as they were.
    copy = tmp_path / "b" / "tiny"
    shutil.copytree(run_tiny, copy)
    root = tmp_path / "shared-outputs" / "tiny"
    before = files_under(root)
    target = tmp_path / "batch.xlsx"
    status, _, err = lxt(
        capsys, monkeypatch, "review", "export", copy, "--reviewer", "pr01", "-o", target
    )
    assert status == 1
    assert "holds the outputs of another study folder" in err
    assert str(run_tiny.resolve()) in err and "--out DIR or LXT_OUTPUTS" in err
    status, _, err = lxt(capsys, monkeypatch, "run", copy)
    assert status == 1 and "holds the outputs of another study folder" in err
    assert not target.exists()
    assert files_under(root) == before


def test_a_study_whose_inputs_changed_is_refused_until_it_is_run_again(
    run_tiny, tmp_path, capsys, monkeypatch
):
    register = run_tiny / "participants.csv"
    register.write_text(register.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    target = tmp_path / "batch.xlsx"
    status, _, err = lxt(
        capsys, monkeypatch, "review", "export", run_tiny, "--reviewer", "pr01", "-o", target
    )
    assert status == 1
    assert err.strip().splitlines() == [
        f"error: {run_tiny.resolve()}: "
        + Messages.STALE_OUTPUTS.format(
            changed="participants.csv", command=f"lxt run {run_tiny.resolve()}"
        )
    ]
    assert not target.exists()
    # Once run again, the outputs are current.
    run_study(run_tiny, stages=["ingest"], progress=False)
    from toolkit.study.outputs import require_current_outputs

    study = load_study(run_tiny)
    require_current_outputs(study, StudyOutputs.for_study(study))


def test_new_decisions_do_not_make_outputs_stale(run_tiny):
    from toolkit.coding.decisions import append_decisions
    from toolkit.study.outputs import require_current_outputs

    study = load_study(run_tiny)
    append_decisions(
        study,
        [{"reviewer": "pr01", "seg_id": "x", "code": "c", "decision": "accept", "text_hash": ""}],
        source_file="b.xlsx",
        batch_id="b1",
    )
    require_current_outputs(study, StudyOutputs.for_study(study))  # no error


def test_a_moved_study_keeps_using_its_outputs(run_tiny, tmp_path):
    from toolkit.study.outputs import require_current_outputs

    moved = tmp_path / "moved" / "tiny"
    moved.parent.mkdir()
    run_tiny.rename(moved)
    study = load_study(moved)
    outputs = StudyOutputs.for_study(study)
    assert outputs.root == tmp_path / "shared-outputs" / "tiny"
    require_current_outputs(study, outputs)  # the old owner is gone: the outputs serve here


def append_one_decision_once(ctx) -> dict:
    """A stage that adds a decision the first time it runs (as imported codings do)."""
    from toolkit.coding.decisions import append_decisions, read_decisions

    if len(read_decisions(ctx.study)):
        return {"appended": 0}
    row = {"reviewer": "uni01", "seg_id": "s1", "code": "c", "decision": "add", "text_hash": ""}
    append_decisions(ctx.study, [row], source_file="p.qdpx", batch_id="qdpx-1")
    return {"appended": 1}


def test_a_stage_that_adds_decisions_is_reused_on_the_next_run(tiny_study, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "toolkit.study.pipeline.STAGES",
        [
            ("ingest", "toolkit.ingest.stage:run_stage"),
            ("adds", "test_study_outputs:append_one_decision_once"),
        ],
    )
    monkeypatch.setitem(run_study.__globals__["DEPENDS_ON"], "adds", ("ingest", "decisions"))
    first = run_study(tiny_study, out=tmp_path / "out", progress=False)
    second = run_study(tiny_study, out=tmp_path / "out", progress=False)
    assert first["stages"]["adds"]["result"] == {"appended": 1}
    assert second["stages"]["adds"]["reused"] is True
    assert second["stages"]["ingest"]["reused"] is True
