"""Errors a person can read.

Every problem the toolkit reports to a user is a :class:`Problem`: where it is (file, row,
column), what was found and what was expected. Loaders collect problems and raise them all at
once as a :class:`UserError`, so a peer researcher fixes a file in one pass rather than one
error per run. The command line prints each problem on one line and exits with status 1; no
traceback is ever shown for a user error.

Example
-------
>>> p = Problem("baseline.csv", "out of range", row=12, column="swem_3", value="7",
...             expected="1 to 5")
>>> str(p)
"baseline.csv, row 12, column 'swem_3': out of range: found '7', expected 1 to 5"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class Messages:
    """The catalogue of user-facing texts that more than one place says (spaCy's errors.py idea).

    Each text reads after ``<file>: `` and is filled with :meth:`str.format`. Tests read
    these constants rather than copying the words, so rewording a message is one edit.

    >>> Messages.NO_OUTPUTS.format(command="lxt run surveys/my_study")
    'no outputs for this study folder yet; run `lxt run surveys/my_study` first'
    """

    # -- files -------------------------------------------------------------------------------
    FILE_NOT_FOUND = "file not found"
    NOT_UTF8 = "not UTF-8 text"

    # -- a study's outputs (toolkit.study.outputs) ------------------------------------------
    NO_OUTPUTS = "no outputs for this study folder yet; run `{command}` first"
    STALE_OUTPUTS = (
        "the outputs are out of date: {changed} changed since the last run; run `{command}` first"
    )
    OUTPUTS_OF_ANOTHER_STUDY = (
        "{outputs} holds the outputs of another study folder ({owner}); "
        "give this study its own with --out DIR or LXT_OUTPUTS"
    )
    MISSING_TABLE = "table {name!r} has not been built yet; run `{command}` on the study first"
    NOT_BUILT = "the study has not been built yet; run `{command}` first"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, located as precisely as we can."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object | None = None
    expected: str | None = None

    def __str__(self) -> str:
        where = [str(self.file)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = f"{', '.join(where)}: {self.message}"
        if self.value is not None:
            shown = str(self.value)
            if len(shown) > 60:  # a 50 MB line must not become a 50 MB error message
                shown = shown[:57] + "..."
            text += f": found {shown!r}"
        if self.expected:
            text += f", expected {self.expected}"
        # One problem, one line: newlines inside values would break that promise.
        return text.replace("\r", " ").replace("\n", " ")


class UserError(Exception):
    """A problem with the user's input or request, reported without a traceback."""

    def __init__(self, problems: Problem | str | Iterable[Problem | str]):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem | str] = list(problems)
        if not self.problems:
            raise ValueError("UserError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class ProblemCollector:
    """Collect problems while checking an input; raise them together at the end.

    >>> problems = ProblemCollector()
    >>> problems.add("a.csv", "empty file")
    >>> problems.raise_if_any()
    Traceback (most recent call last):
    ...
    toolkit.errors.UserError: a.csv: empty file
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str | Path, message: str, **where) -> None:
        self.problems.append(Problem(str(file), message, **where))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise UserError(self.problems)


# -- Messages: REFI-QDA projects (.qdpx from NVivo, ATLAS.ti, MAXQDA, QualCoder) -----------------
# Kept together so that the wording a partner sees is consistent and tested in one place.
QDPX_EXPECTED = "a REFI-QDA .qdpx exported from NVivo, ATLAS.ti, MAXQDA or QualCoder"
QDPX_NOT_ZIP = "not a .qdpx project (not a zip file)"
QDPX_QDE_COUNT = "found {n} project.qde files"
QDPX_ONE_QDE = "exactly one project.qde in the .qdpx"
QDPX_BAD_XML = "project.qde is not valid XML ({detail})"
QDPX_NOT_PROJECT = "not a REFI-QDA project"
QDPX_NOT_UTF8 = "a text source is not UTF-8 text"
QDPX_BAD_DOCX = "a text source's Word file cannot be opened ({kind})"
QDPX_SOURCE_MISSING = "a text source's file is missing from the project"
QDPX_SOURCE_EXPECTED = (
    "its file {path!r} inside the .qdpx (export the project with its sources embedded)"
)
QDPX_BAD_POSITION = "a coded selection has no usable start or end position"
QDPX_SELECTION_OUTSIDE = "a coded selection lies outside its source's text"
QDPX_SELECTION_EXPECTED = (
    "positions from 0 to {size} (the text's length); re-export the project from its program"
)
QDPX_NO_TEXT_SOURCES = "the project has no text sources to start a study from"
QDPX_TARGET_EXISTS = "the new study's folder already exists"
QDPX_TARGET_EXPECTED = "a folder that does not exist yet (the import never writes into one)"
QDPX_BAD_STUDY_NAME = "not a usable study name"
QDPX_NO_USER = "some codings do not say who made them"
QDPX_NO_USER_EXPECTED = "--reviewer ID to credit every coding to one person"


# --- Messages: topics --------------------------------------------------------------------
# Notes a topic run gives a peer researcher (toolkit/topics/stage.py, toolkit/topics/names.py).
SMALL_CORPUS_NOTE = (
    "Fewer than 50 different segments: topics found in so little text are tentative. The "
    "codebook view (codes counted per cohort) is the safer summary for a study this small."
)
TOO_LITTLE_TEXT = (
    "only {found} different segments with content; topic modelling needs at least {needed} "
    "(about 50 to find real topics). Use the codebook view instead (`lxt code IN.jsonl "
    "--codebook FILE`, or the coding stage of `lxt run`): it counts codes however little text "
    "there is."
)
TOPIC_NAME_NOT_FOUND = (
    "study.yml topics.names: topic {topic} is not in this run's topics; its entry is kept in "
    "study.yml but not used."
)
TOPIC_MERGE_NOT_FOUND = (
    "study.yml topics.names: topic {source} cannot merge into topic {target}, which is not in "
    "this run; left as it is."
)


# -- Messages: programme targets --------------------------------------------------------------
# study.yml `targets:` (programme targets shown on page one of the reports).
TARGETS_UNKNOWN_COHORT = "targets names cohort {cohort!r}; expected one of {expected}"
TARGETS_UNKNOWN_OUTCOME = (
    "targets.{cohort}: outcome {outcome!r} is not in outcomes; expected one of {expected}"
)


# -- Messages: release check ------------------------------------------------------------------
# Findings of `lxt check-release` that are not an identifier pattern; kept here so that their
# wording is reviewed in one place.
RELEASE_INTERNAL_FOLDER = (
    "kept internal by the toolkit (pseudonymised data, fitted models): not for release; "
    "{files} file(s) inside were not scanned"
)
RELEASE_ABSOLUTE_PATH = "absolute path {value!r} of this machine (may show a user or drive name)"
RELEASE_NOT_READABLE = "not readable by the check (image or media file): look at it before release"


# -- Messages: learning to code from people's earlier coding -------------------------------------
# One place for these texts so that they stay consistent and tests can refer to them.

LABELS_EMPTY = "the label file is empty; expected columns id,code or id plus one column per code"
LABELS_NO_ID_COLUMN = (
    "no 'id' column; expected columns id,code (one row per code applied) "
    "or an id column and one column per code"
)
LABELS_UNKNOWN_ID = "this id is not in the texts file"
LABELS_WIDE_VALUE = (
    "not a yes/no mark, expected 1 where the code applies and blank (or 0) where not"
)
LABELS_CODE_ONE_EXAMPLE = (
    "a code needs at least two coded texts to be learned; merge it into another code or drop it"
)
TEXT_EMPTY = "the text is empty, expected the words people wrote or said"
MODEL_FOLDER_MISSING = "not a model folder made by 'lxt learn' (no model.json); run lxt learn first"
MODEL_FOLDER_BROKEN = "the model folder is incomplete or damaged; run lxt learn again"
MODEL_OTHER_VERSION = (
    "this model was made by toolkit version {made}, this is {running}; "
    "run lxt learn again with this version"
)
MODEL_OTHER_EMBEDDING = (
    "this model was trained with the meaning model {made}, but this computer has {running}; "
    "install the same model or run lxt learn again here"
)
MODEL_CODES_NOT_IN_CODEBOOK = (
    "the model codes {codes}, which this codebook does not have as codable codes; "
    "use the codebook the labels came from"
)
MODEL_OUTPUT_EXISTS = "the folder exists and is not a model folder; choose an empty or new folder"
