"""Small REFI-QDA projects in the shapes NVivo and ATLAS.ti write, built from made-up interviews.

Every person, place and number here is invented. The shapes follow what those programs are
seen to write (REFERENCE.md, "REFI-QDA"; the issue's notes on real projects):

- NVivo (Windows): GUIDs in upper case with braces, ``sources/`` files with a UTF-8 BOM and
  Windows line endings, offsets counting ``\\r\\n`` as two characters, a Word copy of each
  source (``richTextPath``), cases with variables, two users, a code tree whose parent codes
  are also applied to text directly;
- NVivo 15 (Mac): the same, but the plain-text files are empty: the text is only in the Word
  files;
- ATLAS.ti: lower-case GUIDs, ``Sources/`` with a capital S, ``plainTextPath`` a bare file
  name, LF text without BOM, flat codes, no cases, a whole-document coding, a coding by a
  user missing from ``<Users>``, a coding of an interviewer's question, and a PDF source with
  a coding.

:func:`coded_pairs` lists the (source name, code name) pairs a project codes, read straight
from the XML, independently of the toolkit's reader.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

NS = "urn:QDA-XML:project:1.0"
ROOT = uuid.UUID("6f1c2f0e-8f51-4a43-9d2b-0d6a6c0e7a11")

# (source name, case name, case variables, lines) — interviews with unpaid carers.
INTERVIEWS = [
    (
        "Interview 01",
        "Carer A",
        {"Gender": "Woman", "Age group": "55-64"},
        [
            "Interviewer: Tell me about a normal day.",
            "Participant: I look after my husband full time since his stroke two years ago.",
            "There is no time for anything, every minute goes on his care.",
            "My back is bad from lifting him in and out of bed every morning.",
            "My sister Janet Holloway comes on Sundays so I can sleep a bit.",
            "The bills have gone up and the carers benefit does not cover the heating.",
            "Some nights I just sit in the kitchen and cry because I feel so lonely.",
        ],
    ),
    (
        "Interview 02",
        "Carer B",
        {"Gender": "Man", "Age group": "35-44"},
        [
            "Interviewer: How did you start caring for your mum?",
            "Participant: I started caring for my mum when her dementia got worse last winter.",
            "I work nights, so the hours are long and I am always tired.",
            "The GP at Oakfield Surgery referred us to the memory clinic in the end.",
            "Nobody told us about respite until a social worker rang in March.",
            "Money is tight because I dropped to part time to look after her.",
            "I get anxious when my phone rings at work in case something happened.",
        ],
    ),
    (
        "Interview 03",
        "Carer C",
        {"Gender": "Woman", "Age group": "25-34"},
        [
            "Interviewer: What has helped you most?",
            "Participant: The carers centre on the high street has been a lifeline for me.",
            "They sorted a carers assessment and a break one weekend a month.",
            "My son helps with the shopping when he is home from college.",
            "I still have no time for myself and I miss seeing my friends.",
            "Lifting my dad into the bath hurt my shoulder badly last year.",
            "You can ring me on 07700 900461 if you need more for the study.",
        ],
    ),
    (
        "Interview 04",
        "Carer D",
        {"Gender": "Man", "Age group": "65-74"},
        [
            "Interviewer: How are you finding things at the moment?",
            "Participant: I look after my wife who has multiple sclerosis and cannot walk now.",
            "Every minute of the day is planned around her tablets and meals.",
            "Our daughter Priya visits twice a week and that keeps me going.",
            "The social worker changed three times this year, which was exhausting.",
            "We worry about money since the boiler broke and the bills came in.",
            "I am happy when we get out to the seafront together on a good day.",
        ],
    ),
    (
        "Interview 05",
        "Carer E",
        {"Gender": "Woman", "Age group": "45-54"},
        [
            "Interviewer: What would make the biggest difference?",
            "Participant: Proper respite would make the biggest difference to our family.",
            "Caring for two children with autism means my hours are never my own.",
            "I am tired all the time and my back aches from the lifting.",
            "My sister lives nearby but she has her own problems right now.",
            "The benefit forms took weeks and I nearly gave up on them.",
            "I feel lonely at the school gate because the other parents do not understand.",
        ],
    ),
    (
        "Interview 06",
        "Carer F",
        {"Gender": "Woman", "Age group": "75+"},
        [
            "Interviewer: How long have you been a carer?",
            "Participant: I have been caring for my brother for nearly twenty years now.",
            "The GP is good but the waiting list for the physio is over a year.",
            "The carers centre phoned me every week during the winter, which helped.",
            "I have no time to see my own doctor about my knees and my back.",
            "I do not want to be a burden on my son, he has enough on.",
            "When I get anxious at night I listen to the radio until it passes.",
        ],
    ),
    (
        "Diary 01",  # written notes, not an interview: a free-text document of the same case
        "Carer A",
        {"Gender": "Woman", "Age group": "55-64"},
        [
            "Monday: the district nurse came late again and there was no time to eat.",
            "Tuesday was better because my sister took him out for two hours.",
            "I feel lonely most evenings once he is asleep.",
        ],
    ),
]

# Code tree: (name, description, keywords that make a sentence coded with it, children).
CODE_TREE = [
    (
        "Caring role",
        "What looking after someone involves.",
        ["look after", "caring for"],
        [
            ("Time pressure", "No time for oneself.", ["no time", "every minute", "hours"], []),
            ("Physical strain", "Bodily strain of caring.", ["back", "lifting", "shoulder"], []),
        ],
    ),
    (
        "Support",
        "Help received from anyone.",
        [],
        [
            ("Family support", "Help from relatives.", ["sister", "son", "daughter"], []),
            (
                "Services",
                "Health, social care and voluntary services.",
                ["GP", "respite", "social worker", "carers centre"],
                [],
            ),  # fmt: skip
        ],
    ),
    ("Money worries", "Bills, benefits and income.", ["money", "bills", "benefit"], []),
    ("Wellbeing", "How the carer feels.", ["lonely", "cry", "anxious", "happy", "tired"], []),
]

USERS = [("Ama Owusu", "AO"), ("Sam Reed", "SR")]


def _guid(*key: str, style: str = "nvivo") -> str:
    value = str(uuid.uuid5(ROOT, "/".join(key)))
    return "{" + value.upper() + "}" if style == "nvivo" else value


def _codes(tree, style, parent_el, index, flat=False):
    for name, description, keywords, children in tree:
        g = _guid("code", name, style=style)
        el = ET.SubElement(
            parent_el, f"{{{NS}}}Code", {"guid": g, "name": name, "isCodable": "true"}
        )
        ET.SubElement(el, f"{{{NS}}}Description").text = description
        index[name] = (g, keywords)
        _codes(children, style, parent_el if flat else el, index, flat)


def _selections(lines: list[str], newline: str, codes: dict) -> list[tuple[int, int, str, int]]:
    """(start, end, code name, line number) for each keyword-coded participant sentence."""
    out, position = [], 0
    for number, line in enumerate(lines):
        start = position + (len("Participant: ") if line.startswith("Participant: ") else 0)
        end = position + len(line)
        if not line.startswith("Interviewer:"):
            for name, (_, keywords) in codes.items():
                if any(k in line for k in keywords):
                    out.append((start, end, name, number))
        position = end + len(newline)
    return out


def _docx(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write(path: Path, root: ET.Element, files: dict[str, bytes]) -> None:
    ET.register_namespace("", NS)
    xml = ET.tostring(root, encoding="unicode")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", ('<?xml version="1.0" encoding="utf-8"?>\n' + xml).encode())
        for name, data in files.items():
            zf.writestr(name, data)


def nvivo_project(path: Path, *, mac: bool = False, interviews=INTERVIEWS) -> Path:
    """A project as NVivo 12-14 on Windows writes it (``mac=True``: as NVivo 15 on a Mac)."""
    users = {initials: _guid("user", name) for name, initials in USERS}
    root = ET.Element(
        f"{{{NS}}}Project",
        {"name": "Unpaid carers (NVivo)", "origin": "NVivo", "creatingUserGUID": users["AO"]},
    )
    users_el = ET.SubElement(root, f"{{{NS}}}Users")
    for _, initials in USERS:
        ET.SubElement(users_el, f"{{{NS}}}User", {"guid": users[initials], "name": initials})
    codes: dict = {}
    _codes(CODE_TREE, "nvivo", ET.SubElement(ET.SubElement(root, f"{{{NS}}}CodeBook"),
                                             f"{{{NS}}}Codes"), codes)  # fmt: skip
    variables = {v: _guid("variable", v) for v in ("Gender", "Age group")}
    variables_el = ET.SubElement(root, f"{{{NS}}}Variables")
    for v, g in variables.items():
        ET.SubElement(
            variables_el, f"{{{NS}}}Variable", {"guid": g, "name": v, "typeOfVariable": "Text"}
        )
    cases_el = ET.SubElement(root, f"{{{NS}}}Cases")
    sources_el = ET.SubElement(root, f"{{{NS}}}Sources")
    files: dict[str, bytes] = {}
    case_els: dict[str, ET.Element] = {}
    for number, (name, case, values, lines) in enumerate(interviews):
        g = _guid("source", name)
        case_el = case_els.get(case)
        if case_el is None:
            case_el = case_els[case] = ET.SubElement(
                cases_el, f"{{{NS}}}Case", {"guid": _guid("case", case), "name": case}
            )
        for v, value in values.items() if not len(case_el) else []:
            vv = ET.SubElement(case_el, f"{{{NS}}}VariableValue")
            ET.SubElement(vv, f"{{{NS}}}VariableRef", {"targetGUID": variables[v]})
            ET.SubElement(vv, f"{{{NS}}}TextValue").text = value
        ET.SubElement(case_el, f"{{{NS}}}SourceRef", {"targetGUID": g})
        src = ET.SubElement(
            sources_el,
            f"{{{NS}}}TextSource",
            {
                "guid": g,
                "name": name,
                "richTextPath": f"internal://{g}.docx",
                "plainTextPath": f"internal://{g}.txt",
                "creatingUser": users["AO"],
            },
        )
        newline = "\n" if mac else "\r\n"
        text = newline.join(lines)
        files[f"sources/{g}.docx"] = _docx(lines)
        files[f"sources/{g}.txt"] = b"" if mac else b"\xef\xbb\xbf" + text.encode("utf-8")
        for i, (start, end, code, line) in enumerate(_selections(lines, newline, codes)):
            user = users[USERS[(number + line) % 2][1]]
            sel = ET.SubElement(
                src,
                f"{{{NS}}}PlainTextSelection",
                {
                    "guid": _guid("selection", name, str(i)),
                    "name": text[start:end][:30],
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creatingUser": user,
                },
            )
            coding = ET.SubElement(sel, f"{{{NS}}}Coding", {"guid": _guid("coding", name, str(i))})
            ET.SubElement(coding, f"{{{NS}}}CodeRef", {"targetGUID": codes[code][0]})
    _write(path, root, files)
    return path


def atlas_project(path: Path, interviews=INTERVIEWS) -> Path:
    """A project as ATLAS.ti writes it (see the module docstring)."""
    user = _guid("user", "atlas", style="atlas")
    stranger = _guid("user", "not listed", style="atlas")
    root = ET.Element(
        f"{{{NS}}}Project",
        {"name": "Unpaid carers (ATLAS.ti)", "origin": "ATLAS.ti", "creatingUserGUID": user},
    )
    users_el = ET.SubElement(root, f"{{{NS}}}Users")
    ET.SubElement(users_el, f"{{{NS}}}User", {"guid": user, "name": "Researcher"})
    codes: dict = {}
    codes_el = ET.SubElement(ET.SubElement(root, f"{{{NS}}}CodeBook"), f"{{{NS}}}Codes")
    _codes(CODE_TREE, "atlas", codes_el, codes, flat=True)  # ATLAS.ti codes are flat
    sources_el = ET.SubElement(root, f"{{{NS}}}Sources")
    files: dict[str, bytes] = {}
    for number, (name, _, _, lines) in enumerate(interviews):
        g = _guid("source", name, style="atlas")
        src = ET.SubElement(
            sources_el,
            f"{{{NS}}}TextSource",
            {"guid": g, "name": name, "plainTextPath": f"{g}.txt", "creatingUser": user},
        )
        text = "\n".join(lines)
        files[f"Sources/{g}.txt"] = text.encode("utf-8")
        for i, (start, end, code, line) in enumerate(_selections(lines, "\n", codes)):
            who = stranger if (number, line) == (2, 3) else user
            sel = ET.SubElement(
                src,
                f"{{{NS}}}PlainTextSelection",
                {
                    "guid": _guid("selection", name, str(i), style="atlas"),
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creatingUser": who,
                },
            )
            coding = ET.SubElement(
                sel, f"{{{NS}}}Coding", {"guid": _guid("coding", name, str(i), style="atlas")}
            )
            ET.SubElement(coding, f"{{{NS}}}CodeRef", {"targetGUID": codes[code][0]})
        if number == 1:  # the interviewer's question coded too: it has no segment to go to
            sel = ET.SubElement(
                src,
                f"{{{NS}}}PlainTextSelection",
                {
                    "guid": _guid("question", name, style="atlas"),
                    "startPosition": "0",
                    "endPosition": str(len(lines[0])),
                    "creatingUser": user,
                },
            )
            coding = ET.SubElement(
                sel, f"{{{NS}}}Coding", {"guid": _guid("q coding", name, style="atlas")}
            )
            ET.SubElement(coding, f"{{{NS}}}CodeRef", {"targetGUID": codes["Caring role"][0]})
        if number == 0:  # a document coded as a whole
            coding = ET.SubElement(
                src, f"{{{NS}}}Coding", {"guid": _guid("doc coding", name, style="atlas")}
            )
            ET.SubElement(coding, f"{{{NS}}}CodeRef", {"targetGUID": codes["Wellbeing"][0]})
    pdf = ET.SubElement(
        sources_el,
        f"{{{NS}}}PDFSource",
        {
            "guid": _guid("pdf", style="atlas"),
            "name": "Consent form scan",
            "path": "internal://x.pdf",
        },
    )
    sel = ET.SubElement(
        pdf,
        f"{{{NS}}}PDFSelection",
        {"guid": _guid("pdf sel", style="atlas"), "page": "0", "firstX": "1", "firstY": "1",
         "secondX": "9", "secondY": "9"},
    )  # fmt: skip
    coding = ET.SubElement(sel, f"{{{NS}}}Coding", {"guid": _guid("pdf coding", style="atlas")})
    ET.SubElement(coding, f"{{{NS}}}CodeRef", {"targetGUID": codes["Services"][0]})
    files["Sources/x.pdf"] = b"%PDF-1.4 made-up"
    _write(path, root, files)
    return path


def coded_pairs(path: Path, text_only: bool = True) -> set[tuple[str, str]]:
    """(source name, code name) of every coding in a project, read straight from its XML."""
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
    names = {c.get("guid").strip("{}").lower(): c.get("name") for c in root.iter(f"{{{NS}}}Code")}
    pairs = set()
    for src in root.iter():
        tag = src.tag.rsplit("}", 1)[-1]
        if not tag.endswith("Source") or (text_only and tag != "TextSource"):
            continue
        for ref in src.iter(f"{{{NS}}}CodeRef"):
            pairs.add((src.get("name"), names[ref.get("targetGUID").strip("{}").lower()]))
    return pairs
