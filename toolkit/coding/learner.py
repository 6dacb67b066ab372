"""Learn to code text from people's earlier coding: one calibrated linear model per code.

Every text is described two ways at once, each block scaled to unit length so neither drowns
the other:

- word TF-IDF of single words and word pairs (what people literally wrote: "waiting list");
- the sentence embedding (meaning: "no one called me back" is like "never heard from them"),
  from the installed MiniLM model, when asked for.

Character n-grams (2 to 5 letters inside words, for spelling slips) can be added with
``char_ngrams=(2, 5)``; on real patient feedback they changed macro-F1 by less than 0.01 and
made training six times slower, so they are off by default.

Per code, a linear model (a linear support-vector machine by default, class weights balanced
because codes are usually rare) separates the texts with the code from those without. Its raw
scores are turned into calibrated probabilities (Platt scaling fitted on out-of-fold scores)
and each code gets its own decision threshold, the one with the best F1 across the
cross-validation folds: a rare code may need 0.3, a common one 0.6. Identical and
near-identical texts (:mod:`toolkit.coding.near_duplicates`) always share a fold. Labels can be
weighted (``fit(..., weights=...)``), so a presumed "no" counts less than a person's decision.
These were chosen by measurement on real patient feedback against simpler baselines
(``benchmarks/learner_eval.py``).

How codes are applied follows how people coded the training texts:

- every training text has exactly one code (single-label coding): the best code is applied;
- every training text has at least one code: codes above their threshold, or else the best one;
- otherwise: the codes above their thresholds, possibly none.

Codes with fewer than :data:`MIN_EXAMPLES` examples (or non-examples) are not learned: they are
named in the metrics (``trained`` False, ``note``) and left to people.

Example
-------
>>> texts = ["the bus was late", "bus never came", "no bus on sunday", "the train was late",
...          "kind nurse", "lovely nurse", "the nurse was kind", "nurse listened"] * 3
>>> labels = pd.DataFrame({"transport": [1, 1, 1, 1, 0, 0, 0, 0] * 3,
...                        "staff": [0, 0, 0, 0, 1, 1, 1, 1] * 3})
>>> coder = TextCoder(embedding=None, min_examples=3).fit(texts, labels)
>>> [c["code"] for c in coder.code(["the bus was late again"])[0]]
['transport']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from toolkit.coding.near_duplicates import near_duplicate_groups

MIN_EXAMPLES = 5
N_FOLDS = 5
EVIDENCE_WORDS = 3
EXAMPLE_CHARS = 120
METRIC_COLUMNS = [
    "code",
    "examples",
    "non_examples",
    "trained",
    "precision",
    "recall",
    "f1",
    "threshold",
    "note",
]


def best_f1_threshold(y: np.ndarray, proba: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The probability cut that gives the best F1 on ``y``; ties go to the middle of the range.

    Candidate cuts are midpoints between consecutive distinct probabilities, so the result
    does not sit exactly on one training example. With ``weights``, each text counts that
    much towards the true and false positives (a presumed "no" counts less than a person's).

    >>> best_f1_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.6, 0.9]))
    0.5
    """
    y = np.asarray(y).astype(bool)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    values = np.unique(proba)
    if len(values) < 2:
        return 0.5
    cuts = (values[:-1] + values[1:]) / 2
    order = np.argsort(-proba)
    sorted_p = proba[order]
    tp_at = np.cumsum(y[order] * w[order])
    said_at = np.cumsum(w[order])
    positives = float((y * w).sum())
    best, best_f1 = 0.5, -1.0
    for cut in cuts:
        k = int(np.searchsorted(-sorted_p, -cut, side="right"))  # how many have p >= cut
        tp = tp_at[k - 1] if k else 0.0
        said = said_at[k - 1] if k else 0.0
        f1 = 2 * tp / (said + positives) if said + positives else 0.0
        # Prefer cuts nearer 0.5 on ties: calibrated scores mean "more likely than not" there.
        if f1 > best_f1 + 1e-12 or (
            abs(f1 - best_f1) <= 1e-12 and abs(cut - 0.5) < abs(best - 0.5)
        ):
            best, best_f1 = float(cut), f1
    return round(best, 6)


def labelling_style(labels: pd.DataFrame) -> str:
    """``single``, ``at_least_one`` or ``any``: how people applied codes to fully coded texts.

    Only texts with no unknown labels count; with none of those (a study's partial decisions)
    the style is ``any``.

    >>> labelling_style(pd.DataFrame({"a": [1, 0], "b": [0, 1]}))
    'single'
    """
    full = labels.dropna()
    if full.empty or len(full) < len(labels):
        return "any"
    per_text = full.sum(axis=1)
    if (per_text == 1).all():
        return "single"
    if (per_text >= 1).all():
        return "at_least_one"
    return "any"


