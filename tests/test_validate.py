"""`validate_study`: every problem with a study, at once, located as a person would look for it.

Rows are numbered as in Excel: the header is row 1 and the first data row is row 2.
"""

from __future__ import annotations

import pytest
from conftest import BAD_CASES, expected_line

from toolkit.study.validate import MAX_PROBLEMS_PER_KIND, validate_study


def lines(folder) -> list[str]:
    return [str(p) for p in validate_study(folder)]


def test_the_tiny_study_has_no_problems(tiny_study):
    assert validate_study(tiny_study) == []


def test_the_bad_corpus_has_at_least_fifteen_cases():
    assert len(BAD_CASES) >= 15


@pytest.mark.parametrize("case", BAD_CASES)
def test_each_broken_input_gives_one_clear_line(bad_study, case):
    found = lines(bad_study(case))
    expected = expected_line(case)
    assert any(expected in line for line in found), found
    for line in found:
        assert "\n" not in line and "Traceback" not in line


def test_problems_in_several_files_are_reported_together(tiny_study):
    baseline = tiny_study / "baseline.csv"
    baseline.write_text(baseline.read_text().replace("T-002,04/09/2025,5", "T-002,04/09/2025,9"))
    pathway = tiny_study / "pathway.csv"
    pathway.write_text(pathway.read_text().replace("2025-08-25", "next week"))
    found = lines(tiny_study)
    assert len(found) == 2
    assert found[0].startswith("baseline.csv, row 3, column 'swem_1': not a valid")
    assert found[1].startswith("pathway.csv, row 5, column 'referred_on': not a date")


def test_header_on_row_3_works_when_study_yml_says_so(bad_study):
    study = bad_study("xlsx_header_row_3")
    yml = study / "study.yml"
    yml.write_text(
        yml.read_text().replace(
            "file: followup_6m.xlsx, month: 6}", "file: followup_6m.xlsx, month: 6, header_row: 3}"
        )
    )
    assert validate_study(study) == []


def test_a_problem_in_an_xlsx_names_the_excel_row(bad_study):
    import openpyxl

    study = bad_study("xlsx_header_row_3")
    yml = study / "study.yml"
    yml.write_text(yml.read_text().replace("month: 6}", "month: 6, header_row: 3}"))
    book = openpyxl.load_workbook(study / "followup_6m.xlsx")
    book.active["C5"] = "Never"  # header on row 3, so the second person is on row 5
    book.save(study / "followup_6m.xlsx")
    assert lines(study) == [
        "followup_6m.xlsx, row 5, column 'swem_2': not a valid Short Warwick-Edinburgh Mental "
        "Wellbeing Scale answer: found 'Never', expected a whole number from 1 to 5 or one of "
        "'None of the time', 'Rarely', 'Some of the time', 'Often', 'All of the time'"
    ]


def test_a_50_mb_line_is_refused_with_its_row(tiny_study):
    baseline = tiny_study / "baseline.csv"
    with baseline.open("a", encoding="utf-8") as fh:
        fh.write("T-006," + "x" * 50_000_000 + "\n")
    found = lines(tiny_study)
    assert len(found) == 1
    assert found[0].startswith("baseline.csv, row 8: line is 50,000,006 characters long")
    assert len(found[0]) < 200


def test_many_copies_of_one_mistake_are_capped(tiny_study):
    extra = "".join(f"X-{i:03d},2025-09-03,3,3,3,3,3,3,3,5,5,5,5,Student,\n" for i in range(40))
    with (tiny_study / "baseline.csv").open("a", encoding="utf-8") as fh:
        fh.write(extra)
    found = lines(tiny_study)
    assert len(found) == MAX_PROBLEMS_PER_KIND + 1
    assert found[-1] == (
        "baseline.csv: 15 more problems like 'participant is not in the participant register' "
        "not shown"
    )


def test_missing_files_and_folders_are_named(tiny_study):
    (tiny_study / "pathway.csv").unlink()
    (tiny_study / "transcripts" / "T-001_baseline.txt").unlink()
    (tiny_study / "transcripts" / "T-004_followup_6m.vtt").unlink()
    (tiny_study / "transcripts").rmdir()
    assert lines(tiny_study) == [
        "transcripts: transcript folder not found, expected the folder named in study.yml "
        "(transcripts.folder)",
        "pathway.csv: file not found, expected the file named in study.yml",
    ]


