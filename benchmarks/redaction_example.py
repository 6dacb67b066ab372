"""Recall of redaction on the synthetic example study's planted identifiers.

Reads the planted identifiers (``surveys/example/truth/identifiers.csv``), redacts each
document that holds one (survey answers one by one, transcripts turn by turn, as ingest
does) and reports, per label, how many planted spans were fully covered by a redacted span
of any label ("hidden") and of the same label ("labelled").

Run:  .venv/bin/python benchmarks/redaction_example.py [--no-register]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "surveys" / "example"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-register", action="store_true", help="redact without names")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from toolkit.ingest.transcripts import read_transcript
    from toolkit.privacy.redact import Redactor
    from toolkit.study.config import load_study
    from toolkit.study.validate import read_study_inputs

    study = load_study(EXAMPLE)
    inputs, _ = read_study_inputs(study)
    redactor = Redactor.for_study(study, [] if args.no_register else inputs.all_names())
    truth = pd.read_csv(EXAMPLE / "truth" / "identifiers.csv", dtype=str, keep_default_na=False)
    waves = {
        w.file: pd.read_csv(study.path(w.file), dtype=str, keep_default_na=False)
        for w in study.waves
    }
    docs: dict[tuple, list[str]] = {}
    for (ref, file, source), _ in truth.groupby(["participant_ref", "file", "doc_source"]):
        if file in waves:
            frame = waves[file]
            row = frame[frame[study.waves[0].id_column] == ref].iloc[0]
            docs[(ref, file, source)] = [row[f"q_{source}"]]
        else:
            docs[(ref, file, source)] = [t.text for t in read_transcript(EXAMPLE / file)]
    hidden, labelled, total = Counter(), Counter(), Counter()
    missed, extra = defaultdict(list), Counter()
    for key, parts in docs.items():
        done = redactor.redact_parts(parts)
        rows = truth[
            (truth.participant_ref == key[0])
            & (truth.file == key[1])
            & (truth.doc_source == key[2])
        ]
        planted = {
            (int(t.turn) if t.turn else 0, int(t.start), int(t.end)) for _, t in rows.iterrows()
        }
        for turn, result in enumerate(done):
            for s in result.spans:  # redacted but not planted: over-redaction
                if not any(p[0] == turn and s.start < p[2] and p[1] < s.end for p in planted):
                    extra[s.label] += 1
                    missed["EXTRA " + s.label].append(repr(parts[turn][s.start : s.end]))
        for _, t in rows.iterrows():
            turn = int(t.turn) if t.turn else 0
            start, end = int(t.start), int(t.end)
            total[t.label] += 1
            spans = done[turn].spans
            if any(s.start <= start and end <= s.end for s in spans):
                hidden[t.label] += 1
                labelled[t.label] += any(
                    s.start <= start and end <= s.end and s.label == t.label for s in spans
                )
            else:
                missed[t.label].append(f"{parts[turn][max(0, start - 30) : end + 15]!r}")
    for label in sorted(total):
        print(
            f"{label:<15} planted {total[label]:>4}  hidden {hidden[label]:>4} "
            f"({hidden[label] / total[label]:.3f})  same label {labelled[label]:>4}"
        )
    print(
        f"{'all':<15} planted {sum(total.values()):>4}  hidden {sum(hidden.values()):>4} "
        f"({sum(hidden.values()) / sum(total.values()):.3f})"
    )
    found = sum(hidden.values()) + sum(extra.values())
    print(
        f"redacted spans not planted (over-redaction): {sum(extra.values())} of {found} "
        f"({dict(extra)}); span precision {sum(hidden.values()) / max(1, found):.3f}"
    )
    for label, items in missed.items():
        for item in items[:12]:
            print(f"  missed {label}: {item}")


if __name__ == "__main__":
    main()
