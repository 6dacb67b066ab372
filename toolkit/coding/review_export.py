"""Review in Excel: a workbook of suggested codes for a peer researcher to accept or reject.

``lxt review export`` writes one row per segment: the redacted text, a little context, up to
five suggested codes each with its evidence and an accept/reject drop-down, and columns to add
codes from the codebook (drop-down lists). A hidden, protected ``lxt_meta`` sheet records the
study, reviewer, batch id and, per row, the segment id and a hash of the text shown, so that
``lxt review import`` (:mod:`toolkit.coding.review_import`) can tell edited text, removed rows and
workbooks from another study apart from honest decisions.

Which segments, in which order, is :mod:`toolkit.coding.review_select`'s job. Two reviewers get the
same segments (for agreement) with ``segments_from=`` another workbook.

The export needs the study's built ``segments`` and ``codings`` tables, so it is shown
rather than run (``tests/test_review.py`` runs it)::

    study = load_study("surveys/example")
    batch = export_review(study, "pr01", "pr01.xlsx", n=40)
    batch.n_rows    # 40
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from toolkit.coding.codebook import Codebook, load_study_codebook
from toolkit.coding.decisions import now_utc, read_decisions, text_hash
from toolkit.coding.review_select import (
    learned_ranking,
    machine_suggestions,
    same_text_groups,
    select_segments,
)
from toolkit.embeddings.base import study_cache_dir
from toolkit.errors import Problem, UserError
from toolkit.study.config import Study
from toolkit.study.tables import StudyOutputs, atomic_path

FORMAT = "lxt-review-1"
REVIEW_SHEET = "Review"
CODEBOOK_SHEET = "Codebook"
META_SHEET = "lxt_meta"
INSTRUCTIONS_SHEET = "Instructions"
SUGGESTION_SLOTS = 5
ADD_SLOTS = 3
CODE_SEPARATOR = " — "  # drop-down entries read "transport — Transport"
META_TABLE_ROW = 12  # first row of the per-row table in the meta sheet
EXCEL_CELL_LIMIT = 32_767
META_COLUMNS = ["sheet_row", "seg_id", "text_hash", "shown_hash", "suggestions", "same_text"]

BASE_HEADERS = ["Segment", "Participant", "Cohort", "Where from", "What they said", "Context"]


def suggestion_headers(i: int) -> list[str]:
    return [f"Suggested code {i}", f"Why suggested {i}", f"Decision {i}"]


def add_headers(n: int) -> list[str]:
    return [f"Add code {i}" for i in range(1, n + 1)]


def headers(slots: int, adds: int) -> list[str]:
    out = list(BASE_HEADERS)
    for i in range(1, slots + 1):
        out += suggestion_headers(i)
    return out + add_headers(adds)


@dataclass(frozen=True)
class ReviewBatch:
    """A written review workbook."""

    path: Path
    batch_id: str
    reviewer: str
    seg_ids: list[str]
    order: str = "score"

    @property
    def n_rows(self) -> int:
        return len(self.seg_ids)


def seg_ids_from_workbook(path: str | Path) -> list[str]:
    """The segment ids of an earlier review workbook, in its row order."""
    meta = read_meta(path)
    return [row["seg_id"] for row in meta["rows"]]


# -- writing the workbook ----------------------------------------------------------------------


def shown_text(text: object) -> str:
    """Text as it can appear in an Excel cell (no control characters, within the cell limit)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", "" if text is None else str(text))
    value = value.replace("\r\n", "\n")
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[: EXCEL_CELL_LIMIT - 1] + "…"
    return value


def put_text(cell: Cell, value: object) -> None:
    """Write text that Excel must show as text, never run as a formula (e.g. '=…', '+44…')."""
    cell.value = shown_text(value)
    cell.data_type = "s"


def _context(segments: pd.DataFrame) -> dict[str, str]:
    """Previous and next segment of the same document, shortened, per seg_id."""
    ordered = segments.sort_values(["doc_id", "start", "seg_id"])
    out: dict[str, str] = {}
    for _, doc in ordered.groupby("doc_id", sort=False):
        texts, ids = doc["text"].astype(str).tolist(), doc["seg_id"].tolist()
        for i, seg in enumerate(ids):
            before = texts[i - 1][-200:] if i > 0 else ""
            after = texts[i + 1][:200] if i + 1 < len(texts) else ""
            parts = []
            if before:
                parts.append(f"Before: …{before}")
            if after:
                parts.append(f"After: {after}…")
            out[seg] = "\n".join(parts)
    return out


