"""Read the survey files a study names: CSV, Excel (.xlsx) and SPSS (.sav).

Every reader returns a :class:`Sheet`: all cells as text (``""`` when blank), the column
names, and for each data row the row number **a person sees in Excel**: the header is row 1
and the first data row is row 2 (with ``header_row: 3`` the first data row is row 4). Every
error message about a cell uses that row number.

CSV files may be saved as UTF-8 (with or without the byte-order mark Excel adds) or as
Windows-1252 (Excel's "CSV" on a UK Windows machine). Anything else, such as UTF-16
("Unicode text") or a binary file with a ``.csv`` name, is reported, not guessed at.

Problems with the file as a whole (missing, empty, binary, wrong encoding, a line too long to
be real data) raise :class:`~toolkit.errors.UserError`.

Example
-------
>>> from toolkit.resources import example_study_dir
>>> sheet = read_table(example_study_dir() / "baseline.csv")
>>> sheet.rows[:2], sheet.columns[:2]
([2, 3], ['participant_ref', 'completed_on'])
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from toolkit.errors import Messages, Problem, UserError

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".sav")
# No survey answer is a million characters long; a line that is means the file is not what
# study.yml says it is (a log, a dump, a corrupted export). Checked before parsing.
MAX_LINE_CHARS = 1_000_000
# How far down to look for the real header row when the named one is wrong.
HEADER_SEARCH_ROWS = 20


@dataclass
class Sheet:
    """One table read from a file: text cells plus the Excel-style row number of each row."""

    path: Path
    frame: pd.DataFrame  # every cell a str, "" when blank
    rows: list[int]  # Excel-style row number of each frame row
    header_row: int = 1

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def __len__(self) -> int:
        return len(self.frame)


def _cell_text(value: object) -> str:
    """One cell as text, the way a person would type it."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))  # Excel and SPSS store 3 as 3.0
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def decode_text(raw: bytes, path: Path) -> str:
    """Decode a CSV file's bytes as UTF-8 (BOM or not) or Windows-1252; else raise."""
    name = str(path)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UserError(
            Problem(
                name,
                "the file is saved as UTF-16 ('Unicode text')",
                expected="a CSV saved as 'CSV UTF-8' (or plain 'CSV') from Excel",
            )
        )
    if raw.startswith(b"PK\x03\x04"):
        raise UserError(
            Problem(
                name,
                "this is an Excel workbook or zip file with a .csv name",
                expected="a CSV text file (or rename it to .xlsx and update study.yml)",
            )
        )
    if b"\x00" in raw[:65536]:
        raise UserError(
            Problem(
                name,
                "this is not a text file (it contains zero bytes: binary data, or "
                "UTF-16 text without a byte-order mark)",
                expected="a CSV text file",
            )
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            Problem(
                name,
                "the file has characters that are neither UTF-8 nor Windows-1252",
                row=row,
                value=f"byte 0x{raw[exc.start]:02X}",
                expected="a CSV saved as 'CSV UTF-8' from Excel",
            )
        ) from None


def _check_line_lengths(text: str, path: Path) -> None:
    start = 0
    row = 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if end - start > MAX_LINE_CHARS:
            raise UserError(
                Problem(
                    str(path),
                    f"line is {end - start:,} characters long",
                    row=row,
                    expected=f"lines of at most {MAX_LINE_CHARS:,} characters "
                    "(is this the right file?)",
                )
            )
        start = end + 1
        row += 1


