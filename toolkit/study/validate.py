"""Check a whole study before anything is written: ``lxt validate STUDY_DIR``.

:func:`read_study_inputs` reads every file ``study.yml`` names (participant register, staff
list, survey waves, transcripts, employment pathway) and checks them against the study and
the instrument definitions. It collects **every** problem rather than stopping at the first,
each with the file, the row (numbered as in Excel: the header is row 1, the first data row is
row 2), the column, the value found and what was expected. Ingest uses the same function, so a
study that fails validation writes nothing to ``outputs/``.

Example
-------
>>> from toolkit.resources import example_study_dir
>>> for problem in validate_study(example_study_dir()):
...     print(problem)
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import Messages, Problem, UserError
from toolkit.ingest.readers import Sheet, parse_date, parse_flag, read_table
from toolkit.ingest.transcripts import TRANSCRIPT_SUFFIXES, Turn, filename_regex, read_transcript
from toolkit.study.config import Study, load_study, study_file

# Ten thousand copies of the same mistake help nobody: after this many problems of one kind in
# one file, one line says how many more there are.
MAX_PROBLEMS_PER_KIND = 25


@dataclass
class TranscriptFile:
    """One transcript: whose it is, which wave, and its turns with a role for each."""

    path: Path
    reference: str
    wave: str
    turns: list[Turn]
    roles: list[str]


@dataclass
class StudyInputs:
    """Everything ingest needs, read once and checked (raw: never write any of it out)."""

    study: Study
    register: Sheet | None = None
    staff_names: list[str] = field(default_factory=list)
    waves: dict[str, Sheet] = field(default_factory=dict)
    transcripts: list[TranscriptFile] = field(default_factory=list)
    pathway: Sheet | None = None
    # False when the register or staff list could not be read: names are then incomplete.
    names_complete: bool = True

    @property
    def references(self) -> dict[str, str]:
        """Participant reference -> cohort, from the register."""
        if self.register is None:
            return {}
        reg = self.study.participants
        frame = self.register.frame
        return dict(zip(frame[reg.id_column], frame[reg.cohort_column], strict=True))

    def participant_names(self) -> dict[str, list[str]]:
        """Participant reference -> the names the register holds for them."""
        if self.register is None:
            return {}
        reg = self.study.participants
        frame = self.register.frame
        out: dict[str, list[str]] = {}
        for _, row in frame.iterrows():
            parts = [row[c] for c in reg.name_columns if row[c]]
            out[row[reg.id_column]] = parts
        return out

    def all_names(self) -> list[str]:
        """Every person's name to redact: participants (full and each part) and staff."""
        names: set[str] = set()
        for parts in self.participant_names().values():
            names.update(parts)
            if len(parts) > 1:
                names.add(" ".join(parts))
        for full in self.staff_names:
            names.add(full)
            names.update(full.split())
        return sorted(n for n in names if n.strip())


def show_path(path: Path, folder: Path) -> str:
    """A path as the study sees it: relative to the study folder, else in full.

    >>> show_path(Path("/studies/a/transcripts/x.txt"), Path("/studies/a"))
    'transcripts/x.txt'
    """
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(folder)).as_posix()
    except ValueError:  # a file kept elsewhere, e.g. on a secure drive
        return str(path)


