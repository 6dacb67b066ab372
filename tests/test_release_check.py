"""`lxt check-release`: nothing identifying and no unsafe count leaves in a report or export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from toolkit.errors import RELEASE_INTERNAL_FOLDER
from toolkit.privacy.disclosure import DisclosureRule, html_table, publish_csv
from toolkit.privacy.release_check import Finding, check_release, unchecked_files
from toolkit.study.config import load_study


@pytest.fixture(scope="module")
def example_study():
    return load_study("surveys/example")


def clean_release(folder: Path) -> Path:
    """A small, safe release: a disclosure-controlled table, a report and a notebook."""
    rule = DisclosureRule()
    counts = pd.DataFrame(
        {
            "cohort": ["clacton", "southend", "basildon"],
            "started": [3, 40, 22],
            "not_started": [20, 31, 9],
        }
    )
    publish_csv(counts, folder / "tables" / "jobs_by_cohort.csv", rule)
    shown = rule.table(counts)
    (folder / "report.html").write_text(
        "<html><head><style>.x{color:#E69F00}</style></head><body>"
        "<h1>Routes into work</h1><p>[PERSON_1] said the course helped.</p>"
        "<p>Guidance: https://www.england.nhs.uk/about/equality/</p>"
        f"{html_table(shown)}</body></html>",
        encoding="utf-8",
    )
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["print('ok')"],
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "text": ["40 people\n"]}],
            }
        ]
    }
    (folder / "report.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return folder


def test_a_clean_release_has_no_findings(tmp_path, example_study):
    assert check_release(clean_release(tmp_path), example_study) == []


def test_planted_identifiers_are_found_in_every_format(tmp_path):
    folder = clean_release(tmp_path)
    (folder / "quotes.html").write_text(
        "<html><body>\n<p>Call me on 07700 900123</p>\n<p>fine</p>\n"
        "<p>NHS number 943 476 5919</p></body></html>",
        encoding="utf-8",
    )
    (folder / "export.json").write_text(json.dumps({"quotes": ["email me: jo@example.org"]}))
    book = Workbook()
    book.active.append(["theme", "quote"])
    book.active.append(["housing", "I live at 14 Victoria Road, SS1 1AA"])
    book.save(folder / "quotes.xlsx")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": [],
                "execution_count": 3,
                "outputs": [
                    {"output_type": "execute_result", "data": {"text/plain": ["'QQ 12 34 56 C'"]}}
                ],
            }
        ]
    }
    (folder / "analysis.ipynb").write_text(json.dumps(notebook))
    found = {(f.file, f.location, f.detail.split()[0]) for f in check_release(folder)}
    assert found == {
        ("quotes.html", "line 2", "PHONE"),
        ("quotes.html", "line 4", "NHS_NUMBER"),
        ("export.json", "$.quotes[0]", "EMAIL"),
        ("quotes.xlsx", "sheet 'Sheet', row 2, column 'quote'", "ADDRESS"),
        ("quotes.xlsx", "sheet 'Sheet', row 2, column 'quote'", "POSTCODE"),
        ("analysis.ipynb", "cell 1 output, line 1", "NI_NUMBER"),
    }


def test_findings_do_not_repeat_the_identifier(tmp_path):
    (tmp_path / "a.txt").write_text("NHS 943 476 5919\n")
    (finding,) = check_release(tmp_path)
    assert "943 476" not in str(finding) and finding.detail == "NHS_NUMBER '94…'"


def test_an_unsuppressed_count_of_three_fails(tmp_path):
    folder = clean_release(tmp_path)
    table = folder / "tables" / "jobs_by_cohort.csv"
    table.write_text(table.read_text().replace("clacton,*,*", "clacton,3,*"))
    assert check_release(folder) == [
        Finding(
            "tables/jobs_by_cohort.csv",
            "row 2, column 'started'",
            "small count",
            "count of 3 shown (must be '*')",
        )
    ]


def test_unrounded_and_small_counts_in_report_tables_fail(tmp_path):
    shown = DisclosureRule().table(pd.DataFrame({"group": ["a", "b"], "n": [12, 30]}))
    html = (
        html_table(shown).replace("<td>10</td>", "<td>12</td>").replace("<td>30</td>", "<td>3</td>")
    )
    (tmp_path / "report.html").write_text(f"<html><body>\n{html}</body></html>")
    details = [f.detail for f in check_release(tmp_path)]
    assert details == ["count of 12 not rounded to the nearest 5", "count of 3 shown (must be '*')"]


def test_count_columns_of_unmarked_csvs_are_checked(tmp_path):
    pd.DataFrame({"code": ["barriers", "support"], "n": [5, 40]}).to_csv(
        tmp_path / "x.csv", index=False
    )
    assert [f.location for f in check_release(tmp_path)] == ["row 2, column 'n'"]


def test_participant_references_and_register_names_are_found(tmp_path, example_study):
    (tmp_path / "notes.md").write_text(
        "# Notes\nQuote from CLA-0001 about the course.\nInterviewed by Shanice Bello.\n"
        "Shabnam said it helped.\n| transcripts/CLA-0002_baseline.txt | 6f06df1f |\n"
    )
    found = [(f.location, f.kind) for f in check_release(tmp_path, example_study)]
    assert found == [
        ("line 2", "participant reference"),
        ("line 3", "register name"),
        ("line 4", "register name"),
        ("line 5", "participant reference"),
    ]


def test_cli_exits_1_and_lists_every_finding(tmp_path):
    folder = clean_release(tmp_path)
    (folder / "leak.csv").write_text("quote\nring 07700 900123\n")
    lxt = Path(sys.executable).parent / "lxt"
    run = subprocess.run([str(lxt), "check-release", str(folder)], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stdout.splitlines() == ["leak.csv, row 2, column 'quote': PHONE '07…' (identifier)"]
    (folder / "leak.csv").unlink()
    run = subprocess.run([str(lxt), "check-release", str(folder)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_identifiers_in_a_pdf_are_found_by_page(tmp_path):
    import shutil

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is installed by `make report-deps`")
    with PdfPages(tmp_path / "report.pdf") as pdf:
        for text in ("What you told us", "Ring Jo on 07700 900123 any time"):
            fig = Figure()
            fig.text(0.1, 0.5, text)
            pdf.savefig(fig)
    found = [(f.location, f.detail) for f in check_release(tmp_path)]
    assert found == [("page 2, line 1", "PHONE '07…'")]


def test_identifiers_inside_a_qdpx_project_are_found(tmp_path, example_study):
    import zipfile

    project = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="example">'
        '<Cases><Case guid="3e7827f0-0588-4bc5-a29b-cd0337431293" name="p_3f9a">'
        "<Description>CLA-0001</Description></Case></Cases>"
        "</Project>"
    )
    with zipfile.ZipFile(tmp_path / "example.qdpx", "w") as zf:
        zf.writestr("project.qde", project)
        zf.writestr("sources/a.txt", "I moved.\nNow at 27 High Street, SS1 1AA.\n")
    findings = check_release(tmp_path, example_study)
    found = [(f.file, f.location, f.kind) for f in findings]
    assert found == [
        ("example.qdpx!project.qde", "<Description>", "participant reference"),
        ("example.qdpx!sources/a.txt", "line 2", "identifier"),
        ("example.qdpx!sources/a.txt", "line 2", "identifier"),
    ]
    (tmp_path / "broken.qdpx").write_bytes(b"not a zip")
    kinds = {f.file: f.kind for f in check_release(tmp_path, example_study)}
    assert kinds["broken.qdpx"] == "unreadable"


def test_digests_guids_and_decimals_are_not_phone_numbers(tmp_path):
    # What the toolkit itself writes: READY.json keys a report by its sha256, topics.json
    # holds probabilities, REFI-QDA and run logs hold GUIDs.
    (tmp_path / "READY.json").write_text(
        json.dumps(
            {
                "evaluation_report.html": {
                    "sha256": "9f2c4e1b77a0d3e5c6b8a9f0e1d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a",
                    "commit": "38ed06b1c0e7f2a4d5b6c7e8f9a0b1c2d3e4f5a6",
                    "checked_at": "2026-12-01T07:00:00+00:00",
                }
            }
        )
    )
    (tmp_path / "topics.json").write_text(
        json.dumps({"probabilities": [0.07700900123456, 0.01632960123, 1.2e-05, 0.5]})
    )
    (tmp_path / "run.log").write_text("run 3e7827f0-0588-4bc5-a29b-cd0337431293 finished\n")
    assert check_release(tmp_path) == []


def test_a_phone_number_next_to_decimals_is_still_found(tmp_path):
    (tmp_path / "notes.txt").write_text("score 0.912345, ring 07700 900123, p = 0.0412\n")
    assert [f.detail for f in check_release(tmp_path)] == ["PHONE '07…'"]


def test_parquet_tables_are_read_like_csv(tmp_path):
    pd.DataFrame({"quote": ["fine", "ring 07700 900123"], "n": [40, 3]}).to_parquet(
        tmp_path / "quotes.parquet"
    )
    found = [(f.file, f.location, f.kind) for f in check_release(tmp_path)]
    assert found == [
        ("quotes.parquet", "row 3, column 'quote'", "identifier"),
        ("quotes.parquet", "row 3, column 'n'", "small count"),
    ]


def test_internal_folders_are_named_as_not_for_release_and_not_scanned(tmp_path):
    clean_release(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "documents.csv").write_text("text\nring 07700 900123\n")
    (tmp_path / "models" / "topics").mkdir(parents=True)
    (tmp_path / "models" / "topics" / "topics.json").write_text('{"a": 1}')
    (tmp_path / "models" / "topics" / "embeddings.npy").write_bytes(b"\x00")
    found = [(f.file, f.kind, f.detail) for f in check_release(tmp_path)]
    assert found == [
        ("data/", "not for release", RELEASE_INTERNAL_FOLDER.format(files=1)),
        ("models/", "not for release", RELEASE_INTERNAL_FOLDER.format(files=2)),
    ]
    assert unchecked_files(tmp_path) == []


@pytest.mark.parametrize(
    "path",
    [
        "/home/jsmith/lxt/surveys/essex",
        "/Users/jsmith/Documents/study",
        r"C:\Users\jsmith\OneDrive\study",
        r"S:\Research\Essex peer study",
        r"\\trust-fs01\research$\essex",
    ],
)
def test_an_absolute_path_of_the_machine_in_a_report_is_a_finding(tmp_path, path):
    (tmp_path / "report.html").write_text(
        f"<html><body>\n<p>Method</p>\n<p>Data read from {path} on 1 May.</p></body></html>"
    )
    found = [(f.location, f.kind) for f in check_release(tmp_path)]
    assert found == [("line 3", "absolute path")]


def test_the_study_folder_is_a_finding_wherever_it_lives(tmp_path, example_study):
    study_folder = Path(example_study.folder).resolve()
    (tmp_path / "methods.md").write_text(f"Inputs: {study_folder}/tables\nSee the web page.\n")
    found = [(f.location, f.kind) for f in check_release(tmp_path, example_study)]
    assert found == [("line 1", "absolute path")]


def test_web_addresses_and_relative_paths_are_not_absolute_paths(tmp_path):
    (tmp_path / "report.md").write_text(
        "See https://www.england.nhs.uk/home/about/ and tables/jobs.csv.\n"
        "Time 10:30, ratio 3:1, surveys/example/study.yml.\n"
    )
    assert check_release(tmp_path) == []
