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

from toolkit.coding.codebook import Codebook, load_study_codebook
from toolkit.coding.decisions import AppendResult, append_decisions, text_hash
from toolkit.coding.review_export import (
    BASE_HEADERS,
    CODE_SEPARATOR,
    REVIEW_SHEET,
    read_meta,
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

    Notes
    -----
    A row stands for every segment with identical text (listed in the workbook's hidden
    metadata): its decisions are appended for each of them too, with ``source_file`` saying
    "same text as <segment>", so the log shows which decisions were read and which were
    carried over.
    """
    path = Path(path)
    meta = read_meta(path)
    info, meta_rows = meta["info"], meta["rows"]
    if info.get("study") != study.name:
        raise UserError(
            Problem(
                str(path),
                "this workbook belongs to another study",
                column="study",
                value=info.get("study"),
                expected=f"a workbook for {study.name!r}",
            )
        )
    codebook = codebook or load_study_codebook(study)
    expected_head = info["headers"].split("\t")
    ws, where = _open_review_sheet(path)
    problems = ProblemCollector()
    _check_header(ws, expected_head, where, problems)
    problems.raise_if_any()
    by_seg = {r["seg_id"]: r for r in meta_rows}
    seen: dict[str, int] = {}
    records: list[dict[str, str]] = []
    warnings: list[str] = []
    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        cells = [_cell_text(v) for v in row] + [""] * len(expected_head)
        if not any(v.strip() for v in cells):
            continue
        seg = _row_segment(cells, r, by_seg, seen, where, problems)
        if seg is None:
            continue
        decided = _row_decisions(
            cells, r, by_seg[seg], info, expected_head, codebook, where, problems, warnings
        )
        for code, decision in decided.items():
            records.append(
                {
                    "reviewer": info["reviewer"],
                    "seg_id": seg,
                    "code": code,
                    "decision": decision,
                    "text_hash": by_seg[seg]["text_hash"],
                    "source_file": path.name,
                }
            )
    _check_removed_rows(by_seg, seen, where, problems)
    problems.raise_if_any()
    counts = Counter(rec["decision"] for rec in records)
    records += _same_text_records(records, by_seg, path.name)
    result = append_decisions(study, records, source_file=path.name, batch_id=info["batch_id"])
    return ImportReport(info["batch_id"], info["reviewer"], counts, result, warnings)


def _open_review_sheet(path: Path):
    """The workbook's Review sheet and how to name it in messages."""
    wb = load_workbook(path, data_only=True)
    if REVIEW_SHEET not in wb.sheetnames:
        raise UserError(
            Problem(
                str(path),
                f"sheet {REVIEW_SHEET!r} is missing (was it renamed?)",
                expected=f"a sheet called {REVIEW_SHEET!r}",
            )
        )
    return wb[REVIEW_SHEET], f"{path} [sheet {REVIEW_SHEET}]"


def _check_header(ws, expected_head: list[str], where: str, problems: ProblemCollector) -> None:
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


def _row_segment(cells, r, by_seg, seen, where, problems) -> str | None:
    """The row's segment id if it is an exported row seen once with its text unchanged."""
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
        return None
    if seg in seen:
        problems.add(
            where,
            f"segment appears twice (also row {seen[seg]})",
            row=r,
            column="Segment",
            value=seg,
            expected="each exported row once",
        )
        return None
    seen[seg] = r
    if text_hash(cells[4]) != by_seg[seg]["shown_hash"]:
        problems.add(
            where,
            "the text was edited",
            row=r,
            column=BASE_HEADERS[4],
            expected="the text exactly as exported (put comments elsewhere)",
        )
    return seg


def _row_decisions(
    cells, r, m, info, expected_head, codebook, where, problems, warnings
) -> dict[str, str]:
    """The decisions on one row: code -> accept / reject / add."""
    slots, adds = int(info["suggestion_slots"]), int(info["add_slots"])
    codable = set(codebook.codable_ids)
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
        _read_added_code(
            cells[first_add + k].strip(),
            expected_head[first_add + k],
            r,
            suggested,
            decided,
            codebook,
            where,
            problems,
        )
    return decided


def _read_added_code(raw, header, r, suggested, decided, codebook, where, problems) -> None:
    if not raw:
        return
    code = _resolve_code(raw, codebook)
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


def _check_removed_rows(by_seg, seen, where, problems) -> None:
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


def _same_text_records(records: list[dict], by_seg: dict, file_name: str) -> list[dict]:
    """The row's decisions, carried over to every segment with identical text."""
    out = []
    for rec in records:
        for twin in by_seg[rec["seg_id"]].get("same_text", "").split():
            seg, _, own_hash = twin.partition("@")
            out.append(
                {
                    **rec,
                    "seg_id": seg,
                    "text_hash": own_hash or rec["text_hash"],
                    "source_file": f"{file_name} (same text as {rec['seg_id']})",
                }
            )
    return out