def apply_rule(proba: np.ndarray, thresholds: np.ndarray, style: str) -> np.ndarray:
    """Which codes to apply (boolean, texts x codes) from calibrated probabilities."""
    if proba.shape[1] == 0:
        return np.zeros(proba.shape, dtype=bool)
    top = np.zeros(proba.shape, dtype=bool)
    top[np.arange(len(proba)), proba.argmax(axis=1)] = True
    if style == "single":
        return top
    chosen = proba >= thresholds[None, :]
    if style == "at_least_one":
        chosen |= top & ~chosen.any(axis=1, keepdims=True)
    return chosen


def _macro_f1(truth: np.ndarray, said: np.ndarray) -> float:
    return float(np.mean([_scores(truth[:, j], said[:, j])[2] for j in range(truth.shape[1])]))


def _scores(
    y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float, float]:
    w = np.ones(len(y_true)) if weights is None else np.asarray(weights, dtype=float)
    tp = float((w * (y_true & y_pred)).sum())
    said, actual = float((w * y_pred).sum()), float((w * y_true).sum())
    p = tp / said if said else 0.0
    r = tp / actual if actual else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _out_of_fold(model, folds: int, seed: int, X, y, groups, weights) -> np.ndarray:
    """Out-of-fold raw scores of copies of ``model``; texts of one group (near-duplicates)
    share a fold.

    Otherwise a text said by forty people, with or without "um" in front, would be in the
    training and the test part at once, and cross-validated quality would measure memory
    rather than learning.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    n_groups = len(np.unique(groups))
    folds = int(min(folds, y.sum(), len(y) - y.sum()))
    if n_groups < len(y):
        positive_groups = len(np.unique(groups[y == 1]))
        negative_groups = len(np.unique(groups[y == 0]))
        folds = int(max(2, min(folds, positive_groups, negative_groups)))
        cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        splits = cv.split(np.zeros(len(y)), y, groups)
    else:
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        splits = cv.split(np.zeros(len(y)), y)
    raw = np.zeros(len(y))
    for train, test in splits:
        fitted = clone(model).fit(X[train], y[train], sample_weight=weights[train])
        raw[test] = fitted.decision_function(X[test])
    return raw


def learn_code(model, folds: int, seed: int, X, y, groups, weights):
    """One code's out-of-fold raw scores and its model fitted on all its examples.

    A function of its arguments alone, so codes can be learned in separate processes with
    the same results: liblinear seeds its generator from ``model``'s ``random_state`` at
    every fit (in threads, fits would share that generator).
    """
    from sklearn.base import clone

    raw = _out_of_fold(model, folds, seed, X, y, groups, weights)
    return raw, clone(model).fit(X, y, sample_weight=weights)


class TextCoder:
    """Per-code linear models on word, character and meaning features (fit / code).

    Parameters
    ----------
    embedding : {"minilm", "static", "tfidf"} or None
        Sentence embedding added to the TF-IDF features (None: TF-IDF only).
    classifier : {"svm", "logistic"}
        Linear support-vector machine (default: several times faster to train on these
        features) or logistic regression per code.
    C : float
        Inverse regularisation strength of the per-code models.
    word_ngrams, char_ngrams : tuple
        Word and character n-gram ranges (``char_ngrams=None``, the default, leaves
        characters out).
    embedding_weight : float
        How much the embedding block counts against the unit-length TF-IDF blocks.
    min_examples : int
        Fewest texts with (and without) a code for it to be learned.
    folds : int
        Cross-validation folds for thresholds, calibration and the quality figures.
    seed : int
        Seed of the fold split (and of the models), for identical re-runs.
    embedder : object, optional
        An embedder to use instead of building one from ``embedding`` (tests, benchmarks).
    jobs : int
        Processes that learn codes side by side. The results are the same for any number.
    """

    def __init__(
        self,
        embedding: str | None = "minilm",
        classifier: str = "svm",
        C: float = 0.5,
        word_ngrams: tuple = (1, 2),
        char_ngrams: tuple | None = None,
        embedding_weight: float = 1.0,
        min_examples: int = MIN_EXAMPLES,
        folds: int = N_FOLDS,
        seed: int = 42,
        embedder=None,
        jobs: int = 1,
    ):
        self.embedding = embedding
        self.classifier = classifier
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.embedding_weight = embedding_weight
        self.min_examples = min_examples
        self.folds = folds
        self.seed = seed
        self.embedder = embedder
        self.jobs = jobs

    # -- settings ----------------------------------------------------------------------------

    def settings(self) -> dict:
        """The constructor settings, as recorded in a model folder."""
        return {
            "embedding": self.embedding,
            "classifier": self.classifier,
            "C": self.C,
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams) if self.char_ngrams else None,
            "embedding_weight": self.embedding_weight,
            "min_examples": self.min_examples,
            "folds": self.folds,
            "seed": self.seed,
        }

    def _get_embedder(self):
        if self.embedding is None:
            return None
        if self.embedder is None:
            from toolkit.embeddings.backends import make_embedder

            self.embedder = make_embedder(self.embedding, self.seed)
        return self.embedder

    # -- features ----------------------------------------------------------------------------

    def _fit_features(self, texts: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        common = {"sublinear_tf": True, "strip_accents": "unicode", "dtype": np.float32}
        # min_df=2 keeps one-off words (often names and typos) from becoming features.
        min_df = 2 if len(texts) >= 20 else 1
        self.word_vectoriser_ = TfidfVectorizer(
            ngram_range=tuple(self.word_ngrams), min_df=min_df, max_features=200_000, **common
        ).fit(texts)
        self.char_vectoriser_ = None
        if self.char_ngrams:
            self.char_vectoriser_ = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=tuple(self.char_ngrams),
                min_df=min_df,
                max_features=300_000,
                **common,
            ).fit(texts)
        embedder = self._get_embedder()
        self.embedding_identity_ = getattr(embedder, "identity", None)

    def features(self, texts: list[str], vectors: np.ndarray | None = None):
        """The feature matrix of ``texts`` and their embeddings (``None`` without embedding)."""
        texts = [str(t) for t in texts]
        blocks = [self.word_vectoriser_.transform(texts)]
        if self.char_vectoriser_ is not None:
            blocks.append(self.char_vectoriser_.transform(texts))
        embedder = self._get_embedder()
        if embedder is not None:
            if vectors is None:
                vectors = embedder.encode(texts)
            blocks.append(
                sparse.csr_matrix(np.asarray(vectors, np.float32) * self.embedding_weight)
            )
        return sparse.hstack(blocks, format="csr"), vectors

    # -- models ------------------------------------------------------------------------------

    def _model(self):
        if self.classifier == "svm":
            from sklearn.svm import LinearSVC

            return LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed)
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=self.C, class_weight="balanced", solver="liblinear", random_state=self.seed
        )

    def fit(
        self,
        texts: list[str],
        labels: pd.DataFrame,
        vectors: np.ndarray | None = None,
        weights: pd.DataFrame | None = None,
        groups: np.ndarray | None = None,
    ):
        """Learn every code with enough examples.

        Parameters
        ----------
        texts : the training texts.
        labels : one row per text (same order), one column per code: 1 (coded), 0 (not) or
            NaN (nobody decided; such texts are left out for that code only).
        vectors : embeddings of ``texts``, if already computed.
        weights : how much each label counts (same shape as ``labels``; default 1 each): a
            "no" presumed from text nobody reviewed can count less than a person's decision.
            Models, calibration, thresholds and the quality figures all use these weights.
        groups : a group label per text; texts of one group always fall in the same
            cross-validation fold. Default: near-duplicates
            (:func:`toolkit.coding.near_duplicates.near_duplicate_groups`) by the embeddings,
            or by the word TF-IDF without them.
        """
        from sklearn.linear_model import LogisticRegression

        texts = [str(t) for t in texts]
        labels = labels.reset_index(drop=True)
        if weights is not None:
            weights = weights.reset_index(drop=True)
        self.codes_ = [str(c) for c in labels.columns]
        self.style_ = labelling_style(labels)
        self._fit_features(texts)
        X, vectors = self.features(texts, vectors)
        if groups is None:
            groups = near_duplicate_groups(
                X[:, : len(self.word_vectoriser_.vocabulary_)] if vectors is None else vectors
            )
        groups = np.asarray(groups)
        self.models_, self.calibrators_, self.thresholds_ = {}, {}, {}
        self.examples_ = {}
        oof = np.full((len(texts), len(self.codes_)), np.nan)
        rows, todo = [], []
        for j, code in enumerate(self.codes_):
            column = labels[code].to_numpy(dtype=float)
            known = ~np.isnan(column)
            y = column[known].astype(int)
            w = np.ones(int(known.sum()))
            if weights is not None:
                w = weights[code].reset_index(drop=True).to_numpy(dtype=float)[known]
            pos, neg = int(y.sum()), int(len(y) - y.sum())
            record = dict.fromkeys(METRIC_COLUMNS, np.nan)
            record.update({"code": code, "examples": pos, "non_examples": neg, "trained": False})
            if min(pos, neg) < max(self.min_examples, 2):
                record["note"] = (
                    f"too few examples to learn (has {pos} with and {neg} without, needs "
                    f"{self.min_examples} of each): left to people"
                )
                rows.append(record)
                continue
            kept = groups[known]
            if min(len(np.unique(kept[y == 1])), len(np.unique(kept[y == 0]))) < 2:
                record["note"] = (
                    "its examples (or non-examples) are all one text said again and again, "
                    "so its quality cannot be measured: left to people"
                )
                rows.append(record)
                continue
            todo.append((j, code, known, y, w, kept, record))
            rows.append(record)
        learned = self._learn_codes(X, todo)
        for (j, code, known, y, w, _, record), (raw, model) in zip(todo, learned, strict=True):
            # Platt scaling: a one-feature logistic regression maps raw scores to probabilities.
            calibrator = LogisticRegression(C=100.0).fit(raw[:, None], y, sample_weight=w)
            proba = calibrator.predict_proba(raw[:, None])[:, 1]
            oof[np.flatnonzero(known), j] = proba
            self.calibrators_[code] = calibrator
            self.thresholds_[code] = best_f1_threshold(y, proba, w)
            self.models_[code] = model
            positives = np.flatnonzero(known)[y == 1]
            self.examples_[code] = {
                "texts": [texts[i] for i in positives],
                "vectors": self._example_vectors(X[positives], vectors, positives),
            }
            record.update({"trained": True, "threshold": self.thresholds_[code], "note": ""})
        self.metrics_ = pd.DataFrame(rows, columns=METRIC_COLUMNS)
        self._cross_validated_quality(labels, oof, weights)
        return self

    def _learn_codes(self, X, todo: list) -> list:
        """(out-of-fold raw scores, fitted model) per code in ``todo``, in ``self.jobs``
        processes when there are several codes (:func:`learn_code`)."""
        # A generator: each code's rows of X are copied only when its turn comes, so at most
        # a few copies exist at once however many codes there are.
        tasks = (
            (self._model(), self.folds, self.seed, X[np.flatnonzero(known)], y, kept, w)
            for _, _, known, y, w, kept, _ in todo
        )
        jobs = min(getattr(self, "jobs", 1), len(todo))  # models saved before ``jobs`` existed
        if jobs <= 1:
            return [learn_code(*task) for task in tasks]
        from joblib import Parallel, delayed

        return Parallel(n_jobs=jobs)(delayed(learn_code)(*task) for task in tasks)

    def _example_vectors(self, X_rows, vectors, rows):
        """What "most similar coded example" compares: embeddings, else the word TF-IDF rows
        (kept sparse: a dense copy of every example's vocabulary would be slow and large)."""
        if vectors is not None:
            return np.asarray(vectors, np.float32)[rows]
        n_word = len(self.word_vectoriser_.vocabulary_)
        return X_rows[:, :n_word].tocsr()

    def _cross_validated_quality(
        self, labels: pd.DataFrame, oof: np.ndarray, weights: pd.DataFrame | None = None
    ) -> None:
        """Precision, recall and F1 per code from out-of-fold scores under the coding rule."""
        trained = [j for j, c in enumerate(self.codes_) if c in self.models_]
        if not trained:
            self.oof_ = oof
            return
        m = self.metrics_.set_index("code")
        self.relative_ = False
        if self.style_ == "any":
            chosen_all = None
        else:
            sub = np.nan_to_num(oof[:, trained], nan=0.0)
            thresholds = np.array([self.thresholds_[self.codes_[j]] for j in trained])
            truth = labels.iloc[:, trained].to_numpy(dtype=float) == 1
            # Which code is "best" for a text: the most probable, or the one furthest above
            # its own threshold (which gives rare codes their due). Chosen by cross-validated
            # macro-F1, the measure that treats every code as equally important.
            by_probability = apply_rule(sub, thresholds, self.style_)
            by_threshold = apply_rule(sub / thresholds, np.ones(len(trained)), self.style_)
            self.relative_ = bool(_macro_f1(truth, by_threshold) > _macro_f1(truth, by_probability))
            chosen_all = by_threshold if self.relative_ else by_probability
        for k, j in enumerate(trained):
            code = self.codes_[j]
            known = ~np.isnan(oof[:, j])
            truth = labels[code].to_numpy(dtype=float)[known].astype(bool)
            if chosen_all is None:
                said = oof[known, j] >= self.thresholds_[code]
            else:
                said = chosen_all[known, k]
            w = None if weights is None else weights[code].to_numpy(dtype=float)[known]
            p, r, f = _scores(truth, said, w)
            m.loc[code, ["precision", "recall", "f1"]] = [round(p, 4), round(r, 4), round(f, 4)]
        self.metrics_ = m.reset_index()[METRIC_COLUMNS]
        self.oof_ = oof

    # -- coding ------------------------------------------------------------------------------

    @property
    def learned_codes(self) -> list[str]:
        return [c for c in self.codes_ if c in self.models_]

    def predict_proba(self, texts: list[str], vectors: np.ndarray | None = None) -> pd.DataFrame:
        """Calibrated probability of each learned code for each text (columns: codes)."""
        X, _ = self.features(texts, vectors)
        return self._proba(X)

    def _proba(self, X) -> pd.DataFrame:
        out = {}
        for code in self.learned_codes:
            raw = self.models_[code].decision_function(X)
            out[code] = self.calibrators_[code].predict_proba(raw[:, None])[:, 1]
        return pd.DataFrame(out, columns=self.learned_codes)

    def code(self, texts: list[str], vectors: np.ndarray | None = None) -> list[list[dict]]:
        """The codes applied to each text, best first: ``{"code", "score", "evidence"}``."""
        texts = [str(t) for t in texts]
        X, vectors = self.features(texts, vectors)
        proba = self._proba(X)
        codes = self.learned_codes
        chosen = self.decide(proba.to_numpy())
        out = []
        for i in range(len(texts)):
            picked = sorted(np.flatnonzero(chosen[i]), key=lambda j: -proba.iat[i, j])
            out.append(
                [
                    {
                        "code": codes[j],
                        "score": round(float(proba.iat[i, j]), 4),
                        "evidence": self.evidence(codes[j], X[i], vectors, i),
                    }
                    for j in picked
                ]
            )
        return out

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Which learned codes to apply (texts x codes, boolean) from their probabilities."""
        thresholds = np.array([self.thresholds_[c] for c in self.learned_codes])
        if getattr(self, "relative_", False):
            return apply_rule(proba / thresholds, np.ones(len(thresholds)), self.style_)
        return apply_rule(proba, thresholds, self.style_)

    def uncertainty(self, proba: pd.DataFrame) -> pd.DataFrame:
        """How unsure each decision is: 1 at the code's threshold, 0 at certainty (0 or 1)."""
        out = {}
        for code in proba.columns:
            t = self.thresholds_[code]
            p = proba[code].to_numpy()
            distance = np.where(p >= t, (p - t) / max(1 - t, 1e-9), (t - p) / max(t, 1e-9))
            out[code] = 1.0 - np.clip(distance, 0, 1)
        return pd.DataFrame(out, columns=proba.columns)

    # -- evidence ----------------------------------------------------------------------------

    def driving_words(self, code: str, x_row) -> list[str]:
        """The words and word pairs in a text that pushed its score for ``code`` up most."""
        coef = np.ravel(self.models_[code].coef_)
        n_word = len(self.word_vectoriser_.vocabulary_)
        row = x_row[:, :n_word].tocoo()
        pushes = row.data * coef[row.col]
        order = np.argsort(-pushes)
        names = self._word_names()
        words = []
        for k in order:
            term = names[row.col[k]]
            # "was" or "of the" push a little everywhere; they explain nothing to a reviewer.
            if pushes[k] <= 0 or len(words) == EVIDENCE_WORDS:
                break
            if not set(term.split()) <= ENGLISH_STOP_WORDS:
                words.append(term)
        return words

    def _word_names(self) -> np.ndarray:
        if getattr(self, "_names", None) is None:
            self._names = self.word_vectoriser_.get_feature_names_out()
        return self._names

    def most_similar_example(self, code: str, x_row, vectors, i: int) -> str:
        """The training text coded ``code`` that is most like this one."""
        examples = self.examples_[code]
        if sparse.issparse(examples["vectors"]):
            n_word = len(self.word_vectoriser_.vocabulary_)
            sims = (examples["vectors"] @ x_row[:, :n_word].T).toarray().ravel()
        else:
            sims = examples["vectors"] @ np.asarray(vectors[i], np.float32)
        text = " ".join(examples["texts"][int(np.argmax(sims))].split())
        return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 3] + "..."

    def evidence(self, code: str, x_row, vectors, i: int) -> str:
        """Readable reasons: the words that drove the code and the most similar coded text."""
        words = self.driving_words(code, x_row)
        said = f"words: {', '.join(words)}; " if words else ""
        return f'{said}like coded example: "{self.most_similar_example(code, x_row, vectors, i)}"'
