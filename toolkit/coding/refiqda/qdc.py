"""Codebooks as REFI-QDA ``.qdc`` files, for NVivo, ATLAS.ti, MAXQDA and QualCoder.

Export: every code becomes a ``Code`` (categories with ``isCodable="false"``), nested under its
parent, with ``Description`` = definition plus "Include:", "Exclude:" and "Example:" lines and
the code's colour. Import reads such a file back into the toolkit's codebook YAML: code ids
come from a reference codebook when the GUIDs match (so keywords and patterns survive the trip)
and otherwise from the code names.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from toolkit.coding.codebook import load_codebook
>>> from toolkit.resources import default_codebook
>>> book, folder = load_codebook(default_codebook()), Path(tempfile.mkdtemp())
>>> export_qdc(book, folder / "codes.qdc").name
'codes.qdc'
>>> imported, notes = import_qdc(folder / "codes.qdc", folder / "imported.yml", reference=book)
>>> imported.codable_ids == book.codable_ids, imported.code("transport").parent, notes
(True, 'personal_circumstances', [])

Without ``reference=`` the ids come from the code names:

>>> imported, _ = import_qdc(folder / "codes.qdc", folder / "by_name.yml")
>>> [c.id for c in imported.codes][:3]
['personal_circumstances', 'confidence_and_self_belief', 'digital_access_and_skills']
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from toolkit.coding.codebook import Code, Codebook, parse_codebook
from toolkit.coding.refiqda.common import (
    CODEBOOK_NS,
    guid,
    normal_guid,
    qname,
    slug,
    strip_ns,
    to_xml_bytes,
    xml_text,
)
from toolkit.errors import Problem, UserError
from toolkit.study.tables import atomic_path, write_text

NO_DESCRIPTION = "Imported without a description: please add a definition."


def code_guid(codebook_name: str, code_id: str) -> str:
    """The GUID a code gets in every export (stable across exports and projects)."""
    return guid("code", codebook_name, code_id)


def code_description(code: Code) -> str:
    """Definition, then "Include: …", "Exclude: …" and one "Example: …" line per example."""
    lines = [code.description] if code.description else []
    lines += [f"Example: {e}" for e in code.examples]
    return "\n".join(lines)


def code_elements(codebook: Codebook, ns: str, parent: ET.Element) -> dict[str, str]:
    """Append ``Code`` elements (nested by parent) under ``parent``; return id -> GUID."""
    guids: dict[str, str] = {}

    def add(code: Code, under: ET.Element) -> None:
        g = code_guid(codebook.name, code.id)
        guids[code.id] = g
        attrs = {"guid": g, "name": xml_text(code.name), "isCodable": str(code.codable).lower()}
        if code.color:
            attrs["color"] = code.color
        el = ET.SubElement(under, qname(ns, "Code"), attrs)
        description = code_description(code)
        if description:
            ET.SubElement(el, qname(ns, "Description")).text = xml_text(description)
        for child in codebook.children_of(code.id):
            add(child, el)

    for root in codebook.roots():
        add(root, parent)
    return guids


def qdc_bytes(codebook: Codebook) -> bytes:
    """The ``.qdc`` XML of a codebook (never an empty ``<Sets/>``: sets are omitted)."""
    from toolkit import __version__

    root = ET.Element(
        qname(CODEBOOK_NS, "CodeBook"), {"origin": f"Lived Experience Toolkit {__version__}"}
    )
    codes = ET.SubElement(root, qname(CODEBOOK_NS, "Codes"))
    code_elements(codebook, CODEBOOK_NS, codes)
    return to_xml_bytes(root, CODEBOOK_NS)


def export_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write ``codebook`` as a REFI-QDA codebook file (atomically); return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(qdc_bytes(codebook))
    return path


@dataclass
class ImportedCode:
    """A code read from a REFI-QDA file."""

    guid: str
    name: str
    codable: bool
    description: str = ""
    color: str | None = None
    children: list[ImportedCode] = field(default_factory=list)


def parse_code_tree(codes_el: ET.Element) -> list[ImportedCode]:
    """The ``Code`` elements under a ``Codes`` element, as a tree (any namespace)."""

    def read(el: ET.Element) -> ImportedCode:
        desc = next((c.text or "" for c in el if strip_ns(c.tag) == "Description"), "")
        return ImportedCode(
            guid=normal_guid(el.get("guid")),
            name=(el.get("name") or "").strip(),
            codable=(el.get("isCodable", "true").strip().lower() in ("true", "1")),
            description=desc.strip(),
            color=el.get("color"),
            children=[read(c) for c in el if strip_ns(c.tag) == "Code"],
        )

    return [read(c) for c in codes_el if strip_ns(c.tag) == "Code"]


def read_qdc(path: str | Path) -> list[ImportedCode]:
    """The code tree of a ``.qdc`` file; :class:`UserError` if it is not one."""
    path = Path(path)
    if not path.exists():
        raise UserError(Problem(str(path), "file not found", expected="a REFI-QDA .qdc file"))
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError as exc:
        raise UserError(
            Problem(str(path), f"not valid XML ({exc})", expected="a REFI-QDA .qdc codebook")
        ) from None
    if strip_ns(root.tag) != "CodeBook":
        raise UserError(
            Problem(
                str(path),
                "not a REFI-QDA codebook",
                value=strip_ns(root.tag),
                expected="a root element CodeBook",
            )
        )
    codes_el = next((c for c in root if strip_ns(c.tag) == "Codes"), None)
    if codes_el is None:
        raise UserError(Problem(str(path), "the codebook has no Codes", expected="<Codes>"))
    return parse_code_tree(codes_el)


def split_description(text: str) -> dict[str, object]:
    """Undo :func:`code_description`: definition, include, exclude, examples."""
    out: dict[str, object] = {"definition": [], "include": "", "exclude": "", "examples": []}
    for line in text.splitlines():
        stripped = line.strip()
        for key, prefix in (("include", "Include:"), ("exclude", "Exclude:")):
            if stripped.startswith(prefix):
                out[key] = stripped[len(prefix) :].strip()
                break
        else:
            if stripped.startswith("Example:"):
                out["examples"].append(stripped[len("Example:") :].strip())
            elif stripped:
                out["definition"].append(stripped)
    out["definition"] = "\n".join(out["definition"])
    return out


def codes_to_yaml(
    tree: list[ImportedCode], reference: Codebook | None = None
) -> tuple[list[dict], list[str]]:
    """Codebook YAML entries for an imported code tree, and notes for the user."""
    by_guid: dict[str, Code] = {}
    if reference is not None:
        by_guid = {normal_guid(code_guid(reference.name, c.id)): c for c in reference.codes}
    used: set[str] = set()
    notes: list[str] = []

    def entry(code: ImportedCode) -> dict:
        known = by_guid.get(code.guid)
        base = known.id if known else slug(code.name)
        code_id, n = base, 2
        while code_id in used:
            code_id, n = f"{base}_{n}", n + 1
        used.add(code_id)
        parts = split_description(code.description)
        item: dict[str, object] = {"id": code_id, "name": code.name or code_id}
        definition = parts["definition"] or (known.definition if known else "")
        if not definition and not code.children:
            definition = NO_DESCRIPTION
            notes.append(f"code {code.name!r} had no description; a placeholder was written")
        if definition:
            item["definition"] = definition
        for key in ("include", "exclude", "examples"):
            if parts[key]:
                item[key] = parts[key]
        if known:  # what only the toolkit uses survives the round trip
            for key in ("keywords", "lemma_patterns", "regex"):
                if getattr(known, key):
                    item[key] = list(getattr(known, key))
        if code.color:
            item["color"] = code.color if len(code.color) == 7 else None
            if item["color"] is None:
                del item["color"]
        if code.children:
            if code.codable:
                notes.append(
                    f"code {code.name!r} has sub-codes, so it becomes a category "
                    "(categories group codes and are not applied to text)"
                )
            item["children"] = [entry(c) for c in code.children]
        elif not code.codable:
            notes.append(
                f"code {code.name!r} was marked not codable but has no sub-codes; "
                "it is kept as an ordinary code"
            )
        return item

    return [entry(c) for c in tree], notes


def import_qdc(
    path: str | Path, out_path: str | Path, reference: Codebook | None = None
) -> tuple[Codebook, list[str]]:
    """Convert a ``.qdc`` codebook into the toolkit's YAML format.

    Parameters
    ----------
    path : path
        The ``.qdc`` file (from NVivo, ATLAS.ti, MAXQDA, QualCoder or ``lxt export qdc``).
    out_path : path
        The codebook YAML to write (atomically; validated before it is written).
    reference : Codebook, optional
        A codebook this file was exported from: codes with matching GUIDs keep their ids,
        keywords and patterns.

    Returns
    -------
    (Codebook, list of str)
        The codebook as the toolkit reads it, and notes about what had to be adapted.
    """
    tree = read_qdc(path)
    entries, notes = codes_to_yaml(tree, reference)
    out_path = Path(out_path)
    raw = {
        "name": slug(out_path.stem),
        "title": f"Imported from {Path(path).name}",
        "codes": entries,
    }
    book = parse_codebook(raw, str(out_path))  # never write a codebook the toolkit cannot read
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)
    write_text(text, out_path)
    return book, notes
