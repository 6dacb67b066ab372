"""A learned coder on disk: what it was trained on, how good it is, and the refusal to misuse it.

A model folder holds

``model.json``
    toolkit version, date, settings, the meaning model's identity, how codes are applied,
    number of texts, and per code: examples, non-examples, threshold, cross-validated quality;
``coding_cv_metrics.csv``
    the same per-code quality as a table people can open in Excel;
``model.joblib``
    the fitted vectorisers and per-code models. Like any pickle, load only folders you made.

The folder is written to a temporary sibling and moved into place at the end, so an
interrupted ``lxt learn`` leaves nothing half-written. Loading refuses a folder from another
toolkit version or trained with another meaning model than this computer has.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from toolkit import __version__
from toolkit.coding.learner import TextCoder
from toolkit.errors import (
    MODEL_CODES_NOT_IN_CODEBOOK,
    MODEL_FOLDER_BROKEN,
    MODEL_FOLDER_MISSING,
    MODEL_OTHER_EMBEDDING,
    MODEL_OTHER_VERSION,
    MODEL_OUTPUT_EXISTS,
    UserError,
)

FORMAT = 1
META_FILE = "model.json"
MODEL_FILE = "model.joblib"
METRICS_FILE = "coding_cv_metrics.csv"


def describe(coder: TextCoder, trained_on: str, n_texts: int) -> dict:
    """The ``model.json`` record of a fitted coder."""
    metrics = coder.metrics_.astype(object).where(coder.metrics_.notna(), None)
    return {
        "format": FORMAT,
        "toolkit_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": trained_on,
        "texts": int(n_texts),
        "settings": coder.settings(),
        "embedding_identity": coder.embedding_identity_,
        "applies": coder.style_,
        "codes": metrics.to_dict("records"),
        "left_to_people": [r["code"] for r in metrics.to_dict("records") if not r["trained"]],
    }


def save_model(coder: TextCoder, folder: Path, trained_on: str, n_texts: int) -> dict:
    """Write ``coder`` to ``folder`` atomically (replacing an earlier model folder there)."""
    import joblib

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not (folder / META_FILE).exists():
        raise UserError(f"{folder}: {MODEL_OUTPUT_EXISTS}")
    meta = describe(coder, trained_on, n_texts)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    embedder = coder.embedder
    try:
        coder.embedder = None  # the meaning model is installed software, not part of the model
        coder._names = None
        joblib.dump(coder, tmp / MODEL_FILE, compress=3)
        coder.metrics_.to_csv(tmp / METRICS_FILE, index=False)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        coder.embedder = embedder
        shutil.rmtree(tmp, ignore_errors=True)
    return meta


def read_meta(folder: Path) -> dict:
    """``model.json`` of a model folder, checked against this toolkit version."""
    folder = Path(folder)
    path = folder / META_FILE
    if not path.exists():
        raise UserError(f"{folder}: {MODEL_FOLDER_MISSING}")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        made = meta["toolkit_version"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UserError(f"{path}: {MODEL_FOLDER_BROKEN}") from None
    if made != __version__ or meta.get("format") != FORMAT:
        raise UserError(f"{path}: " + MODEL_OTHER_VERSION.format(made=made, running=__version__))
    return meta


def load_model(folder: Path, embedder=None) -> tuple[TextCoder, dict]:
    """The fitted coder in ``folder`` and its record; refuses a mismatching meaning model."""
    import joblib

    folder = Path(folder)
    meta = read_meta(folder)
    try:
        coder = joblib.load(folder / MODEL_FILE)
    except Exception:  # a truncated or foreign file: say so in one line, never a traceback
        raise UserError(f"{folder / MODEL_FILE}: {MODEL_FOLDER_BROKEN}") from None
    if not isinstance(coder, TextCoder):
        raise UserError(f"{folder / MODEL_FILE}: {MODEL_FOLDER_BROKEN}")
    coder.embedder = embedder
    wanted = meta.get("embedding_identity")
    if wanted:
        running = getattr(coder._get_embedder(), "identity", None)
        if running != wanted:
            raise UserError(
                f"{folder / META_FILE}: "
                + MODEL_OTHER_EMBEDDING.format(made=wanted, running=running or "none")
            )
    return coder, meta


def check_codebook(meta: dict, codebook, folder: Path) -> None:
    """Refuse a model whose codes the codebook does not have."""
    codable = set(codebook.codable_ids)
    foreign = [c["code"] for c in meta["codes"] if c["code"] not in codable]
    if foreign:
        raise UserError(
            f"{Path(folder) / META_FILE}: "
            + MODEL_CODES_NOT_IN_CODEBOOK.format(codes=", ".join(sorted(foreign)))
        )


def metrics_table(meta: dict) -> pd.DataFrame:
    """Per-code quality from a model's record, as a table."""
    return pd.DataFrame(meta["codes"])
