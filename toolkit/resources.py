"""Files the toolkit ships: instruments, report templates, codebooks and the example study.

Each file has one copy, where users look for it in a checkout of the repository:
``surveys/instruments/``, ``notebooks/``, ``codebooks/`` and ``surveys/example/``. Building the
wheel copies those folders into the package as ``toolkit/shipped/`` (``setup.py``), with the
same layout, so that an installed toolkit finds them through :mod:`importlib.resources` and
the example study's ``../../codebooks/`` path still leads to its codebook.

Examples
--------
>>> sorted(p.stem for p in instruments_dir().glob("*.yml"))[:3]
['employment_status', 'gad7', 'ons4']
>>> default_codebook().name
'employment_support.yml'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGED = "shipped"
# Where the folders sit relative to the top of a checkout (and of toolkit/shipped/).
INSTRUMENTS = Path("surveys") / "instruments"
EXAMPLE_STUDY = Path("surveys") / "example"
NOTEBOOKS = Path("notebooks")
CODEBOOKS = Path("codebooks")
DEFAULT_CODEBOOK = "employment_support.yml"


def shipped_root() -> Path:
    """The folder holding the shipped files: the wheel's copy, else the repository checkout."""
    packaged = Path(str(resources.files("toolkit"))) / PACKAGED
    if packaged.is_dir():
        return packaged
    checkout = checkout_root()
    if checkout is not None:
        return checkout
    raise RuntimeError(
        f"the toolkit's own files are missing from {packaged}; reinstall the toolkit"
    )


def instruments_dir() -> Path:
    """Instrument definitions (``*.yml``)."""
    return shipped_root() / INSTRUMENTS


def notebooks_dir() -> Path:
    """The report notebook templates."""
    return shipped_root() / NOTEBOOKS


def codebooks_dir() -> Path:
    """The codebooks that come with the toolkit."""
    return shipped_root() / CODEBOOKS


def default_codebook() -> Path:
    """The codebook the example study uses (employment support, in plain English)."""
    return codebooks_dir() / DEFAULT_CODEBOOK


def example_study_dir() -> Path:
    """The synthetic example study."""
    return shipped_root() / EXAMPLE_STUDY


def checkout_root() -> Path | None:
    """The top of the repository checkout the toolkit runs from, or None when installed."""
    top = Path(__file__).resolve().parents[1]
    return top if (top / "pyproject.toml").is_file() and (top / INSTRUMENTS).is_dir() else None
