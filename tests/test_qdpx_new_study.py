"""Starting a study from an NVivo or ATLAS.ti project, and reading what real clients write."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import run_lxt as lxt
from qdpx_projects import INTERVIEWS, atlas_project, coded_pairs, nvivo_project

from toolkit.coding.decisions import append_decisions, current_decisions, read_decisions
from toolkit.coding.refiqda import export_qdpx, read_qdpx
from toolkit.coding.refiqda.new_study import create_study
from toolkit.coding.refiqda.placement import OffsetMap
from toolkit.errors import UserError
from toolkit.study.config import load_study
from toolkit.study.tables import StudyOutputs
from toolkit.study.validate import validate_study


def participant_words(line: str) -> str:
    return line.removeprefix("Participant: ")


def expected_selection_texts() -> set[str]:
    """Every line the builder codes, worked out from the interviews, not from the reader."""
    return {
        participant_words(line)
        for _, _, _, lines in INTERVIEWS
        for line in lines
        if not line.startswith("Interviewer:")
    }


# -- tolerant reading ---------------------------------------------------------------------------


def test_nvivo_offsets_counting_crlf_twice_land_on_the_coded_words(tmp_path):
    project = read_qdpx(nvivo_project(tmp_path / "nvivo.qdpx"))
    texts = project.sources.set_index("guid")["text"]
    assert not any("\r" in t or t.startswith("\ufeff") for t in texts)
    got = [texts[s.source_guid][s.start : s.end] for s in project.selections.itertuples()]
    assert len(got) == 40 and set(got) <= expected_selection_texts()
    # Line 5 of interview 1 starts 4 line breaks in: 4 characters earlier than in CRLF counts.
    first = INTERVIEWS[0][3]
    janet = next(
        s
        for s in project.selections.itertuples()
        if "Janet" in texts[s.source_guid][s.start : s.end]
    )
    assert janet.start == len("\n".join(first[:4])) + 1
    assert set(project.users.values()) == {"AO", "SR"} and project.notes == []
    assert [c.name for c in project.cases] == [
        "Carer A",
        "Carer B",
        "Carer C",
        "Carer D",
        "Carer E",
        "Carer F",
    ]
    assert project.cases[1].values == {"Gender": "Man", "Age group": "35-44"}


def test_nvivo_15_mac_text_only_in_the_word_file_is_read_from_it(tmp_path):
    windows = read_qdpx(nvivo_project(tmp_path / "win.qdpx"))
    mac = read_qdpx(nvivo_project(tmp_path / "mac.qdpx", mac=True))
    assert mac.sources["text"].tolist() == ["\n".join(lines) for _, _, _, lines in INTERVIEWS]
    assert mac.sources["text"].tolist() == windows.sources["text"].tolist()
    columns = ["source_guid", "start", "end", "code_guid"]
    assert mac.selections[columns].values.tolist() == windows.selections[columns].values.tolist()


def test_atlas_bare_paths_whole_document_codings_unknown_users_and_pdfs(tmp_path):
    path = atlas_project(tmp_path / "atlas.qdpx")
    with zipfile.ZipFile(path) as zf:
        assert all(n.startswith("Sources/") for n in zf.namelist() if n != "project.qde")
    project = read_qdpx(path)
    assert project.sources["name"].tolist() == [name for name, *_ in INTERVIEWS]
    first = project.sources.iloc[0]
    whole = project.selections.loc[project.selections["selection_guid"] == ""]
    assert whole[["source_guid", "start", "end"]].values.tolist() == [
        [first["guid"], 0, len(first["text"])]
    ]
    assert len(project.unknown_users) == 1
    stranger = project.users[project.unknown_users[0]]
    assert stranger.startswith("user-") and len(stranger) == 13
    assert project.skipped == ["Consent form scan (PDF, 1 coding(s))"]
    assert any("Consent form scan (PDF, 1 coding(s))" in n for n in project.notes)


def _one_source_project(path: Path, plain_path: str, member: str, data: bytes, end: int = 5):
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        '<CodeBook><Codes><Code guid="c1" name="Hope" isCodable="true"/></Codes></CodeBook>'
        '<Sources><TextSource guid="s1" name="Notes" plainTextPath="' + plain_path + '">'
        f'<PlainTextSelection guid="x1" startPosition="0" endPosition="{end}">'
        '<Coding guid="k1"><CodeRef targetGUID="c1"/></Coding></PlainTextSelection>'
        "</TextSource></Sources></Project>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr(member, data)
    return path


@pytest.mark.parametrize(
    ("plain_path", "member"),
    [
        ("internal://a.txt", "sources/a.txt"),
        ("a.txt", "sources/a.txt"),  # a bare name
        ("sources/a.txt", "Sources/a.txt"),  # relative, folder in another case
        ("Sources\\a.txt", "SOURCES/a.txt"),  # Windows separator
        ("relative://a.txt", "sources/a.txt"),
    ],
)
def test_text_is_found_however_the_path_is_written(tmp_path, plain_path, member):
    project = read_qdpx(
        _one_source_project(tmp_path / "p.qdpx", plain_path, member, b"Hello there")
    )
    assert project.sources["text"].tolist() == ["Hello there"]
    assert project.selections[["start", "end"]].values.tolist() == [[0, 5]]


def test_a_missing_source_file_or_a_selection_past_the_end_is_one_clear_line(tmp_path):
    with pytest.raises(UserError) as err:
        read_qdpx(_one_source_project(tmp_path / "a.qdpx", "gone.txt", "sources/other.txt", b"x"))
    assert err.value.lines == [
        f"{tmp_path / 'a.qdpx'}: a text source's file is missing from the project: found "
        "'Notes', expected its file 'gone.txt' inside the .qdpx (export the project with its "
        "sources embedded)"
    ]
    with pytest.raises(UserError) as err:
        read_qdpx(_one_source_project(tmp_path / "b.qdpx", "a.txt", "sources/a.txt", b"Hi", end=9))
    assert len(err.value.lines) == 1
    assert (
        "a coded selection lies outside its source's text: found 'Notes: 0-9'" in err.value.lines[0]
    )
    assert "positions from 0 to 2" in err.value.lines[0]


# -- a new study from a project -----------------------------------------------------------------


def test_a_new_study_holds_the_projects_sources_codes_cases_and_codings(tmp_path):
    project = nvivo_project(tmp_path / "carers.qdpx")
    before = project.read_bytes()
    report = create_study(project, tmp_path / "carers")
    folder = tmp_path / "carers"
    assert project.read_bytes() == before  # the project is never changed
    assert (report.documents, report.participants, report.selections) == (7, 6, 40)
    assert report.reviewers == ["AO", "SR"]
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert validate_study(folder) == []
    study = load_study(folder)
    # Interviews with an interviewer's label are transcripts (a wave each, so that the
    # interviewer's questions are left out of the analysis); the diary is free text.
    assert [q.question for q in study.free_text] == ["Diary 01"]
    assert study.wave_names == ["project"] + [f"interview_0{i}" for i in range(1, 7)]
    assert study.transcripts.speakers == {
        "Interviewer": "interviewer",
        "Participant": "participant",
    }
    files = sorted(p.name for p in (folder / "transcripts").iterdir())
    assert files == [f"Carer {c}_interview_0{i}.txt" for i, c in enumerate("ABCDEF", start=1)]
    register = pd.read_csv(folder / "participants.csv", dtype=str)
    assert register[["participant_ref", "gender", "age_group"]].values.tolist()[:2] == [
        ["Carer A", "Woman", "55-64"],
        ["Carer B", "Man", "35-44"],
    ]
    book = yaml.safe_load((folder / "codebook.yml").read_text(encoding="utf-8"))
    tree = [(c["name"], [k["name"] for k in c.get("children", [])]) for c in book["codes"]]
    assert tree == [
        ("Caring role", ["Caring role", "Time pressure", "Physical strain"]),
        ("Support", ["Family support", "Services"]),
        ("Money worries", []),
        ("Wellbeing", []),
    ]
    assert book["codes"][1]["children"][1]["definition"] == (
        "Health, social care and voluntary services."
    )
    # The source text is kept exactly, so the stored offsets still point at the coded words.
    sources = pd.read_csv(folder / "sources.csv", dtype=str, keep_default_na=False)
    texts = {q: "".join(sources[q]) for q in sources.columns[1:]}
    for path in (folder / "transcripts").iterdir():
        texts[path.stem.split("_", 1)[1]] = path.read_text(encoding="utf-8")
    selections = pd.read_csv(folder / "decisions" / "imported_selections.csv", dtype=str)
    got = [texts[r.source][int(r.start) : int(r.end)] for r in selections.itertuples()]
    assert len(got) == 40 and set(got) <= expected_selection_texts()
    assert not read_decisions(study).shape[0]  # placed by `lxt run`, after redaction


def test_without_cases_each_source_is_a_participant_and_reviewer_takes_every_coding(tmp_path):
    report = create_study(atlas_project(tmp_path / "a.qdpx"), tmp_path / "a", reviewer="uni01")
    assert report.reviewers == ["uni01"] and report.participants == 7
    assert "the project has no cases: each source is a participant of its own" in report.notes
    assert not any("<Users>" in n for n in report.notes)  # all credited to uni01 anyway
    register = pd.read_csv(tmp_path / "a" / "participants.csv", dtype=str)
    assert register["participant_ref"].tolist() == [name for name, *_ in INTERVIEWS]


def _bad_projects(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "text.qdpx").write_text("not a zip", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "empty.qdpx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with zipfile.ZipFile(tmp_path / "broken.qdpx", "w") as zf:
        zf.writestr("project.qde", "<Project><Sources>")
    past = _one_source_project(tmp_path / "past.qdpx", "a.txt", "sources/a.txt", b"Hi", end=9)
    return {
        "not a zip": (tmp_path / "text.qdpx", "not a .qdpx project (not a zip file)"),
        "no project.qde": (tmp_path / "empty.qdpx", "found 0 project.qde files"),
        "invalid XML": (tmp_path / "broken.qdpx", "project.qde is not valid XML"),
        "selection past the end": (past, "a coded selection lies outside its source's text"),
    }


def test_bad_projects_exit_1_with_one_line_and_leave_no_folder(tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    for case, (path, message) in _bad_projects(tmp_path).items():
        status, out, err = lxt(
            capsys, monkeypatch, "import", "qdpx", path, "--new-study", work / "s"
        )
        lines = err.strip().splitlines()
        assert (status, out, len(lines)) == (1, "", 1), case
        assert message in lines[0] and "Traceback" not in err, case
        assert list(work.iterdir()) == [], case  # no study, no temporary folder left behind


def test_an_existing_target_folder_is_refused_and_left_untouched(tmp_path, capsys, monkeypatch):
    project = atlas_project(tmp_path / "a.qdpx")
    target = tmp_path / "study"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    status, _, err = lxt(capsys, monkeypatch, "import", "qdpx", project, "--new-study", target)
    assert status == 1
    assert err.strip() == (
        f"error: {target}: the new study's folder already exists, expected a folder that does "
        "not exist yet (the import never writes into one)"
    )
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.qdpx", "study"]


def test_offsets_follow_words_through_redaction_and_transcript_labels():
    raw = "Ask Jo Bloggs on 07700 900461 today.\nI: Why?\nP1: I said so.  Really."
    doc = (
        "Ask [PERSON_1] on [PHONE_1] today.\n\nInterviewer: Why?\n\nParticipant: I said so. Really."
    )
    turns = [(0, 34), (49, 53), (68, len(doc))]  # what was said, as the turns table gives it
    m = OffsetMap.align(raw, doc, turns)
    assert doc[m.start(raw.index("today")) : m.end(raw.index("today") + 5)] == "today"
    assert doc[m.start(4) : m.end(13)].strip() == "[PERSON_1]"  # the name itself
    said = raw.index("I said")
    assert doc[m.start(said) : m.end(len(raw))] == "I said so. Really."
    assert doc[m.start(said + 2) : m.end(said + 6)] == "said"
    assert (m.start(0), m.end(len(raw))) == (0, len(doc))
    assert OffsetMap.align("something else", doc, turns) is None


# -- the whole journey --------------------------------------------------------------------------

# Every stage; the reports (about a minute) for one shape only.
RUN_STAGES = {
    "nvivo": None,
    "atlas": ["ingest", "segment", "imported", "code", "topics", "link", "analyse"],
}


@pytest.mark.parametrize("shape", ["nvivo", "atlas"])
def test_project_to_new_study_to_run_to_export_gives_the_codings_back(tmp_path, shape):
    from toolkit.study.pipeline import run_study

    build = {"nvivo": nvivo_project, "atlas": atlas_project}[shape]
    project = build(tmp_path / f"{shape}.qdpx")
    folder = tmp_path / "study"
    create_study(project, folder)
    assert validate_study(folder) == []
    # As a user may: a light text model and one topic fit keep this test quick.
    with (folder / "study.yml").open("a", encoding="utf-8") as fh:
        fh.write("topics: {embedding: tfidf, stability_runs: 1}\n")
    out = tmp_path / "out"
    manifest = run_study(folder, out=out, stages=RUN_STAGES[shape], progress=False)
    if RUN_STAGES[shape] is None:
        # A study with no questionnaires or pathway still gets its reports, all released.
        assert manifest["stages"]["report"]["result"] == {"ready": 3}
    placed = manifest["stages"]["imported"]["result"]
    assert placed["appended"] == placed["decisions"] > 0
    # Only ATLAS.ti's coding of an interviewer's question has no segment: it is reported.
    not_placed = manifest["notes"].get("imported_codings_not_placed", [])
    assert placed["not_placed"] == len(not_placed) == (1 if shape == "atlas" else 0)
    if shape == "atlas":
        assert (not_placed[0]["source_name"], not_placed[0]["code"], not_placed[0]["reason"]) == (
            "Interview 02",
            "caring_role",
            "covers no segment (an interviewer's words, or blank text only)",
        )

    study = load_study(folder)
    outputs = StudyOutputs(study.name, out)
    segments = outputs.read("segments").set_index("seg_id")
    log = current_decisions(study)
    # Redaction shifted the text: "Janet Holloway" became a placeholder before the sentence
    # coded Family support, and the coding still sits on that sentence.
    janet = [
        segments.loc[s, "text"]
        for s, c in zip(log["seg_id"], log["code"], strict=True)
        if c == "family_support" and "comes on Sundays" in segments.loc[s, "text"]
    ]
    assert len(janet) == 1
    assert "Janet" not in janet[0] and "[PERSON_" in janet[0]

    exported = export_qdpx(study, tmp_path / "back.qdpx", outputs=outputs)
    schema = next(
        (
            p / "shared" / "refi-qda" / "Project-mrt2019.xsd"
            for p in Path(__file__).resolve().parents
            if (p / "shared" / "refi-qda" / "Project-mrt2019.xsd").exists()
        ),
        None,
    )
    if schema is not None:  # the partner's program must be able to open it
        import xmlschema

        with zipfile.ZipFile(tmp_path / "back.qdpx") as zf:
            xmlschema.XMLSchema(str(schema)).validate(zf.read("project.qde").decode("utf-8"))
    original, back = coded_pairs(project), coded_pairs(tmp_path / "back.qdpx")
    kept = len(original & back) / len(original)
    assert kept >= 0.95, sorted(original - back)
    assert exported.sources == 7
    # The interviewer's questions are not analysed as if a carer had said them.
    assert not segments["text"].str.contains("Tell me about a normal day").any()
    assert segments["text"].str.contains("district nurse came late").sum() == 1

    # A second run places nothing twice, and a reviewer's later change stands.
    first = log.iloc[0]
    append_decisions(
        study,
        [{"reviewer": first["reviewer"], "seg_id": first["seg_id"], "code": first["code"],
          "decision": "reject", "text_hash": first["text_hash"]}],
        source_file="review.xlsx",
        batch_id="review-1",
    )  # fmt: skip
    again = run_study(folder, out=out, stages=["ingest", "segment", "imported"], progress=False)
    assert again["stages"]["imported"]["result"]["appended"] == 0
    now = current_decisions(study).set_index(["reviewer", "seg_id", "code"])["decision"]
    assert now[(first["reviewer"], first["seg_id"], first["code"])] == "reject"


def test_codings_that_cannot_be_placed_are_listed_with_a_reason():
    from toolkit.coding.refiqda.placement import place_selections
    from toolkit.segment.sentences import segment_documents

    raw = {"notes": "Jo Bloggs rang me.  I felt better after that.", "memo": "Never ingested."}
    documents = pd.DataFrame(
        {
            "doc_id": ["p1/project/notes"],
            "pid": ["p1"],
            "cohort": ["project"],
            "kind": ["survey"],
            "source": ["notes"],
            "wave": ["project"],
            "text": ["[PERSON_1] rang me.  I felt better after that."],
        }
    )
    segments = segment_documents(documents)
    text = raw["notes"]
    selections = pd.DataFrame(
        [
            ("notes", text.index("I felt"), len(text), "relief", "uni01", "Notes", "Relief"),
            ("notes", 0, 9, "contact", "uni01", "Notes", "Contact"),  # the name itself
            ("notes", 18, 20, "pause", "uni01", "Notes", "Pause"),  # two spaces only
            ("memo", 0, 5, "relief", "uni01", "Memo", "Relief"),
        ],
        columns=["source", "start", "end", "code", "reviewer", "source_name", "code_name"],
    )
    records, not_placed = place_selections(selections, documents, segments, raw)
    seg = segments.set_index("text")["seg_id"]
    assert sorted(map(tuple, records[["seg_id", "code"]].values.tolist())) == sorted(
        [(seg["I felt better after that."], "relief"), (seg["[PERSON_1] rang me."], "contact")]
    )
    assert set(records["decision"]) == {"add"}
    assert not_placed[["source_name", "code", "reason"]].values.tolist() == [
        ["Memo", "relief", "the source has no document in this run (empty, or another cohort)"],
        ["Notes", "pause", "covers no segment (an interviewer's words, or blank text only)"],
    ]


def test_codings_that_name_nobody_need_a_reviewer_and_a_bad_name_is_refused(tmp_path):
    # The one-source project names no users at all, and no project owner.
    project = _one_source_project(tmp_path / "p.qdpx", "a.txt", "sources/a.txt", b"Hello there")
    with pytest.raises(UserError) as err:
        create_study(project, tmp_path / "s")
    assert err.value.lines == [
        f"{project}: some codings do not say who made them, expected --reviewer ID to credit "
        "every coding to one person"
    ]
    with pytest.raises(UserError, match="not a usable study name: found 'Carers 2025'"):
        create_study(project, tmp_path / "s", reviewer="uni01", name="Carers 2025")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.qdpx"]
    report = create_study(project, tmp_path / "s", reviewer="uni01", name="carers_2025")
    assert load_study(tmp_path / "s").name == "carers_2025" and report.reviewers == ["uni01"]
    assert report.notes == [
        "code 'Hope' had no description; a placeholder was written",
        "the project has no cases: each source is a participant of its own",
    ]


def test_a_project_without_codes_or_codings_still_becomes_a_valid_study(tmp_path):
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        'name="Notes only"><Sources><TextSource guid="s1" name="Notes" plainTextPath="a.txt"/>'
        "</Sources></Project>"
    )
    with zipfile.ZipFile(tmp_path / "p.qdpx", "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/a.txt", "Some words here.")
    report = create_study(tmp_path / "p.qdpx", tmp_path / "notes")
    assert (report.documents, report.codes, report.selections) == (1, 0, 0)
    assert report.notes[0].startswith("the project has no codes: add a codebook to study.yml")
    assert validate_study(tmp_path / "notes") == []
    assert not (tmp_path / "notes" / "codebook.yml").exists()
