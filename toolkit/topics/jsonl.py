"""Topic modelling of a JSONL file of texts (``lxt topics IN.jsonl``), without a study.

Input lines are ``{"id": ..., "text": ...}``; output lines ``{"id", "topic", "label",
"probability"}`` in input order (DESIGN.md, "Command line"). Texts are modelled as given, so
they should already be redacted (``lxt redact``). Every problem in the input is reported at
once with its line number, before anything is written.

Example
-------
>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "answers.jsonl"
>>> _ = path.write_text('{"id": 1, "text": "No bus before seven."}\\n'
...                     '{"id": 2, "text": "Job club helped with the forms."}\\n')
>>> read_texts(path)
   id                             text
0   1             No bus before seven.
1   2  Job club helped with the forms.

Fitting the topics embeds the texts and fits BERTopic, so that step is shown rather than
run (``tests/test_topics.py`` runs ``lxt topics``, which calls it)::

    lines, summary = topics_for_texts(read_texts("answers.jsonl"), seed=42)
    sorted(lines[0])    # ['id', 'label', 'probability', 'topic']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import Problem, UserError
from toolkit.jsonl import read_id_text_jsonl


def read_texts(path: str | Path) -> pd.DataFrame:
    """Read ``{"id", "text"}`` lines (:func:`toolkit.jsonl.read_id_text_jsonl`) as a frame."""
    records = read_id_text_jsonl(path)
    if not records:
        raise UserError(
            Problem(str(path), "no texts found", expected='lines like {"id": 1, "text": "..."}')
        )
    return pd.DataFrame({"id": [r["id"] for r in records], "text": [r["text"] for r in records]})


def topics_for_texts(
    records: pd.DataFrame,
    seed: int = 42,
    embedding: str = "minilm",
    stability_runs: int = 0,
    min_topic_size: int | None = None,
    cache_dir: str | Path | None = None,
) -> tuple[list[dict], pd.DataFrame]:
    """Fit topics on ``records`` (id, text); return output lines and a summary table."""
    from toolkit.embeddings.backends import get_embedder
    from toolkit.topics.quality import npmi_per_topic
    from toolkit.topics.stability import topic_stability
    from toolkit.topics.stage import model_topics, skip_reason, spoken_mask

    frame = records.assign(text=records["text"].astype(str))
    # Too little text is said before the embedding model loads, which takes seconds.
    reason = skip_reason(frame["text"].tolist(), spoken_mask(frame))
    if reason:
        raise UserError("Topics: " + reason)
    embedder = get_embedder(embedding, cache_dir=cache_dir, seed=seed)
    fitted, embeddings, _ = model_topics(frame, embedder, seed=seed, min_topic_size=min_topic_size)
    texts = frame["text"].tolist()
    labels = {t: fitted.label(t) for t in set(fitted.topics.tolist())}
    lines = [
        {"id": key, "topic": int(t), "label": labels[int(t)], "probability": round(float(p), 4)}
        for key, t, p in zip(frame["id"], fitted.topics, fitted.probability, strict=True)
    ]
    ids = fitted.topic_ids
    npmi = dict(zip(ids, npmi_per_topic([fitted.keywords(t) for t in ids], texts), strict=True))
    rows = [
        {
            "topic": t,
            "label": labels[t],
            "size": int(np.sum(fitted.topics == t)),
            "n_filler": int(np.sum((fitted.topics == t) & (fitted.assigned_by == "filler"))),
            "keywords": ", ".join(fitted.keywords(t)) if t >= 0 else "",
            "npmi": round(npmi[t], 4) if t in npmi else None,
        }
        for t in sorted(labels)
    ]
    summary = pd.DataFrame(rows)
    if stability_runs > 0 and ids:
        stability, _ = topic_stability(fitted, texts, embeddings, embedder, runs=stability_runs)
        summary = summary.merge(stability, on="topic", how="left")
        summary["stable"] = summary["stable"].fillna(False).astype(bool)
    return lines, summary
