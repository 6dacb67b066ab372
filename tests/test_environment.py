"""environment.yml (conda) and pyproject.toml (pip) must install the same things."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from the names on the Python package index.
CONDA_TO_PYPI = {"pytorch": "torch", "matplotlib-base": "matplotlib"}


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    return {r.name.lower(): str(r.specifier) for r in reqs}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    found: dict[str, str] = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                if line.startswith("-"):  # --extra-index-url, -e .
                    continue
                r = Requirement(line)
                found[r.name.lower()] = str(r.specifier)
            continue
        r = Requirement(
            entry.replace("=", "==", 1)
            if "=" in entry and "==" not in entry and "<" not in entry and ">" not in entry
            else entry
        )
        name = CONDA_TO_PYPI.get(r.name.lower(), r.name.lower())
        if name not in {"python", "pip"}:
            found[name] = str(r.specifier)
    return found


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    env = _environment()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = {Requirement(r).name.lower() for r in project["optional-dependencies"]["dev"]}
    assert {k: v for k, v in env.items() if k not in dev} == _pyproject()


def test_environment_yml_installs_torch_as_a_cpu_build():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "whl/cpu" in text and "torch==2.13.0" in text


def test_makefile_installs_cpu_torch_before_the_toolkit():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert makefile.index("torch==2.13.0") < makefile.index("-e '.[dev]'")
