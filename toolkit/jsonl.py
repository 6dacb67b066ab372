"""The command line's JSONL contract: one reader and one writer (DESIGN.md, "Command line").

``lxt redact``, ``lxt code``, ``lxt learn`` and ``lxt topics`` all read lines of
``{"id", "text"}``. They read them here, so a file that one command accepts (UTF-8 with or
without a byte-order mark, blank lines, Windows line endings) every command accepts, and a bad
file gets the same messages from all of them: one line per problem, with the row.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "in.jsonl"
>>> lines = '\\ufeff{"id": 1, "text": "Call me"}\\r\\n\\r\\n{"id": "b", "text": "ok"}\\n'
>>> _ = path.write_text(lines, encoding="utf-8")
>>> [(r["id"], r["text"]) for r in read_id_text_jsonl(path)]
[(1, 'Call me'), ('b', 'ok')]
>>> _ = path.write_text('{"id": 1}\\n{"id": 1, "text": "x"}\\n', encoding="utf-8")
>>> read_id_text_jsonl(path)
Traceback (most recent call last):
...
toolkit.errors.UserError: ...in.jsonl, row 1, column 'text': 'text' is missing or not text, ...
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.errors import Messages, Problem, ProblemCollector, UserError
from toolkit.study.tables import write_jsonl

__all__ = ["read_id_text_jsonl", "write_jsonl"]


def read_id_text_jsonl(path: str | Path, unique_ids: bool = True) -> list[dict]:
    """Read ``{"id", "text"}`` lines; raise :class:`UserError` listing every bad line.

    Parameters
    ----------
    path : the JSONL file (UTF-8; a byte-order mark and CRLF line endings are accepted)
    unique_ids : report an id used on more than one line (outputs are matched back by id)

    Returns
    -------
    The records as read (other keys are kept), in file order; blank lines are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(Problem(str(path), Messages.FILE_NOT_FOUND, expected="a JSONL file"))
    try:
        # utf-8-sig: Excel and Notepad on Windows put a byte-order mark at the start.
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise UserError(
            Problem(str(path), Messages.NOT_UTF8, expected="UTF-8 JSON lines")
        ) from None
    problems = ProblemCollector()
    records: list[dict] = []
    seen: set[str] = set()
    for row, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(
                path,
                f"not valid JSON ({exc.msg})",
                row=row,
                expected='one object per line like {"id": "1", "text": "..."}',
            )
            continue
        if not isinstance(record, dict):
            problems.add(path, "not a JSON object", row=row, expected='{"id": ..., "text": ...}')
            continue
        rid = record.get("id")
        if rid is None or isinstance(rid, (dict, list, bool)):
            problems.add(path, "'id' is missing or not a string or number", row=row, column="id")
            continue
        if not isinstance(record.get("text"), str):
            problems.add(
                path,
                "'text' is missing or not text",
                row=row,
                column="text",
                value=record.get("text"),
                expected="a string",
            )
            continue
        key = json.dumps(rid)
        if unique_ids and key in seen:
            problems.add(
                path,
                "duplicate id",
                row=row,
                column="id",
                value=rid,
                expected="a different id on every line",
            )
            continue
        seen.add(key)
        records.append(record)
    problems.raise_if_any()
    return records
