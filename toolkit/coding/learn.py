"""``lxt learn`` and ``lxt code --model``: learn from coded text, then code new text.

>>> # learn_from_files("texts.jsonl", "labels.csv", "model/")  # writes the model folder
>>> # code_with_model("new.jsonl", "model/", out_path="coded.jsonl")
"""

from __future__ import annotations

import time
from pathlib import Path

from toolkit.coding.labels import read_coded_texts, read_texts
from toolkit.coding.learner import TextCoder
from toolkit.coding.model_folder import check_codebook, load_model, save_model


def learn_from_files(
    texts_path: Path,
    labels_path: Path,
    out_dir: Path,
    embedding: str | None = "minilm",
    seed: int = 42,
    embedder=None,
) -> dict:
    """Learn every code in ``labels_path`` from the texts in ``texts_path``; write ``out_dir``.

    Everything is checked before anything is written. Returns the model's record
    (``model.json``), with ``seconds`` (training time) added.
    """
    records, labels = read_coded_texts(Path(texts_path), Path(labels_path))
    start = time.perf_counter()
    coder = TextCoder(embedding=embedding, seed=seed, embedder=embedder)
    coder.fit([r["text"] for r in records], labels)
    trained_on = f"{Path(texts_path).name} + {Path(labels_path).name}"
    meta = save_model(coder, Path(out_dir), trained_on, len(records))
    meta["seconds"] = round(time.perf_counter() - start, 1)
    return meta


def code_with_model(
    in_path: Path,
    model_dir: Path,
    codebook_path: Path | None = None,
    out_path: Path | None = None,
    embedder=None,
) -> list[dict]:
    """Code each ``{"id", "text"}`` line with a learned model: ``{"id", "codes": [...]}``.

    With a codebook, the model must only know codes the codebook has; codes the model left to
    people (too few examples) or never saw are suggested by the codebook's own patterns and
    meanings, so no code of the codebook goes unsuggested.
    """
    from toolkit.study.tables import write_jsonl

    coder, meta = load_model(Path(model_dir), embedder=embedder)
    book = None
    if codebook_path is not None:
        from toolkit.coding.codebook import load_codebook

        book = load_codebook(codebook_path)
        check_codebook(meta, book, model_dir)
    records = read_texts(Path(in_path))
    texts = [r["text"] for r in records]
    found = coder.code(texts)
    if book is not None:
        found = _add_codebook_suggestions(found, texts, book, coder)
    out = [{"id": r["id"], "codes": codes} for r, codes in zip(records, found, strict=True)]
    if out_path is not None:
        write_jsonl(out, out_path)
    return out


def _add_codebook_suggestions(found, texts, book, coder) -> list[list[dict]]:
    """Codebook suggestions for the codes the model did not learn, after the model's own."""
    from toolkit.coding.suggest import AutoCoder

    learned = set(coder.learned_codes)
    rest = [c for c in book.codable_ids if c not in learned]
    if not rest:
        return found
    suggestions = AutoCoder(book, coder._get_embedder()).suggest(texts)
    merged = []
    for mine, theirs in zip(found, suggestions, strict=True):
        extra = [
            {"code": s.code, "score": s.score, "evidence": f"codebook: {s.evidence}"}
            for s in theirs
            if s.code in rest
        ]
        merged.append(mine + extra)
    return merged
