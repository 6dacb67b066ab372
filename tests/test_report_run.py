"""`lxt report` end to end: what an evaluator and a community partner receive.

One report run per session (three cohorts, both reports each, plus the overview, two jobs)
is shared by every test here. The HTML is opened in headless Chromium as a person's browser
would open it; the PDF is read back with pdftotext.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from report_study import SIZES, build

from toolkit.privacy.disclosure import DisclosureRule
from toolkit.reports import run_reports
from toolkit.reports.readability import RESIDENT_TARGET
from toolkit.reports.render import chromium_command, find_chromium
from toolkit.reports.templates import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow
LXT = [sys.executable, "-m", "toolkit.cli"]
EVALUATION_SECTIONS = [
    "Summary",
    "Who took part: sample and reach",
    "The employment pathway",
    "Change in outcomes",
    "Themes: what people told us",
    "Experiences and outcomes",
    "Limitations",
    "Methods appendix",
]
COPRODUCTION_SECTIONS = [
    "About this report",
    "Who took part",
    "What you told us",
    "What changed for people",
    "What happens next",
    "How easy is this report to read?",
]


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    study, out = build(base)
    run = run_reports(study, jobs=2, out=out, progress=False)
    return study, out, run


def _browser_dom(html: Path, tmp_path: Path) -> tuple[str, str]:
    """(DOM after load, console log) of the page in headless Chromium."""
    browser = find_chromium()
    if browser is None:
        pytest.fail("Chromium is needed for the report tests: apt-get install chromium")
    cmd = chromium_command(
        browser,
        tmp_path / "profile",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        html.resolve().as_uri(),
    )
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout, done.stderr


def test_every_report_is_made_and_passes_the_release_check(report_run):
    _, out, run = report_run
    assert [(r.report, r.cohort, r.status) for r in run.results] == [
        ("evaluation_report", "clacton", "ready"),
        ("evaluation_report", "southend", "ready"),
        ("evaluation_report", "basildon", "ready"),
        ("coproduction_report", "clacton", "ready"),
        ("coproduction_report", "southend", "ready"),
        ("coproduction_report", "basildon", "ready"),
        ("overview", None, "ready"),
    ]
    for folder in [*SIZES, "overview"]:
        ready = json.loads((out / "reports" / folder / "READY.json").read_text())
        for report, entry in ready.items():
            assert entry["release_check"] == "passed"
            for suffix in ("ipynb", "html", "pdf"):
                assert (out / "reports" / folder / f"{report}.{suffix}").stat().st_size > 1000
    assert not (out / "reports" / ".staging").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reports"]["counts"] == {"ready": 7}


def test_html_loads_in_a_browser_without_errors_and_every_image_has_alt(report_run, tmp_path):
    _, out, _ = report_run
    for html in [
        out / "reports/clacton/evaluation_report.html",
        out / "reports/basildon/coproduction_report.html",
        out / "reports/overview/overview.html",
    ]:
        dom, log = _browser_dom(html, tmp_path)
        assert "CONSOLE" not in log, log[-500:]
        images = re.findall(r"<img\b[^>]*>", dom)
        assert images, f"{html.name} has no charts"
        for tag in images:
            alt = re.search(r'alt="([^"]*)"', tag)
            assert alt and len(alt.group(1)) > 20, tag[:120]
            # Self-contained: charts are embedded, so the page works offline and by e-mail.
            assert 'src="data:image/png;base64,' in tag
        assert re.search(r'<html lang="en-GB"', dom)
        assert not re.search(r'(src|href)="https?://', dom)
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", dom)]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_counts_shown_are_the_disclosure_controlled_ones(report_run):
    _, out, _ = report_run
    people = pd.read_parquet(out / "data/participants.parquet")
    rule = DisclosureRule()
    basildon = people[people["cohort"] == "basildon"]
    carers = int(basildon["plus_carer"].sum())
    assert 0 < carers < 8  # the fixture plants a small group
    html = (out / "reports/basildon/evaluation_report.html").read_text()
    assert re.search(r'<th scope="row">Unpaid carers</th>\s*<td>\*</td>\s*<td></td>', html)
    everyone = rule.count(len(basildon))  # 36 -> "35"
    assert re.search(rf'<th scope="row">Everyone</th>\s*<td>{everyone}</td>\s*<td>100%</td>', html)
    copro = (out / "reports/clacton/coproduction_report.html").read_text()
    assert f"About {rule.count(SIZES['clacton'])} people from Clacton-on-Sea took part." in copro


def test_outcome_change_matches_an_independent_paired_computation(report_run):
    _, out, _ = report_run
    scores = pd.read_parquet(out / "data/scores.parquet")
    people = pd.read_parquet(out / "data/participants.parquet")
    swem = scores[(scores["instrument"] == "swemwbs") & scores["valid"]]
    swem = swem[swem["pid"].isin(people.loc[people["cohort"] == "southend", "pid"])]
    wide = swem.pivot_table(index="pid", columns="wave", values="score").dropna()
    change = (wide["followup_6m"] - wide["baseline"]).mean()
    html = (out / "reports/southend/evaluation_report.html").read_text()
    assert f"{change:+.1f} (" in html


def _summary_rows(html: str) -> dict[str, list[str]]:
    """The page-one table of targets and results: figure -> cells."""
    table = re.search(r'<table class="lxt-table lxt-summary".*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def test_page_one_figures_match_the_tables_they_come_from(report_run):
    study, out, _ = report_run
    pathway = pd.read_parquet(out / "data/pathway.parquet")
    rule = DisclosureRule()
    costs = {"clacton": 182000, "southend": 205000, "basildon": 176000}
    for cohort, target in (("clacton", "40"), ("southend", "295"), (None, "380")):
        sub = pathway if cohort is None else pathway[pathway["cohort"] == cohort]
        folder = cohort or "overview"
        name = "evaluation_report" if cohort else "overview"
        html = (out / f"reports/{folder}/{name}.html").read_text()
        rows = _summary_rows(html)
        shown = rule.count(int(sub["started"].notna().sum()))
        assert rows["Jobs started"][:2] == [target, shown]
        cost = (sum(costs.values()) if cohort is None else costs[cohort]) / int(shown)
        assert rows["Cost per job started"][1] == f"£{round(cost):,}"
        # The summary comes first: before the first section after it.
        assert html.index("lxt-summary") < html.index("Who took part")
    copro = (out / "reports/clacton/coproduction_report.html").read_text()
    n = rule.count(int(pathway.loc[pathway["cohort"] == "clacton", "started"].notna().sum()))
    assert f"About {n} people started a job." in copro


def test_pdf_has_the_expected_sections(report_run, tmp_path):
    _, out, _ = report_run
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is needed: apt-get install poppler-utils")
    for path, sections in [
        (out / "reports/southend/evaluation_report.pdf", EVALUATION_SECTIONS),
        (out / "reports/clacton/coproduction_report.pdf", COPRODUCTION_SECTIONS),
    ]:
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = " ".join(text.split())
        at = 0
        for heading in sections:  # every section, in order
            found = flat.find(heading, at)
            assert found >= 0, f"{path.name}: {heading!r} missing or out of order"
            at = found + len(heading)
    text = subprocess.run(
        ["pdftotext", str(out / "reports/clacton/coproduction_report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "We will ask the bus company" in text  # the peer researchers' next steps


def test_pdf_pages_are_numbered_and_the_evaluation_report_has_contents(report_run):
    _, out, _ = report_run
    path = out / "reports/southend/evaluation_report.pdf"
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    pages = pages.split("\f")[:-1]
    assert len(pages) > 2
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in page
    first = " ".join(pages[0].split())
    assert "Contents" in first and "Targets and results" in first


def test_no_table_is_cut_at_the_page_margin_in_any_pdf(report_run):
    _, out, _ = report_run
    pdfs = sorted((out / "reports").glob("*/*.pdf"))
    assert len(pdfs) == 7
    for path in pdfs:
        # Every word lies inside the page's width, and every word of every column heading
        # reaches the page. Words, not whole headings: a wrapped heading's lines interleave
        # with its neighbours' in extracted text.
        bbox = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True
        ).stdout
        width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
        words = re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', bbox)
        assert words and all(float(x) <= width for x, _ in words), path
        text = "".join(w for _, w in words)
        html = path.with_suffix(".html").read_text()
        for header in set(re.findall(r'<th scope="col">([^<]+)</th>', html)):
            # Split at hyphens too: "t-test" may wrap after its hyphen.
            for word in re.split(r"[\s-]+", header.replace("&#x27;", "'").replace("&amp;", "&")):
                assert word in text, (path.name, header)


def test_coproduction_report_is_plain_english_and_says_so(report_run):
    _, out, run = report_run
    for result in run.results:
        if result.report == "coproduction_report":
            assert result.readability >= RESIDENT_TARGET
            # As a resident reads it: every word on the page, quotes and captions included.
            assert result.readability_page >= RESIDENT_TARGET
    html = (out / "reports/basildon/coproduction_report.html").read_text()
    score = re.search(r"It scores (\d+), which is", html)
    assert score and int(score.group(1)) >= RESIDENT_TARGET
    assert "Peer researchers: write what happens next in next_steps/basildon.md" in html


def test_methods_appendix_states_versions_seed_and_checksums(report_run):
    study, out, _ = report_run
    html = (out / "reports/clacton/evaluation_report.html").read_text()
    assert re.search(rf"<t[hd][^>]*>pandas</t[hd]>\s*<td>{re.escape(pd.__version__)}</td>", html)
    assert re.search(r'<th scope="row">seed</th>\s*<td>42</td>', html)
    from toolkit.reports.templates import file_checksum

    expected = file_checksum(NOTEBOOKS_DIR / "evaluation_report.ipynb")[:16]
    assert f"<td>{expected}</td>" in html
    assert file_checksum(study / "study.yml")[:16] in html


def test_rerun_with_nothing_changed_reuses_everything(report_run):
    study, out, _ = report_run
    html = out / "reports/clacton/evaluation_report.html"
    before = html.stat().st_mtime_ns
    done = subprocess.run(
        [*LXT, "report", str(study), "--out", str(out), "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("  ")]
    assert len(rows) == 7 and all(re.search(r"\sreused\b", row) for row in rows), rows
    assert html.stat().st_mtime_ns == before


def test_one_failing_cohort_does_not_stop_the_others(report_run, tmp_path):
    """A planted error in one cohort's co-production report: the rest are made, exit 1."""
    study, out, _ = report_run
    templates = tmp_path / "templates"
    shutil.copytree(NOTEBOOKS_DIR, templates)
    path = templates / "coproduction_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(
        3,
        nbformat.v4.new_code_cell(
            'if cohort == "basildon":\n    raise RuntimeError("planted failure for the test")'
        ),
    )
    nbformat.write(nb, path)
    done = subprocess.run(
        [
            *LXT,
            "report",
            str(study),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--templates",
            str(templates),
            "--cohort",
            "basildon",
            "--cohort",
            "southend",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "coproduction_report (basildon): FAILED: RuntimeError: planted failure" in done.stderr
    kept = out / "reports/_failed/basildon/coproduction_report.ipynb"
    assert "planted failure" in kept.read_text()
    # The others were made (southend's with the new template) or reused (evaluation reports).
    assert re.search(r"coproduction_report\s+southend\s+ready", done.stdout)
    assert re.search(r"evaluation_report\s+basildon\s+reused", done.stdout)
    ready = json.loads((out / "reports/basildon/READY.json").read_text())
    assert "coproduction_report" not in ready and "evaluation_report" in ready