def _from_records(records: list[list[object]], path: Path, header_row: int) -> Sheet:
    """Build a Sheet from raw rows (row 1 first), taking the header from ``header_row``."""
    if len(records) < header_row:
        raise UserError(
            Problem(
                str(path),
                "the file has no header row",
                row=header_row,
                expected="column names on the row study.yml names (header_row)",
            )
        )
    header = [_cell_text(v) for v in records[header_row - 1]]
    while header and header[-1] == "":
        header.pop()
    problems = []
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name in seen:
            problems.append(
                Problem(
                    str(path),
                    "two columns have the same name",
                    row=header_row,
                    column=name,
                    expected="unique column names",
                )
            )
        seen.setdefault(name, i)
    if problems:
        raise UserError(problems)
    width = len(header)
    names = [name or f"(unnamed column {i + 1})" for i, name in enumerate(header)]
    body, rows = [], []
    for offset, record in enumerate(records[header_row:]):
        cells = [_cell_text(v) for v in record]
        if not any(cells):
            continue  # blank rows are skipped, but keep counting them for row numbers
        cells = (cells + [""] * width)[:width] if len(cells) <= width else cells[:width]
        body.append(cells)
        rows.append(header_row + 1 + offset)
    frame = (
        pd.DataFrame(body, columns=names, dtype=object)
        if body
        else pd.DataFrame(columns=names, dtype=object)
    )
    return Sheet(path=path, frame=frame, rows=rows, header_row=header_row)


def read_csv_records(path: Path) -> list[list[str]]:
    """Every record of a CSV file as a list of text cells (no header handling)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise UserError(Problem(str(path), "the file is empty", expected="a header row and data"))
    text = decode_text(raw, path)
    _check_line_lengths(text, path)
    import csv

    csv.field_size_limit(MAX_LINE_CHARS + 1)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise UserError(Problem(str(path), f"the CSV file cannot be read ({exc})")) from None


def read_xlsx_records(path: Path, sheet: str | int | None = None) -> list[list[object]]:
    """Every row of one worksheet (row 1 first), as cell values."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UserError(
            Problem(
                str(path),
                f"the Excel file cannot be opened ({type(exc).__name__})",
                expected="an .xlsx workbook saved by Excel or LibreOffice",
            )
        ) from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 1 <= sheet <= len(book.worksheets):
                raise UserError(
                    Problem(
                        str(path),
                        f"there is no sheet number {sheet}",
                        expected=f"1 to {len(book.worksheets)}",
                    )
                )
            ws = book.worksheets[sheet - 1]
        else:
            if sheet not in book.sheetnames:
                raise UserError(
                    Problem(
                        str(path),
                        f"there is no sheet called {sheet!r}",
                        expected="one of " + ", ".join(book.sheetnames),
                    )
                )
            ws = book[sheet]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def read_sav_records(path: Path) -> list[list[object]]:
    """Every case of an SPSS file, with the variable names as row 1."""
    import pyreadstat

    try:
        frame, _meta = pyreadstat.read_sav(str(path))
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError subtypes
        raise UserError(
            Problem(
                str(path),
                f"the SPSS file cannot be read ({type(exc).__name__})",
                expected="an SPSS .sav file",
            )
        ) from None
    return [list(frame.columns)] + frame.astype(object).values.tolist()


def read_records(path: str | Path, sheet: str | int | None = None) -> list[list[object]]:
    """Raw rows of a survey file, whatever its format (row 1 first)."""
    path = Path(path)
    if not path.exists():
        raise UserError(
            Problem(str(path), Messages.FILE_NOT_FOUND, expected="the file named in study.yml")
        )
    if path.is_dir():
        raise UserError(Problem(str(path), "this is a folder", expected="a file"))
    try:
        return _read_records(path, sheet)
    except PermissionError:
        raise UserError(
            Problem(
                str(path),
                "the file cannot be opened (no permission to read it)",
                expected="a file you can read; close it in Excel and check its permissions",
            )
        ) from None


