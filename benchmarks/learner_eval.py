"""Which learner codes real text best? Learning from people's coding, measured on held-out text.

Data: the Care Opinion files in ``../shared/data/careopinion/`` (real NHS feedback, coded by
people; CC BY-NC-SA, so it is read from there and never copied into the project):

``multi``
    ``co_multi_label.csv``: stories with up to six codes each (``cat_1`` .. ``cat_6``). Codes
    are folded to lower case, as in the publisher's list of codes; marks that are not in that
    list (typing slips such as ``c`` or ``coml``) are dropped.
``sub``
    ``text_data.csv``: short answers with one of 44 subcategories each.
``label``
    ``text_data.csv``: the same answers with one of 9 major categories each.

Each file is split once, by a fixed seed, into a training part and a held-out quarter that no
method ever trains on or tunes on. At most 5,000 training texts are used (the size a team's
earlier coding usually has, and the training-time budget: under 10 minutes for 5,000 texts).

Methods, all run here on the same split:

``tfidf_svm``
    baseline: word TF-IDF (1-2 grams) + one linear SVM per code (decision > 0, or the best
    code for single-label data).
``embed_logreg``
    baseline: MiniLM embeddings + one balanced logistic regression per code (probability >= 0.5,
    or the best code) — the toolkit's earlier learner.
``learner``
    :class:`toolkit.coding.learner.TextCoder` as shipped: word TF-IDF and MiniLM embeddings,
    a linear SVM per code, calibrated, a threshold per code chosen by cross-validation.
``words_only``
    the same without embeddings (no neural model at all).
``with_chars``
    the same plus character 2-5-grams.
``learner_logistic``
    the shipped features with logistic regression per code.

Reported: macro-F1 (codes occurring in the held-out part, equal weight), micro-F1,
sample-F1 (mean over texts of the F1 of its code set), per-code F1, training seconds and
coding speed (texts per second, embedding included: the embedding cache is bypassed for the
speed run).

Run::

    nice -n 10 .venv/bin/python benchmarks/learner_eval.py                 # all three sets
    nice -n 10 .venv/bin/python benchmarks/learner_eval.py --sets label --methods learner
    # the recorded run:
    nice -n 10 .venv/bin/python benchmarks/learner_eval.py --out benchmarks/results/learner_eval
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

from toolkit.coding.learner import TextCoder, apply_rule  # noqa: E402
from toolkit.offline import enforce_offline  # noqa: E402

DATA = ROOT.parent.parent / "shared" / "data" / "careopinion"
SPLIT_SEED = 2026
HELD_OUT = 0.25
MAX_TRAIN = 5000
SPEED_TEXTS = 500
# The publisher's list of subcategory codes (SOURCE_README.md), used to drop typing slips.
PUBLISHED_CODES = set(
    [
        "cc",
        "xn",
        "sa",
        "ss",
        "cs",
        "mi",
        "sp",
        "xe",
        "mm",
        "cr",
        "ml",
        "ef",
        "wa",
        "ap",
        "eq",
        "ce",
        "ee",
        "cp",
        "aa",
        "ca",
        "co",
        "cm",
        "tc",
        "da",
        "ec",
        "sl",
        "ti",
        "cl",
        "ds",
        "tx",
        "wb",
        "ct",
        "al",
        "dp",
        "dd",
        "cf",
        "xm",
        "tt",
        "xg",
        "ep",
        "xf",
        "xl",
        "dc",
        "xs",
    ]
)


# -- data --------------------------------------------------------------------------------------


def load_set(name: str, data: Path) -> tuple[list[str], pd.DataFrame]:
    """Texts and a texts x codes 0/1 table for one of ``multi``, ``sub``, ``label``."""
    if name == "multi":
        frame = pd.read_csv(data / "co_multi_label.csv")
        cats = frame[[f"cat_{i}" for i in range(1, 7)]]
        rows = [
            {str(c).strip().lower() for c in row if isinstance(c, str)} & PUBLISHED_CODES
            for row in cats.itertuples(index=False)
        ]
        codes = sorted(set().union(*rows))
        labels = pd.DataFrame([[int(c in r) for c in codes] for r in rows], columns=codes)
    else:
        frame = pd.read_csv(data / "text_data.csv")
        column = "code" if name == "sub" else "label"
        labels = pd.get_dummies(frame[column].astype(str)).astype(int)
    texts = frame["feedback"].fillna("").astype(str).str.strip()
    keep = (texts != "").to_numpy()
    return texts[keep].tolist(), labels[keep].reset_index(drop=True)


def split(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed training rows (at most MAX_TRAIN) and held-out rows."""
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_test = int(round(n * HELD_OUT))
    return np.sort(order[n_test:][:MAX_TRAIN]), np.sort(order[:n_test])


