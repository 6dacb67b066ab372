"""The demo: the synthetic example study, copied (or generated) into a folder of the user's.

``lxt demo --out DIR`` puts the example study in ``DIR/example`` and its outputs in
``DIR/outputs/example``. The example ships with the toolkit (:mod:`toolkit.resources`), so this
works from an installed wheel as well as from a checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from toolkit.resources import example_study_dir

EXAMPLE_STUDY = example_study_dir()
DEMO_SEED = 2026
# study.yml settings holding a path that may lead outside the study folder.
OUTSIDE_PATH_KEYS = ("codebook", "imd_lookup", "social_values")


def copy_study(source: Path, target: Path) -> Path:
    """Copy a study folder to ``target``; paths in study.yml that lead outside it become absolute.

    The example study names its codebook as ``../../codebooks/...``; a copy elsewhere must
    still find it. Only the copy's study.yml is changed, never the source.
    """
    shutil.copytree(source, target)
    anchor_outside_paths(target, Path(source))
    return target


def anchor_outside_paths(study_dir: Path, original: Path) -> None:
    """Rewrite ``../`` paths in ``study_dir/study.yml`` as absolute paths from ``original``."""
    path = study_dir / "study.yml"
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    for key in OUTSIDE_PATH_KEYS:
        value = raw.get(key)
        if isinstance(value, str) and value.startswith(".."):
            resolved = (original.resolve() / value).resolve()
            text = text.replace(f"{key}: {value}", f"{key}: {resolved}")
    path.write_text(text, encoding="utf-8")


def has_example_data(folder: Path) -> bool:
    """True when the example study's data files (not just its study.yml) are present."""
    return (folder / "study.yml").exists() and (folder / "participants.csv").exists()


def prepare_demo_study(target: Path) -> Path:
    """Put the synthetic example study in ``target/example`` and return that folder.

    The repository's copy in surveys/example is used when its data are there; otherwise the
    study is generated with the seeded generator (same seed, same study).
    """
    study_dir = target / "example"
    if (study_dir / "study.yml").exists():
        return study_dir
    if has_example_data(EXAMPLE_STUDY):
        return copy_study(EXAMPLE_STUDY, study_dir)
    from toolkit.synthetic import generate_study

    generate_study(study_dir, seed=DEMO_SEED)
    anchor_outside_paths(study_dir, EXAMPLE_STUDY)
    return study_dir
