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
