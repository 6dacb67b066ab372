"""REFI-QDA exchange: schema-valid exports, exact round trips, and projects made by NVivo."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import xmlschema
import yaml
from coding_study import make_study

from toolkit.coding.codebook import load_codebook
from toolkit.coding.decisions import (
    append_decisions,
    applied_codes,
    current_decisions,
    log_path,
    orphaned_decisions,
    read_decisions,
    text_hash,
)
from toolkit.coding.refiqda import export_qdc, export_qdpx, import_qdc, import_qdpx, read_qdpx
from toolkit.coding.refiqda.common import guid, normalise_newlines
from toolkit.errors import UserError

# shared/ sits beside the repository (or beside the folder of checkouts, for a git worktree).
SCHEMAS = next(
    (
        p / "shared" / "refi-qda"
        for p in Path(__file__).resolve().parents[1].parents
        if (p / "shared" / "refi-qda" / "Project-mrt2019.xsd").exists()
    ),
    Path(__file__).resolve().parents[1].parent / "shared" / "refi-qda",
)
needs_schemas = pytest.mark.skipif(
    not (SCHEMAS / "Project-mrt2019.xsd").exists(),
    reason=f"REFI-QDA schemas not found at {SCHEMAS} (CI keeps shared/ beside the repo)",
)


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd"))


@pytest.fixture()
def coded(tmp_path):
    """The mini study with decisions by two reviewers, including emoji, dash and CRLF text."""
    study, outputs = make_study(tmp_path)
    seg = outputs.read("segments").set_index("text")["seg_id"]
    decisions = [
        ("pr01", "There is no bus before 7.", "transport", "accept"),
        ("pr01", "Childcare costs too much – it eats my wages.", "childcare", "accept"),
        ("pr01", "Childcare costs too much – it eats my wages.", "confidence", "reject"),
        ("pr01", "My peer mentor helped me 🙂 a lot.", "peer_support", "accept"),
        ("pr01", "The nursery closes at 5.", "childcare", "accept"),
        ("pr01", "Honestly I was scared\r\nbut the peer group helped.", "peer_support", "accept"),
        ("pr01", "Honestly I was scared\r\nbut the peer group helped.", "confidence", "add"),
        ("pr02", "There is no bus before 7.", "transport", "accept"),
        ("pr02", "Now I have a job 🙂 – in care.", "training", "add"),
    ]
    recs = [
        {"reviewer": r, "seg_id": seg[t], "code": c, "decision": d, "text_hash": text_hash(t)}
        for r, t, c, d in decisions
    ]
    append_decisions(study, recs, source_file="review.xlsx", batch_id="b1")
    return study, outputs, tmp_path


# -- codebooks (.qdc) ---------------------------------------------------------------------------


@needs_schemas
def test_codebook_export_validates_and_comes_back(tmp_path):
    study, _ = make_study(tmp_path)
    book = load_codebook(study.path("codebook.yml"))
    export_qdc(book, tmp_path / "mini.qdc")
    data = (tmp_path / "mini.qdc").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    xmlschema.XMLSchema(str(SCHEMAS / "Codebook.xsd")).validate(str(tmp_path / "mini.qdc"))
    text = data.decode("utf-8")
    assert 'xmlns="urn:QDA-XML:codebook:1.0"' in text and "<Sets" not in text
    assert 'name="Barriers" isCodable="false"' in text
    assert 'name="Transport" isCodable="true" color="#E69F00"' in text

    back, notes = import_qdc(tmp_path / "mini.qdc", tmp_path / "back.yml", reference=book)
    assert notes == []
    assert [(c.id, c.name, c.parent, c.codable) for c in back.codes] == [
        (c.id, c.name, c.parent, c.codable) for c in book.codes
    ]
    transport = back.code("transport")
    assert transport.include == "Fares, timetables, distance."
    assert transport.exclude == "Moving house."
    assert transport.keywords == ["bus"]  # kept from the reference codebook
    assert load_codebook(tmp_path / "back.yml").codable_ids == book.codable_ids

    # Without a reference, ids come from the names.
    plain, _ = import_qdc(tmp_path / "mini.qdc", tmp_path / "plain.yml")
    assert plain.codable_ids == ["transport", "childcare", "confidence", "peer_support", "training"]
    assert plain.code("transport").keywords == []


def test_a_qdc_from_another_program_becomes_a_usable_codebook(tmp_path):
    (tmp_path / "nvivo.qdc").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo">\n'
        " <Codes>\n"
        '  <Code guid="{4F1B3C55-6B1E-4C8A-9C8F-0A1B2C3D4E5F}" name="Money worries" '
        'isCodable="true">\n'
        '   <Code guid="{5F1B3C55-6B1E-4C8A-9C8F-0A1B2C3D4E5F}" name="Debt" isCodable="true">'
        "<Description>Owing money.</Description></Code>\n"
        "  </Code>\n"
        '  <Code guid="{6F1B3C55-6B1E-4C8A-9C8F-0A1B2C3D4E5F}" name="Hope &amp; plans" '
        'isCodable="true" color="#009E73"/>\n'
        " </Codes>\n"
        "</CodeBook>\n",
        encoding="utf-8",
    )
    book, notes = import_qdc(tmp_path / "nvivo.qdc", tmp_path / "nvivo.yml")
    assert [(c.id, c.parent, c.codable) for c in book.codes] == [
        ("money_worries", None, False),
        ("debt", "money_worries", True),
        ("hope_plans", None, True),
    ]
    assert book.code("hope_plans").definition.startswith("Imported without a description")
    assert any("becomes a category" in n for n in notes)
    raw = yaml.safe_load((tmp_path / "nvivo.yml").read_text(encoding="utf-8"))
    assert raw["codes"][1]["color"] == "#009E73"
    with pytest.raises(UserError, match="not valid XML"):
        (tmp_path / "bad.qdc").write_text("<CodeBook", encoding="utf-8")
        import_qdc(tmp_path / "bad.qdc", tmp_path / "x.yml")
    assert not (tmp_path / "x.yml").exists()


# -- projects (.qdpx) ---------------------------------------------------------------------------


@needs_schemas
def test_project_export_follows_the_rules_and_validates(coded, project_schema):
    study, outputs, tmp = coded
    summary = export_qdpx(study, tmp / "mini.qdpx", outputs=outputs)
    assert (summary.sources, summary.cases, summary.codings, summary.reviewers) == (6, 4, 8, 2)
    with zipfile.ZipFile(tmp / "mini.qdpx") as zf:
        names = zf.namelist()
        qde = zf.read("project.qde")
        files = {n: zf.read(n) for n in names if n != "project.qde"}
    assert names.count("project.qde") == 1
    assert all(n.startswith("sources/") and n.endswith(".txt") for n in files)
    assert not qde.startswith(b"\xef\xbb\xbf")
    assert all(not b.startswith(b"\xef\xbb\xbf") and b"\r" not in b for b in files.values())
    project_schema.validate(qde.decode("utf-8"))
    text = qde.decode("utf-8")
    order = ["<Users>", "<CodeBook>", "<Variables>", "<Cases>", "<Sources>"]
    assert [text.index(t) for t in order] == sorted(text.index(t) for t in order)
    assert "<Sets" not in text and "PlainTextContent" not in text
    assert 'typeOfVariable="Integer"' in text and 'typeOfVariable="Boolean"' in text
    assert "<SourceRef " in text
    for guid_file in files:
        assert f'plainTextPath="internal://{guid_file.removeprefix("sources/")}"' in text
    # Deterministic: the same study exports to the same bytes.
    export_qdpx(study, tmp / "again.qdpx", outputs=outputs)
    assert (tmp / "again.qdpx").read_bytes() == (tmp / "mini.qdpx").read_bytes()


def test_offsets_are_code_points_over_lf_text(coded):
    study, outputs, tmp = coded
    export_qdpx(study, tmp / "mini.qdpx", outputs=outputs)
    project = read_qdpx(tmp / "mini.qdpx")
    texts = project.sources.set_index("guid")["text"]
    got = {
        normalise_newlines(texts[s.source_guid])[s.start : s.end]
        for s in project.selections.itertuples()
    }
    assert got == {
        "There is no bus before 7.",
        "Childcare costs too much – it eats my wages.",
        "My peer mentor helped me 🙂 a lot.",
        "The nursery closes at 5.",
        "Honestly I was scared\nbut the peer group helped.",
        "Now I have a job 🙂 – in care.",
    }
    # The nursery sentence follows a CRLF in the study's text: one character earlier in LF.
    doc = outputs.read("documents").set_index("doc_id").loc["d3", "text"]
    raw_start = doc.index("The nursery")
    sel = project.selections.loc[project.selections["start"] == raw_start - 1]
    assert len(sel) == 1
    # An emoji is one code point (UTF-16 tools would count two).
    emoji = "My peer mentor helped me 🙂 a lot."
    spans = {
        (s.end - s.start)
        for s in project.selections.itertuples()
        if normalise_newlines(texts[s.source_guid])[s.start : s.end] == emoji
    }
    assert spans == {33} and len(emoji.encode("utf-16-le")) // 2 == 34


def test_round_trip_reproduces_every_coding_exactly(coded, tmp_path_factory):
    study, outputs, tmp = coded
    export_qdpx(study, tmp / "mini.qdpx", outputs=outputs)
    original = applied_codes(study)

    # A fresh copy of the study, with an empty decision log, imports the project.
    other = tmp_path_factory.mktemp("copy")
    fresh, fresh_out = make_study(other)
    report = import_qdpx(fresh, tmp / "mini.qdpx", outputs=fresh_out)
    assert report.unplaced_selections == 0 and report.unmatched_sources == []
    back = applied_codes(fresh)
    key = ["reviewer", "seg_id", "code"]
    assert back.sort_values(key).values.tolist() == original.sort_values(key).values.tolist()
    assert len(back) == 8

    # Importing our own export into the original study changes nothing; a second time neither.
    before = log_path(study).read_bytes()
    same = import_qdpx(study, tmp / "mini.qdpx", outputs=outputs)
    assert same.result.appended == 0 and "no new decision" in same.message
    assert log_path(study).read_bytes() == before
    again = import_qdpx(fresh, tmp / "mini.qdpx", outputs=fresh_out)
    assert again.result.appended == 0


NVIVO_PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Mini (NVivo)" origin="NVivo 14"
 creatingUserGUID="{A1B2C3D4-0000-4000-8000-000000000001}">
 <Users>
  <User guid="{A1B2C3D4-0000-4000-8000-000000000001}" name="Dr Example"/>
 </Users>
 <CodeBook>
  <Codes>
   <Code guid="{C0DE0000-0000-4000-8000-000000000001}" name="Barriers" isCodable="false">
    <Code guid="{C0DE0000-0000-4000-8000-000000000002}" name="transport" isCodable="true"/>
    <Code guid="{C0DE0000-0000-4000-8000-000000000003}" name="Childcare" isCodable="true"/>
   </Code>
   <Code guid="{C0DE0000-0000-4000-8000-000000000004}" name="Confidence" isCodable="true"/>
   <Code guid="{C0DE0000-0000-4000-8000-000000000005}" name="Family pressures" isCodable="true"/>
  </Codes>
 </CodeBook>
 <Sources>
  <TextSource guid="{50000000-0000-4000-8000-00000000000D}" name="Interview p03"
   plainTextPath="internal://{50000000-0000-4000-8000-00000000000D}.txt"
   creatingUser="{A1B2C3D4-0000-4000-8000-000000000001}">
   <PlainTextSelection guid="{5E100000-0000-4000-8000-000000000001}" name="nervous"
    startPosition="{nervous_start}" endPosition="{nervous_end}"
    creatingUser="{A1B2C3D4-0000-4000-8000-000000000001}">
    <Coding guid="{C0D10000-0000-4000-8000-000000000001}">
     <CodeRef targetGUID="{C0DE0000-0000-4000-8000-000000000004}"/>
    </Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="{5E100000-0000-4000-8000-000000000002}" name="nursery"
    startPosition="{nursery_start}" endPosition="{nursery_end}"
    creatingUser="{A1B2C3D4-0000-4000-8000-000000000001}">
    <Coding guid="{C0D10000-0000-4000-8000-000000000002}">
     <CodeRef targetGUID="{CODE}"/>
    </Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="{50000000-0000-4000-8000-00000000000E}" name="Memo"
   plainTextPath="internal://{50000000-0000-4000-8000-00000000000E}.txt"/>
 </Sources>
</Project>
"""


