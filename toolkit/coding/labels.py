"""Read text that people have already coded: texts (JSONL) and their codes (CSV or XLSX).

Two layouts of the label file are understood, as teams export them:

long
    columns ``id,code``: one row per code applied to a text.
wide
    an ``id`` column and one column per code holding 1 where the code applies and blank (or
    0) where it does not, as in the public Friends and Family Test data.

Every text in the texts file counts as fully coded: a code not listed for it is a "no". Every
problem is reported with file, row and column, all at once; nothing is written.

Example
-------
>>> import tempfile, pathlib, json
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "t.jsonl").write_text(
...     "\\n".join(json.dumps({"id": i, "text": t})
...               for i, t in enumerate(["bus late", "no bus", "ok"])))
>>> _ = (folder / "l.csv").write_text("id,code\\n0,transport\\n1,transport\\n")
>>> texts, labels = read_coded_texts(folder / "t.jsonl", folder / "l.csv")
>>> labels.to_dict("list")
{'transport': [1, 1, 0]}
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.errors import (
    LABELS_CODE_ONE_EXAMPLE,
    LABELS_EMPTY,
    LABELS_NO_ID_COLUMN,
    LABELS_UNKNOWN_ID,
    LABELS_WIDE_VALUE,
    TEXT_EMPTY,
    ProblemCollector,
    UserError,
)

YES = {"1", "1.0", "true", "yes", "y", "x"}
NO = {"", "0", "0.0", "false", "no", "n", "nan"}


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or Excel sheet as text cells (blank cells are empty strings)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found, expected a CSV or XLSX file of codes")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: {LABELS_EMPTY}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: could not be read as CSV or XLSX ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.astype(str).str.strip())


def _id_column(frame: pd.DataFrame, path: Path) -> str:
    for column in frame.columns:
        if column.lower() == "id":
            return column
    raise UserError(f"{path}: {LABELS_NO_ID_COLUMN}")


def read_labels(path: Path, text_ids: list[str]) -> pd.DataFrame:
    """Labels as a texts x codes 0/1 table, rows in the order of ``text_ids``.

    Raises
    ------
    UserError
        Empty file, no ``id`` column, ids not in the texts, wide cells that are not 1/blank,
        codes with a single example.
    """
    path = Path(path)
    frame = read_table(path)
    if frame.empty:
        raise UserError(f"{path}: {LABELS_EMPTY}")
    id_col = _id_column(frame, path)
    code_col = next((c for c in frame.columns if c.lower() == "code"), None)
    problems = ProblemCollector()
    known = set(text_ids)
    for i, value in enumerate(frame[id_col], start=2):  # row 1 is the header
        if value not in known:
            problems.add(path, LABELS_UNKNOWN_ID, row=i, column=id_col, value=value)
    if code_col is not None and len(frame.columns) == 2:
        matrix = _long_to_matrix(frame, id_col, code_col, path, problems)
    else:
        matrix = _wide_to_matrix(frame, id_col, path, problems)
    problems.raise_if_any()
    matrix = matrix.reindex(text_ids).fillna(0).astype(int)
    _check_examples(matrix, path)
    return matrix.reset_index(drop=True)


def _long_to_matrix(frame, id_col, code_col, path, problems) -> pd.DataFrame:
    for i, value in enumerate(frame[code_col], start=2):
        if not value:
            problems.add(path, "the code is blank", row=i, column=code_col, expected="a code")
    pairs = frame[frame[code_col] != ""][[id_col, code_col]].drop_duplicates()
    codes = list(dict.fromkeys(pairs[code_col]))
    matrix = pd.crosstab(pairs[id_col], pairs[code_col]).clip(upper=1)
    return matrix.reindex(columns=codes)


def _wide_to_matrix(frame, id_col, path, problems) -> pd.DataFrame:
    codes = [c for c in frame.columns if c != id_col]
    if not codes:
        raise UserError(
            f"{path}: no code columns; expected columns id,code (one row per code applied) "
            "or an id column and one column per code"
        )
    out = {}
    for code in codes:
        values = frame[code].str.lower()
        bad = ~values.isin(YES | NO)
        for i in bad[bad].index:
            problems.add(path, LABELS_WIDE_VALUE, row=i + 2, column=code, value=frame.at[i, code])
        out[code] = values.isin(YES).astype(int).to_numpy()
    matrix = pd.DataFrame(out, index=frame[id_col].to_numpy())
    return matrix.groupby(level=0).max()  # an id listed twice: a code applied in either row


def _check_examples(matrix: pd.DataFrame, path: Path) -> None:
    counts = matrix.sum()
    single = [c for c in matrix.columns if counts[c] < 2]
    if single:
        raise UserError(
            [f"{path}, code {c!r}: {LABELS_CODE_ONE_EXAMPLE} (has {counts[c]})" for c in single]
        )


def read_coded_texts(texts_path: Path, labels_path: Path) -> tuple[list[dict], pd.DataFrame]:
    """The texts (``{"id", "text"}`` records) and their labels (texts x codes, 0/1)."""
    records = read_texts(texts_path)
    ids = [str(r["id"]) for r in records]
    return records, read_labels(labels_path, ids)


def read_texts(path: Path) -> list[dict]:
    """``{"id", "text"}`` lines with ids as strings; an empty text is an error."""
    from toolkit.jsonl import read_id_text_jsonl

    records = read_id_text_jsonl(path)
    # Blank lines are skipped when reading: find each record's line number in the file.
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    line_numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
    problems = ProblemCollector()
    for row, record in zip(line_numbers, records, strict=True):
        record["id"] = str(record["id"])
        if not record["text"].strip():
            problems.add(path, TEXT_EMPTY, row=row, column="text")
    if not records:
        problems.add(path, 'no texts, expected one {"id", "text"} object per line')
    problems.raise_if_any()
    return records
