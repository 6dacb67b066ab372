"""Interview transcripts in the formats peer researchers actually hand in.

A transcript is a list of turns ``(label, text)``. The same turns are written as:

- ``.txt``: one ``Label: text`` line per turn, a blank line between turns;
- ``.docx``: one paragraph ``Label: text`` per turn (python-docx);
- ``.vtt``: WebVTT, one cue per turn, the speaker in a voice tag ``<v Label>text</v>``;
- ``.srt``: SubRip, one cue per turn, the cue line ``Label: text``.

A turn's text never contains a line break, so every reader recovers exactly the same turn
texts; ground-truth offsets are offsets within these turn texts (``truth/README.md``).
The interviewer is labelled ``Interviewer`` or, in some plain-text files, ``PR`` (peer
researcher); the participant is ``Participant`` (the labels mapped in ``study.yml``).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from toolkit.synthetic.compose import Passage, Sentence, render
from toolkit.synthetic.interview_lines import (
    CLOSING_REPLIES,
    CONSENT_REPLIES,
    INTERVIEWER_CLOSINGS,
    INTERVIEWER_OPEN_QUESTIONS,
    INTERVIEWER_OPENINGS,
    INTERVIEWER_PROBES,
    INTERVIEWER_PROMPTS,
    SHORT_REPLIES,
    THEME_PROMPTS,
)
from toolkit.synthetic.people import Person
from toolkit.synthetic.slots import SlotFiller
from toolkit.synthetic.speech import Speaker

WORDS_MIN, WORDS_MAX = 1700, 2700  # turn words; file words stay within 1,500-3,000
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


@dataclass
class Turn:
    """One speaker turn: the label as written, the role it maps to, and its sentences."""

    label: str  # as written in the file: Interviewer | PR | Participant
    role: str  # interviewer | participant
    passage: Passage

    @property
    def text(self) -> str:
        return self.passage.text


@dataclass
class Transcript:
    """One interview: who, which wave, which file format, and its turns in order."""

    person: Person
    wave: str
    ext: str
    turns: list[Turn]

    @property
    def filename(self) -> str:
        return f"{self.person.ref}_{self.wave}.{self.ext}"

    def word_count(self) -> int:
        return sum(len(t.text.split()) for t in self.turns)


# long function: an interview is one seeded sequence of random draws, read best in order; any
# reshuffle of the draws would change the committed example study.
def build_transcript(
    rng: random.Random,
    person: Person,
    wave: str,
    ext: str,
    interviewer: str,
    staff: list[str],
    plant_identifiers: bool,
) -> Transcript:
    """Write one interview with ``person`` by ``interviewer`` (a staff full name).

    The interview works through an agenda of the person's themes: the interviewer opens a
    theme (by name or sideways), the participant talks about it, wanders into other things
    and sometimes gets a follow-up probe. Every theme of the person comes up at least once.
    """
    label = "PR" if ext == "txt" and rng.random() < 0.3 else "Interviewer"
    asker = SlotFiller(rng, person, staff, interviewer=interviewer)
    speaker = Speaker(rng, person, staff, style="spoken")
    speaker.curly = ext == "docx"  # Word turns ' into a typographic apostrophe
    turns: list[Turn] = []
    asked: set[str] = set()

    def ask(template: str) -> None:
        asked.add(template)
        text, spans = render(template, asker)
        sentence = Sentence(text, (), spans)
        turns.append(
            Turn(label, "interviewer", Passage([sentence.curly() if speaker.curly else sentence]))
        )

    def reply(sentences: list[Sentence]) -> None:
        if speaker.curly:
            sentences = [s.curly() for s in sentences]
        turns.append(Turn("Participant", "participant", Passage(sentences)))

    def fresh(options: list[str]) -> str:
        unused = [q for q in options if q not in asked]
        choice = rng.choice(unused or options)
        asked.add(choice)
        return choice

    def words() -> int:
        return sum(len(t.text.split()) for t in turns)

    def extras(sentences: list[Sentence], count: int) -> None:
        nonlocal planted
        for _ in range(count):
            roll = rng.random()
            if planted and roll < 0.15:
                sentences.insert(rng.randrange(len(sentences) + 1), speaker.identifier_sentence())
                planted -= 1
            elif roll < 0.35:
                sentences.append(speaker.theme_sentence(rng.choice(themes)))
            else:
                sentences.insert(rng.randrange(len(sentences) + 1), speaker.neutral_sentence())

    ask(rng.choice(INTERVIEWER_OPENINGS))
    reply(_sentences(rng.choice(CONSENT_REPLIES)))
    ask(rng.choice(INTERVIEWER_OPEN_QUESTIONS))
    themes = sorted(person.themes)
    planted = rng.randint(2, 5) if plant_identifiers else 0
    opening = [speaker.neutral_sentence() for _ in range(rng.randint(2, 3))]
    extras(opening, 2)
    reply(opening)

    agenda = themes[:]
    rng.shuffle(agenda)
    target = rng.randint(WORDS_MIN, WORDS_MAX)
    while agenda or words() < target - 150:  # every theme of the person comes up
        theme = agenda.pop(0) if agenda else rng.choice(themes)
        # Most questions open the theme; some are general and the theme comes up anyway.
        prompt = fresh(THEME_PROMPTS[theme] if rng.random() < 0.7 else INTERVIEWER_PROMPTS)
        if rng.random() < 0.08:
            prompt = "Thanks, {first}. " + prompt
        elif rng.random() < 0.2:
            lead = rng.choice(["So, ", "Okay. ", "Right, um, "])
            prompt = lead + (prompt if lead.endswith(". ") else prompt[0].lower() + prompt[1:])
        ask(prompt)
        if rng.random() < 0.08:
            # A short answer first; the interviewer has to draw them out.
            reply(_sentences(rng.choice(SHORT_REPLIES)))
            ask(rng.choice(["Go on.", "In what way?", "Can you say a bit more?"]))
        sentences = [speaker.theme_sentence(theme) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.15:
            pair = speaker.paired_sentence(person.themes)
            if pair is not None:
                sentences.append(pair)
        extras(sentences, rng.randint(1, 3))
        reply(sentences)
        if rng.random() < 0.35 and words() < target - 150:
            ask(fresh(INTERVIEWER_PROBES))
            more = [speaker.theme_sentence(theme)]
            extras(more, rng.randint(0, 2))
            reply(more)
    while planted:  # identifiers meant for this interview still get said
        turns[-1].passage.sentences.append(speaker.identifier_sentence())
        if speaker.curly:
            turns[-1].passage.sentences[-1] = turns[-1].passage.sentences[-1].curly()
        planted -= 1
    ask(rng.choice(INTERVIEWER_CLOSINGS))
    reply(_sentences(rng.choice(CLOSING_REPLIES)))
    return Transcript(person, wave, ext, turns)


def _sentences(text: str) -> list[Sentence]:
    """Split a fixed line into sentences (the truth lists one sentence per row)."""
    return [Sentence(part) for part in re.split(r"(?<=[.?!]) ", text)]


def write_transcript(transcript: Transcript, folder: Path, rng: random.Random) -> Path:
    """Write ``transcript`` in its format; returns the file path."""
    path = folder / transcript.filename
    turns = [(t.label, t.text) for t in transcript.turns]
    if transcript.ext == "txt":
        path.write_text(
            "\n\n".join(f"{lab}: {text}" for lab, text in turns) + "\n", "utf-8", newline="\n"
        )
    elif transcript.ext == "docx":
        path.write_bytes(_docx_bytes(turns))
    elif transcript.ext == "vtt":
        cues = [f"{a} --> {b}\n<v {lab}>{text}</v>" for (a, b), (lab, text) in _times(turns, rng)]
        path.write_text("WEBVTT\n\n" + "\n\n".join(cues) + "\n", "utf-8", newline="\n")
    elif transcript.ext == "srt":
        cues = [
            f"{k}\n{a.replace('.', ',')} --> {b.replace('.', ',')}\n{lab}: {text}"
            for k, ((a, b), (lab, text)) in enumerate(_times(turns, rng), start=1)
        ]
        path.write_text("\n\n".join(cues) + "\n", "utf-8", newline="\n")
    else:
        raise ValueError(f"unknown transcript format {transcript.ext!r}")
    return path


def _times(turns: list[tuple[str, str]], rng: random.Random):
    # About 2.5 words a second of speech plus a short pause between speakers.
    clock = rng.uniform(1.0, 4.0)
    for turn in turns:
        length = max(1.5, len(turn[1].split()) / 2.5)
        yield (_stamp(clock), _stamp(clock + length)), turn
        clock += length + rng.uniform(0.3, 1.5)


def _stamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def _docx_bytes(turns: list[tuple[str, str]]) -> bytes:
    """A .docx with one paragraph per turn, byte-identical for identical turns."""
    import datetime as dt

    import docx

    document = docx.Document()
    props = document.core_properties
    props.author = "Peer research team"
    props.last_modified_by = "Peer research team"
    props.created = dt.datetime(2026, 1, 1)
    props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1
    for label, text in turns:
        document.add_paragraph(f"{label}: {text}")
    raw = io.BytesIO()
    document.save(raw)
    # python-docx stamps zip entries with the current time: rewrite them with a fixed one.
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return fixed.getvalue()
