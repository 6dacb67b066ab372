"""Redact a JSONL file of ``{"id", "text"}`` lines: what ``lxt redact`` does.

Output lines are ``{"id", "text": <redacted>, "spans": [{"start", "end", "label"}]}`` with
offsets into the input text (DESIGN.md, "Command line"). The redaction itself is
:meth:`toolkit.privacy.redact.Redactor.redact_many`, the same function ingest and the
REFI-QDA export use.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tqdm import tqdm

from toolkit.jsonl import read_id_text_jsonl
from toolkit.privacy.redact import Redactor
from toolkit.study.tables import write_jsonl

REDACT_BATCH = 256  # lines redacted per batch: big enough for spaCy, small enough for memory


def redact_jsonl(source: Path, target: Path | None, study: Path | None = None) -> int:
    """Redact ``{"id", "text"}`` lines; write ``{"id", "text", "spans"}`` lines. Returns count."""
    records = [(r["id"], r["text"]) for r in read_id_text_jsonl(source)]
    if study is not None:
        from toolkit.study.config import load_study
        from toolkit.study.validate import read_study_inputs

        loaded = load_study(study)
        inputs, _ = read_study_inputs(loaded)
        redactor = Redactor.for_study(loaded, inputs.all_names())
    else:
        redactor = Redactor.default()
    out = []
    show = len(records) > REDACT_BATCH and sys.stderr.isatty()
    with tqdm(total=len(records), disable=not show, desc="Redacting", unit="text") as bar:
        for first in range(0, len(records), REDACT_BATCH):
            batch = records[first : first + REDACT_BATCH]
            for (rid, _), done in zip(
                batch, redactor.redact_many([t for _, t in batch]), strict=True
            ):
                out.append({"id": rid, **done.as_record()})
            bar.update(len(batch))
    if target is None:
        for record in out:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        write_jsonl(out, target)
    return len(out)
