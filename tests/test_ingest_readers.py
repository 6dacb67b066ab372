"""Reading survey exports the way they arrive: Excel CSVs in three encodings, XLSX, SPSS."""

from __future__ import annotations

from datetime import date

import pytest

from toolkit.errors import UserError
from toolkit.ingest.readers import parse_date, parse_flag, read_table

ROWS = "participant_ref,q_support\r\nA1,Café on Tuesdays – really helped\r\nA2,\r\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1252"], ids=["utf8", "utf8-bom", "windows-1252"]
)
def test_csv_in_each_excel_encoding_reads_the_same(tmp_path, encoding):
    path = tmp_path / "wave.csv"
    path.write_bytes(ROWS.encode(encoding))
    sheet = read_table(path, required="participant_ref")
    assert sheet.columns == ["participant_ref", "q_support"]  # no BOM glued to the name
    assert sheet.frame["q_support"].tolist() == ["Café on Tuesdays – really helped", ""]
    assert sheet.rows == [2, 3]


def test_row_numbers_match_excel_across_blank_lines_and_multiline_cells(tmp_path):
    path = tmp_path / "wave.csv"
    path.write_text('id,answer\nA1,"two\nlines"\n\nA2,x\n,\nA3,y\n', encoding="utf-8")
    sheet = read_table(path)
    # Excel shows the quoted two-line cell as one row (2), the blank line as row 3.
    assert sheet.rows == [2, 4, 6]
    assert sheet.frame["id"].tolist() == ["A1", "A2", "A3"]


def test_numbers_and_dates_from_xlsx_read_as_a_person_typed_them(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Export from the survey tool"])
    sheet.append([])
    sheet.append(["participant_ref", "swem_1", "completed_on", "weight"])
    sheet.append(["A1", 3, date(2025, 9, 30), 1.5])
    sheet.append([None, None, None, None])
    sheet.append(["A2", 4.0, "30/09/2025", None])
    book.save(tmp_path / "wave.xlsx")
    read = read_table(tmp_path / "wave.xlsx", header_row=3, required="participant_ref")
    assert read.frame.values.tolist() == [
        ["A1", "3", "2025-09-30", "1.5"],
        ["A2", "4", "30/09/2025", ""],
    ]
    assert read.rows == [4, 6]


def test_xlsx_sheet_by_name_and_a_missing_sheet(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["ignore me"])
    other = book.create_sheet("Wave 2")
    other.append(["participant_ref"])
    other.append(["B7"])
    book.save(tmp_path / "w.xlsx")
    assert read_table(tmp_path / "w.xlsx", sheet="Wave 2").frame["participant_ref"].tolist() == [
        "B7"
    ]
    with pytest.raises(UserError) as error:
        read_table(tmp_path / "w.xlsx", sheet="Wave 3")
    assert (
        "there is no sheet called 'Wave 3', expected one of Sheet, Wave 2" in error.value.lines[0]
    )


def test_spss_sav_values_and_strings(tmp_path):
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"participant_ref": ["A1", "A2"], "swem_1": [3.0, float("nan")]})
    pyreadstat.write_sav(frame, str(tmp_path / "wave.sav"))
    sheet = read_table(tmp_path / "wave.sav", required="participant_ref")
    assert sheet.frame.values.tolist() == [["A1", "3"], ["A2", ""]]
    assert sheet.rows == [2, 3]


def test_duplicate_column_names_are_refused(tmp_path):
    (tmp_path / "w.csv").write_text("id,score,score\nA1,1,2\n", encoding="utf-8")
    with pytest.raises(UserError) as error:
        read_table(tmp_path / "w.csv")
    assert error.value.lines == [
        f"{tmp_path / 'w.csv'}, row 1, column 'score': two columns have the same name, "
        "expected unique column names"
    ]


def test_unsupported_file_type(tmp_path):
    (tmp_path / "w.ods").write_bytes(b"PK")
    with pytest.raises(UserError, match="unsupported file type '.ods'"):
        read_table(tmp_path / "w.ods")


def test_flags_and_dates():
    assert [parse_flag(v) for v in ("Yes", " n ", "TRUE", "0", "")] == [
        True,
        False,
        True,
        False,
        None,
    ]
    with pytest.raises(ValueError, match="yes or no"):
        parse_flag("maybe")
    assert parse_date("2026-01-12") == date(2026, 1, 12)
    assert parse_date("12/01/2026") == date(2026, 1, 12)  # UK: day first
    assert parse_date("2026-01-12 09:30:00") == date(2026, 1, 12)
    for bad in ("31/02/2026", "next week", "2026-13-01"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_an_unreadable_file_is_a_clear_problem(tmp_path, monkeypatch):
    path = tmp_path / "w.csv"
    path.write_text("id\nA1\n", encoding="utf-8")

    def locked(self):  # as when Excel holds the file open on Windows
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", locked)
    with pytest.raises(UserError) as error:
        read_table(path)
    assert error.value.lines == [
        f"{path}: the file cannot be opened (no permission to read it), expected a file you can "
        "read; close it in Excel and check its permissions"
    ]
