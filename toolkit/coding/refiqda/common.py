"""Shared rules of REFI-QDA exchange (REFERENCE.md, "REFI-QDA"; spec 1.5 in ../shared/refi-qda).

- Namespaces: ``urn:QDA-XML:codebook:1.0`` (.qdc) and ``urn:QDA-XML:project:1.0`` (.qdpx).
- GUIDs are UUIDs derived with uuid5 from a stable key, so exporting twice gives the same file.
- Offsets are Unicode code points from 0, end exclusive (Python slicing). Windows line endings
  are normalised to ``\\n`` *before* offsets are computed: NVivo and MAXQDA count ``\\r\\n`` as
  two characters, so offsets read from their projects are mapped back with
  :func:`lf_offset`.
- XML is UTF-8 without a byte-order mark (ATLAS.ti rejects a BOM).
"""

from __future__ import annotations

import bisect
import copy
import re
import uuid
import xml.etree.ElementTree as ET

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
# Root of every GUID the toolkit derives; changing it would change every exported GUID.
GUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/lived-experience-toolkit/refi-qda")
# Characters XML 1.0 cannot carry at all (control characters other than tab and newlines).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def guid(kind: str, *parts: str) -> str:
    """A deterministic GUID (uuid5) for one object, from its kind and a stable key.

    >>> guid("code", "book", "transport") == guid("code", "book", "transport")
    True
    """
    return str(uuid.uuid5(GUID_ROOT, "/".join([kind, *parts])))


def normal_guid(value: str | None) -> str:
    """GUIDs compare without braces and case: ``{ABC...}`` equals ``abc...``."""
    return (value or "").strip().strip("{}").lower()


def xml_text(value: object) -> str:
    """Text that XML 1.0 can hold (illegal control characters removed)."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


def crlf_positions(text: str) -> list[int]:
    """Positions of the ``\\r`` of every ``\\r\\n`` in ``text`` (these are dropped by LF)."""
    return [m.start() for m in re.finditer("\r\n", text)]


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and lone ``\\r`` become ``\\n``.

    >>> normalise_newlines("a\\r\\nb\\rc")
    'a\\nb\\nc'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lf_offset(offset: int, crlf: list[int]) -> int:
    """Map an offset into text with ``\\r\\n`` to the same place in its LF-normalised text.

    ``crlf`` is :func:`crlf_positions` of the original text.

    >>> text = "a\\r\\nb"
    >>> lf_offset(3, crlf_positions(text))   # 'b' is at 3 with CRLF, at 2 with LF
    2
    """
    return offset - bisect.bisect_left(crlf, offset)


def qname(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def to_xml_bytes(root: ET.Element, ns: str) -> bytes:
    """Serialise with ``ns`` as the default namespace, an XML declaration, UTF-8, no BOM."""
    # ElementTree's default_namespace option rejects plain attribute names, so write plain
    # tags and declare the namespace on the root ourselves.
    root = copy.deepcopy(root)
    for el in root.iter():
        el.tag = strip_ns(el.tag)
    root.attrib = {"xmlns": ns, **{k: v for k, v in root.attrib.items() if k != "xmlns"}}
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def slug(name: str) -> str:
    """A code id from a code name: lower case, letters, digits and ``_``, starting with a letter.

    >>> slug("Peer support – lived experience")
    'peer_support_lived_experience'
    """
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not text or not text[0].isalpha():
        text = "code_" + text
    return text