def _read_records(path: Path, sheet: str | int | None) -> list[list[object]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_records(path)
    if path.stat().st_size == 0:
        raise UserError(Problem(str(path), "the file is empty", expected="a header row and data"))
    if suffix == ".xlsx":
        return read_xlsx_records(path, sheet)
    if suffix == ".sav":
        return read_sav_records(path)
    raise UserError(
        Problem(
            str(path),
            f"unsupported file type {suffix or '(none)'!r}",
            expected="a .csv, .xlsx or .sav file",
        )
    )


def find_header_row(records: list[list[object]], column: str) -> int | None:
    """The first row (1-based) within the first rows that contains ``column``, if any."""
    for i, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        if column in {_cell_text(v) for v in record}:
            return i + 1
    return None


def read_table(
    path: str | Path,
    header_row: int = 1,
    sheet: str | int | None = None,
    required: str | None = None,
) -> Sheet:
    """Read a survey file into a :class:`Sheet` of text cells.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx`` or ``.sav`` file.
    header_row : int
        The row holding the column names, counted as in Excel (1 = first row).
    sheet : str or int, optional
        Worksheet name or number (1 = first) for ``.xlsx`` files.
    required : str, optional
        A column that must be in the header (usually the id column). When it is missing but
        appears on another row near the top, the error says which ``header_row`` to use.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> data = "id,score\\r\\nA1,3\\r\\n\\r\\nA2,caf\\xe9\\r\\n".encode("cp1252")
    >>> _ = (folder / "w.csv").write_bytes(data)
    >>> sheet = read_table(folder / "w.csv")
    >>> sheet.rows, sheet.frame["score"].tolist()
    ([2, 4], ['3', 'café'])
    """
    path = Path(path)
    records = read_records(path, sheet)
    if not any(any(_cell_text(v) for v in r) for r in records):
        raise UserError(Problem(str(path), "the file is empty", expected="a header row and data"))
    if required is not None:
        header = (
            {_cell_text(v) for v in records[header_row - 1]}
            if len(records) >= header_row
            else set()
        )
        if required not in header:
            found = find_header_row(records, required)
            if found is not None:
                raise UserError(
                    Problem(
                        str(path),
                        f"the column names are on row {found}, not row {header_row}",
                        row=header_row,
                        column=required,
                        expected=f"header_row: {found} for this file in study.yml",
                    )
                )
            raise UserError(
                Problem(
                    str(path),
                    "column not found",
                    row=header_row,
                    column=required,
                    expected="a column with this exact name (check study.yml); found "
                    + _list_names(sorted(header - {""})),
                )
            )
    return _from_records(records, path, header_row)


def _list_names(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown or "no column names"


# -- cell values ------------------------------------------------------------------------------

_TRUE = {"yes", "y", "true", "t", "1", "ticked", "x"}
_FALSE = {"no", "n", "false", "f", "0"}
FLAG_EXPECTED = "yes or no (also accepted: y/n, true/false, 1/0)"
DATE_EXPECTED = "a date such as 2025-09-30 or 30/09/2025 (day first)"


def parse_flag(text: str) -> bool | None:
    """Read a yes/no cell: True, False, or None when blank; ValueError when unclear.

    >>> parse_flag(" Yes "), parse_flag("0"), parse_flag("")
    (True, False, None)
    """
    value = text.strip().casefold()
    if value == "":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(FLAG_EXPECTED)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_UK = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")


def parse_date(text: str) -> date | None:
    """Read a date cell (ISO or UK day-first); None when blank; ValueError when not a date.

    UK exports write dates day first, so ``03/04/2025`` is the 3rd of April.

    >>> parse_date("2025-09-30"), parse_date("03/04/2025"), parse_date("")
    (datetime.date(2025, 9, 30), datetime.date(2025, 4, 3), None)
    """
    value = text.strip()
    if value == "":
        return None
    try:
        if match := _ISO.fullmatch(value):
            y, m, d = (int(g) for g in match.groups())
            return date(y, m, d)
        if match := _UK.fullmatch(value):
            d, m, y = (int(g) for g in match.groups())
            return date(y, m, d)
    except ValueError:
        raise ValueError(DATE_EXPECTED + " that exists on the calendar") from None
    raise ValueError(DATE_EXPECTED)