def _nvivo_qdpx(path: Path, text: str, code_guid: str) -> None:
    """A project as NVivo writes it: its own GUIDs in braces, CRLF text with a BOM, offsets
    counting CRLF as two characters, a selection of a phrase inside a sentence."""
    nervous = text.index("nervous")
    nursery = text.index("nursery closes")
    xml = (
        NVIVO_PROJECT.replace("{nervous_start}", str(nervous))
        .replace("{nervous_end}", str(nervous + len("nervous")))
        .replace("{nursery_start}", str(nursery))
        .replace("{nursery_end}", str(nursery + len("nursery closes at 5")))
        .replace("{CODE}", code_guid)
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-8"))
        zf.writestr(
            "sources/{50000000-0000-4000-8000-00000000000D}.txt",
            b"\xef\xbb\xbf" + text.encode("utf-8"),
        )
        zf.writestr("sources/{50000000-0000-4000-8000-00000000000E}.txt", b"A memo.")


@needs_schemas
def test_codings_made_in_nvivo_come_back_as_human_decisions(tmp_path, project_schema):
    study, outputs = make_study(tmp_path)
    docs = outputs.read("documents").set_index("doc_id")
    text = docs.loc["d3", "text"]
    assert "\r\n" in text
    _nvivo_qdpx(tmp_path / "nvivo.qdpx", text, "{C0DE0000-0000-4000-8000-000000000003}")
    with zipfile.ZipFile(tmp_path / "nvivo.qdpx") as zf:
        project_schema.validate(zf.read("project.qde").decode("utf-8"))

    report = import_qdpx(study, tmp_path / "nvivo.qdpx", reviewer="uni01", outputs=outputs)
    assert report.matched_sources == 1 and report.unmatched_sources == ["Memo"]
    seg = outputs.read("segments").set_index("text")["seg_id"]
    log = read_decisions(study)
    got = sorted(zip(log["reviewer"], log["seg_id"], log["code"], log["decision"], strict=True))
    # Both were suggested by the machine in the mini study, so both are acceptances.
    assert got == sorted(
        [
            ("uni01", seg["I get nervous in interviews."], "confidence", "accept"),
            ("uni01", seg["The nursery closes at 5."], "childcare", "accept"),
        ]
    )
    assert set(log["source_file"]) == {"nvivo.qdpx"}
    assert log["batch_id"].str.startswith("qdpx-").all()

    # Without --reviewer, the project's user is credited.
    other, other_out = make_study(tmp_path / "second")
    import_qdpx(other, tmp_path / "nvivo.qdpx", outputs=other_out)
    assert set(read_decisions(other)["reviewer"]) == {"Dr Example"}


def test_uncoding_in_nvivo_becomes_a_reject(coded):
    study, outputs, tmp = coded
    export_qdpx(study, tmp / "mini.qdpx", outputs=outputs)
    # The academic partner removes pr01's transport coding in NVivo and re-exports.
    with zipfile.ZipFile(tmp / "mini.qdpx") as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    qde = parts["project.qde"].decode("utf-8")
    seg = outputs.read("segments").set_index("text")["seg_id"]
    bus = seg["There is no bus before 7."]
    blocks = re.findall(r"<PlainTextSelection .*?</PlainTextSelection>\s*", qde, flags=re.S)
    mine = [
        b for b in blocks if f'name="{bus}"' in b and f'creatingUser="{guid("user", "pr01")}"' in b
    ]
    assert len(mine) == 1
    parts["project.qde"] = qde.replace(mine[0], "").encode("utf-8")
    with zipfile.ZipFile(tmp / "edited.qdpx", "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    report = import_qdpx(study, tmp / "edited.qdpx", outputs=outputs)
    assert report.decisions == {"reject": 1}
    current = current_decisions(study).set_index(["reviewer", "seg_id", "code"])["decision"]
    assert current[("pr01", seg["There is no bus before 7."], "transport")] == "reject"
    assert current[("pr02", seg["There is no bus before 7."], "transport")] == "accept"


def test_unknown_codes_stop_the_import_unless_asked_and_are_then_reported(tmp_path):
    study, outputs = make_study(tmp_path)
    text = outputs.read("documents").set_index("doc_id").loc["d3", "text"]
    _nvivo_qdpx(tmp_path / "nvivo.qdpx", text, "{C0DE0000-0000-4000-8000-000000000005}")
    with pytest.raises(UserError) as err:
        import_qdpx(study, tmp_path / "nvivo.qdpx", reviewer="uni01", outputs=outputs)
    assert "code is not in the study's codebook: found 'Family pressures'" in err.value.lines[0]
    assert not log_path(study).exists()

    report = import_qdpx(
        study, tmp_path / "nvivo.qdpx", reviewer="uni01", outputs=outputs, new_codes=True
    )
    assert report.decisions == {"accept": 1, "add": 1}
    orphans = orphaned_decisions(
        study, outputs.read("segments"), load_codebook(study.path("codebook.yml")).codable_ids
    )
    assert orphans[["code", "reason"]].values.tolist() == [
        ["family_pressures", "code is not in the codebook"]
    ]
    # The kept code still travels to NVivo with its coding: nothing is lost on export either.
    export_qdpx(study, tmp_path / "out.qdpx", outputs=outputs)
    with zipfile.ZipFile(tmp_path / "out.qdpx") as zf:
        qde = zf.read("project.qde").decode("utf-8")
    assert 'name="family_pressures" isCodable="true"' in qde
    assert qde.count("<CodeRef ") == 2


def test_files_that_are_not_projects_are_refused(tmp_path):
    study, outputs = make_study(tmp_path)
    (tmp_path / "x.qdpx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(UserError, match="not a zip file"):
        import_qdpx(study, tmp_path / "x.qdpx", reviewer="a", outputs=outputs)
    with zipfile.ZipFile(tmp_path / "y.qdpx", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(UserError, match="found 0 project.qde files"):
        import_qdpx(study, tmp_path / "y.qdpx", reviewer="a", outputs=outputs)
    assert not log_path(study).exists()


def test_an_academic_partners_new_codings_are_theirs_and_ours_stay_as_they_are(coded):
    from toolkit.coding.refiqda.qdc import code_guid

    study, outputs, tmp = coded
    export_qdpx(study, tmp / "mini.qdpx", outputs=outputs)
    with zipfile.ZipFile(tmp / "mini.qdpx") as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    qde = parts["project.qde"].decode("utf-8")
    # In NVivo, a new user codes "I missed the bus twice." (d4, offsets 23-46) as Transport.
    doc = outputs.read("documents").set_index("doc_id").loc["d4", "text"]
    start = doc.index("I missed the bus twice.")
    user = "{0F0F0F0F-0000-4000-8000-000000000001}"
    selection = (
        f'<PlainTextSelection guid="{{5E100000-0000-4000-8000-0000000000AA}}" '
        f'startPosition="{start}" endPosition="{start + 23}" creatingUser="{user}">'
        f'<Coding guid="{{C0D10000-0000-4000-8000-0000000000AA}}">'
        f'<CodeRef targetGUID="{code_guid("mini", "transport")}"/></Coding>'
        "</PlainTextSelection>"
    )
    source = qde.index(f"internal://{guid('source', 'mini', 'd4')}.txt")
    end = qde.index("</TextSource>", source)
    qde = qde[:end] + selection + qde[end:]
    qde = qde.replace("</Users>", f'<User guid="{user}" name="Dr Example"/></Users>')
    parts["project.qde"] = qde.encode("utf-8")
    with zipfile.ZipFile(tmp / "nvivo.qdpx", "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    before = current_decisions(study)
    report = import_qdpx(study, tmp / "nvivo.qdpx", reviewer="uni01", outputs=outputs)
    assert report.decisions == {"accept": 1}
    assert any("came from an earlier `lxt export qdpx`" in n for n in report.notes)
    after = current_decisions(study)
    new = after.loc[after["reviewer"] == "uni01"]
    seg = outputs.read("segments").set_index("text")["seg_id"]
    assert new[["seg_id", "code"]].values.tolist() == [
        [seg["I missed the bus twice."], "transport"]
    ]
    mine = after.loc[after["reviewer"] != "uni01"].reset_index(drop=True)
    assert mine.equals(before.reset_index(drop=True))


def test_the_two_argument_command_still_adds_codings_to_a_study(tmp_path, capsys, monkeypatch):
    import sys

    from toolkit import cli
    from toolkit.study.inputs import input_checksums
    from toolkit.study.tables import write_json

    study, outputs = make_study(tmp_path)
    # The mini study's tables are written directly: record them as a run of this folder would.
    write_json({"inputs": input_checksums(study)}, outputs.manifest)
    text = outputs.read("documents").set_index("doc_id").loc["d3", "text"]
    _nvivo_qdpx(tmp_path / "nvivo.qdpx", text, "{C0DE0000-0000-4000-8000-000000000003}")
    args = ["lxt", "import", "qdpx", study.folder, tmp_path / "nvivo.qdpx", "--reviewer", "uni01"]
    monkeypatch.setattr(sys, "argv", [*map(str, args), "--out", str(outputs.root)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
        raise SystemExit(0)
    assert (exit_info.value.code or 0) == 0, capsys.readouterr().err
    assert "Matched 1 source(s)" in capsys.readouterr().out
    assert sorted(read_decisions(study)["code"]) == ["childcare", "confidence"]
