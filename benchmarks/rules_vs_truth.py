"""Do the codebook's rules count themes right? Per code and cohort, against the example's truth.

A report's theme counts are "how many participants mentioned it": a participant counts for a
code if any of their sentences is coded with it. This script codes every participant sentence
of the synthetic example study (``surveys/example/truth/themes.csv``) with the codebook's
auto-coder (patterns and meaning, the same :class:`toolkit.coding.suggest.AutoCoder` that
``lxt run`` uses), counts participants per code and cohort, and compares with the truth.

A code passes when its count is within 20% of the truth in every cohort, or when the codebook
marks it ``needs_review`` (its counts are then left to people's decisions, not the rules).
Sentence-level precision, recall and F1 per code are printed beside the counts.

Run::

    nice -n 10 .venv/bin/python benchmarks/rules_vs_truth.py
    nice -n 10 .venv/bin/python benchmarks/rules_vs_truth.py --embedding none   # patterns only
    nice -n 10 .venv/bin/python benchmarks/rules_vs_truth.py \
        --out benchmarks/results/rules_vs_truth.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.coding.codebook import load_codebook  # noqa: E402
from toolkit.coding.suggest import AutoCoder  # noqa: E402
from toolkit.embeddings.backends import make_embedder  # noqa: E402
from toolkit.offline import enforce_offline  # noqa: E402

TOLERANCE = 0.20


def compare(truth: pd.DataFrame, cohorts: pd.Series, said: list[set], book) -> pd.DataFrame:
    """One row per code: truth and rule counts per cohort, worst relative error, sentence F1."""
    actual = truth["themes"].map(lambda s: {t for t in s.split(";") if t})
    frame = truth.assign(_said=said, _actual=actual, cohort=truth["participant_ref"].map(cohorts))
    people = frame.groupby(["cohort", "participant_ref"])
    said_p = people["_said"].agg(lambda s: set().union(*s))
    actual_p = people["_actual"].agg(lambda s: set().union(*s))
    rows = []
    for code in book.codable:
        row = {"code": code.id, "needs_review": bool(code.needs_review)}
        worst = 0.0
        for cohort in sorted(frame["cohort"].dropna().unique()):
            t = int(actual_p.loc[cohort].map(lambda s, c=code.id: c in s).sum())
            r = int(said_p.loc[cohort].map(lambda s, c=code.id: c in s).sum())
            row[f"{cohort}_truth"], row[f"{cohort}_rules"] = t, r
            worst = max(worst, abs(r - t) / t if t else float(r > 0))
        p = np.array([code.id in s for s in said])
        a = np.array([code.id in s for s in actual])
        tp = int((p & a).sum())
        row["precision"] = tp / p.sum() if p.sum() else 0.0
        row["recall"] = tp / a.sum() if a.sum() else 0.0
        denom = p.sum() + a.sum()
        row["f1"] = 2 * tp / denom if denom else 0.0
        row["worst_count_error"] = worst
        row["passes"] = worst <= TOLERANCE or row["needs_review"]
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    example = ROOT / "surveys" / "example"
    parser.add_argument("--study", type=Path, default=example)
    parser.add_argument(
        "--codebook", type=Path, default=ROOT / "codebooks" / "employment_support.yml"
    )
    parser.add_argument("--embedding", default="minilm", choices=["minilm", "tfidf", "none"])
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    enforce_offline()
    truth = pd.read_csv(args.study / "truth" / "themes.csv", dtype=str, keep_default_na=False)
    people = pd.read_csv(args.study / "participants.csv", dtype=str)
    cohorts = people.set_index("participant_ref")["cohort"]
    book = load_codebook(args.codebook)
    coder = AutoCoder(book, make_embedder(args.embedding), threshold=args.threshold)
    # Each distinct sentence once: templates repeat sentences across people.
    distinct = list(dict.fromkeys(truth["sentence"]))
    found = coder.suggest(distinct)
    by_text = {t: {s.code for s in f} for t, f in zip(distinct, found, strict=True)}
    said = [by_text[t] for t in truth["sentence"]]
    table = compare(truth, cohorts, said, book)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    failing = table.loc[~table["passes"], "code"].tolist()
    print(f"\nmacro F1 (sentences) {table['f1'].mean():.3f}")
    print(
        f"codes within {TOLERANCE:.0%} of the truth in every cohort: "
        f"{int((table['worst_count_error'] <= TOLERANCE).sum())} of {len(table)}; "
        f"marked needs_review: {int(table['needs_review'].sum())}; failing: {failing or 'none'}"
    )
    if args.out:
        table.round(4).to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
