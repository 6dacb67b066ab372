"""Codebooks: the codes peer researchers apply, with guidance and matching patterns.

A codebook is a YAML file in ``codebooks/``. Codes form a tree: a code with ``children`` is a
*category* (used to group codes, never applied to text, ``isCodable="false"`` in REFI-QDA);
every code without children is *codable*. Each codable code carries what a person needs to
apply it (``definition``, ``include``, ``exclude``, ``examples``) and what the auto-coder
needs to suggest it (``keywords``, ``lemma_patterns``, ``regex``).

File layout::

    name: employment_support
    title: Barriers and enablers on the road into health and care jobs
    codes:
      - id: barriers
        name: Barriers
        definition: Things that make it harder to get into work.
        children:
          - id: transport
            name: Transport
            definition: Getting to training, interviews or work ...
            include: Cost of fares, ...
            exclude: Moving house ...
            examples: ["There's no bus before 7 so I can't get to an early shift."]
            keywords: [bus fare, no buses]
            lemma_patterns: ["miss|catch bus", "afford * fare"]
            regex: ['\\b(x|no)\\s+buses\\b']
            color: "#E69F00"

Lemma patterns are space-separated lemmas matched on consecutive words, case-insensitively:
``a|b`` means either word and ``*`` means up to three words of anything. Each word must be one
token to spaCy (letters and digits: "long-term" or "don't" are several, so they are reported).

Example
-------
>>> from toolkit.resources import default_codebook
>>> book = load_codebook(default_codebook())
>>> book.code("transport").parent
'personal_circumstances'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolkit.errors import Problem, ProblemCollector, UserError

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# One word to spaCy's tokenizer: letters and digits only (no hyphen, apostrophe, ...).
LEMMA_WORD = re.compile(r"\w+")
COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Universal parts of speech, as spaCy tags them: "train/VERB" is training, "train/NOUN" a train.
POS_TAGS = {
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
    "PUNCT", "SCONJ", "SYM", "VERB", "X",
}  # fmt: skip
KNOWN_KEYS = {
    "id",
    "name",
    "definition",
    "include",
    "exclude",
    "examples",
    "keywords",
    "lemma_patterns",
    "exclude_patterns",
    "regex",
    "color",
    "needs_review",
    "children",
    "memo",
}
TOP_KEYS = {"name", "title", "description", "version", "codes"}
# Okabe-Ito, colour-blind safe; used when a code gives no colour of its own.
DEFAULT_COLORS = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
)


@dataclass
class Code:
    """One code of a codebook.

    ``parent`` is the id of the enclosing category (``None`` at the top level). ``codable`` is
    False for categories (codes with children), which group codes but are never applied.
    """

    id: str
    name: str
    parent: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    lemma_patterns: list[str] = field(default_factory=list)
    exclude_patterns: list[str] = field(default_factory=list)
    regex: list[str] = field(default_factory=list)
    color: str | None = None
    needs_review: str = ""
    codable: bool = True
    children: list[str] = field(default_factory=list)
    memo: str = ""

    @property
    def description(self) -> str:
        """Definition plus include/exclude guidance as one text (REFI-QDA ``Description``)."""
        parts = [self.definition.strip()]
        if self.include.strip():
            parts.append(f"Include: {self.include.strip()}")
        if self.exclude.strip():
            parts.append(f"Exclude: {self.exclude.strip()}")
        return "\n".join(p for p in parts if p)


@dataclass
class Codebook:
    """A validated codebook: every code in file order (parents before their children)."""

    name: str
    codes: list[Code]
    title: str = ""
    description: str = ""
    version: str = ""
    path: Path | None = None

    @property
    def codable_ids(self) -> list[str]:
        """Ids of the codes that can be applied to text, in file order."""
        return [c.id for c in self.codes if c.codable]

    @property
    def codable(self) -> list[Code]:
        return [c for c in self.codes if c.codable]

    @property
    def categories(self) -> list[Code]:
        return [c for c in self.codes if not c.codable]

    def code(self, code_id: str) -> Code:
        """The code with this id; ``KeyError`` naming the known ids if there is none."""
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(f"no code {code_id!r} in codebook {self.name!r}")

    def __contains__(self, code_id: object) -> bool:
        return any(c.id == code_id for c in self.codes)

    def roots(self) -> list[Code]:
        return [c for c in self.codes if c.parent is None]

    def children_of(self, code_id: str) -> list[Code]:
        return [c for c in self.codes if c.parent == code_id]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _string_list(value: Any, where: str, problems: ProblemCollector, file: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        problems.add(file, f"{where}: expected a list of texts")
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def _parse_codes(
    raw: Any,
    parent: str | None,
    file: str,
    problems: ProblemCollector,
    out: list[Code],
) -> None:
    if not isinstance(raw, list):
        where = f"code {parent!r}: children" if parent else "codes"
        problems.add(file, f"{where}: expected a list of codes")
        return
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            where = f"children of {parent!r}" if parent else "codes"
            problems.add(file, f"{where}[{index}]: expected a mapping with id, name, definition")
            continue
        code_id = _text(item.get("id"))
        label = f"code {code_id!r}" if code_id else f"code number {index + 1} under {parent!r}"
        if not code_id:
            problems.add(file, f"{label}: 'id' is missing", expected="a short id like 'transport'")
        elif not ID_PATTERN.match(code_id):
            problems.add(
                file,
                f"{label}: id is not valid",
                value=code_id,
                expected="lower-case letters, digits and _ starting with a letter",
            )
        for key in sorted(set(item) - KNOWN_KEYS):
            problems.add(
                file,
                f"{label}: unknown key {key!r} (check the spelling)",
                expected=f"one of {sorted(KNOWN_KEYS)}",
            )
        children = item.get("children")
        code = Code(
            id=code_id,
            name=_text(item.get("name")) or code_id.replace("_", " ").capitalize(),
            parent=parent,
            definition=_text(item.get("definition")),
            include=_text(item.get("include")),
            exclude=_text(item.get("exclude")),
            examples=_string_list(item.get("examples"), f"{label}: examples", problems, file),
            keywords=_string_list(item.get("keywords"), f"{label}: keywords", problems, file),
            lemma_patterns=_string_list(
                item.get("lemma_patterns"), f"{label}: lemma_patterns", problems, file
            ),
            exclude_patterns=_string_list(
                item.get("exclude_patterns"), f"{label}: exclude_patterns", problems, file
            ),
            regex=_string_list(item.get("regex"), f"{label}: regex", problems, file),
            color=_text(item.get("color")) or None,
            needs_review=_text(item.get("needs_review")),
            codable=not children,
            memo=_text(item.get("memo")),
        )
        _check_code(code, label, file, problems)
        if code.codable and not code.definition:
            problems.add(
                file,
                f"{label}: 'definition' is missing",
                expected="one or two sentences a peer researcher can apply",
            )
        out.append(code)
        if children is not None:
            _parse_codes(children, code_id or None, file, problems, out)


def _check_code(code: Code, label: str, file: str, problems: ProblemCollector) -> None:
    """Colour, regular expressions and lemma patterns of one code: each problem is recorded."""
    if code.color and not COLOR_PATTERN.match(code.color):
        problems.add(
            file,
            f"{label}: colour is not valid",
            value=code.color,
            expected="#RRGGBB, e.g. '#E69F00'",
        )
    for pattern in code.regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.add(
                file,
                f"{label}: regex does not compile ({exc})",
                value=pattern,
                expected="a Python regular expression",
            )
    for pattern in code.lemma_patterns + code.exclude_patterns:
        words = [w.split("/", 1)[0] for w in pattern.split()]
        tags = [w.split("/", 1)[1] for w in pattern.split() if "/" in w]
        for tag in tags:
            if tag.upper() not in POS_TAGS:
                problems.add(
                    file,
                    f"{label}: unknown part of speech after '/' in a pattern",
                    value=pattern,
                    expected=f"one of {', '.join(sorted(POS_TAGS))} (e.g. 'train/VERB')",
                )
        if not words or all(w == "*" for w in words) or words[0] == "*" or words[-1] == "*":
            problems.add(
                file,
                f"{label}: lemma pattern is not valid",
                value=pattern,
                expected="words separated by spaces, '*' only between words",
            )
        split = [a for w in words for a in w.split("|") if a != "*" and not LEMMA_WORD.fullmatch(a)]
        if split:
            # The tokenizer splits "long-term" or "don't" into several words, so a lemma
            # alternative holding one can never match: say so rather than never suggest.
            problems.add(
                file,
                f"{label}: lemma pattern has {split[0]!r}, which is several words to the "
                "matcher and so never matches",
                value=pattern,
                expected="single words in lemma patterns (write 'long term', not "
                "'long-term'); put phrases with hyphens or apostrophes in keywords",
            )


def parse_codebook(raw: Any, file: str = "<codebook>") -> Codebook:
    """Validate a codebook already read from YAML; raise :class:`UserError` listing problems."""
    problems = ProblemCollector()
    if not isinstance(raw, dict) or "codes" not in raw:
        raise UserError(f"{file}: expected a mapping with a 'codes' list at the top level")
    for key in sorted(set(raw) - TOP_KEYS):
        problems.add(
            file,
            f"unknown top-level key {key!r} (check the spelling)",
            expected=f"one of {sorted(TOP_KEYS)}",
        )
    codes: list[Code] = []
    _parse_codes(raw["codes"], None, file, problems, codes)
    seen: set[str] = set()
    for code in codes:
        if code.id and code.id in seen:
            problems.add(
                file, f"code {code.id!r}: id is used more than once", expected="each code id once"
            )
        seen.add(code.id)
    if codes and not any(c.codable for c in codes):
        problems.add(file, "no codable codes", expected="at least one code without children")
    problems.raise_if_any()
    for code in codes:
        code.children = [c.id for c in codes if c.parent == code.id]
    for i, code in enumerate(c for c in codes if not c.color):
        code.color = DEFAULT_COLORS[i % len(DEFAULT_COLORS)]
    stem = Path(file).stem
    return Codebook(
        name=_text(raw.get("name")) or stem,
        title=_text(raw.get("title")),
        description=_text(raw.get("description")),
        version=_text(raw.get("version")),
        codes=codes,
    )


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file.

    Every problem (file, code id, key, what was expected) is reported at once as a
    :class:`~toolkit.errors.UserError`.

    Example
    -------
    >>> from toolkit.resources import default_codebook
    >>> book = load_codebook(default_codebook())
    >>> "transport" in book.codable_ids
    True
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: codebook not found (expected a .yml file in codebooks/)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text, expected a UTF-8 YAML file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", row {mark.line + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or "not valid YAML"
        raise UserError(f"{path}{where}: not valid YAML ({what})") from None
    book = parse_codebook(raw, str(path))
    book.path = path
    return book


def load_study_codebook(study) -> Codebook:
    """The codebook named in the study's ``study.yml``; one clear line if it names none.

    Every stage and command that needs a study's codebook loads it here, the same way.
    """
    if not study.codebook:
        raise UserError(
            Problem(
                str(study.folder / "study.yml"),
                "the study names no codebook",
                column="codebook",
                expected="codebook: path/to/codebook.yml",
            )
        )
    return load_codebook(study.path(study.codebook))