# -- scores ------------------------------------------------------------------------------------


def scores(truth: np.ndarray, said: np.ndarray, codes: list[str]) -> tuple[dict, pd.Series]:
    """Macro-, micro- and sample-F1 and per-code F1 (codes present in the held-out part)."""
    truth, said = truth.astype(bool), said.astype(bool)
    tp = (truth & said).sum(axis=0)
    denom = truth.sum(axis=0) + said.sum(axis=0)
    per_code = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    present = truth.sum(axis=0) > 0
    row_tp = (truth & said).sum(axis=1)
    row_denom = truth.sum(axis=1) + said.sum(axis=1)
    sample = np.where(row_denom > 0, 2 * row_tp / np.maximum(row_denom, 1), 1.0)
    summary = {
        "macro_f1": float(per_code[present].mean()),
        "micro_f1": float(2 * tp.sum() / denom.sum()),
        "sample_f1": float(sample.mean()),
        "codes_scored": int(present.sum()),
    }
    return summary, pd.Series(per_code, index=codes)[present]


# -- methods -----------------------------------------------------------------------------------


def baseline_tfidf_svm(train_texts, Y, test_texts, single: bool):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X, Xt = vec.fit_transform(train_texts), None
    Xt = vec.transform(test_texts)
    raw = np.full((len(test_texts), Y.shape[1]), -np.inf)
    for j in range(Y.shape[1]):
        if 0 < Y[:, j].sum() < len(Y):
            raw[:, j] = LinearSVC(C=1.0).fit(X, Y[:, j]).decision_function(Xt)
    return apply_rule(raw, np.zeros(Y.shape[1]), "single" if single else "any")


def baseline_embed_logreg(train_vectors, Y, test_vectors, single: bool):
    from sklearn.linear_model import LogisticRegression

    proba = np.zeros((len(test_vectors), Y.shape[1]))
    for j in range(Y.shape[1]):
        if 0 < Y[:, j].sum() < len(Y):
            model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=42)
            proba[:, j] = model.fit(train_vectors, Y[:, j]).predict_proba(test_vectors)[:, 1]
    return apply_rule(proba, np.full(Y.shape[1], 0.5), "single" if single else "any")


def learner(embedder, **settings):
    def run(train_texts, labels, test_texts, train_vectors, test_vectors):
        coder = TextCoder(embedder=embedder, **settings)
        coder.fit(train_texts, labels, vectors=train_vectors if embedder else None)
        X, _ = coder.features(test_texts, test_vectors if embedder else None)
        proba = coder._proba(X)
        chosen = coder.decide(proba.to_numpy())
        said = pd.DataFrame(chosen, columns=proba.columns).reindex(
            columns=labels.columns, fill_value=False
        )
        return said.to_numpy(), coder

    return run


def coding_speed(coder: TextCoder, texts: list[str]) -> tuple[float, float]:
    """Texts per second for :meth:`TextCoder.code`: embedding from scratch (no cache) included,
    and with the embeddings given (the learner's own work: features, models, evidence)."""
    from toolkit.embeddings.backends import get_embedder

    vectors = None
    if coder.embedding is not None:
        coder.embedder = get_embedder(coder.embedding, use_cache=False)
        coder.embedder.encode(["warm up"])  # loading the model is a one-off, not per text
    start = time.perf_counter()
    if coder.embedding is not None:
        vectors = coder.embedder.encode(texts)
    coder.code(texts, vectors)
    total = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    coder.code(texts, vectors)
    return total, len(texts) / (time.perf_counter() - start)


