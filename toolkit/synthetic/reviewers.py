"""Two synthetic peer reviewers code part of the example study, as people do: well, not perfectly.

Each reviewer reads distinct sentences (a sentence said the same way by many people is read
once) with suggested codes, accepts or rejects each suggestion and adds codes that were missed.
The suggestions are what the codebook's patterns suggest for the sentence, as in a real
review workbook, plus its true themes (each shown with probability :data:`SUGGESTED`, standing
for what a trained model would add). So the wrong suggestions a reviewer may accept by mistake
are the codebook's own false matches ("bank" in "food bank"), never a code picked at random.
The reviewers differ, as two real people do:

``pr01``
    careful: accepts a true code 93% of the time, rejects a wrong one 95%, adds a missed true
    code 60%;
``pr02``
    quicker: 85%, 90% and 40%, and less sure on the codes people find hardest to tell apart
    (confidence, aspirations, workplace culture: 15 points lower).

Round 1: both reviewers code the same 240 sentences (for agreement). Round 2: ``pr01`` codes
240 more (so that a classifier has enough decisions to learn from). Sentences holding a planted
identifier are left out: redaction changes their text. Rows are ``reviewer, text, code,
decision``; :mod:`toolkit.coding.review_rounds` applies them to every segment with that text.
"""

from __future__ import annotations

import random

ROUND_SIZE = 240
SUGGESTED = 0.85
HARD_CODES = {"confidence", "aspirations", "workplace_culture"}
REVIEWERS = {
    "pr01": {"accept_true": 0.93, "reject_wrong": 0.95, "add_missed": 0.60, "hard_penalty": 0.0},
    "pr02": {"accept_true": 0.85, "reject_wrong": 0.90, "add_missed": 0.40, "hard_penalty": 0.15},
}
COLUMNS = ["reviewer", "text", "code", "decision"]


def _distinct_sentences(themes_rows: list[dict], id_rows: list[dict]) -> list[tuple[str, tuple]]:
    """(sentence, true themes) once per distinct sentence, in first-seen order."""
    spans: dict[tuple, list[tuple[int, int]]] = {}
    for row in id_rows:
        key = (row["participant_ref"], row["file"], row["doc_source"], row["wave"], row["turn"])
        spans.setdefault(key, []).append((int(row["start"]), int(row["end"])))
    out: dict[str, tuple] = {}
    redacted: set[str] = set()
    for row in themes_rows:
        key = (row["participant_ref"], row["file"], row["doc_source"], row["wave"], row["turn"])
        start, end = int(row["start"]), int(row["end"])
        if any(s < end and start < e for s, e in spans.get(key, [])):
            redacted.add(row["sentence"])
            continue
        themes = tuple(t for t in str(row["themes"]).split(";") if t)
        out.setdefault(row["sentence"], themes)
    return [(s, t) for s, t in out.items() if s not in redacted]


def codebook_suggestions(texts: list[str]) -> list[set[str]]:
    """The codes the example codebook's patterns suggest for each text (no meaning model)."""
    from toolkit.coding.codebook import load_codebook
    from toolkit.coding.suggest import AutoCoder
    from toolkit.resources import default_codebook

    coder = AutoCoder(load_codebook(default_codebook()))
    return [{s.code for s in row} for row in coder.suggest(texts)]


def _decide(
    rng: random.Random, reviewer: str, text: str, themes: tuple, by_codebook: set[str]
) -> list[dict]:
    """One reviewer's decisions on one sentence and its suggestions."""
    style = REVIEWERS[reviewer]
    wrong = sorted(c for c in by_codebook if c not in themes)
    shown = [c for c in themes if c in by_codebook or rng.random() < SUGGESTED]
    suggested = shown + wrong
    rows = []
    for code in sorted(suggested):
        penalty = style["hard_penalty"] if code in HARD_CODES else 0.0
        if code in themes:
            ok = rng.random() < style["accept_true"] - penalty
            rows.append((code, "accept" if ok else "reject"))
        else:
            ok = rng.random() < style["reject_wrong"] - penalty
            rows.append((code, "reject" if ok else "accept"))
    for code in themes:
        if code not in suggested and rng.random() < style["add_missed"]:
            rows.append((code, "add"))
    return [{"reviewer": reviewer, "text": text, "code": c, "decision": d} for c, d in rows]


def review_rounds(rng: random.Random, themes_rows: list[dict], id_rows: list[dict]) -> dict:
    """The reviewers' rounds as ``{file name: rows}`` (rows as dicts of :data:`COLUMNS`)."""
    sentences = _distinct_sentences(themes_rows, id_rows)
    by_codebook = dict(
        zip((t for t, _ in sentences), codebook_suggestions([t for t, _ in sentences]), strict=True)
    )
    # A review workbook holds sentences with something to decide: a suggested or a true code.
    reviewable = [(t, themes) for t, themes in sentences if themes or by_codebook[t]]
    chosen = rng.sample(reviewable, min(2 * ROUND_SIZE, len(reviewable)))
    first, second = chosen[:ROUND_SIZE], chosen[ROUND_SIZE:]
    rounds = {}
    for reviewer in ("pr01", "pr02"):
        # Each reviewer has their own stream, so one reviewer's choices never shift the other's.
        mine = random.Random(f"{rng.random()}:{reviewer}")
        rounds[f"round1_{reviewer}.csv"] = [
            row
            for text, themes in first
            for row in _decide(mine, reviewer, text, themes, by_codebook[text])
        ]
    mine = random.Random(f"{rng.random()}:pr01:2")
    rounds["round2_pr01.csv"] = [
        row
        for text, themes in second
        for row in _decide(mine, "pr01", text, themes, by_codebook[text])
    ]
    return rounds