def _batch_id(reviewer: str, created: str) -> str:
    """A new id for every exported workbook (so two exports never share one)."""
    return f"{reviewer}-{created[:10]}-{uuid.uuid4().hex[:8]}"


INSTRUCTIONS = [
    "How to review these suggestions",
    "",
    "Each row on the 'Review' sheet is one thing a resident said (names and contact details "
    "have been removed). The toolkit has suggested codes for it, with the words that made it "
    "suggest each one ('Why suggested').",
    "1. Read 'What they said' (and 'Context' if you need it).",
    "2. For each suggested code, choose accept or reject in its 'Decision' column. Leave a "
    "decision blank if you are not sure: blank means 'not decided', not 'reject'.",
    "3. If a code from the codebook fits but was not suggested, choose it in an 'Add code' "
    "column. The 'Codebook' sheet explains every code.",
    "4. Do not edit the text, delete rows or rename sheets: the toolkit checks them when the "
    "file comes back, so that every decision is matched to what you actually read.",
    "5. Save the file (keep it as .xlsx) and give it back, or run: lxt review import STUDY "
    "this_file.xlsx",
    "",
    "You can sort or filter rows and widen columns. Importing the same file twice is safe. "
    "If you change your mind later, edit the decision and import the file again: the newer "
    "decision is kept and the older one stays in the study's decision log.",
]


def _write_instructions(ws, study: Study, reviewer: str, batch_id: str, n_rows: int) -> None:
    ws.column_dimensions["A"].width = 110
    for r, line in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row=r, column=1)
        put_text(cell, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=14)
    row = len(INSTRUCTIONS) + 2
    for label, value in (
        ("Study", study.title),
        ("Reviewer", reviewer),
        ("Batch", batch_id),
        ("Rows to review", str(n_rows)),
    ):
        put_text(ws.cell(row=row, column=1), f"{label}: {value}")
        row += 1