class _Problems:
    """Collect problems, capping repeats of one kind in one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.items: list[Problem] = []
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, file: str | Path, message: str, **where) -> None:
        key = (str(file), message)
        self._counts[key] += 1
        if self._counts[key] <= MAX_PROBLEMS_PER_KIND:
            self.items.append(Problem(str(file), message, **where))

    def name(self, path: Path) -> str:
        return show_path(path, self.folder)

    def finish(self) -> list[Problem]:
        for (file, message), n in self._counts.items():
            if n > MAX_PROBLEMS_PER_KIND:
                self.items.append(
                    Problem(
                        file,
                        f"{n - MAX_PROBLEMS_PER_KIND} more problems like {message!r} not shown",
                    )
                )
        return self.items


def _read(path: Path, problems: _Problems, **kwargs) -> Sheet | None:
    try:
        sheet = read_table(path, **kwargs)
    except UserError as exc:
        # Errors from the readers name the path as given; show it the short way.
        for p in exc.problems:
            if isinstance(p, Problem):
                problems.items.append(
                    Problem(
                        problems.name(Path(p.file)), p.message, p.row, p.column, p.value, p.expected
                    )
                )
            else:
                problems.items.append(Problem(problems.name(path), str(p)))
        return None
    return sheet


def _require_columns(sheet: Sheet, columns: dict[str, str], problems: _Problems) -> list[str]:
    """Report each needed column (column -> what it is for) that the file lacks."""
    missing = []
    for column, purpose in columns.items():
        if column not in sheet.frame.columns:
            missing.append(column)
            problems.add(
                problems.name(sheet.path),
                "column not found",
                row=sheet.header_row,
                column=column,
                expected=f"a column named {column!r} for {purpose} (as study.yml says)",
            )
    return missing


def _check_ids(sheet: Sheet, id_column: str, problems: _Problems, what: str) -> None:
    """Blank and repeated participant references in one file."""
    first_seen: dict[str, int] = {}
    name = problems.name(sheet.path)
    for row, ref in zip(sheet.rows, sheet.frame[id_column], strict=True):
        if ref == "":
            problems.add(
                name,
                "participant reference is blank",
                row=row,
                column=id_column,
                expected="a participant reference on every row",
            )
        elif ref in first_seen:
            problems.add(
                name,
                f"participant reference appears more than once (first on row {first_seen[ref]})",
                row=row,
                column=id_column,
                value=ref,
                expected=f"each participant on one row only in the {what}",
            )
        else:
            first_seen[ref] = row


def _check_known(
    sheet: Sheet, id_column: str, known: dict[str, str], problems: _Problems, register_name: str
) -> None:
    if not known:
        return  # the register itself is broken; that is already reported
    for row, ref in zip(sheet.rows, sheet.frame[id_column], strict=True):
        if ref and ref not in known:
            problems.add(
                problems.name(sheet.path),
                "participant is not in the participant register",
                row=row,
                column=id_column,
                value=ref,
                expected=f"a participant_ref listed in {register_name}",
            )


def _check_cells(sheet: Sheet, column: str, parse, problems: _Problems, message: str) -> None:
    name = problems.name(sheet.path)
    for row, value in zip(sheet.rows, sheet.frame[column], strict=True):
        try:
            parse(value)
        except ValueError as exc:
            problems.add(name, message, row=row, column=column, value=value, expected=str(exc))


def _imd_decile(text: str) -> int | None:
    if text.strip() == "":
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not 1 <= number <= 10:
        raise ValueError("a whole number from 1 (most deprived) to 10")
    return int(number)


def _read_register(inputs: StudyInputs, problems: _Problems) -> None:
    study = inputs.study
    reg = study.participants
    sheet = _read(study.path(reg.file), problems, required=reg.id_column)
    if sheet is None:
        inputs.names_complete = False
        return
    needed = {reg.cohort_column: "the cohort"}
    needed |= {col: f"'{key}'" for key, col in reg.columns.items()}
    needed |= {col: f"PLUS group '{key}'" for key, col in reg.plus_groups.items()}
    needed |= {col: f"consent '{key}'" for key, col in reg.consent_columns.items()}
    needed |= {col: "names to redact" for col in reg.name_columns}
    for optional, purpose in ((reg.imd_decile_column, "IMD decile"), (reg.lsoa_column, "LSOA")):
        if optional:
            needed[optional] = purpose
    missing = _require_columns(sheet, needed, problems)
    _check_ids(sheet, reg.id_column, problems, "register")
    name = problems.name(sheet.path)
    if reg.cohort_column not in missing:
        cohorts = study.cohort_names
        for row, cohort in zip(sheet.rows, sheet.frame[reg.cohort_column], strict=True):
            if cohort not in cohorts:
                problems.add(
                    name,
                    "cohort is not one of the cohorts in study.yml",
                    row=row,
                    column=reg.cohort_column,
                    value=cohort,
                    expected="one of " + ", ".join(cohorts),
                )
    if reg.imd_decile_column and reg.imd_decile_column not in missing:
        _check_cells(sheet, reg.imd_decile_column, _imd_decile, problems, "not an IMD decile")
    for col in [*reg.plus_groups.values(), *reg.consent_columns.values()]:
        if col not in missing:
            _check_cells(sheet, col, parse_flag, problems, "not a yes/no answer")
    if not missing:
        inputs.register = sheet
    else:
        inputs.names_complete = False


def _read_staff(inputs: StudyInputs, problems: _Problems) -> None:
    staff = inputs.study.staff
    if staff is None:
        return
    sheet = _read(
        inputs.study.path(staff.file),
        problems,
        required=staff.name_columns[0] if staff.name_columns else None,
    )
    if sheet is None:
        inputs.names_complete = False
        return
    missing = _require_columns(sheet, {c: "staff names" for c in staff.name_columns}, problems)
    names = set()
    for col in staff.name_columns:
        if col not in missing:
            names.update(v for v in sheet.frame[col] if v)
    inputs.staff_names = sorted(names)


def _load_instruments(study: Study, problems: _Problems) -> dict[str, object]:
    from toolkit.scoring.instruments import load_instrument

    loaded = {}
    where = problems.name(study_file(study.folder))
    for i, use in enumerate(study.instruments):
        try:
            inst = load_instrument(use.instrument)
        except UserError as exc:
            for p in exc.problems:
                problems.add(
                    where,
                    f"instruments[{i}]: {getattr(p, 'message', p)}",
                    value=use.instrument,
                    expected=getattr(p, "expected", None),
                )
            continue
        unknown = sorted(set(use.items) - set(inst.items))
        if unknown:
            problems.add(
                where,
                f"instruments[{i}].items: unknown item(s) of {inst.name}",
                value=", ".join(unknown),
                expected=f"item ids from {inst.items}",
            )
            continue
        loaded[use.instrument] = inst
    return loaded


def _read_waves(inputs: StudyInputs, problems: _Problems, instruments: dict) -> None:
    study = inputs.study
    known = inputs.references
    register_name = problems.name(study.path(study.participants.file))
    for wave in study.waves:
        sheet = _read(
            study.path(wave.file),
            problems,
            header_row=wave.header_row,
            sheet=wave.sheet,
            required=wave.id_column,
        )
        if sheet is None:
            continue
        uses = [u for u in study.instruments if u.waves is None or wave.name in u.waves]
        questions = [q for q in study.free_text if q.waves is None or wave.name in q.waves]
        needed = {}
        for use in uses:
            needed |= {col: f"{use.instrument} item {item}" for item, col in use.items.items()}
        needed |= {q.column: f"free-text question '{q.id}'" for q in questions}
        if wave.date_column:
            needed[wave.date_column] = "the date the survey was completed"
        missing = _require_columns(sheet, needed, problems)
        _check_ids(sheet, wave.id_column, problems, f"wave ('{wave.name}')")
        _check_known(sheet, wave.id_column, known, problems, register_name)
        name = problems.name(sheet.path)
        for use in uses:
            inst = instruments.get(use.instrument)
            if inst is None:
                continue
            for item, col in use.items.items():
                if col in missing:
                    continue
                for row, value in zip(sheet.rows, sheet.frame[col], strict=True):
                    try:
                        inst.coerce(item, value)
                    except ValueError as exc:
                        problems.add(
                            name,
                            f"not a valid {inst.title} answer",
                            row=row,
                            column=col,
                            value=value,
                            expected=str(exc),
                        )
        if wave.date_column and wave.date_column not in missing:
            _check_cells(sheet, wave.date_column, parse_date, problems, "not a date")
        if not missing:
            inputs.waves[wave.name] = sheet


def speaker_role(
    label: str, speakers: dict[str, str], staff: list[str], participant: list[str]
) -> str | None:
    """The role of a speaker label: from study.yml, else by matching a name; None if unknown.

    Transcribers often write names instead of roles ("Sarah: ..."). A staff member's name
    means the interviewer; the participant's own name means the participant. The name itself
    never leaves ingest.

    >>> speaker_role("sarah", {"Interviewer": "interviewer"}, ["Sarah Jones"], ["Dan", "Lee"])
    'interviewer'
    >>> speaker_role("Dan Lee", {}, [], ["Dan", "Lee"])
    'participant'
    """
    folded = label.strip().casefold()
    for key, role in speakers.items():
        if key.casefold() == folded:
            return role

    def matches(full_names: list[str]) -> bool:
        variants = set()
        for full in full_names:
            variants.add(full.casefold())
            variants.update(part.casefold() for part in full.split())
        return folded in variants

    if matches(staff):
        return "interviewer"
    if participant and (matches(participant) or folded == " ".join(participant).casefold()):
        return "participant"
    return None


def _read_transcripts(inputs: StudyInputs, problems: _Problems) -> None:
    study = inputs.study
    spec = study.transcripts
    if spec is None:
        return
    folder = study.path(spec.folder)
    if not folder.is_dir():
        problems.add(
            problems.name(folder),
            "transcript folder not found",
            expected="the folder named in study.yml (transcripts.folder)",
        )
        return
    rx = filename_regex(spec.filename_pattern, study.wave_names)
    known = inputs.references
    names = inputs.participant_names()
    seen: dict[tuple[str, str], Path] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.name.startswith("~$"):
            continue  # system and Office lock files
        where = problems.name(path)
        if path.suffix.lower() not in TRANSCRIPT_SUFFIXES:
            problems.add(
                where,
                f"unsupported transcript type {path.suffix or '(none)'!r}",
                expected="a .txt, .docx, .vtt or .srt file",
            )
            continue
        match = rx.fullmatch(path.stem)
        if match is None:
            problems.add(
                where,
                "file name does not match transcripts.filename_pattern",
                value=path.stem,
                expected=f"{spec.filename_pattern!r} with a wave from "
                + ", ".join(study.wave_names),
            )
            continue
        ref = match.groupdict().get("participant_ref", "")
        wave = match.groupdict().get("wave") or study.baseline.name
        if known and ref not in known:
            problems.add(
                where,
                "participant is not in the participant register",
                value=ref,
                expected="a participant_ref listed in the register",
            )
            continue
        if (ref, wave) in seen:
            problems.add(
                where,
                "a second transcript for the same participant and wave",
                expected=f"one transcript (the other is {problems.name(seen[ref, wave])})",
            )
            continue
        seen[ref, wave] = path
        try:
            turns = read_transcript(path, set(spec.speakers))
        except PermissionError:
            problems.add(where, "the file cannot be opened (no permission to read it)")
            continue
        except UserError as exc:
            for p in exc.problems:
                problems.items.append(
                    Problem(
                        where,
                        getattr(p, "message", str(p)),
                        getattr(p, "row", None),
                        None,
                        getattr(p, "value", None),
                        getattr(p, "expected", None),
                    )
                )
            continue
        roles, unknown = [], []
        for turn in turns:
            role = speaker_role(turn.label, spec.speakers, inputs.staff_names, names.get(ref, []))
            roles.append(role or "")
            if role is None and turn.label not in unknown:
                unknown.append(turn.label)
        # Unknown labels are judged only against complete name lists (else already reported).
        for label in unknown if inputs.names_complete else []:
            # The label may be a name: the message shows it only to the person running this.
            problems.add(
                where,
                "speaker label not known",
                value=label,
                expected="a label listed in transcripts.speakers in study.yml ("
                + ", ".join(spec.speakers)
                + ") or a staff member's name",
            )
        if not unknown and inputs.names_complete:
            inputs.transcripts.append(TranscriptFile(path, ref, wave, turns, roles))


def _read_pathway(inputs: StudyInputs, problems: _Problems) -> None:
    spec = inputs.study.pathway
    if spec is None:
        return
    sheet = _read(inputs.study.path(spec.file), problems, required=spec.id_column)
    if sheet is None:
        return
    needed = {col: f"the date of '{stage}'" for stage, col in spec.stages.items()}
    if spec.nhs_employer:
        needed[spec.nhs_employer] = "whether the job started was with an NHS employer"
    missing = _require_columns(sheet, needed, problems)
    _check_ids(sheet, spec.id_column, problems, "pathway file")
    _check_known(
        sheet,
        spec.id_column,
        inputs.references,
        problems,
        problems.name(inputs.study.path(inputs.study.participants.file)),
    )
    for col in spec.stages.values():
        if col not in missing:
            _check_cells(sheet, col, parse_date, problems, "not a date")
    if spec.nhs_employer and spec.nhs_employer not in missing:
        _check_cells(sheet, spec.nhs_employer, parse_flag, problems, "not a yes/no answer")
    if not missing:
        inputs.pathway = sheet


def _check_other_files(study: Study, problems: _Problems) -> None:
    """The codebook (checked by its own loader) and the optional lookup files must exist."""
    if study.codebook:
        path = study.path(study.codebook)
        if not path.is_file():
            problems.add(
                problems.name(path),
                "codebook file not found",
                expected="the codebook named in study.yml (codebook:)",
            )
        else:
            from toolkit.coding.codebook import load_codebook

            try:
                load_codebook(path)
            except UserError as exc:
                for p in exc.problems:
                    problems.items.append(p if isinstance(p, Problem) else Problem(str(path), p))
    for key in ("imd_lookup", "social_values"):
        value = getattr(study, key)
        if value and not study.path(value).is_file():
            problems.add(
                problems.name(study.path(value)),
                Messages.FILE_NOT_FOUND,
                expected=f"the file named in study.yml ({key}:)",
            )
        elif value and key == "imd_lookup":
            from toolkit.outcomes.core20 import read_imd_lookup

            try:  # checked here so that ingest never stops half-way on it
                read_imd_lookup(study.path(value))
            except UserError as exc:
                for p in exc.problems:
                    problems.items.append(p if isinstance(p, Problem) else Problem(str(value), p))


def read_study_inputs(study: Study) -> tuple[StudyInputs, list[Problem]]:
    """Read and check every input file of a study; return what was read and every problem.

    Ingest must not run when the problem list is not empty.
    """
    problems = _Problems(study.folder)
    inputs = StudyInputs(study=study)
    _read_register(inputs, problems)
    _read_staff(inputs, problems)
    instruments = _load_instruments(study, problems)
    _read_waves(inputs, problems, instruments)
    _read_transcripts(inputs, problems)
    _read_pathway(inputs, problems)
    _check_other_files(study, problems)
    return inputs, problems.finish()


def validate_study(folder: str | Path) -> list[Problem]:
    """Every problem with a study (its study.yml and every file it names), all at once.

    Parameters
    ----------
    folder : str or Path
        The study folder (holding study.yml), or the study.yml file itself.

    Returns
    -------
    list of Problem
        Empty when the study is ready to run. Rows are numbered as in Excel: the header is
        row 1 and the first data row is row 2.

    Examples
    --------
    >>> from toolkit.resources import example_study_dir
    >>> validate_study(example_study_dir())
    []
    """
    try:
        study = load_study(folder)
    except UserError as exc:
        return [
            p if isinstance(p, Problem) else Problem(str(study_file(folder)), str(p))
            for p in exc.problems
        ]
    _, problems = read_study_inputs(study)
    return problems