METHODS = [
    "tfidf_svm",
    "embed_logreg",
    "learner",
    "words_only",
    "with_chars",
    "learner_logistic",
    "meaning_heavy",
]
LEARNERS = {
    "learner": {"embedding": "minilm"},
    "words_only": {"embedding": None},
    "with_chars": {"embedding": "minilm", "char_ngrams": (2, 5)},
    "learner_logistic": {"embedding": "minilm", "classifier": "logistic", "C": 4.0},
    # The embedding block counting twice the words: where embeddings + logistic regression beat
    # the learner (rare codes), meaning carries more than the words.
    "meaning_heavy": {"embedding": "minilm", "embedding_weight": 2.0},
}


def run_set(name: str, methods: list[str], embedder, data: Path) -> tuple[pd.DataFrame, dict]:
    texts, labels = load_set(name, data)
    train, test = split(len(texts))
    tr_texts, te_texts = [texts[i] for i in train], [texts[i] for i in test]
    tr_labels, te_labels = labels.iloc[train].reset_index(drop=True), labels.iloc[test]
    single = bool((labels.sum(axis=1) == 1).all())
    print(
        f"\n== {name}: {len(tr_texts)} training texts, {len(te_texts)} held out, "
        f"{labels.shape[1]} codes, {'single' if single else 'multi'}-label",
        flush=True,
    )
    needs_vectors = "embed_logreg" in methods or any(
        LEARNERS.get(m, {}).get("embedding") for m in methods
    )
    tr_vec = te_vec = None
    if needs_vectors:
        tr_vec, te_vec = embedder.encode(tr_texts), embedder.encode(te_texts)
    rows, per_code = [], {}
    Y = tr_labels.to_numpy()
    for method in methods:
        start = time.perf_counter()
        coder = None
        if method == "tfidf_svm":
            said = baseline_tfidf_svm(tr_texts, Y, te_texts, single)
        elif method == "embed_logreg":
            said = baseline_embed_logreg(tr_vec, Y, te_vec, single)
        else:
            settings = LEARNERS[method]
            use = embedder if settings["embedding"] else None
            said, coder = learner(use, **settings)(tr_texts, tr_labels, te_texts, tr_vec, te_vec)
        seconds = time.perf_counter() - start
        summary, f1 = scores(te_labels.to_numpy(), said, list(labels.columns))
        summary.update({"set": name, "method": method, "seconds": round(seconds, 1)})
        if coder is not None:
            sample = te_texts[:SPEED_TEXTS]
            total, own = coding_speed(coder, sample)
            summary["texts_per_s"] = round(total, 1)
            summary["texts_per_s_given_embeddings"] = round(own, 1)
            coder.embedder = embedder
        rows.append(summary)
        per_code[method] = f1
        print(
            f"{method:13s} macro {summary['macro_f1']:.3f}  micro {summary['micro_f1']:.3f}  "
            f"sample {summary['sample_f1']:.3f}  ({seconds:.0f} s"
            + (
                f", {summary['texts_per_s']:.0f} texts/s, "
                f"{summary['texts_per_s_given_embeddings']:.0f} given embeddings"
                if "texts_per_s" in summary
                else ""
            )
            + ")",
            flush=True,
        )
    table = pd.DataFrame(per_code)
    table.insert(0, "held_out_n", te_labels.sum().reindex(table.index).astype(int))
    table.insert(0, "train_n", tr_labels.sum().reindex(table.index).astype(int))
    return pd.DataFrame(rows), {name: table}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["multi", "label", "sub"])
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["tfidf_svm", "embed_logreg", "learner", "words_only"],
        choices=METHODS,
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, help="Write <out>.csv and <out>_per_code.csv.")
    args = parser.parse_args(argv)
    enforce_offline()
    from toolkit.embeddings.backends import get_embedder

    embedder = get_embedder("minilm")
    summaries, per_code = [], {}
    for name in args.sets:
        summary, codes = run_set(name, args.methods, embedder, args.data)
        summaries.append(summary)
        per_code.update(codes)
    summary = pd.concat(summaries, ignore_index=True)
    print("\n" + summary.round(3).to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        summary.round(4).to_csv(f"{args.out}.csv", index=False)
        long = pd.concat(
            [
                t.round(4).rename_axis("code").reset_index().assign(set=s)
                for s, t in per_code.items()
            ]
        )
        long.to_csv(f"{args.out}_per_code.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
