"""Read interview transcripts into speaker turns: .txt, .docx, .vtt and .srt.

A transcript is a list of :class:`Turn` (speaker label as written, what they said). In text
and Word files a turn starts with a speaker label and a colon at the start of a line
(``Interviewer: How did you hear about the programme?``), optionally after a time stamp such
as ``[00:01:05]``; lines without a label continue the turn before. Lines before the first
label (a title, a date, "Interview with ...") are not speech and are dropped: they often hold
names. Subtitle files (.vtt from Teams or Zoom, .srt) give the speaker as a ``<v Name>`` voice
tag or as a label at the start of the caption; consecutive captions by the same speaker are
joined into one turn.

A file without any speaker turns is an error: the toolkit cannot tell who said what, and
interviewer questions must never be analysed as if a participant said them.

Example
-------
>>> parse_lines(["Interview 3, May 2025", "Interviewer: How are you?", "PR: Fine.", "Thanks."])
[Turn(label='Interviewer', text='How are you?'), Turn(label='PR', text='Fine.\\nThanks.')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import Problem, UserError
from toolkit.ingest.readers import decode_text

TRANSCRIPT_SUFFIXES = (".txt", ".docx", ".vtt", ".srt")
MAX_TRANSCRIPT_CHARS = 2_000_000  # about 300 hours of talk: anything bigger is the wrong file

_TIMESTAMP = r"(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?\s*)?"
# A label is up to four words, each starting with a capital letter or a digit ("Speaker 2",
# "PR", "Dr Amina Shah"), so that a sentence such as "then she said: no" is not a label.
_WORD = r"[A-Z0-9][\w.'’-]*"
_LABEL_LINE = re.compile(
    rf"^\s*{_TIMESTAMP}(?P<label>{_WORD}(?: {_WORD}){{0,3}})\s*:\s*(?P<text>.*)$"
)


@dataclass(frozen=True)
class Turn:
    """One speaker turn: the label as written in the file and what was said."""

    label: str
    text: str


def parse_lines(lines: list[str], known_labels: set[str] | None = None) -> list[Turn]:
    """Split transcript lines into turns (see the module docstring for the rules).

    ``known_labels`` (lower case) are accepted as labels even when not capitalised.
    """
    known = {k.casefold() for k in known_labels or ()}
    turns: list[tuple[str, list[str]]] = []
    for line in lines:
        line = line.rstrip()
        match = _LABEL_LINE.match(line)
        if match is None and known:
            loose = re.match(rf"^\s*{_TIMESTAMP}(?P<label>[^:]{{1,40}}?)\s*:\s*(?P<text>.*)$", line)
            if loose and loose.group("label").casefold() in known:
                match = loose
        if match:
            turns.append((match.group("label").strip(), [match.group("text").strip()]))
        elif turns:
            turns[-1][1].append(line.strip())
    out = []
    for label, parts in turns:
        text = "\n".join(parts).strip()
        text = re.sub(r"\n{2,}", "\n", text)  # paragraph breaks inside a turn: keep one
        if text:
            out.append(Turn(label, text))
    return out


def _read_docx_lines(path: Path) -> list[str]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(
            Problem(
                str(path),
                f"the Word file cannot be opened ({type(exc).__name__})",
                expected="a .docx document",
            )
        ) from None
    lines = []
    for paragraph in document.paragraphs:
        lines.extend(paragraph.text.split("\n"))
    # Some transcription services put turns in a two-column table (speaker | words).
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) >= 2 and cells[0] and cells[1]:
                lines.append(f"{cells[0]}: {cells[-1]}")
    return lines


def _read_captions(path: Path, known: set[str]) -> list[Turn]:
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = (
            webvtt.from_srt(str(path)) if path.suffix.lower() == ".srt" else webvtt.read(str(path))
        )
    except (MalformedFileError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(
            Problem(
                str(path),
                f"the subtitle file cannot be read ({type(exc).__name__})",
                expected="a WebVTT (.vtt) or SubRip (.srt) file",
            )
        ) from None
    turns: list[Turn] = []
    for caption in captions:
        voice = getattr(caption, "voice", None)
        if voice:
            parsed = [Turn(voice.strip(), caption.text.strip())]
        else:
            parsed = parse_lines(caption.text.split("\n"), known)
            if not parsed and turns and caption.text.strip():
                parsed = [Turn(turns[-1].label, caption.text.strip())]
        for turn in parsed:
            if turns and turns[-1].label == turn.label:
                turns[-1] = Turn(turn.label, turns[-1].text + " " + turn.text)
            else:
                turns.append(turn)
    return turns


def read_transcript(path: str | Path, known_labels: set[str] | None = None) -> list[Turn]:
    """Read a transcript file into speaker turns; raise :class:`UserError` when unusable.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.docx``, ``.vtt`` or ``.srt`` file.
    known_labels : set of str, optional
        Speaker labels from study.yml, matched in any case.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "A1_baseline.txt"
    >>> _ = p.write_text("Interviewer: Hello.\\nParticipant: Hi, I'm fine.\\n", encoding="utf-8")
    >>> [t.label for t in read_transcript(p)]
    ['Interviewer', 'Participant']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise UserError(
            Problem(
                str(path),
                f"unsupported transcript type {suffix or '(none)'!r}",
                expected="a .txt, .docx, .vtt or .srt file",
            )
        )
    if path.stat().st_size == 0:
        raise UserError(
            Problem(
                str(path),
                "the transcript is empty",
                expected="speaker turns such as 'Interviewer: ...'",
            )
        )
    if path.stat().st_size > MAX_TRANSCRIPT_CHARS * 4:
        raise UserError(
            Problem(
                str(path),
                "the transcript is far too large to be one interview",
                expected=f"at most {MAX_TRANSCRIPT_CHARS:,} characters",
            )
        )
    known = {k.casefold() for k in known_labels or ()}
    if suffix == ".docx":
        turns = parse_lines(_read_docx_lines(path), known)
    elif suffix in (".vtt", ".srt"):
        decode_text(path.read_bytes(), path)  # same encoding checks as CSV files
        turns = _read_captions(path, known)
    else:
        text = decode_text(path.read_bytes(), path)
        turns = parse_lines(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), known)
    if not turns:
        raise UserError(
            Problem(
                str(path),
                "no speaker turns found",
                expected="lines starting with a speaker label, e.g. 'Interviewer: ...' "
                "and 'Participant: ...'",
            )
        )
    return turns


def filename_regex(pattern: str, waves: list[str]) -> re.Pattern[str]:
    """A regex for transcript file names from study.yml's ``filename_pattern``.

    >>> rx = filename_regex("{participant_ref}_{wave}", ["baseline", "followup_6m"])
    >>> rx.fullmatch("CL_0042_followup_6m").groupdict()
    {'participant_ref': 'CL_0042', 'wave': 'followup_6m'}
    """
    parts = re.split(r"(\{participant_ref\}|\{wave\})", pattern)
    regex = ""
    for part in parts:
        if part == "{participant_ref}":
            regex += r"(?P<participant_ref>.+?)"
        elif part == "{wave}":
            # Wave names are listed so that a wave containing "_" still splits correctly.
            regex += "(?P<wave>" + "|".join(re.escape(w) for w in waves) + ")"
        else:
            regex += re.escape(part)
    return re.compile(regex)
