"""Read a REFI-QDA project (``.qdpx``) the way NVivo, ATLAS.ti, MAXQDA and QualCoder write it.

The standard (REFERENCE.md, "REFI-QDA") says text sources are ``sources/<guid>.txt`` referenced
as ``internal://<guid>.txt``. Real programs vary, and a partner cannot re-export from a program
they no longer have, so :func:`read_qdpx` accepts what they are seen to write:

- ``plainTextPath`` as ``internal://x.txt``, a bare ``x.txt``, a relative ``sources/x.txt``
  or ``Sources\\x.txt``, found in ``sources/`` in any case (or anywhere in the zip by name);
- an empty (or missing) plain-text file with the text only in the Word file named by
  ``richTextPath`` (NVivo 15 on a Mac): read with python-docx, one line per paragraph;
- a UTF-8 byte-order mark and Windows line endings: offsets counted with ``\\r\\n`` as two
  characters (NVivo, MAXQDA) are mapped to the same places in LF-normalised text;
- codings attached to a whole source (a ``Coding`` directly under ``TextSource``);
- users named on a coding but missing from ``<Users>``: kept as ``user-<first 8 of GUID>``;
- PDF, picture, audio and video sources: skipped, and named in :attr:`QdpxProject.skipped`
  with how many codings they held.

Offsets in the result are Unicode code points into the LF-normalised text, end exclusive.

Example (``tests/test_qdpx_new_study.py`` reads projects in NVivo's and ATLAS.ti's shapes)::

    project = read_qdpx("interviews.qdpx")
    project.sources[["name"]].head()
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from toolkit import errors
from toolkit.coding.refiqda.common import (
    crlf_positions,
    lf_offset,
    normal_guid,
    normalise_newlines,
    strip_ns,
)
from toolkit.coding.refiqda.qdc import ImportedCode, parse_code_tree
from toolkit.errors import Problem, UserError

SELECTION_COLUMNS = ["source_guid", "start", "end", "code_guid", "user_guid", "selection_guid"]
# Sources the toolkit cannot analyse as text; their codings are counted, never imported.
OTHER_SOURCES = {
    "PDFSource": "PDF",
    "PictureSource": "picture",
    "AudioSource": "audio",
    "VideoSource": "video",
}
# How ``plainTextPath``/``richTextPath`` may start: internal:// (the standard), relative://
# (seen in some exports); anything else is taken as a path inside the zip.
_PATH_PREFIX = re.compile(r"^(internal|relative)://", re.IGNORECASE)


@dataclass
class ProjectCase:
    """A case (usually a person): its name, its variable values and the sources it holds."""

    guid: str
    name: str
    values: dict[str, str] = field(default_factory=dict)  # variable name -> value as text
    sources: list[str] = field(default_factory=list)  # normalised source GUIDs


@dataclass
class QdpxProject:
    """What a ``.qdpx`` holds, in LF-normalised offsets."""

    name: str
    codes: dict[str, ImportedCode]  # normalised guid -> code
    users: dict[str, str]  # normalised guid -> user name
    sources: pd.DataFrame  # guid, name, text (LF)
    selections: pd.DataFrame  # SELECTION_COLUMNS
    code_tree: list[ImportedCode] = field(default_factory=list)
    cases: list[ProjectCase] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # variable names, in project order
    skipped: list[str] = field(default_factory=list)  # "name (PDF, 3 codings)"
    notes: list[str] = field(default_factory=list)
    unknown_users: list[str] = field(default_factory=list)  # GUIDs missing from <Users>
    origin: str = ""
    creating_user: str = ""  # normalised GUID of the project's creating user


def _children(el: ET.Element, tag: str) -> list[ET.Element]:
    return [c for c in el if strip_ns(c.tag) == tag]


def _child(el: ET.Element | None, tag: str) -> ET.Element | None:
    if el is None:
        return None
    found = _children(el, tag)
    return found[0] if found else None


def _under(root: ET.Element, group: str, tag: str) -> list[ET.Element]:
    """The ``tag`` elements inside ``root``'s ``group`` element (none if it is absent)."""
    parent = _child(root, group)
    return [] if parent is None else _children(parent, tag)


def flatten_codes(tree: list[ImportedCode]) -> dict[str, ImportedCode]:
    """Every code of a tree by its normalised GUID."""
    out: dict[str, ImportedCode] = {}
    stack = list(tree)
    while stack:
        code = stack.pop()
        out[code.guid] = code
        stack.extend(code.children)
    return out