def test_transcript_file_names_must_match_the_pattern(tiny_study):
    folder = tiny_study / "transcripts"
    (folder / "T-001_baseline.txt").rename(folder / "T-001 interview.txt")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    found = lines(tiny_study)
    assert found == [
        "transcripts/T-001 interview.txt: file name does not match transcripts.filename_pattern: "
        "found 'T-001 interview', expected '{participant_ref}_{wave}' with a wave from baseline, "
        "followup_6m",
        "transcripts/notes.pdf: unsupported transcript type '.pdf', expected a .txt, .docx, .vtt "
        "or .srt file",
    ]


def test_register_flags_and_deciles_are_checked(tiny_study):
    register = tiny_study / "participants.csv"
    register.write_text(register.read_text().replace("Woman,1,yes,yes", "Woman,0,perhaps,yes"))
    assert lines(tiny_study) == [
        "participants.csv, row 2, column 'imd_decile': not an IMD decile: found '0', expected a "
        "whole number from 1 (most deprived) to 10",
        "participants.csv, row 2, column 'plus_coastal': not a yes/no answer: found 'perhaps', "
        "expected yes or no (also accepted: y/n, true/false, 1/0)",
    ]


def test_unknown_instrument_and_item_are_reported_against_study_yml(tiny_study):
    yml = tiny_study / "study.yml"
    text = yml.read_text().replace("instrument: ons4", "instrument: ons5")
    text = text.replace('"7": swem_7}', '"8": swem_7}')
    yml.write_text(text)
    found = lines(tiny_study)
    assert found[0].startswith(
        "study.yml: instruments[0].items: unknown item(s) of swemwbs: found '8'"
    )
    assert found[1].startswith("study.yml: instruments[1]: unknown instrument 'ons5'")
    assert len(found) == 2


def test_validation_reads_but_never_changes_the_inputs(tiny_study):
    from toolkit.files import sha256_file

    before = {p: sha256_file(p) for p in tiny_study.rglob("*") if p.is_file()}
    validate_study(tiny_study)
    assert {p: sha256_file(p) for p in tiny_study.rglob("*") if p.is_file()} == before


def test_a_missing_codebook_is_reported_before_a_long_run(tiny_study):
    yml = tiny_study / "study.yml"
    yml.write_text(yml.read_text() + "codebook: codebooks/missing.yml\n")
    assert lines(tiny_study) == [
        "codebooks/missing.yml: codebook file not found, expected the codebook named in "
        "study.yml (codebook:)"
    ]


def _with_employer_column(study, values: list[str]) -> None:
    """Name an NHS-employer column in study.yml and add it to the tiny pathway file."""
    yml = study / "study.yml"
    yml.write_text(
        yml.read_text().replace(
            "  stages: {referred: referred_on, started: started_on}",
            "  stages: {referred: referred_on, started: started_on}\n  nhs_employer: nhs_job",
        )
    )
    pathway = study / "pathway.csv"
    rows = pathway.read_text().splitlines()
    rows = [f"{rows[0]},nhs_job"] + [f"{r},{v}" for r, v in zip(rows[1:], values, strict=True)]
    pathway.write_text("\n".join(rows) + "\n")


def test_an_nhs_employer_column_must_hold_yes_or_no(tiny_study):
    _with_employer_column(tiny_study, ["yes", "", "maybe", ""])
    assert lines(tiny_study) == [
        "pathway.csv, row 4, column 'nhs_job': not a yes/no answer: found 'maybe', "
        "expected yes or no (also accepted: y/n, true/false, 1/0)"
    ]


def test_the_ingested_pathway_says_who_employs_each_starter(tiny_study, tmp_path):
    import pandas as pd

    from toolkit.study.pipeline import run_study

    _with_employer_column(tiny_study, ["yes", "", "no", ""])
    run_study(tiny_study, out=tmp_path / "out", stages=["ingest"], progress=False)
    pathway = pd.read_parquet(tmp_path / "out" / "data" / "pathway.parquet")
    employer = pathway.sort_values("started")["nhs_employer"].tolist()
    # Starters first (by start date): T-001 (NHS), T-004 (not NHS); then two not known.
    assert employer[:2] == [True, False]
    assert pd.isna(employer[2]) and pd.isna(employer[3])
