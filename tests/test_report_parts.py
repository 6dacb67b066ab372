"""The building blocks of the reports: numbers, accessible display, rendering, templates.

Fast tests (no notebook runs); the end-to-end run is in test_report_run.py.
"""

from __future__ import annotations

import json
import math

import matplotlib
import nbformat
import pandas as pd
import pytest
from report_study import PHRASES, build_tables

from toolkit.privacy.disclosure import DisclosureRule
from toolkit.reports import measures
from toolkit.reports.display import Figure, Markdown, Section, Table
from toolkit.reports.readability import flesch, prose_from_html, syllables
from toolkit.reports.render import (
    RenderError,
    images_without_alt,
    notebook_to_html,
    wrap_page,
)
from toolkit.reports.templates import PARAMETER_NAMES, REPORTS, template_path

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return build_tables(tmp_path_factory.mktemp("report-tables") / "data")


# -- numbers ------------------------------------------------------------------------------
def test_reach_counts_match_an_independent_count(tables):
    people = tables["participants"]
    basildon = people[people["cohort"] == "basildon"]
    reach = measures.reach_counts(basildon).set_index("group")["people"]
    assert reach["Everyone"] == 36
    assert reach["Core20: most deprived 20% of areas"] == int((basildon["imd_decile"] <= 2).sum())
    assert reach["Unpaid carers"] == int(basildon["plus_carer"].sum())
    assert reach["Coastal communities"] == 0
    either = (basildon["imd_decile"] <= 2) | basildon[
        ["plus_ethnic_minority", "plus_disability_or_ltc", "plus_carer", "plus_coastal"]
    ].any(axis=1)
    assert reach["Core20 or at least one PLUS group"] == int(either.sum())


def test_code_people_counts_distinct_people_not_segments(tables):
    segments, codings = tables["segments"], tables["codings"]
    counted = measures.code_people(codings, segments).set_index("code")
    joined = codings.merge(segments[["seg_id", "pid"]], on="seg_id")
    for code in PHRASES:
        expected = joined.loc[joined["code"] == code, "pid"].nunique()
        assert counted.loc[code, "people"] == expected
    assert counted["people"].is_monotonic_decreasing


def test_quotes_come_only_from_people_who_agreed(tables):
    people, segments = tables["participants"], tables["segments"]
    consenting = measures.consenting_pids(people)
    refused = set(people["pid"]) - consenting
    assert refused, "the fixture must have people who did not agree to quotes"
    their_segments = segments[segments["pid"].isin(refused)]["seg_id"]
    assert measures.pick_quote(their_segments, segments, consenting) is None
    mine = segments[segments["pid"].isin(consenting)]["seg_id"].head(5)
    quote = measures.pick_quote(mine, segments, consenting)
    assert quote in set(PHRASES.values())


def test_interviewer_words_are_never_quoted():
    segments = pd.DataFrame(
        {
            "seg_id": ["a", "b"],
            "pid": ["p1", "p1"],
            "speaker": ["interviewer", "participant"],
            "text": [
                "So tell me what made it harder for you to get to work?",
                "The bus fare was more than I could afford most weeks.",
            ],
        }
    )
    quote = measures.pick_quote(["a", "b"], segments, {"p1"})
    assert quote == "The bus fare was more than I could afford most weeks."


# -- readability ---------------------------------------------------------------------------
def test_flesch_follows_the_formula():
    text = "The cat sat on the mat. It was a sunny day."
    words = text.replace(".", "").split()
    syl = sum(syllables(w) for w in words)
    expected = 206.835 - 1.015 * (len(words) / 2) - 84.6 * (syl / len(words))
    assert flesch(text) == pytest.approx(expected, abs=0.05)
    assert (
        flesch("Comprehensive methodological consideration necessitates multidimensionality.") < 0
    )


def test_prose_excludes_quotes_tables_and_notes():
    page = (
        "<h2>What changed</h2><p>About 25 people started work.</p>"
        "<blockquote><p>Residents words</p></blockquote><table><tr><td>99</td></tr></table>"
        "<aside>Please note: stage missing</aside>"
    )
    prose = prose_from_html(page)
    assert "started work" in prose and "What changed." in prose
    assert "Residents" not in prose and "99" not in prose and "missing" not in prose


# -- display and rendering -----------------------------------------------------------------
def test_a_figure_without_alt_text_is_refused():
    import matplotlib.pyplot as plt

    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt text"):
        Figure(fig, alt="  ")


def test_figure_in_a_notebook_is_an_image_with_alt_metadata():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar(["a"], [3])
    data, meta = Figure(fig, alt="One bar of height 3.")._repr_mimebundle_()
    assert data["image/png"] and meta["image/png"]["alt"] == "One bar of height 3."
    assert "text/html" not in data  # no base64 in text outputs for scanners to trip on


def test_count_tables_are_marked_for_the_release_check():
    rule = DisclosureRule()
    table = Table(pd.DataFrame({"Group": ["a"], "People": ["*"]}), "Caption", ["People"], rule)
    html = table._repr_html_()
    assert 'data-lxt-counts="People"' in html and 'data-lxt-threshold="8"' in html
    assert "<caption>Caption</caption>" in html and '<th scope="col">People</th>' in html


def test_page_is_a_complete_accessible_document():
    page = wrap_page(Section().add(Markdown("Hello **there**."))._repr_html_(), title="T & U")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    assert "<title>T &amp; U</title>" in page and '<main id="content">' in page
    assert "<strong>there</strong>" in page
    assert "http" not in page.split("<main")[0]  # no external stylesheet, font or script


def test_an_image_without_alt_text_stops_rendering():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    nb.cells = [cell]
    with pytest.raises(RenderError, match="without alt text"):
        notebook_to_html(nb, title="t")
    assert images_without_alt('<img src="x.png" alt="">') == ['<img src="x.png" alt="">']
    assert images_without_alt('<img src="x.png" alt="A chart">') == []


# -- templates -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*REPORTS, "explore_study"])
def test_templates_are_committed_clean_with_a_parameters_cell(name):
    nb = nbformat.read(template_path(name), as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for parameter in PARAMETER_NAMES:
        assert f"{parameter} = " in tagged[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    headings = [
        ln
        for c in nb.cells
        if c.cell_type == "markdown"
        for ln in c.source.splitlines()
        if ln.startswith("#")
    ]
    # Screen readers navigate by heading: sections are level 2 (the title is level 1).
    assert headings and all(h.startswith(("# ", "## ")) for h in headings)


def test_notebooks_call_toolkit_functions_only():
    """Thin notebooks: no code cell longer than a few lines (logic lives in toolkit)."""
    for name in REPORTS:
        nb = nbformat.read(template_path(name), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert len(cell.source.splitlines()) <= 7, cell.source


def test_manifest_record_is_json_with_results(tmp_path):
    from toolkit.reports.runner import ReportResult, ReportRun, record_in_manifest
    from toolkit.study.tables import StudyOutputs

    outputs = StudyOutputs("s", tmp_path)
    outputs.manifest.write_text(json.dumps({"stages": {"ingest": {"reused": True}}}))
    run = ReportRun(
        "s", "t0", "t1", [ReportResult("overview", None, "reused", files=["/a/b.html"])]
    )
    record_in_manifest(outputs, run)
    manifest = json.loads(outputs.manifest.read_text())
    assert manifest["stages"] == {"ingest": {"reused": True}}  # pipeline's record kept
    assert manifest["reports"]["counts"] == {"reused": 1}
    assert manifest["reports"]["results"][0]["files"] == ["b.html"]
    assert not math.isnan(len(manifest["reports"]["results"]))
