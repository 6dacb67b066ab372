"""A peer researcher's coding round on the example study, as the README tells it.

codebook -> suggestions -> Excel review by two people -> import (twice) -> agreement table ->
.qdpx that validates -> the pipeline re-run and the codebook changed without losing a decision.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xmlschema
import yaml
from openpyxl import load_workbook
from sklearn.metrics import cohen_kappa_score

from toolkit.coding.codebook import load_codebook
from toolkit.coding.decisions import applied_codes, log_path, orphaned_decisions, read_decisions
from toolkit.study.config import load_study
from toolkit.study.tables import StudyOutputs

SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "refi-qda"
SLOTS = 5


def lxt(monkeypatch, capsys, *args) -> str:
    """Run the `lxt` command line as a person would; fail on a non-zero exit."""
    from toolkit.cli import main

    monkeypatch.setattr(sys, "argv", ["lxt", *map(str, args)])
    try:
        main()
    except SystemExit as done:
        out = capsys.readouterr()
        raise AssertionError(
            f"lxt {' '.join(map(str, args))} exited {done.code}: {out.err}"
        ) from None
    return capsys.readouterr().out


def review_like_a_person(path: Path, flip_every: int | None, add_on_row: int | None) -> None:
    """Accept suggestions scored 0.6 or more, reject the rest; optionally disagree with
    oneself every n-th row and add a code from the drop-down list."""
    wb = load_workbook(path)
    ws = wb["Review"]
    choices = [row[0].value for row in wb["Codebook"].iter_rows(min_row=2)]
    for r in range(2, ws.max_row + 1):
        for i in range(SLOTS):
            col = 7 + 3 * i
            if not ws.cell(r, col).value:
                continue
            score = float(ws.cell(r, col + 1).value.split(":")[0].removeprefix("score "))
            accept = score >= 0.6
            if flip_every and r % flip_every == 0:
                accept = not accept
            ws.cell(r, col + 2).value = "accept" if accept else "reject"
        if r == add_on_row:
            suggested = {ws.cell(r, 7 + 3 * i).value for i in range(SLOTS)}
            ws.cell(r, 7 + 3 * SLOTS).value = next(c for c in choices if c not in suggested)
    wb.save(path)


@pytest.mark.slow
def test_a_coding_round_from_codebook_to_nvivo(built_example, tmp_path, monkeypatch, capsys):
    example, built_out = built_example
    # Work on copies: the session's built example is shared with other tests.
    study_dir = shutil.copytree(example, tmp_path / "example")
    out = shutil.copytree(built_out, tmp_path / "outputs")
    # The copied outputs go with the copied study: hand them over (they record their owner).
    (out / "owner.json").unlink()
    # This round starts before anyone has coded: without the synthetic reviewers' rounds the
    # example ships (and the log `lxt run` built from them).
    shutil.rmtree(study_dir / "reviews")
    shutil.rmtree(study_dir / "decisions", ignore_errors=True)
    study = load_study(study_dir)
    outputs = StudyOutputs(study.name, out)
    book = load_codebook(study.path(study.codebook))

    # Codebook -> .qdc for the academic partner.
    lxt(
        monkeypatch,
        capsys,
        "export",
        "qdc",
        "--codebook",
        study.path(study.codebook),
        "-o",
        tmp_path / "codes.qdc",
    )
    assert (tmp_path / "codes.qdc").read_bytes().startswith(b'<?xml version="1.0"')

    # Suggestions with evidence exist for the example study.
    codings = outputs.read("codings")
    machine = codings.loc[codings["source"].isin(["rule", "model"])]
    assert len(machine) > 50 and machine["evidence"].astype(str).str.len().gt(0).all()

    # Two reviewers, same segments.
    first = lxt(
        monkeypatch,
        capsys,
        "review",
        "export",
        study_dir,
        "--reviewer",
        "pr01",
        "-o",
        tmp_path / "pr01.xlsx",
        "--n",
        "30",
        "--out",
        out,
    )
    assert "Wrote 30 segments for pr01" in first
    lxt(
        monkeypatch,
        capsys,
        "review",
        "export",
        study_dir,
        "--reviewer",
        "pr02",
        "-o",
        tmp_path / "pr02.xlsx",
        "--same-as",
        tmp_path / "pr01.xlsx",
        "--out",
        out,
    )
    review_like_a_person(tmp_path / "pr01.xlsx", flip_every=None, add_on_row=3)
    review_like_a_person(tmp_path / "pr02.xlsx", flip_every=4, add_on_row=None)
    lxt(monkeypatch, capsys, "review", "import", study_dir, tmp_path / "pr01.xlsx")
    lxt(monkeypatch, capsys, "review", "import", study_dir, tmp_path / "pr02.xlsx")
    log = read_decisions(study)
    assert set(log["reviewer"]) == {"pr01", "pr02"}
    # One code added by hand; the same decision is recorded for every segment with that text.
    by_hand = log.loc[log["source_file"].isin(["pr01.xlsx", "pr02.xlsx"])]
    assert (by_hand["decision"] == "add").sum() == 1
    copies = log.loc[~log.index.isin(by_hand.index)]
    assert copies["source_file"].str.contains(r"\(same text as ", regex=True).all()
    before = log_path(study).read_bytes()
    again = lxt(monkeypatch, capsys, "review", "import", study_dir, tmp_path / "pr01.xlsx")
    assert "already imported" in again
    assert log_path(study).read_bytes() == before

    # Agreement table, checked against scikit-learn on the same units.
    printed = lxt(monkeypatch, capsys, "agreement", study_dir, "--out", out)
    assert "overall" in printed and "krippendorff_alpha" in printed
    table = pd.read_csv(outputs.tables / "agreement.csv").set_index("code")
    units = {}
    for who in ("pr01", "pr02"):
        mine = log.loc[log["reviewer"] == who]
        applied = set(
            zip(
                mine.loc[mine["decision"] != "reject", "seg_id"],
                mine.loc[mine["decision"] != "reject", "code"],
                strict=True,
            )
        )
        units[who] = {
            (s, c): int((s, c) in applied) for s in set(mine["seg_id"]) for c in book.codable_ids
        }
    shared = sorted(set(units["pr01"]) & set(units["pr02"]))
    a = [units["pr01"][u] for u in shared]
    b = [units["pr02"][u] for u in shared]
    assert table.loc["overall", "cohens_kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert table.loc["overall", "percent_agreement"] == pytest.approx(
        np.mean(np.array(a) == np.array(b))
    )
    assert 0 < table.loc["overall", "cohens_kappa"] < 1

    # The project for NVivo validates and carries every human coding.
    lxt(
        monkeypatch,
        capsys,
        "export",
        "qdpx",
        study_dir,
        "-o",
        tmp_path / "example.qdpx",
        "--out",
        out,
    )
    with zipfile.ZipFile(tmp_path / "example.qdpx") as zf:
        qde = zf.read("project.qde").decode("utf-8")
        assert all(n == "project.qde" or n.startswith("sources/") for n in zf.namelist())
    if (SCHEMAS / "Project-mrt2019.xsd").exists():
        xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd")).validate(qde)
    assert qde.count("<CodeRef ") == len(applied_codes(study))
    # ... and is safe to send: redacted sources, pseudonyms only, no register name.
    from toolkit.privacy.release_check import check_release

    assert [str(f) for f in check_release(tmp_path / "example.qdpx", study=study)] == []

    # Re-running the coding stage keeps every decision, and the codings now include them.
    from toolkit.study.pipeline import run_study

    run_study(study_dir, out=out, progress=False, stages=["code"])
    assert log_path(study).read_bytes() == before
    human = outputs.read("codings").query("source.str.startswith('human:')", engine="python")
    assert len(human) == len(applied_codes(study))
    assert orphaned_decisions(study, outputs.read("segments"), book.codable_ids).empty

    # A code renamed in the codebook: its decisions are reported, not dropped.
    used = applied_codes(study)["code"].value_counts().index[0]
    raw = yaml.safe_load(study.path(study.codebook).read_text(encoding="utf-8"))

    def rename(codes):
        for code in codes:
            if code["id"] == used:
                code["id"] = used + "_renamed"
            rename(code.get("children", []))

    rename(raw["codes"])
    changed = tmp_path / "changed.yml"
    changed.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), "utf-8")
    new_book = load_codebook(changed)
    orphans = orphaned_decisions(study, outputs.read("segments"), new_book.codable_ids)
    n_used = int((read_decisions(study)["code"] == used).sum())
    assert len(orphans) > 0 and set(orphans["code"]) == {used}
    assert set(orphans["reason"]) == {"code is not in the codebook"}
    assert int((read_decisions(study)["code"] == used).sum()) == n_used
    assert log_path(study).read_bytes() == before
