"""Keep every stage offline (DESIGN.md principle 4).

Hugging Face and friends look for these variables before touching the network; the toolkit
sets them itself so that no user has to remember to. Call :func:`enforce_offline` before
importing sentence-transformers, transformers, BERTopic or spaCy pipelines.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
