"""Does redaction keep real feedback readable? Redactions per 1,000 words on real text.

Real comments (for example the Care Opinion sets under ``../shared/data/careopinion/``, which
must never be copied into the repository) are redacted without a register; the script counts
what was replaced per label per 1,000 words and, with ``--show N``, prints N redacted words in
their context so that a person can judge whether they were names. Nothing is written to disk.

Run:  .venv/bin/python benchmarks/redaction_real_text.py FILE.csv [--column feedback]
      [--rows 1000] [--show 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--column", default="feedback")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--show", type=int, default=0, help="redactions to print in context")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from toolkit.privacy.redact import Redactor

    texts = pd.read_csv(args.csv)[args.column].dropna().astype(str)
    texts = texts.sample(min(args.rows, len(texts)), random_state=args.seed).tolist()
    redactor = Redactor()
    start = time.process_time()
    done = redactor.redact_many(texts)
    cpu = time.process_time() - start
    words = sum(len(t.split()) for t in texts)
    counts = Counter(s.label for d in done for s in d.spans)
    print(f"{len(texts)} texts, {words} words, {cpu:.1f} s CPU ({len(texts) / cpu:.0f} texts/s)")
    for label, n in counts.most_common():
        print(f"{label:<15}{n:>6}  {1000 * n / words:6.2f} per 1,000 words")
    print(f"texts with any redaction: {sum(bool(d.spans) for d in done)} of {len(texts)}")
    found = [(t, s) for t, d in zip(texts, done, strict=True) for s in d.spans]
    for text, s in random.Random(args.seed).sample(found, min(args.show, len(found))):
        left, right = text[max(0, s.start - 40) : s.start], text[s.end : s.end + 30]
        print(f"  {s.label:<8} …{left}⟦{text[s.start : s.end]}⟧{right}…".replace("\n", " "))


if __name__ == "__main__":
    main()
