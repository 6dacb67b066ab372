"""Notebooks are committed without outputs: outputs can carry participants' words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def committed_notebooks() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=REPO, capture_output=True, text=True
    ).stdout.split()
    in_tree = REPO.glob("notebooks/*.ipynb")
    return sorted({REPO / p for p in listed} | set(in_tree))


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: p.name)
def test_notebook_has_no_outputs_or_execution_counts(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        n
        for n, cell in enumerate(notebook["cells"], start=1)
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert dirty == [], f"{path.name}: run nbstripout (cells {dirty} keep outputs)"


def test_nbstripout_agrees_and_git_strips_notebooks_on_add():
    notebooks = [str(p) for p in committed_notebooks()]
    check = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", "--keep-id", *notebooks],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    attributes = (REPO / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb filter=nbstripout" in attributes
    hooks = (REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "id: nbstripout" in hooks
