"""How well does redaction find identifiers? Precision and recall per label, and decoys.

Reads two labelled sets, redacts every line and compares the spans found with the gold spans:

- ``benchmarks/data/redaction_gold.jsonl`` (``make_redaction_gold.py``): interview-style lines
  from Essex, the set the redactor was developed on;
- ``benchmarks/data/redaction_gold_world.jsonl`` (``make_redaction_gold_world.py``): a second
  development set, names from Faker's lists with another seed and new sentence shapes, used
  while improving names from many countries;
- ``benchmarks/data/redaction_gold_locales.jsonl`` (``make_redaction_gold_locales.py``): held
  out, built differently (names from 30 Faker locales, addresses in several forms, lines in
  lower case and capitals); the redactor was not tuned on it.

Scoring:

- a found span is a true positive when it overlaps a gold span of the same label (each gold
  span matched once); "exact" also counts those with identical boundaries;
- a decoy line (no identifiers, words that look like one) counts as wrongly redacted when
  anything in it is redacted.

Two settings on the first set: ``with register`` (the study's participant and staff names are
known, as in ``lxt run``) and ``no register`` (``lxt redact`` on text from elsewhere); the
held-out set has no register. Also reports
throughput on the set and the start-up time of the ``lxt redact`` command.

Run:  .venv/bin/python benchmarks/redaction_eval.py [--no-startup]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "benchmarks" / "data" / "redaction_gold.jsonl"
HELD_OUT = ROOT / "benchmarks" / "data" / "redaction_gold_locales.jsonl"
WORLD = ROOT / "benchmarks" / "data" / "redaction_gold_world.jsonl"
GOALS = {"NHS_NUMBER": 0.99, "NI_NUMBER": 0.99, "PHONE": 0.99, "EMAIL": 0.99, "POSTCODE": 0.99,
         "PERSON": 0.95, "ADDRESS": 0.95, "DATE_OF_BIRTH": 0.95}  # fmt: skip


def load_gold(path: Path = GOLD) -> tuple[list[dict], list[str]]:
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    header, records = lines[0], lines[1:]
    return records, header["register"]


def score(records: list[dict], predicted: list[list[dict]]) -> dict:
    tp, fp, fn, exact = Counter(), Counter(), Counter(), Counter()
    decoys_hit, misses = 0, []
    for record, found in zip(records, predicted, strict=True):
        gold = list(record["spans"])
        used = [False] * len(gold)
        for p in found:
            match = next(
                (
                    i
                    for i, g in enumerate(gold)
                    if not used[i]
                    and g["label"] == p["label"]
                    and p["start"] < g["end"]
                    and g["start"] < p["end"]
                ),
                None,
            )
            if match is None:
                fp[p["label"]] += 1
                misses.append(
                    (
                        "false positive",
                        record["id"],
                        p["label"],
                        record["text"][p["start"] : p["end"]],
                    )
                )
            else:
                used[match] = True
                tp[p["label"]] += 1
                g = gold[match]
                exact[p["label"]] += (g["start"], g["end"]) == (p["start"], p["end"])
        for g, u in zip(gold, used, strict=True):
            if not u:
                fn[g["label"]] += 1
                misses.append(
                    ("missed", record["id"], g["label"], record["text"][g["start"] : g["end"]])
                )
        if record.get("decoy") and found:
            decoys_hit += 1
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "exact": exact,
        "decoys_hit": decoys_hit,
        "decoys": sum(1 for r in records if r.get("decoy")),
        "misses": misses,
    }


def report(title: str, result: dict, show_misses: int) -> None:
    tp, fp, fn, exact = result["tp"], result["fp"], result["fn"], result["exact"]
    print(f"\n== {title} ==")
    print(f"{'label':<15}{'gold':>6}{'found':>7}{'precision':>11}{'recall':>8}{'exact':>7}  goal")
    labels = sorted(set(tp) | set(fp) | set(fn))
    for label in labels:
        gold, found = tp[label] + fn[label], tp[label] + fp[label]
        p = tp[label] / found if found else 1.0
        r = tp[label] / gold if gold else 1.0
        goal = GOALS.get(label)
        flag = "" if goal is None else (f"recall >= {goal}: " + ("met" if r >= goal else "NOT MET"))
        print(f"{label:<15}{gold:>6}{found:>7}{p:>11.3f}{r:>8.3f}{exact[label]:>7}  {flag}")
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print(
        f"{'overall':<15}{all_tp + all_fn:>6}{all_tp + all_fp:>7}"
        f"{all_tp / max(1, all_tp + all_fp):>11.3f}{all_tp / max(1, all_tp + all_fn):>8.3f}"
        f"{sum(exact.values()):>7}  precision >= 0.90: "
        + ("met" if all_tp / max(1, all_tp + all_fp) >= 0.9 else "NOT MET")
    )
    print(f"decoy lines wrongly redacted: {result['decoys_hit']} of {result['decoys']}")
    for kind, rid, label, text in result["misses"][:show_misses]:
        print(f"  {kind:<15}{rid:<7}{label:<14}{text!r}")


def startup_seconds() -> float:
    """Wall time of `lxt redact` on a one-line file (process start to exit)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "one.jsonl"
        source.write_text(json.dumps({"id": 1, "text": "Ring Jo on 07700 900123."}) + "\n")
        start = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "lxt"),
                "redact",
                str(source),
                "-o",
                str(Path(tmp) / "out.jsonl"),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    parser.add_argument("--misses", type=int, default=40, help="errors to list per setting")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from toolkit.privacy.redact import Redactor

    sets = (
        (GOLD, ("with register", "no register")),
        (WORLD, ("no register",)),
        (HELD_OUT, ("held out",)),
    )
    for path, settings in sets:
        records, register = load_gold(path)
        texts = [r["text"] for r in records]
        n_spans = sum(len(r["spans"]) for r in records)
        print(
            f"\n#### {path.name}: {len(records)} lines "
            f"({sum(bool(r.get('decoy')) for r in records)} decoys), {n_spans} gold spans"
        )
        for title in settings:
            names = register if title == "with register" else []
            redactor = Redactor(
                names=names, keep_terms=["Clacton", "Southend", "Basildon", "Jaywick"]
            )
            redactor.redact_many(texts[:4])  # warm up
            start = time.perf_counter()
            done = redactor.redact_many(texts)
            seconds = time.perf_counter() - start
            predicted = [
                [{"start": s.start, "end": s.end, "label": s.label} for s in d.spans] for d in done
            ]
            # Errors are listed for the development set only, so that nobody tunes on the
            # held-out one.
            report(title, score(records, predicted), 0 if path == HELD_OUT else args.misses)
            print(
                f"throughput: {len(texts) / seconds:.0f} segments per second "
                f"({sum(map(len, texts)) / seconds / 1000:.0f}k characters per second)"
            )
    texts = [r["text"] for r in load_gold(GOLD)[0]]
    long_text = " ".join(texts) * 3  # a transcript-sized document (~60k characters)
    start = time.perf_counter()
    Redactor.default().redact_parts([long_text[i : i + 600] for i in range(0, len(long_text), 600)])
    print(
        f"\ntranscript-sized document ({len(long_text)} characters, 600-character turns): "
        f"{time.perf_counter() - start:.2f} s"
    )
    if not args.no_startup:
        print(f"start-up of `lxt redact` (one line, wall clock): {startup_seconds():.1f} s")


if __name__ == "__main__":
    main()
