"""How well does auto-coding find the themes people would code?

Compares the toolkit's coding with the synthetic example study's ground truth
(``surveys/example/truth/themes.csv``: every participant sentence with the themes planted in
it) and prints, per code, precision, recall and F1 for

1. **codebook only**: :class:`toolkit.coding.suggest.AutoCoder` suggestions (patterns + meaning),
   before anybody has reviewed anything;
2. **learned**: the toolkit's learner (:class:`toolkit.coding.learner.TextCoder`: word TF-IDF
   plus the segment embedding and the codebook's score for every code; without the codebook's
   scores shown as an ablation) after 50, 100 and 200 simulated reviewed segments per code.
   The simulated reviewer sees half of their segments from the top of the auto-coder's
   suggestions for the code and half at random (people review suggestions, and read around
   them), and decides as the ground truth says.

The synthetic sentences come from templates, so the same sentence appears for many people. A
classifier that had seen a sentence in review would simply remember it. To keep the
comparison honest the corpus is de-duplicated (ignoring case and curly quotes) and split once,
at a fixed seed, into a review pool and a test half: simulated reviews come from the pool
only, and codebook-only and learned coding are both scored on the same test half.
Codebook-only scores are also given over all sentences as they occur, and per participant
("mentioned the theme at all", the ``code_<id>`` features the outcome analysis uses).

Throughput is segments per second for auto-coding every sentence with nothing cached
(spaCy lemmas + pattern matching + embedding + similarity).

Run::

    .venv/bin/python benchmarks/coding_eval.py                    # MiniLM meaning model
    .venv/bin/python benchmarks/coding_eval.py --embedding tfidf  # no neural model
    # the recorded run (benchmarks/results/coding_eval.md, .csv):
    .venv/bin/python benchmarks/coding_eval.py --cached --out benchmarks/results/coding_eval.csv
    # also check segmentation against the truth sentences, after `lxt run surveys/example`:
    .venv/bin/python benchmarks/coding_eval.py --segments outputs/example/data/segments.parquet
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.coding.codebook import load_codebook  # noqa: E402
from toolkit.coding.learner import TextCoder  # noqa: E402
from toolkit.coding.suggest import AutoCoder  # noqa: E402
from toolkit.offline import enforce_offline  # noqa: E402


def load_truth(path: Path) -> pd.DataFrame:
    """Truth sentences: ``sentence`` and ``themes`` (a frozenset of code ids)."""
    truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    truth["themes"] = truth["themes"].map(lambda s: frozenset(t for t in s.split(";") if t))
    return truth


def per_code_scores(
    predicted: list[set], actual: list[frozenset], codes: list[str], weights=None
) -> pd.DataFrame:
    """Precision, recall, F1 and support per code, plus a macro-average row."""
    weights = np.ones(len(actual)) if weights is None else np.asarray(weights, dtype=float)
    rows = []
    for code in codes:
        p = np.array([code in s for s in predicted])
        a = np.array([code in s for s in actual])
        tp, fp, fn = (
            (weights * (p & a)).sum(),
            (weights * (p & ~a)).sum(),
            (weights * (~p & a)).sum(),
        )
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append(
            {
                "code": code,
                "precision": prec,
                "recall": rec,
                "f1": f1,
                "support": int((weights * a).sum()),
            }
        )
    table = pd.DataFrame(rows)
    macro = {"code": "MACRO", "support": int(table["support"].sum())}
    macro.update(table[["precision", "recall", "f1"]].mean().to_dict())
    return pd.concat([table, pd.DataFrame([macro])], ignore_index=True)


def participant_scores(predicted: list[set], truth: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Per-code scores for "the person mentioned it at all" (``code_<id>`` features).

    A person counts as coded if any of their sentences is; one wrong sentence in twenty is
    enough to put someone in the wrong group, so this is stricter than sentence scores.
    """
    people = truth.assign(_pred=predicted).groupby("participant_ref")
    pred = people["_pred"].agg(lambda s: frozenset().union(*s)).tolist()
    actual = people["themes"].agg(lambda s: frozenset().union(*s)).tolist()
    return per_code_scores(pred, actual, codes)