def open_project(path: str | Path) -> tuple[zipfile.ZipFile, ET.Element]:
    """The zip and the parsed ``project.qde`` root; :class:`UserError` if it is neither."""
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise UserError(Problem(file, "file not found", expected=errors.QDPX_EXPECTED))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UserError(Problem(file, errors.QDPX_NOT_ZIP, expected=errors.QDPX_EXPECTED)) from None
    qde = [m for m in zf.namelist() if m.lower().endswith(".qde")]
    if len(qde) != 1:
        zf.close()
        raise UserError(
            Problem(file, errors.QDPX_QDE_COUNT.format(n=len(qde)), expected=errors.QDPX_ONE_QDE)
        )
    try:
        root = ET.fromstring(zf.read(qde[0]))
    except ET.ParseError as exc:
        zf.close()
        raise UserError(Problem(file, errors.QDPX_BAD_XML.format(detail=exc))) from None
    if strip_ns(root.tag) != "Project":
        zf.close()
        raise UserError(
            Problem(
                file, errors.QDPX_NOT_PROJECT, value=strip_ns(root.tag), expected="a root Project"
            )
        )
    return zf, root


def _member(zf: zipfile.ZipFile, reference: str) -> str | None:
    """The zip member a source path refers to, matched without regard to case or slashes."""
    wanted = _PATH_PREFIX.sub("", reference.strip()).replace("\\", "/").lstrip("/").lower()
    if not wanted:
        return None
    members = {m.lower(): m for m in zf.namelist() if not m.endswith("/")}
    base = PurePosixPath(wanted).name
    return (
        members.get(wanted)
        or members.get(f"sources/{wanted}")
        or members.get(f"sources/{base}")
        # Exports made on another computer may name a folder that is not in the zip.
        or next((m for low, m in members.items() if PurePosixPath(low).name == base), None)
    )


def _decode(raw: bytes, file: str, member: str) -> str:
    try:
        return raw.decode("utf-8-sig")  # tolerate the BOM NVivo writes
    except UnicodeDecodeError:
        raise UserError(
            Problem(file, errors.QDPX_NOT_UTF8, value=member, expected="UTF-8 text in sources/")
        ) from None


def docx_text(data: bytes, file: str, member: str) -> str:
    """The text of a Word file: every paragraph (tables included) in order, one per line."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for a damaged file
        raise UserError(
            Problem(
                file,
                errors.QDPX_BAD_DOCX.format(kind=type(exc).__name__),
                value=member,
                expected="a .docx document",
            )
        ) from None
    body = document.element.body
    return "\n".join(Paragraph(p, document).text for p in body.iter(qn("w:p")))


def source_text(zf: zipfile.ZipFile, el: ET.Element, file: str) -> str:
    """A text source's text as stored (CRLF and all), from wherever the program put it."""
    content = _child(el, "PlainTextContent")
    if content is not None and content.text:
        return content.text
    plain_ref = el.get("plainTextPath") or ""
    rich_ref = el.get("richTextPath") or ""
    plain = _member(zf, plain_ref) if plain_ref else None
    text = _decode(zf.read(plain), file, plain) if plain else ""
    if text.strip():
        return text
    rich = _member(zf, rich_ref) if rich_ref else None
    if rich and rich.lower().endswith(".docx"):
        # NVivo 15 (Mac) leaves the plain-text file empty: the text is only in the Word file.
        return docx_text(zf.read(rich), file, rich)
    if plain is not None:
        return text  # a genuinely empty source
    raise UserError(
        Problem(
            file,
            errors.QDPX_SOURCE_MISSING,
            value=el.get("name") or plain_ref or rich_ref,
            expected=errors.QDPX_SOURCE_EXPECTED.format(path=plain_ref or rich_ref or "(none)"),
        )
    )


def _users(root: ET.Element) -> dict[str, str]:
    users = {}
    for u in _under(root, "Users", "User"):
        users[normal_guid(u.get("guid"))] = (u.get("name") or u.get("id") or "").strip()
    return users


def _position(sel: ET.Element, key: str, file: str) -> int:
    try:
        return int(sel.get(key))
    except (TypeError, ValueError):
        raise UserError(
            Problem(
                file,
                errors.QDPX_BAD_POSITION,
                value=sel.get("name") or sel.get("guid"),
                expected="whole numbers in startPosition and endPosition",
            )
        ) from None


def _codings(el: ET.Element, user: str) -> list[tuple[str, str]]:
    """(code GUID, user GUID) of each Coding directly under ``el``."""
    out = []
    for coding in _children(el, "Coding"):
        ref = _child(coding, "CodeRef")
        if ref is None:
            continue  # a Coding without a code carries nothing to import
        out.append(
            (normal_guid(ref.get("targetGUID")), normal_guid(coding.get("creatingUser")) or user)
        )
    return out


