"""REFI-QDA exchange and Excel review at the size of the example study (issue 5, items 5-7).

On a study that has been built with ``lxt run``, this measures

1. the Excel review round: exporting workbooks of 80 segments for two reviewers, filling them
   in with a simple rule (accept suggestions scored 0.6 or more; the second reviewer
   disagrees on every fourth row) and importing them;
2. ``lxt export qdpx``: seconds, file size, number of sources, cases and codings, and whether
   the project validates against the REFI-QDA schema (if ``../shared/refi-qda`` is present);
3. the round trip: importing the project into a copy of the study with an empty decision log
   must give back exactly the same human codings.

Everything is written to a temporary folder; the study's own decision log is not touched.

With ``--from-project N``, it measures instead starting a study from a project: projects in
NVivo's and ATLAS.ti's shapes (``tests/qdpx_projects.py``, the made-up carers' interviews
repeated N times under new names) go through ``lxt import qdpx --new-study``, ingest,
segment and placement of the codings, then ``lxt export qdpx``; it reports seconds per step,
how many coded selections were placed, and the share of the project's (source, code) pairs
that come back in the export.

Run::

    .venv/bin/lxt run surveys/example
    .venv/bin/python benchmarks/refiqda_roundtrip.py surveys/example
    .venv/bin/python benchmarks/refiqda_roundtrip.py --from-project 5
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO.parent / "shared" / "refi-qda" / "Project-mrt2019.xsd"


def from_project(copies: int) -> None:
    """Project -> new study -> ingest, segment, placement -> export, in both shapes."""
    sys.path.insert(0, str(REPO / "tests"))
    from qdpx_projects import INTERVIEWS, atlas_project, coded_pairs, nvivo_project

    from toolkit.coding.refiqda import export_qdpx
    from toolkit.coding.refiqda.new_study import create_study
    from toolkit.study.config import load_study
    from toolkit.study.pipeline import run_study
    from toolkit.study.tables import StudyOutputs

    interviews = [
        (f"{name} copy {k}", f"{case} copy {k}", values, lines)
        for k in range(copies)
        for name, case, values, lines in INTERVIEWS
    ]
    for shape, build in (("NVivo", nvivo_project), ("ATLAS.ti", atlas_project)):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            project = build(tmp / "project.qdpx", interviews=interviews)
            t0 = time.perf_counter()
            report = create_study(project, tmp / "study")
            t1 = time.perf_counter()
            manifest = run_study(
                tmp / "study", out=tmp / "out", stages=["ingest", "segment", "imported"],
                progress=False,
            )  # fmt: skip
            t2 = time.perf_counter()
            study = load_study(tmp / "study")
            export_qdpx(study, tmp / "back.qdpx", outputs=StudyOutputs(study.name, tmp / "out"))
            t3 = time.perf_counter()
            placed = manifest["stages"]["imported"]["result"]
            original, back = coded_pairs(project), coded_pairs(tmp / "back.qdpx")
            print(
                f"{shape}: {report.documents} sources, {report.selections} coded selections; "
                f"new study {t1 - t0:.1f} s, ingest+segment+placement {t2 - t1:.1f} s "
                f"(placement {manifest['stages']['imported']['seconds']:.2f} s), "
                f"export {t3 - t2:.1f} s; not placed {placed['not_placed']}; "
                f"(source, code) pairs back {len(original & back)}/{len(original)} "
                f"= {len(original & back) / len(original):.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "study", type=Path, nargs="?", help="a built study folder, e.g. surveys/example"
    )
    parser.add_argument("--out", type=Path, help="its outputs folder (default outputs/<study>)")
    parser.add_argument("--n", type=int, default=80, help="segments per review workbook")
    parser.add_argument(
        "--from-project",
        type=int,
        metavar="N",
        help="measure starting a study from projects of N copies of the test interviews",
    )
    args = parser.parse_args()
    if args.from_project:
        from_project(args.from_project)
        return
    if args.study is None:
        parser.error("give a built study folder, or --from-project N")

    sys.path.insert(0, str(REPO / "tests"))
    from test_coding_journey import review_like_a_person

    from toolkit.coding.decisions import applied_codes
    from toolkit.coding.refiqda import export_qdpx, import_qdpx
    from toolkit.coding.review_export import export_review
    from toolkit.coding.review_import import import_review
    from toolkit.study.config import load_study
    from toolkit.study.demo import copy_study
    from toolkit.study.tables import StudyOutputs

    source = load_study(args.study)
    outputs = StudyOutputs(source.name, args.out)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        study = load_study(copy_study(source.folder, tmp / "study"))
        shutil.rmtree(study.path(study.decisions), ignore_errors=True)

        t0 = time.perf_counter()
        export_review(study, "pr01", tmp / "pr01.xlsx", n=args.n, outputs=outputs, order="score")
        export_review(
            study, "pr02", tmp / "pr02.xlsx", outputs=outputs, segments_from=tmp / "pr01.xlsx"
        )
        t1 = time.perf_counter()
        review_like_a_person(tmp / "pr01.xlsx", flip_every=None, add_on_row=3)
        review_like_a_person(tmp / "pr02.xlsx", flip_every=4, add_on_row=None)
        t2 = time.perf_counter()
        for name in ("pr01.xlsx", "pr02.xlsx"):
            import_review(study, tmp / name)
        t3 = time.perf_counter()
        print(
            f"review: 2 workbooks of {args.n} segments exported in {t1 - t0:.1f} s, "
            f"imported in {t3 - t2:.1f} s"
        )

        t0 = time.perf_counter()
        summary = export_qdpx(study, tmp / "study.qdpx", outputs=outputs)
        t1 = time.perf_counter()
        size = (tmp / "study.qdpx").stat().st_size / 1e6
        print(
            f"export qdpx: {summary.sources} sources, {summary.cases} cases, "
            f"{summary.codings} codings, {size:.1f} MB in {t1 - t0:.1f} s"
        )
        if SCHEMA.exists():
            import xmlschema

            with zipfile.ZipFile(tmp / "study.qdpx") as zf:
                ok = xmlschema.XMLSchema(str(SCHEMA)).is_valid(zf.read("project.qde").decode())
            print(f"validates against {SCHEMA.name}: {ok}")

        fresh = load_study(copy_study(source.folder, tmp / "fresh"))
        shutil.rmtree(fresh.path(fresh.decisions), ignore_errors=True)
        t0 = time.perf_counter()
        report = import_qdpx(fresh, tmp / "study.qdpx", outputs=outputs)
        t1 = time.perf_counter()
        key = ["reviewer", "seg_id", "code"]
        before = applied_codes(study).sort_values(key).values.tolist()
        after = applied_codes(fresh).sort_values(key).values.tolist()
        print(
            f"import qdpx: {sum(report.decisions.values())} decisions in {t1 - t0:.1f} s; "
            f"round trip exact: {before == after} ({len(after)} codings)"
        )


if __name__ == "__main__":
    main()
