"""Where a study's outputs live, and the check that they are this study's and up to date.

Outputs belong to one study *folder*, never to a study ``name:``: two folders with the same
name never share outputs (DESIGN.md, "Layout"). By default they go to

- ``$LXT_OUTPUTS/<folder name>`` when ``LXT_OUTPUTS`` is set (e.g. a secure drive);
- ``<top>/outputs/<folder name>`` when the study sits in a ``surveys/`` folder, as in a
  checkout of the repository (``surveys/example`` -> ``outputs/example``) or a project laid
  out the same way;
- ``<parent>/outputs/<folder name>`` otherwise: an installed toolkit used from a project folder
  keeps the outputs beside the study, outside it (a study's folder holds inputs only).

``lxt run`` records which folder the outputs belong to (``owner.json``, kept out of anything
published). Commands that only read outputs call :func:`require_current_outputs`, which stops
with one line saying what to run when there are none, when they belong to another study folder
or when the study's inputs changed since they were made.

Examples
--------
>>> from pathlib import Path
>>> default_outputs_root(Path("/data/project/surveys/clacton"), env={})
PosixPath('/data/project/outputs/clacton')
>>> default_outputs_root(Path("/data/project/clacton"), env={})
PosixPath('/data/project/outputs/clacton')
>>> default_outputs_root(Path("/data/project/clacton"), env={"LXT_OUTPUTS": "/secure/lxt"})
PosixPath('/secure/lxt/clacton')
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from pathlib import Path

from toolkit.errors import Messages, UserError
from toolkit.files import write_json
from toolkit.study.inputs import input_checksums, split_checksums

OWNER_FILE = "owner.json"
OUTPUTS_ENV = "LXT_OUTPUTS"


def default_outputs_root(study_folder: Path, env: Mapping[str, str] | None = None) -> Path:
    """The outputs folder of the study in ``study_folder`` when no ``--out`` is given."""
    env = os.environ if env is None else env
    folder = Path(study_folder)
    if env.get(OUTPUTS_ENV):
        return Path(env[OUTPUTS_ENV]).expanduser() / folder.name
    if folder.parent.name == "surveys":
        return folder.parent.parent / "outputs" / folder.name
    return folder.parent / "outputs" / folder.name


def owner_of(outputs_root: Path) -> Path | None:
    """The study folder that made the outputs in ``outputs_root``, if recorded."""
    path = Path(outputs_root) / OWNER_FILE
    try:
        return Path(json.loads(path.read_text(encoding="utf-8"))["study_folder"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_owner(study, outputs_root: Path) -> None:
    """Refuse outputs that another study folder (which still exists) made."""
    owner = owner_of(outputs_root)
    here = Path(study.folder).resolve()
    # An owner that is gone was moved or renamed: its outputs may serve here; the input
    # checksums (require_current_outputs) tell whether they still fit.
    if owner is not None and owner != here and (owner / "study.yml").exists():
        raise UserError(
            f"{here}: "
            + Messages.OUTPUTS_OF_ANOTHER_STUDY.format(outputs=outputs_root, owner=owner)
        )


def claim_outputs(study, outputs_root: Path) -> None:
    """Record that ``outputs_root`` belongs to ``study``'s folder (after :func:`check_owner`)."""
    check_owner(study, outputs_root)
    write_json({"study_folder": str(Path(study.folder).resolve())}, Path(outputs_root) / OWNER_FILE)


def run_command_for(study) -> str:
    """The command that (re)builds this study's outputs, as a user would type it."""
    folder = Path(study.folder)
    try:
        shown = folder.relative_to(Path.cwd())
    except ValueError:
        shown = folder
    return f"lxt run {shlex.quote(str(shown))}"


def changed_inputs(study, recorded: Mapping[str, str]) -> list[str]:
    """Inputs whose checksum differs from ``recorded`` (the decision log aside)."""
    current, _ = split_checksums(study, input_checksums(study))
    before, _ = split_checksums(study, dict(recorded))
    return sorted(k for k in set(current) | set(before) if current.get(k) != before.get(k))


def require_current_outputs(study, outputs) -> None:
    """Stop with one clear line unless ``outputs`` are this study's and up to date.

    The decision log is left out of the comparison: people's decisions are added between runs
    by design (review import), and every command reads the log itself.
    """
    command = run_command_for(study)
    check_owner(study, outputs.root)
    if not outputs.manifest.exists():
        raise UserError(f"{Path(study.folder)}: " + Messages.NO_OUTPUTS.format(command=command))
    try:
        manifest = json.loads(outputs.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UserError(
            f"{outputs.manifest}: " + Messages.NO_OUTPUTS.format(command=command)
        ) from None
    changed = changed_inputs(study, manifest.get("inputs") or {})
    if changed:
        shown = ", ".join(changed[:3]) + (
            f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        )
        raise UserError(
            f"{Path(study.folder)}: "
            + Messages.STALE_OUTPUTS.format(changed=shown, command=command)
        )
