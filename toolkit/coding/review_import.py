"""Bring a filled-in review workbook back: check it, then append its decisions to the log.

Checks, each reported as a :class:`~toolkit.errors.Problem` naming the file, sheet, row and
column: the workbook is one ``lxt review export`` wrote, for this study; the header is as
exported; no row was removed or added; the text a reviewer saw was not edited; decisions are
``accept`` or ``reject`` (or blank = not decided); added codes are in the codebook. Nothing is
appended unless the whole workbook passes, and importing the same workbook twice appends
nothing the second time (see :func:`toolkit.coding.decisions.append_decisions`).

It needs a workbook that ``lxt review export`` wrote for a built study, so it is shown
rather than run (``tests/test_review.py`` runs the round trip)::

    report = import_review(load_study("surveys/example"), "pr01.xlsx")
    print(report.message)
    # pr01: 50 accept, 5 reject, 2 add in the workbook.
    # Added 57 decision(s) from batch pr01-2026-11-23-1a2b3c4d to .../decision_log.csv.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from toolkit.coding.codebook import Codebook
from toolkit.coding.decisions import AppendResult, append_decisions, text_hash
from toolkit.coding.review_export import (
    BASE_HEADERS,
    CODE_SEPARATOR,
    REVIEW_SHEET,
    read_meta,
    study_codebook,
)
from toolkit.errors import Problem, ProblemCollector, UserError
from toolkit.study.config import Study

ACCEPTED_WORDS = {"accept": "accept", "reject": "reject"}


@dataclass
class ImportReport:
    """The outcome of importing one review workbook."""

    batch_id: str
    reviewer: str
    counts: Counter
    result: AppendResult
    warnings: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        counts = ", ".join(f"{self.counts[k]} {k}" for k in ("accept", "reject", "add"))
        lines = [f"{self.reviewer}: {counts} in the workbook.", self.result.message]
        return "\n".join(lines + [f"note: {w}" for w in self.warnings])


def _resolve_code(value: str, codebook: Codebook) -> str | None:
    """A code id from a drop-down entry ("id — Name"), a bare id or a code name."""
    text = value.split(CODE_SEPARATOR, 1)[0].strip()
    ids = set(codebook.codable_ids)
    if text in ids:
        return text
    by_name = {c.name.strip().lower(): c.id for c in codebook.codable}
    return by_name.get(value.strip().lower()) or by_name.get(text.lower())


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


def import_review(
    study: Study, path: str | Path, *, codebook: Codebook | None = None
) -> ImportReport:
    """Validate a review workbook and append its decisions to the study's decision log.

    Parameters
    ----------
    study : Study
        The study the workbook was exported from.
    path : path
        The filled-in ``.xlsx``.
    codebook : Codebook, optional
        Codes that may be added; default the study's codebook.

    Returns
    -------
    ImportReport
        Decision counts and what was appended (``result.already_imported`` on a re-import).

    Raises
    ------
    UserError
        Listing every problem found (nothing is appended then).
    """
    path = Path(path)
    file = str(path)
    meta = read_meta(path)
    info, meta_rows = meta["info"], meta["rows"]
    if info.get("study") != study.name:
        raise UserError(
            Problem(
                file,
                "this workbook belongs to another study",
                column="study",
                value=info.get("study"),
                expected=f"a workbook for {study.name!r}",
            )
        )
    codebook = codebook or study_codebook(study)
    slots, adds = int(info["suggestion_slots"]), int(info["add_slots"])
    expected_head = info["headers"].split("\t")

    wb = load_workbook(path, data_only=True)
    if REVIEW_SHEET not in wb.sheetnames:
        raise UserError(
            Problem(
                file,
                f"sheet {REVIEW_SHEET!r} is missing (was it renamed?)",
                expected=f"a sheet called {REVIEW_SHEET!r}",
            )
        )
    ws = wb[REVIEW_SHEET]
    problems = ProblemCollector()
    where = f"{file} [sheet {REVIEW_SHEET}]"
    head = [_cell_text(c.value).strip() for c in ws[1]][: len(expected_head)]
    head += [""] * (len(expected_head) - len(head))
    for c, (found, want) in enumerate(zip(head, expected_head, strict=True), start=1):
        if found != want:
            problems.add(
                where,
                "the header row was changed",
                row=1,
                column=want,
                value=found,
                expected=f"column {c} to be {want!r} (do not insert or delete columns)",
            )
    problems.raise_if_any()

    by_seg = {r["seg_id"]: r for r in meta_rows}
    seen: dict[str, int] = {}
    records: list[dict[str, str]] = []
    warnings: list[str] = []
    codable = set(codebook.codable_ids)
    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        cells = [_cell_text(v) for v in row] + [""] * len(expected_head)
        if not any(v.strip() for v in cells):
            continue
        seg = cells[0].strip()
        if seg not in by_seg:
            problems.add(
                where,
                "row is not part of this review batch",
                row=r,
                column="Segment",
                value=seg,
                expected="only the rows that were exported",
            )
            continue
        if seg in seen:
            problems.add(
                where,
                f"segment appears twice (also row {seen[seg]})",
                row=r,
                column="Segment",
                value=seg,
                expected="each exported row once",
            )
            continue
        seen[seg] = r
        m = by_seg[seg]
        if text_hash(cells[4]) != m["shown_hash"]:
            problems.add(
                where,
                "the text was edited",
                row=r,
                column=BASE_HEADERS[4],
                expected="the text exactly as exported (put comments elsewhere)",
            )
        suggested = m["suggestions"].split()
        decided: dict[str, str] = {}
        for i in range(slots):
            col = len(BASE_HEADERS) + 3 * i
            shown, raw = cells[col].strip(), cells[col + 2].strip().lower()
            code = suggested[i] if i < len(suggested) else None
            header = expected_head[col + 2]
            if code is None:
                if raw:
                    problems.add(
                        where,
                        "decision given where no code was suggested",
                        row=r,
                        column=header,
                        value=raw,
                        expected="a blank cell",
                    )
                continue
            if shown.split(CODE_SEPARATOR, 1)[0].strip() != code:
                problems.add(
                    where,
                    "the suggested code was changed",
                    row=r,
                    column=expected_head[col],
                    value=shown,
                    expected=f"{code!r} as exported (use 'Add code' for other codes)",
                )
                continue
            if not raw:
                continue
            if raw not in ACCEPTED_WORDS:
                problems.add(
                    where,
                    "unknown decision",
                    row=r,
                    column=header,
                    value=raw,
                    expected="accept, reject or blank",
                )
                continue
            decided[code] = ACCEPTED_WORDS[raw]
            if code not in codable:
                warnings.append(
                    f"row {r}: code {code!r} has left the codebook since export; "
                    "the decision is kept and will be reported"
                )
        first_add = len(BASE_HEADERS) + 3 * slots
        for k in range(adds):
            raw = cells[first_add + k].strip()
            if not raw:
                continue
            code = _resolve_code(raw, codebook)
            header = expected_head[first_add + k]
            if code is None:
                problems.add(
                    where,
                    "unknown code",
                    row=r,
                    column=header,
                    value=raw,
                    expected="a code from the list on the Codebook sheet",
                )
            elif decided.get(code) == "reject":
                problems.add(
                    where,
                    f"code {code!r} is both rejected and added",
                    row=r,
                    column=header,
                    value=raw,
                    expected="one or the other",
                )
            elif code in suggested:
                decided[code] = "accept"  # adding a suggested code is accepting it
            else:
                decided[code] = "add"
        for code, decision in decided.items():
            records.append(
                {
                    "reviewer": info["reviewer"],
                    "seg_id": seg,
                    "code": code,
                    "decision": decision,
                    "text_hash": m["text_hash"],
                }
            )
    for seg, m in by_seg.items():
        if seg not in seen:
            problems.add(
                where,
                "a row was removed",
                row=int(m["sheet_row"]),
                column="Segment",
                value=seg,
                expected="every exported row (leave rows you skip blank)",
            )
    problems.raise_if_any()
    counts = Counter(rec["decision"] for rec in records)
    result = append_decisions(study, records, source_file=path.name, batch_id=info["batch_id"])
    return ImportReport(info["batch_id"], info["reviewer"], counts, result, warnings)