def source_selections(el: ET.Element, text: str, file: str) -> list[tuple]:
    """Coded selections of one text source, mapped to LF offsets (SELECTION_COLUMNS rows).

    Raises :class:`UserError` for a selection outside the text: the project and its source
    files disagree, and guessing would put people's codings on the wrong words.
    """
    g = normal_guid(el.get("guid"))
    crlf = crlf_positions(text)
    size = len(normalise_newlines(text))
    default_user = normal_guid(el.get("creatingUser"))
    rows = []
    for sel in _children(el, "PlainTextSelection"):
        raw_start, raw_end = (
            _position(sel, "startPosition", file),
            _position(sel, "endPosition", file),
        )
        start, end = lf_offset(raw_start, crlf), lf_offset(raw_end, crlf)
        if raw_start < 0 or raw_end < raw_start or end > size:
            raise UserError(
                Problem(
                    file,
                    errors.QDPX_SELECTION_OUTSIDE,
                    value=f"{el.get('name') or g}: {raw_start}-{raw_end}",
                    expected=errors.QDPX_SELECTION_EXPECTED.format(size=len(text)),
                )
            )
        user = normal_guid(sel.get("creatingUser")) or default_user
        sel_guid = normal_guid(sel.get("guid"))
        rows += [(g, start, end, code, who, sel_guid) for code, who in _codings(sel, user)]
    # A Coding directly under the source codes all of it (ATLAS.ti "document" codings).
    rows += [(g, 0, size, code, who, "") for code, who in _codings(el, default_user)]
    return rows


def _skipped_source(el: ET.Element, kind: str) -> str:
    n = len(_codings(el, "")) + sum(
        len(_codings(s, "")) for s in el if strip_ns(s.tag).endswith("Selection")
    )
    return f"{el.get('name') or normal_guid(el.get('guid'))} ({kind}, {n} coding(s))"


def _cases(root: ET.Element) -> tuple[list[ProjectCase], list[str]]:
    variables = {}
    for v in _under(root, "Variables", "Variable"):
        variables[normal_guid(v.get("guid"))] = (v.get("name") or "").strip()
    cases = []
    for c in _under(root, "Cases", "Case"):
        case = ProjectCase(normal_guid(c.get("guid")), (c.get("name") or "").strip())
        for vv in _children(c, "VariableValue"):
            ref = _child(vv, "VariableRef")
            name = variables.get(normal_guid(ref.get("targetGUID"))) if ref is not None else None
            value = next((x.text for x in vv if strip_ns(x.tag).endswith("Value")), None)
            if name and value is not None:
                case.values[name] = value.strip()
        case.sources = [normal_guid(s.get("targetGUID")) for s in _children(c, "SourceRef")]
        cases.append(case)
    return cases, [n for n in variables.values() if n]


def name_unknown_users(users: dict[str, str], selections: pd.DataFrame) -> list[str]:
    """Give users missing from <Users> a stable name (``user-<8 hex>``); return their GUIDs."""
    missing = sorted(set(selections["user_guid"]) - set(users) - {""})
    for g in missing:
        users[g] = f"user-{g.replace('-', '')[:8]}"
    return missing


def unknown_users_note(project: QdpxProject) -> list[str]:
    """A note naming who the codings of users missing from ``<Users>`` are credited to."""
    if not project.unknown_users:
        return []
    names = ", ".join(project.users[g] for g in project.unknown_users)
    return [
        f"{len(project.unknown_users)} user(s) who coded are not listed in the project's "
        f"<Users>; their codings are credited to {names}"
    ]


def read_qdpx(path: str | Path) -> QdpxProject:
    """Read a REFI-QDA project; offsets come back in LF-normalised text.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` file.

    Returns
    -------
    QdpxProject
        Codes, users, text sources (LF text), coded selections, cases and what was skipped.

    Raises
    ------
    UserError
        If the file is not a readable ``.qdpx``, a text source cannot be found, or a coded
        selection lies outside its text.
    """
    file = str(path)
    zf, root = open_project(path)
    with zf:
        book = _child(_child(root, "CodeBook"), "Codes")
        tree = parse_code_tree(book) if book is not None else []
        src_rows, sel_rows, skipped = [], [], []
        sources = _child(root, "Sources")
        for el in [] if sources is None else list(sources):
            kind = strip_ns(el.tag)
            if kind in OTHER_SOURCES:
                skipped.append(_skipped_source(el, OTHER_SOURCES[kind]))
                continue
            if kind != "TextSource":
                continue
            raw = source_text(zf, el, file)
            src_rows.append(
                (
                    normal_guid(el.get("guid")),
                    (el.get("name") or "").strip(),
                    normalise_newlines(raw),
                )
            )
            sel_rows += source_selections(el, raw, file)
    cases, variables = _cases(root)
    users = _users(root)
    selections = pd.DataFrame(sel_rows, columns=SELECTION_COLUMNS)
    unknown = name_unknown_users(users, selections)
    notes = []
    if skipped:
        notes.append(
            f"{len(skipped)} source(s) are not text and were skipped: " + "; ".join(skipped)
        )
    return QdpxProject(
        name=(root.get("name") or "").strip(),
        codes=flatten_codes(tree),
        users=users,
        sources=pd.DataFrame(src_rows, columns=["guid", "name", "text"]),
        selections=selections,
        code_tree=tree,
        cases=cases,
        variables=variables,
        skipped=skipped,
        notes=notes,
        unknown_users=unknown,
        origin=(root.get("origin") or "").strip(),
        creating_user=normal_guid(root.get("creatingUserGUID") or root.get("creatingUser")),
    )
