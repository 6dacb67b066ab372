"""`lxt check-release`: look through what would be published for anything identifying.

Scans every file under a folder (HTML, CSV, TSV, XLSX, Parquet, JSON/JSONL, executed
notebooks, Markdown, plain text, Word, PDF, REFI-QDA projects and codebooks) for:

- identifier patterns (NHS and National Insurance numbers, phone numbers, email addresses,
  postcodes, street addresses, dates of birth, web addresses outside public-sector sites);
  hex digests, GUIDs and decimals are not read as phone or NHS numbers;
- absolute paths of this machine (``/home/…``, ``/Users/…``, ``C:\\…``, the study folder),
  which show a user name or a private drive;
- participant references and register names, when the study is given;
- counts that the disclosure rule should have hidden or rounded, in tables the toolkit wrote
  (CSV/XLSX with a ``.lxt.json`` marker, HTML tables carrying ``data-lxt-counts``) and in
  count-like columns (``n``, ``count``, ``n_…``) of any CSV under the folder.

Folders the toolkit keeps for itself (``data/``, ``models/``: pseudonymised tables and fitted
models) are reported once each as not for release, rather than scanned line by line.

Named-entity recognition is not used here: a report is full of capitalised words that are not
people, and a release check that cries wolf gets ignored. Names are caught from the registers.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "report.html").write_text("<p>Buses were the problem.</p>\\n"
...                                         "<p>She lives in CO15 1AB.</p>\\n")
>>> for finding in check_release(folder):
...     print(finding)
report.html, line 2: POSTCODE 'CO…' (identifier)

With ``study=load_study(...)`` the participants' references and register names are searched
too: a report naming a participant gives ``report.html, line 1: name 'Sh…' (register name)``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import RELEASE_ABSOLUTE_PATH, RELEASE_INTERNAL_FOLDER
from toolkit.privacy.disclosure import MARKER_SUFFIX, DisclosureRule, read_marker
from toolkit.privacy.recognisers.contact import EmailRecognizer, UrlRecognizer
from toolkit.privacy.recognisers.dates import DateOfBirthRecognizer
from toolkit.privacy.recognisers.numbers import (
    NhsNumberRecognizer,
    NiNumberRecognizer,
    UKPhoneRecognizer,
)
from toolkit.privacy.recognisers.places import AddressRecognizer, PostcodeRecognizer
from toolkit.privacy.recognisers.word_lists import NAME_WORDS, NOT_PERSON_WORDS

if TYPE_CHECKING:
    from toolkit.study.config import Study

TEXT_SUFFIXES = {".txt", ".md", ".tex", ".log", ".yml", ".yaml"}
# Folders under a study's outputs that the toolkit keeps internal (DESIGN.md: data stays
# behind the pseudonymisation boundary; models hold fitted state and vocabularies).
INTERNAL_FOLDERS = frozenset({"data", "models"})
CHECKED_SUFFIXES = {
    ".html",
    ".htm",
    ".csv",
    ".tsv",
    ".parquet",
    ".xlsx",
    ".json",
    ".jsonl",
    ".ipynb",
    ".docx",
    ".pdf",
    ".qdpx",
    ".qdc",
    *TEXT_SUFFIXES,
}
# Public-sector and reference sites a report may cite without identifying anyone.
PUBLIC_DOMAINS = re.compile(
    r"(^|\.)(nhs\.uk|gov\.uk|ac\.uk|doi\.org|ons\.gov\.uk|who\.int|nice\.org\.uk|"
    r"github\.com|jupyter\.org|python\.org|w3\.org|mathjax\.org|cdnjs\.cloudflare\.com|"
    r"cdn\.jsdelivr\.net|unpkg\.com|plot\.ly|require\.js|requirejs\.org)$",
    re.IGNORECASE,
)
COUNT_COLUMN = re.compile(
    r"^(n|count|counts|number|people|participants|n_.+|.+_n|.+_count)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    """One thing in a release folder that must not be published."""

    file: str
    location: str
    kind: str  # identifier | participant reference | register name | small count
    detail: str

    def __str__(self) -> str:
        return f"{self.file}, {self.location}: {self.detail} ({self.kind})"


def mask(value: str) -> str:
    """Show enough of a found value to locate it, not enough to disclose it."""
    value = " ".join(value.split())
    return value[:2] + "…" if len(value) > 2 else "…"


# Machine-made strings that hold long runs of digits without identifying anyone: GUIDs, hex
# digests (sha256 in READY.json, commit ids), and decimals (probabilities in topics.json).
# They are blanked before the identifier patterns run.
_NOT_IDENTIFIERS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?<![0-9a-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{16,}(?![0-9a-z])"
    r"|(?<![\d.,])-?\d+\.\d{3,}(?:e[-+]?\d+)?(?![\d.])",
    re.IGNORECASE,
)
# Home folders, drive letters and network shares: they name a user or a secure drive.
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/~-])(?:/(?:home|Users|root|mnt|media|Volumes)/[^\s\"'<>|]+"
    r"|[A-Za-z]:[\\/][^\s\"'<>|]*|\\\\[\w.$-]+\\[^\s\"'<>|]+|~/[^\s\"'<>|]+)"
)


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


class _Scanner:
    """Identifier, reference and name patterns, built once per check."""

    def __init__(
        self,
        references: Iterable[str] = (),
        names: Iterable[str] = (),
        local_paths: Iterable[str | Path] = (),
    ) -> None:
        self.recognisers = [
            NhsNumberRecognizer(), NiNumberRecognizer(), UKPhoneRecognizer(), EmailRecognizer(),
            PostcodeRecognizer(), AddressRecognizer(), DateOfBirthRecognizer(),
        ]  # fmt: skip
        self.url = UrlRecognizer()
        refs = sorted({r for r in references if r and len(r) >= 3}, key=len, reverse=True)
        self.references = (
            # Letters/digits only as boundaries: "CLA-0014_baseline.txt" names CLA-0014 too.
            re.compile(
                r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, refs)) + r")(?![A-Za-z0-9])"
            )
            if refs
            else None
        )
        self.names = self._name_pattern(names)
        # This machine's own absolute paths (study folder, home, working folder), also where
        # they do not look like a home folder: "/srv/research/essex-study".
        paths = sorted(
            {str(p).rstrip("/\\") for p in local_paths if len(str(p).rstrip("/\\")) > 1},
            key=len,
            reverse=True,
        )
        self.local_paths = (
            re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, paths)) + r")(?![\w-])")
            if paths
            else None
        )

    @staticmethod
    def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
        full, parts = set(), set()
        for name in names:
            clean = " ".join(str(name).split())
            if " " in clean:
                full.add(clean)
            for part in clean.split():
                # Single names that are also ordinary words would flag every report.
                low = part.lower()
                if len(part) >= 4 and low not in NAME_WORDS and low not in NOT_PERSON_WORDS:
                    parts.add(part[:1].upper() + part[1:])
        if not full and not parts:
            return None
        alternatives = [f"(?i:{re.escape(n)})" for n in sorted(full, key=len, reverse=True)]
        alternatives += [re.escape(p) for p in sorted(parts, key=len, reverse=True)]
        return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")

    def scan(self, text: str) -> Iterator[tuple[str, str]]:
        """(kind, detail) for everything found in one piece of text."""
        if not text or not text.strip():
            return
        paths = list(_ABSOLUTE_PATH.finditer(text))
        if self.local_paths is not None:
            paths += list(self.local_paths.finditer(text))
        for start, end in sorted({(m.start(), m.end()) for m in paths}):
            yield "absolute path", RELEASE_ABSOLUTE_PATH.format(value=mask(text[start:end]))
        text = _NOT_IDENTIFIERS.sub(_blank, text)
        for recogniser in self.recognisers:
            for start, end, score in recogniser.find(text, None):
                if score >= 0.5:
                    yield "identifier", f"{recogniser.ENTITY} {mask(text[start:end])!r}"
        for start, end, _ in self.url.find(text, None):
            host = re.sub(r"^(https?://)?(www\.)?", "", text[start:end], flags=re.I).split("/")[0]
            if not PUBLIC_DOMAINS.search(host):
                yield "identifier", f"URL {mask(text[start:end])!r}"
        if self.references:
            for m in self.references.finditer(text):
                yield "participant reference", f"reference {mask(m.group(0))!r}"
        if self.names:
            for m in self.names.finditer(text):
                yield "register name", f"name {mask(m.group(0))!r}"


def _small_count(value: object, rule: DisclosureRule) -> str | None:
    text = str(value).strip().replace(",", "")
    if text in ("", "*", "0", "nan", "None", "NaN", "-"):
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if number != int(number) or number < 0:
        return None
    if rule.is_small(number):
        return f"count of {int(number)} shown (must be '*')"
    if rule.rounding > 1 and int(number) % rule.rounding:
        return f"count of {int(number)} not rounded to the nearest {rule.rounding}"
    return None


# -- readers: each yields (location, text) or checks counts ---------------------------------
class _HTMLText(HTMLParser):
    """Visible text of an HTML page by line, and the rows of toolkit count tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[tuple[int, str]] = []
        self.skip = 0
        # (rule, count columns, rows of (line, cell texts)) for each marked table
        self.tables: list[tuple[DisclosureRule, set[str], list[tuple[int, list[str]]]]] = []
        self._table: tuple[DisclosureRule, set[str], list] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table" and attrs.get("data-lxt-counts") is not None:
            rule = DisclosureRule(
                int(attrs.get("data-lxt-threshold") or 8), int(attrs.get("data-lxt-rounding") or 5)
            )
            columns = set(filter(None, (attrs.get("data-lxt-counts") or "").split("|")))
            self._table = (rule, columns, [])
            self.tables.append(self._table)
        elif self._table is not None and tag == "tr":
            self._table[2].append((self.getpos()[0], []))
        elif self._table is not None and tag in ("td", "th"):
            self._cell = []
        for key in ("title", "alt"):
            if attrs.get(key):
                self.chunks.append((self.getpos()[0], attrs[key]))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table and self._table[2]:
            self._table[2][-1][1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self.skip:
            return
        self.chunks.append((self.getpos()[0], data))
        if self._cell is not None:
            self._cell.append(data)


def _scan_html(path: Path, text: str, scanner: _Scanner, rel: str) -> Iterator[Finding]:
    parser = _HTMLText()
    parser.feed(text)
    by_line: dict[int, list[str]] = {}
    for line, chunk in parser.chunks:
        by_line.setdefault(line, []).append(chunk)
    for line, chunks in sorted(by_line.items()):
        for kind, detail in scanner.scan(" ".join(chunks)):
            yield Finding(rel, f"line {line}", kind, detail)
    for rule, columns, rows in parser.tables:
        if not rows:
            continue
        header = rows[0][1]
        for line, cells in rows[1:]:
            for column, cell in zip(header, cells, strict=False):
                problem = _small_count(cell, rule) if column in columns else None
                if problem:
                    yield Finding(rel, f"line {line}, column {column!r}", "small count", problem)


def _scan_lines(text: str, scanner: _Scanner, rel: str, where: str = "") -> Iterator[Finding]:
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, detail in scanner.scan(line):
            yield Finding(rel, f"{where}line {number}", kind, detail)


def _rule_from_marker(marker: dict | None) -> tuple[DisclosureRule | None, set[str]]:
    if not marker:
        return None, set()
    d = marker.get("disclosure", {})
    rule = DisclosureRule(int(d.get("threshold", 8)), int(d.get("rounding", 5)))
    return rule, set(marker.get("count_columns", []))


def _scan_rows(
    rows: list[list[object]],
    rel: str,
    scanner: _Scanner,
    marker: dict | None,
    default_rule: DisclosureRule,
    where: str = "",
) -> Iterator[Finding]:
    if not rows:
        return
    header = [str(h) for h in rows[0]]
    rule, columns = _rule_from_marker(marker)
    if rule is None:  # not marked: still check columns that are plainly counts
        rule, columns = default_rule, {h for h in header if COUNT_COLUMN.match(h.strip())}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            column = header[c] if c < len(header) else str(c + 1)
            text = str(value)
            for kind, detail in scanner.scan(text):
                yield Finding(rel, f"{where}row {r}, column {column!r}", kind, detail)
            if r > 1 and column in columns:
                problem = _small_count(value, rule)
                if problem:
                    yield Finding(rel, f"{where}row {r}, column {column!r}", "small count", problem)


def _json_strings(obj, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield path, str(k)
            yield from _json_strings(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _json_strings(v, f"{path}[{i}]")
    elif obj is not None:
        yield path, str(obj)


def _scan_notebook(nb: dict, scanner: _Scanner, rel: str) -> Iterator[Finding]:
    for number, cell in enumerate(nb.get("cells", []), start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        yield from _scan_lines(source, scanner, rel, f"cell {number} source, ")
        for output in cell.get("outputs", []) or []:
            texts = []
            if "text" in output:
                t = output["text"]
                texts.append("".join(t) if isinstance(t, list) else str(t))
            for mime, value in (output.get("data") or {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    texts.append("".join(value) if isinstance(value, list) else str(value))
            for text in texts:
                yield from _scan_lines(text, scanner, rel, f"cell {number} output, ")


def _scan_file(path: Path, rel: str, scanner: _Scanner, rule: DisclosureRule) -> Iterator[Finding]:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        yield from _scan_html(path, path.read_text("utf-8", errors="replace"), scanner, rel)
    elif suffix in (".csv", ".tsv"):
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
            rows = list(csv.reader(fh, delimiter="\t" if suffix == ".tsv" else ","))
        yield from _scan_rows(rows, rel, scanner, read_marker(path), rule)
    elif suffix == ".parquet":
        yield from _scan_rows(_parquet_rows(path), rel, scanner, read_marker(path), rule)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        marker = read_marker(path)
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            yield from _scan_rows(rows, rel, scanner, marker, rule, f"sheet {sheet.title!r}, ")
        book.close()
    elif suffix == ".ipynb":
        yield from _scan_notebook(json.loads(path.read_text("utf-8")), scanner, rel)
    elif suffix == ".json":
        data = json.loads(path.read_text("utf-8"))
        for where, text in _json_strings(data):
            for kind, detail in scanner.scan(text):
                yield Finding(rel, where, kind, detail)
    elif suffix == ".jsonl":
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if line.strip():
                for where, text in _json_strings(json.loads(line)):
                    for kind, detail in scanner.scan(text):
                        yield Finding(rel, f"line {number} {where}", kind, detail)
    elif suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        for number, para in enumerate(document.paragraphs, start=1):
            for kind, detail in scanner.scan(para.text):
                yield Finding(rel, f"paragraph {number}", kind, detail)
        for t, table in enumerate(document.tables, start=1):
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            yield from _scan_rows(rows, rel, scanner, None, rule, f"table {t}, ")
    elif suffix == ".pdf":
        for page, text in enumerate(_pdf_text(path).split("\f"), start=1):
            yield from _scan_lines(text, scanner, rel, f"page {page}, ")
    elif suffix == ".qdpx":
        yield from _scan_qdpx(path, scanner, rel)
    elif suffix == ".qdc":
        yield from _scan_xml(path.read_bytes(), scanner, rel)
    else:
        yield from _scan_lines(path.read_text("utf-8", errors="replace"), scanner, rel)


def _parquet_rows(path: Path) -> list[list[object]]:
    """Header and rows of a Parquet table (pyarrow is a toolkit dependency)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise ValueError(f"not a readable Parquet table ({exc})") from exc
    columns = table.column_names
    return [list(columns), *([row[c] for c in columns] for row in table.to_pylist())]


def _pdf_text(path: Path) -> str:
    """The text layer of a PDF, page breaks kept as form feeds, via poppler's pdftotext."""
    exe = shutil.which("pdftotext")
    if exe is None:  # unreadable is not the same as safe: the caller reports it
        raise ValueError("pdftotext (Debian package poppler-utils) is not installed")
    done = subprocess.run(
        [exe, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False
    )
    if done.returncode != 0:
        raise ValueError(done.stderr.decode("utf-8", "replace").strip() or "pdftotext failed")
    return done.stdout.decode("utf-8", "replace")


# REFI-QDA identifies everything by GUID ("guid", "targetGUID", "internal://<guid>.txt"); a
# run of hex digits there is not a phone number.
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def _scan_xml(data: bytes, scanner: _Scanner, rel: str) -> Iterator[Finding]:
    """Every text node and attribute value of an XML document (REFI-QDA project or codebook)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from exc
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        name = el.get("name")
        where = f"<{tag}{f' name={name!r}' if name else ''}>"
        values = [(f"{where} @{k}", v) for k, v in el.attrib.items()]
        values += [(where, t) for t in (el.text, el.tail) if t and t.strip()]
        for location, text in values:
            for kind, detail in scanner.scan(_GUID.sub(" ", text)):
                yield Finding(rel, location, kind, detail)


def _scan_qdpx(path: Path, scanner: _Scanner, rel: str) -> Iterator[Finding]:
    """A .qdpx is a zip: the project XML plus the text of every source."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a zip archive ({exc})") from exc
    with zf:
        for member in zf.namelist():
            data = zf.read(member)
            inner = f"{rel}!{member}"
            if member.lower().endswith((".qde", ".xml")):
                yield from _scan_xml(data, scanner, inner)
            elif member.lower().endswith(".txt"):
                yield from _scan_lines(data.decode("utf-8", "replace"), scanner, inner)


def study_identifiers(study: Study) -> tuple[list[str], list[str]]:
    """Participant references and register names (participants and staff) of a study."""
    from toolkit.study.validate import read_study_inputs

    inputs, _ = read_study_inputs(study)
    return list(inputs.references), inputs.all_names() + list(study.redaction.extra_names)


def check_release(
    folder: str | Path,
    study: Study | None = None,
    rule: DisclosureRule | None = None,
) -> list[Finding]:
    """Every finding in the files under ``folder`` that would stop it being published.

    Parameters
    ----------
    folder
        What would be published (a report folder, an export folder, outputs/<study>/tables).
    study
        The study: adds its participant references and register names to the search, and
        its disclosure rule for tables without a marker.
    rule
        Disclosure rule for count columns of unmarked tables (default: the study's or NHS).

    Returns
    -------
    list of Finding
        Empty when the folder is safe to release.
    """
    folder = Path(folder)
    references, names = study_identifiers(study) if study is not None else ([], [])
    if rule is None:
        rule = DisclosureRule.from_study(study) if study is not None else DisclosureRule()
    local = [folder.resolve(), Path.home(), Path.cwd()]
    if study is not None and getattr(study, "folder", None) is not None:
        local.append(Path(study.folder).resolve())
    scanner = _Scanner(references, names, [p for p in local if p != Path("/")])
    findings: list[Finding] = []
    internal = internal_folders(folder)
    for inner in internal:
        files_inside = sum(1 for p in inner.rglob("*") if p.is_file())
        findings.append(
            Finding(
                inner.relative_to(folder).as_posix() + "/",
                "whole folder",
                "not for release",
                RELEASE_INTERNAL_FOLDER.format(files=files_inside),
            )
        )
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    files = [p for p in files if not any(i in p.parents for i in internal)]
    for path in files:
        if path.name.endswith(MARKER_SUFFIX) or path.suffix.lower() not in CHECKED_SUFFIXES:
            continue
        rel = path.relative_to(folder).as_posix() if path != folder else path.name
        try:
            findings.extend(_scan_file(path, rel, scanner, rule))
        except (OSError, ValueError, KeyError) as exc:  # unreadable is not the same as safe
            findings.append(Finding(rel, "whole file", "unreadable", f"could not be read: {exc}"))
    return findings


def internal_folders(folder: str | Path) -> list[Path]:
    """Folders under ``folder`` that the toolkit keeps internal (``data/``, ``models/``).

    The folder itself is not counted: ``lxt check-release outputs/x/data`` scans it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found: list[Path] = []
    for p in sorted(folder.rglob("*")):
        if p.is_dir() and p.name in INTERNAL_FOLDERS and not any(f in p.parents for f in found):
            found.append(p)
    return found


def unchecked_files(folder: str | Path) -> list[Path]:
    """Files under ``folder`` that check-release cannot read (images, media): check by eye."""
    folder = Path(folder)
    internal = internal_folders(folder)
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in CHECKED_SUFFIXES
        and not p.name.endswith(MARKER_SUFFIX)
        and not any(i in p.parents for i in internal)
    )