def simulate_review(auto_scores: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices a reviewer would have decided for one code: half top suggestions, half random."""
    top = np.argsort(-auto_scores, kind="stable")[: n // 2]
    rest = np.setdiff1d(np.arange(len(auto_scores)), top)
    random_part = rng.choice(rest, size=min(n - len(top), len(rest)), replace=False)
    return np.concatenate([top, random_part])


def learned_scores(
    texts: list[str],
    vectors: np.ndarray,
    auto: np.ndarray,
    actual: list[frozenset],
    codes: list[str],
    n: int,
    pool: np.ndarray,
    test: np.ndarray,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Test-set scores of the toolkit's learner trained on ``n`` simulated decisions per code.

    The learner is :class:`toolkit.coding.learner.TextCoder`, as ``lxt run`` and ``lxt learn``
    use it: word TF-IDF plus ``vectors``, a calibrated linear model and a cross-validated
    threshold per code, near-duplicate sentences kept in one fold. Reviews are drawn from
    ``pool`` only; every classifier is scored on ``test``, the same sentences the
    codebook-only scores use, so the two are directly comparable.

    Returns ``(test_scores, cross_validated)``: the second has the cross-validated F1 on the
    reviewed segments, which is what the toolkit reports to its users.
    """
    rng = np.random.default_rng(seed)
    cv_rows = []
    predicted: list[set] = [set() for _ in test]
    test_texts = [texts[i] for i in test]
    for j, code in enumerate(codes):
        y = np.array([code in s for s in actual], dtype=int)
        reviewed = pool[simulate_review(auto[pool, j], n, rng)]
        y_rev = y[reviewed]
        cv_rows.append({"code": code, "positives_reviewed": int(y_rev.sum())})
        coder = TextCoder(embedding="given", embedder=GivenVectors(), seed=seed, min_examples=2)
        coder.fit(
            [texts[i] for i in reviewed], pd.DataFrame({code: y_rev}), vectors=vectors[reviewed]
        )
        if code not in coder.models_:
            continue  # nothing to learn from: the code is never predicted
        proba = coder.predict_proba(test_texts, vectors[test])[code].to_numpy()
        for i in np.flatnonzero(proba >= coder.thresholds_[code]):
            predicted[i].add(code)
        cv_rows[-1]["cv_f1"] = float(coder.metrics_.set_index("code").loc[code, "f1"])
    table = per_code_scores(predicted, [actual[i] for i in test], codes)
    return table, pd.DataFrame(cv_rows)


class GivenVectors:
    """Stands in for the meaning model: the vectors are always passed in, never computed."""

    identity = "given"

    def encode(self, texts):
        raise RuntimeError("vectors are passed to the learner in this benchmark")


def _normal(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").lower().split())


def report_segmentation(segments: pd.DataFrame, truth: pd.DataFrame) -> None:
    """Share of truth sentences that come out of the segmenter as a segment of their own.

    Redaction changes names into placeholders, so sentences holding a planted identifier
    cannot match exactly; they are counted separately.
    """
    found = set(segments["text"].map(_normal))
    hit = truth["sentence"].map(_normal).isin(found)
    print(
        f"\nsegmentation: {hit.mean():.1%} of {len(truth)} truth sentences are exactly one "
        f"segment ({len(segments)} segments in all)"
    )


def fmt(table: pd.DataFrame) -> str:
    return table.to_string(index=False, float_format=lambda v: f"{v:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--truth", type=Path, default=ROOT / "surveys" / "example" / "truth" / "themes.csv"
    )
    parser.add_argument(
        "--codebook", type=Path, default=ROOT / "codebooks" / "employment_support.yml"
    )
    parser.add_argument(
        "--embedding", default="minilm", choices=["minilm", "static", "tfidf", "none"]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--out", type=Path, help="optional CSV with every table row")
    parser.add_argument(
        "--cached",
        action="store_true",
        help="let auto-coding use the embedding cache (faster re-runs; throughput then "
        "does not measure embedding)",
    )
    parser.add_argument(
        "--segments",
        type=Path,
        help="segments.parquet from `lxt run` on the example study: also report how many "
        "truth sentences the segmenter reproduces exactly",
    )
    args = parser.parse_args(argv)
    enforce_offline()

    from toolkit.embeddings.backends import get_embedder

    book = load_codebook(args.codebook)
    codes = book.codable_ids
    truth = load_truth(args.truth)
    print(
        f"ground truth: {len(truth)} sentences ({truth['sentence'].nunique()} distinct), "
        f"{len(codes)} codes, meaning model: {args.embedding}"
    )

    # 1. Codebook only, timed from cold (nothing cached), over every sentence as it occurs.
    embedder = None
    if args.embedding != "none":
        embedder = get_embedder(args.embedding, use_cache=args.cached, seed=args.seed)
    coder = AutoCoder(book, embedder, threshold=args.threshold)
    texts = truth["sentence"].tolist()
    t0, c0 = time.perf_counter(), time.process_time()
    score, _, _ = coder.score_matrix(texts)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    predicted = [{codes[j] for j in np.flatnonzero(row >= args.threshold)} for row in score]
    t1 = time.perf_counter()
    coder_rules = AutoCoder(book, None, threshold=args.threshold)
    rule_only = coder_rules.score_matrix(texts)[0]
    rules_elapsed = time.perf_counter() - t1

    all_rows = []
    table = per_code_scores(predicted, truth["themes"].tolist(), codes)
    print("\n== codebook only (patterns + meaning), all sentences as they occur ==")
    print(fmt(table))
    all_rows.append(table.assign(setting="codebook_only_all"))

    table = participant_scores(predicted, truth, codes)
    print(
        "\n== codebook only, per participant: mentioned the theme at all "
        "(the features the analysis uses) =="
    )
    print(fmt(table))
    all_rows.append(table.assign(setting="codebook_only_participants"))

    patterns = [{codes[j] for j in np.flatnonzero(row >= args.threshold)} for row in rule_only]
    table = per_code_scores(patterns, truth["themes"].tolist(), codes)
    print(f"\ncodebook only, patterns alone: macro F1 {table['f1'].iloc[-1]:.2f}")
    all_rows.append(table.assign(setting="patterns_only_all"))

    # Distinct sentences (ignoring case and curly quotes), split once into a review pool and a
    # test half. Learned models only ever see the pool; everything is scored on the test half.
    key = truth["sentence"].map(_normal)
    first = ~key.duplicated()
    distinct = truth[first].reset_index(drop=True)
    auto_distinct = score[first.to_numpy()]
    order = np.random.default_rng(args.seed).permutation(len(distinct))
    test, pool = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])
    actual = distinct["themes"].tolist()
    pred_test = [
        {codes[j] for j in np.flatnonzero(auto_distinct[i] >= args.threshold)} for i in test
    ]
    table = per_code_scores(pred_test, [actual[i] for i in test], codes)
    print(f"\n== codebook only, test half of the distinct sentences ({len(test)}) ==")
    print(fmt(table))
    all_rows.append(table.assign(setting="codebook_only_test"))

    # 2. Learned classifiers on segment embeddings.
    if embedder is not None:
        learn_embedder = get_embedder(args.embedding, seed=args.seed)
        sentences = distinct["sentence"].tolist()
        vectors = learn_embedder.encode(sentences)
        stacked = np.hstack([vectors, auto_distinct]).astype(np.float32)
        for n in args.sizes:
            # The toolkit's learner: embeddings plus the codebook's scores for every code.
            table, cv = learned_scores(
                sentences, stacked, auto_distinct, actual, codes, n, pool, test, args.seed
            )
            print(f"\n== learned classifier, {n} reviewed segments per code, same test half ==")
            print(fmt(table.merge(cv, on="code", how="left")))
            all_rows.append(table.assign(setting=f"learned_{n}"))
            # Ablation: embeddings alone.
            table, _ = learned_scores(
                sentences, vectors, auto_distinct, actual, codes, n, pool, test, args.seed
            )
            print(
                f"   embeddings alone (no codebook scores): macro F1 "
                f"{table['f1'].iloc[-1]:.2f} (precision {table['precision'].iloc[-1]:.2f}, "
                f"recall {table['recall'].iloc[-1]:.2f})"
            )
            all_rows.append(table.assign(setting=f"learned_embeddings_only_{n}"))

    if args.segments:
        report_segmentation(pd.read_parquet(args.segments), truth)

    n = len(texts)
    print(
        f"\nthroughput: {n / elapsed:.0f} segments/s auto-coding with {args.embedding} "
        f"({n} segments in {elapsed:.1f} s wall clock, {cpu:.1f} s CPU, "
        f"{'embedding cache used' if args.cached else 'nothing cached'}); "
        f"patterns alone {n / rules_elapsed:.0f} segments/s"
    )
    print(
        "reference: published NHS Friends and Family Test multi-label model, macro F1 0.71 "
        "(on real comments; not comparable to synthetic sentences)"
    )
    if args.out:
        pd.concat(all_rows, ignore_index=True).to_csv(args.out, index=False)
        print(f"tables written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