def _write_codebook(ws, codebook: Codebook) -> int:
    """The codable codes, with guidance; column A holds the drop-down entries."""
    cols = ["Choose from list", "Code id", "Name", "Definition", "Include", "Exclude"]
    widths = [38, 18, 26, 60, 40, 40]
    for c, (name, width) in enumerate(zip(cols, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=c, value=name)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, code in enumerate(codebook.codable, start=2):
        values = [
            f"{code.id}{CODE_SEPARATOR}{code.name}",
            code.id,
            code.name,
            code.definition,
            code.include,
            code.exclude,
        ]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            put_text(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    return len(codebook.codable)


def _write_meta(ws, info: dict[str, str], rows: list[dict[str, str]]) -> None:
    for r, (key, value) in enumerate(info.items(), start=1):
        put_text(ws.cell(row=r, column=1), key)
        put_text(ws.cell(row=r, column=2), value)
    table_cols = META_COLUMNS
    for c, name in enumerate(table_cols, start=1):
        ws.cell(row=META_TABLE_ROW, column=c, value=name)
    for r, row in enumerate(rows, start=META_TABLE_ROW + 1):
        for c, name in enumerate(table_cols, start=1):
            put_text(ws.cell(row=r, column=c), row[name])
    ws.sheet_state = "veryHidden"  # not listed under Unhide in Excel
    ws.protection.sheet = True


def export_review(
    study: Study,
    reviewer: str,
    out_path: str | Path,
    *,
    n: int = 50,
    cohorts: list[str] | None = None,
    outputs: StudyOutputs | None = None,
    codebook: Codebook | None = None,
    segments_from: str | Path | None = None,
    order: str = "uncertain",
    suggestion_slots: int = SUGGESTION_SLOTS,
    add_slots: int = ADD_SLOTS,
    overwrite: bool = False,
) -> ReviewBatch:
    """Write a review workbook for ``reviewer`` and return what it holds.

    Parameters
    ----------
    study : Study
        The study; its ``segments`` and ``codings`` tables must have been built.
    reviewer : str
        Short id of the person reviewing (e.g. "pr01"); recorded with every decision.
    out_path : path
        The ``.xlsx`` file to write (written atomically).
    n : int
        Most segments to include.
    cohorts : list of str, optional
        Only segments from these cohorts.
    outputs : StudyOutputs, optional
        Where the study's tables are (default ``outputs/<study>``).
    codebook : Codebook, optional
        Default: the study's codebook.
    segments_from : path, optional
        An earlier review workbook: use exactly its segments (two reviewers, same rows).
    order : {"uncertain", "score"}
        "uncertain": segments the learned classifiers are least sure about first, when enough
        decisions exist to train them (else as "score"); "score": highest-scoring suggestions.
    suggestion_slots, add_slots : int
        Suggested codes shown per row, and "Add code" columns.
    overwrite : bool
        Replace an existing file (refused by default: it may hold decisions not yet imported).

    Each distinct text appears once; the hidden metadata lists, per row, the other segments
    with identical text, and :func:`toolkit.coding.review_import.import_review` applies the
    row's decisions to them too.
    """
    reviewer = _check_request(reviewer, Path(out_path), overwrite)
    out_path = Path(out_path)
    outputs = outputs or StudyOutputs.for_study(study)
    codebook = codebook or load_study_codebook(study)
    segments = outputs.read("segments")
    codings = outputs.read("codings")
    log = read_decisions(study)
    cache = study_cache_dir(outputs)
    seg_ids, learned = _choose_segments(
        study, reviewer, segments, codings, codebook, log, n, cohorts, segments_from, order, cache
    )
    created = now_utc()
    batch_id = _batch_id(reviewer, created)
    twins = _identical_segments(segments, seg_ids, reviewer, log)
    wb = Workbook()
    meta_rows = _write_review_sheet(
        wb.active, segments, codings, codebook, seg_ids, twins, suggestion_slots, add_slots
    )
    _write_instructions(
        wb.create_sheet(INSTRUCTIONS_SHEET), study, reviewer, batch_id, len(seg_ids)
    )
    n_codes = _write_codebook(wb.create_sheet(CODEBOOK_SHEET), codebook)
    _add_code_lists(wb[REVIEW_SHEET], len(seg_ids) + 1, suggestion_slots, add_slots, n_codes)
    info = {
        "format": FORMAT,
        "study": study.name,
        "reviewer": reviewer,
        "batch_id": batch_id,
        "created_at": created,
        "codebook": codebook.name,
        "suggestion_slots": str(suggestion_slots),
        "add_slots": str(add_slots),
        "n_rows": str(len(seg_ids)),
        "headers": "\t".join(headers(suggestion_slots, add_slots)),
    }
    _write_meta(wb.create_sheet(META_SHEET), info, meta_rows)
    wb.active = 0
    with atomic_path(out_path) as tmp:
        wb.save(tmp)
    used = "workbook" if segments_from else ("uncertain" if learned else "score")
    return ReviewBatch(out_path, batch_id, reviewer, list(seg_ids), used)


def _check_request(reviewer: str, out_path: Path, overwrite: bool) -> str:
    """A usable reviewer id and a new ``.xlsx`` path, or a clear error."""
    reviewer = reviewer.strip()
    if not reviewer or any(ch in reviewer for ch in ",\n\r"):
        raise UserError(
            Problem(
                "--reviewer",
                "reviewer id is not usable",
                value=reviewer,
                expected="a short id such as 'pr01' (no commas)",
            )
        )
    if out_path.suffix.lower() != ".xlsx":
        raise UserError(
            Problem(
                str(out_path),
                "review workbooks are Excel files",
                expected="a file name ending in .xlsx",
            )
        )
    if out_path.exists() and not overwrite:
        # A filled-in workbook not yet imported holds decisions that exist nowhere else.
        raise UserError(
            Problem(
                str(out_path),
                "file already exists",
                expected="a new file name (or --overwrite if it holds no decisions to keep)",
            )
        )
    return reviewer


def _choose_segments(
    study, reviewer, segments, codings, codebook, log, n, cohorts, segments_from, order, cache
) -> tuple[list[str], list[str] | None]:
    """The segments of the batch, and the learned ranking used (None: ranked by score)."""
    if segments_from is not None:
        wanted = seg_ids_from_workbook(segments_from)
        missing = sorted(set(wanted) - set(segments["seg_id"]))
        if missing:
            raise UserError(
                Problem(
                    str(segments_from),
                    f"{len(missing)} segment(s) of this workbook no longer exist in the study",
                    value=missing[0],
                    expected="a workbook exported from the current study",
                )
            )
        return wanted, None
    unknown = sorted(set(cohorts or []) - set(study.cohort_names))
    if unknown:
        raise UserError(
            Problem(
                "--cohort",
                "unknown cohort",
                value=unknown[0],
                expected=f"one of {study.cohort_names}",
            )
        )
    if order not in ("uncertain", "score"):
        raise UserError(
            Problem("--order", "unknown order", value=order, expected="uncertain or score")
        )
    learned = (
        learned_ranking(study, segments, log, codebook, cache) if order == "uncertain" else None
    )
    seg_ids = select_segments(
        segments,
        codings,
        codebook,
        n=n,
        reviewer=reviewer,
        decisions=log,
        cohorts=cohorts,
        learned_order=learned,
    )
    if not seg_ids:
        raise UserError(
            f"{study.folder}: no segments left for {reviewer} to review "
            "(all have decisions already, or none match the cohort)"
        )
    return seg_ids, learned


def _identical_segments(
    segments: pd.DataFrame, seg_ids: list[str], reviewer: str, log: pd.DataFrame
) -> dict[str, list[str]]:
    """Per row, the other segments with identical text that ``reviewer`` has not decided."""
    done: set[str] = set()
    if log is not None and not log.empty:
        done = set(log.loc[log["reviewer"] == reviewer, "seg_id"])
    unique = segments.drop_duplicates("seg_id")
    groups = same_text_groups(unique)
    # Each copy keeps the fingerprint of its own text (capitals or spacing may differ), so
    # that its decision is never reported as "text changed".
    hashes = dict(zip(unique["seg_id"], unique["text"].map(text_hash), strict=True))
    shown = set(seg_ids)
    return {
        seg: [
            f"{s}@{hashes[s]}" for s in groups.get(seg, [seg]) if s not in shown and s not in done
        ]
        for seg in seg_ids
    }


def _write_header(ws, head: list[str], suggestion_slots: int, add_slots: int) -> None:
    for c, name in enumerate(head, start=1):
        cell = ws.cell(row=1, column=c, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0072B2")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    widths = [14, 12, 11, 16, 60, 40] + [22, 30, 11] * suggestion_slots + [26] * add_slots
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[1].height = 32


def _write_review_sheet(
    ws, segments, codings, codebook, seg_ids, twins, suggestion_slots, add_slots
) -> list[dict[str, str]]:
    """One row per segment: text, context, suggestions with evidence, decision cells."""
    ws.title = REVIEW_SHEET
    _write_header(ws, headers(suggestion_slots, add_slots), suggestion_slots, add_slots)
    by_id = segments.drop_duplicates("seg_id").set_index("seg_id")
    suggestions = machine_suggestions(codings, codebook.codable_ids)
    suggestions = suggestions.loc[suggestions["seg_id"].isin(set(seg_ids))]
    per_seg = {k: g.head(suggestion_slots) for k, g in suggestions.groupby("seg_id")}
    context = _context(segments.loc[segments["doc_id"].isin(by_id.loc[seg_ids, "doc_id"])])
    names = {c.id: c.name for c in codebook.codes}
    meta_rows = []
    for r, seg in enumerate(seg_ids, start=2):
        rec = by_id.loc[seg]
        text = shown_text(rec["text"])
        where = f"{rec.get('source', '')} ({rec.get('wave', '')})"
        same = twins.get(seg, [])
        if same:
            where += f"; said the same way in {len(same)} other place(s)"
        base = [seg, rec.get("pid", ""), rec.get("cohort", ""), where, text, context.get(seg, "")]
        for c, value in enumerate(base, start=1):
            cell = ws.cell(row=r, column=c)
            put_text(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=r, column=6).font = Font(color="555555", italic=True)
        codes = _write_suggestions(ws, r, per_seg.get(seg), names, suggestion_slots)
        for k in range(add_slots):
            cell = ws.cell(row=r, column=len(BASE_HEADERS) + 3 * suggestion_slots + k + 1)
            cell.protection = Protection(locked=False)
        lines = max(len(text) // 70 + text.count("\n") + 1, 2)
        ws.row_dimensions[r].height = min(15 * lines, 300)
        meta_rows.append(
            {
                "sheet_row": str(r),
                "seg_id": seg,
                "text_hash": text_hash(rec["text"]),
                "shown_hash": text_hash(text),
                "suggestions": " ".join(codes),
                "same_text": " ".join(same),
            }
        )
    return meta_rows


def _write_suggestions(ws, r: int, sugg, names: dict, slots: int) -> list[str]:
    """The suggested codes of one row, their evidence and editable decision cells."""
    codes = [] if sugg is None else sugg["code"].tolist()
    decision_fill = PatternFill("solid", fgColor="FFF4CC")
    for i in range(slots):
        col = len(BASE_HEADERS) + 3 * i + 1
        if i < len(codes):
            s = sugg.iloc[i]
            put_text(
                ws.cell(row=r, column=col),
                f"{s['code']}{CODE_SEPARATOR}{names.get(s['code'], s['code'])}",
            )
            put_text(
                ws.cell(row=r, column=col + 1),
                f"score {float(s['score']):.2f}: {s.get('evidence', '') or ''}",
            )
            decision = ws.cell(row=r, column=col + 2)
            decision.protection = Protection(locked=False)
            decision.fill = decision_fill
        for k in range(2):
            ws.cell(row=r, column=col + k).alignment = Alignment(wrap_text=True, vertical="top")
    return codes


def _add_code_lists(ws, last: int, suggestion_slots: int, add_slots: int, n_codes: int) -> None:
    """Drop-downs (accept/reject, codebook codes), filters and sheet protection."""
    decisions_dv = DataValidation(
        type="list",
        formula1='"accept,reject"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="accept or reject",
        error="Choose accept or reject, or leave it blank.",
    )
    for i in range(suggestion_slots):
        letter = get_column_letter(len(BASE_HEADERS) + 3 * i + 3)
        decisions_dv.add(f"{letter}2:{letter}{last}")
    ws.add_data_validation(decisions_dv)
    add_dv = DataValidation(
        type="list",
        formula1=f"'{CODEBOOK_SHEET}'!$A$2:$A${n_codes + 1}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Unknown code",
        error="Choose a code from the list (see the Codebook sheet).",
    )
    first_add = len(BASE_HEADERS) + 3 * suggestion_slots + 1
    add_dv.add(
        f"{get_column_letter(first_add)}2:{get_column_letter(first_add + add_slots - 1)}{last}"
    )
    ws.add_data_validation(add_dv)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers(suggestion_slots, add_slots)))}{last}"
    # Locked text, editable decisions: stops accidental edits; import checks anyway.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


def read_meta(path: str | Path) -> dict:
    """The hidden metadata of a review workbook: ``info`` (dict) and ``rows`` (list of dicts).

    Raises :class:`UserError` if the file is not a workbook written by ``lxt review export``.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(Problem(str(path), "file not found", expected="a review workbook (.xlsx)"))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise UserError(
            Problem(
                str(path),
                "not an Excel workbook this toolkit can read",
                expected="the .xlsx file made by `lxt review export`",
            )
        ) from None
    try:
        if META_SHEET not in wb.sheetnames:
            raise UserError(
                Problem(
                    str(path),
                    "this is not a review workbook from "
                    "`lxt review export` (its hidden lxt_meta sheet is missing)",
                    expected="the .xlsx file made by `lxt review export`",
                )
            )
        ws = wb[META_SHEET]
        values = [
            tuple("" if v is None else str(v) for v in row)
            for row in ws.iter_rows(values_only=True)
        ]
    finally:
        wb.close()
    info = {row[0]: row[1] for row in values[: META_TABLE_ROW - 1] if row and row[0]}
    if info.get("format") != FORMAT:
        raise UserError(
            Problem(
                str(path),
                "unknown review workbook format",
                column="lxt_meta",
                value=info.get("format"),
                expected=FORMAT,
            )
        )
    table = values[META_TABLE_ROW - 1 :]
    # Workbooks exported before identical texts were grouped have no same_text column.
    width = len([c for c in table[0] if c])
    names = list(table[0][:width])
    rows = [
        {"same_text": "", **dict(zip(names, row[:width], strict=True))}
        for row in table[1:]
        if row and row[1]
    ]
    return {"info": info, "rows": rows}
