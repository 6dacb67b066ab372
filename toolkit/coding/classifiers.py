"""Learn from people's coding decisions: per-code classifiers and what to review next.

Once people have accepted, rejected or added a code on enough segments (by default at least
10 segments with the code and 10 without), the toolkit's learner
(:class:`toolkit.coding.learner.TextCoder`: word n-grams with the segment's embedding, a
calibrated linear model and a threshold per code) learns that code from the segments people
reviewed: a code nobody applied to a reviewed segment is a "no" for it (as in the agreement
table), and segments nobody reviewed that the codebook does not suggest the code for are
presumed "no"s that count less (:data:`PRESUMED_NO_WEIGHT`). Quality is measured by
stratified k-fold cross-validation (fixed seed, near-duplicate texts in one fold): precision,
recall and F1 per code, pooled over the folds. Codes without enough decisions are listed with
the number still needed, not trained. Reviewed segments are richer in themes than the rest, so
whether a code's classifier replaces the codebook's rules is judged on a whole-study estimate
(:mod:`toolkit.coding.model_or_rules`).

:func:`rank_for_review` puts the segments the classifiers are least sure about first
(probability closest to the code's threshold), so the next hour of review teaches the models
the most.

Labels come from the decision log (:mod:`toolkit.coding.decisions`): for each segment and code, the
latest current decision of any reviewer; ``accept``/``add`` is a positive, ``reject`` a
negative.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(40, 5)); y = (X[:, 0] > 0).astype(int)
>>> result = cross_validate_code(X, y, seed=42)
>>> round(result["f1"], 2) > 0.8
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit.coding.codebook import Codebook

MIN_POSITIVES = 10
MIN_NEGATIVES = 10
N_FOLDS = 5
METRIC_COLUMNS = [
    "code",
    "positives",
    "negatives",
    "trained",
    "precision",
    "recall",
    "f1",
    "still_needed",
    "codebook_f1",
    "model_better_share",
    "used",
    "threshold",
]
# A segment nobody reviewed and the codebook does not suggest a code for is presumed not to have
# it, counting this much against a person's decision. Without such "no"s a classifier only ever
# sees the theme-rich segments people reviewed and says "yes" too often on ordinary text; at 0.1
# the learned codes' segment-level macro-F1 on the example study rose from 0.76 to 0.79
# (benchmarks/example_learned_eval.py).
PRESUMED_NO_WEIGHT = 0.1
# At most this many presumed "no"s per code are used, drawn at random (seeded) and weighted up
# to stand for all of them: training time then stays near that of the reviewed segments alone.
PRESUMED_NO_SAMPLE = 2000


def training_labels(decisions: pd.DataFrame, codable_ids: list[str] | None = None) -> pd.DataFrame:
    """One label per (segment, code) from the decision log: ``seg_id, code, label`` (1/0).

    The latest decision in the log wins when reviewers disagree, as it is the most recent
    human judgement. Decisions on codes outside ``codable_ids`` are ignored here (and are
    reported by :func:`toolkit.coding.decisions.orphaned_decisions`).

    >>> log = pd.DataFrame({"reviewer": ["a", "b", "a"], "seg_id": ["s1", "s1", "s2"],
    ...     "code": ["transport"] * 3, "decision": ["accept", "reject", "add"]})
    >>> training_labels(log).values.tolist()
    [['s1', 'transport', 0], ['s2', 'transport', 1]]
    """
    cols = ["seg_id", "code", "label"]
    if decisions is None or decisions.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "label" else "str") for c in cols})
    frame = decisions[["seg_id", "code", "decision"]]
    if codable_ids is not None:
        frame = frame[frame["code"].isin(set(codable_ids))]
    frame = frame[frame["decision"].isin(("accept", "add", "reject"))]
    latest = frame.loc[~frame.duplicated(["seg_id", "code"], keep="last")]
    labels = latest["decision"].isin(("accept", "add")).astype("int64")
    out = pd.DataFrame(
        {
            "seg_id": latest["seg_id"].to_numpy(),
            "code": latest["code"].to_numpy(),
            "label": labels.to_numpy(),
        }
    )
    return out.sort_values(["code", "seg_id"], kind="stable").reset_index(drop=True)


def make_classifier(seed: int = 42, C: float = 1.0):
    """A logistic regression that weights the rarer class up (codes are usually rare)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed)


def cross_validate_code(
    X: np.ndarray, y: np.ndarray, seed: int = 42, n_folds: int = N_FOLDS, C: float = 1.0
) -> dict:
    """Cross-validated precision, recall and F1 of one code's classifier.

    Stratified k-fold with shuffling at a fixed seed; predictions from all folds are pooled
    and compared with the human labels (threshold 0.5). Fewer folds are used when a class
    has fewer members than ``n_folds``.
    """
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y = np.asarray(y).astype(int)
    folds = int(min(n_folds, np.bincount(y, minlength=2).min()))
    if folds < 2:
        raise ValueError("need at least two segments with and two without the code")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = cross_val_predict(make_classifier(seed, C), X, y, cv=cv)
    p, r, f, _ = precision_recall_fscore_support(y, predicted, average="binary", zero_division=0)
    return {"precision": float(p), "recall": float(r), "f1": float(f), "folds": folds}


@dataclass
class LearnedCoder:
    """Per-code classifiers trained on human decisions, with their cross-validated quality.

    ``models`` maps code id to a fitted classifier; ``metrics`` has one row per codable code
    (:data:`METRIC_COLUMNS`). When learned from a study's decisions, ``coder`` is the
    :class:`toolkit.coding.learner.TextCoder` (words, letters and meaning, per-code thresholds)
    and ``texts`` and ``vectors`` describe the segments table, row for row.
    """

    models: dict = field(default_factory=dict)
    metrics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=METRIC_COLUMNS))
    vectors: np.ndarray | None = None  # embeddings of the segments table, row for row
    coder: object | None = None
    texts: list[str] | None = None
    people: pd.DataFrame | None = None  # people's labels, row for row (NaN: not reviewed)
    groups: np.ndarray | None = None  # near-duplicate group of each row

    def predict_proba(self, X: np.ndarray) -> pd.DataFrame:
        """Probability of each trained code for each row of ``X`` (columns: code ids).

        With a text coder, ``X`` is :attr:`vectors` (the segments' embeddings) and the
        segments' texts supply the word features.
        """
        if self.coder is not None:
            return self.coder.predict_proba(self.texts, X)
        return pd.DataFrame(
            {code: model.predict_proba(X)[:, 1] for code, model in self.models.items()}
        )

    def thresholds(self) -> dict:
        """Each trained code's decision threshold (0.5 for plain classifiers)."""
        if self.coder is not None:
            return dict(self.coder.thresholds_)
        return dict.fromkeys(self.models, 0.5)

    def codings(
        self, segments: pd.DataFrame, decided_at: str = "", threshold: float | None = None
    ) -> pd.DataFrame:
        """``codings`` rows (source ``model``) where a code's probability reaches its threshold.

        The evidence names the words that drove the code, the most similar segment people
        coded with it, and the code's cross-validated F1.
        """
        from toolkit.study.tables import CODING_COLUMNS

        if not self.models or self.vectors is None or not len(segments):
            return pd.DataFrame(columns=CODING_COLUMNS)
        texts = self.texts or segments["text"].astype(str).tolist()
        features = None
        if self.coder is not None:
            features, _ = self.coder.features(texts, self.vectors)
        proba = self.predict_proba(self.vectors)
        cuts = self.thresholds()
        metrics = self.metrics.set_index("code")
        f1 = metrics["f1"]
        used = metrics["used"].fillna(True).astype(bool) if "used" in metrics else None
        rows = []
        seg_ids = segments["seg_id"].to_numpy()
        for code in proba.columns:
            if used is not None and not used.get(code, True):
                continue
            cut = cuts[code] if threshold is None else threshold
            quality = f"cross-validated F1 {f1.get(code, float('nan')):.2f}"
            for i in np.flatnonzero(proba[code].to_numpy() >= cut):
                if features is not None:
                    why = self.coder.evidence(code, features[i], self.vectors, i)
                    note = f"learned from people's decisions ({quality}); {why}"
                else:
                    note = f"classifier trained on people's decisions ({quality})"
                score = round(float(proba[code].iat[i]), 4)
                rows.append((seg_ids[i], code, "model", score, note, decided_at))
        return pd.DataFrame(rows, columns=CODING_COLUMNS).astype({"score": "float64"})


def fit_codes(
    X: np.ndarray,
    labels: pd.DataFrame,
    seg_index: pd.Series,
    codable_ids: list[str],
    seed: int = 42,
    min_positives: int = MIN_POSITIVES,
    min_negatives: int = MIN_NEGATIVES,
    C: float = 1.0,
) -> LearnedCoder:
    """Cross-validate and fit one classifier per code that has enough decisions.

    Parameters
    ----------
    X : embeddings, one row per segment.
    labels : ``seg_id, code, label`` (:func:`training_labels`).
    seg_index : maps seg_id to its row in ``X`` (labels on unknown segments are skipped).
    """
    learned = LearnedCoder()
    rows = []
    for code in codable_ids:
        mine = labels[(labels["code"] == code) & labels["seg_id"].isin(seg_index.index)]
        y = mine["label"].to_numpy().astype(int)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        need = max(0, min_positives - pos) + max(0, min_negatives - neg)
        record = {
            "code": code,
            "positives": pos,
            "negatives": neg,
            "trained": False,
            "precision": np.nan,
            "recall": np.nan,
            "f1": np.nan,
            "still_needed": need,
            "codebook_f1": np.nan,
            "model_better_share": np.nan,
            "used": False,
            "threshold": np.nan,
        }
        if need == 0:
            Xc = X[seg_index[mine["seg_id"]].to_numpy()]
            record.update(
                {
                    k: v
                    for k, v in cross_validate_code(Xc, y, seed=seed, C=C).items()
                    if k != "folds"
                }
            )
            learned.models[code] = make_classifier(seed, C).fit(Xc, y)
            record["trained"] = record["used"] = True
            record["threshold"] = 0.5
        rows.append(record)
    learned.metrics = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    return learned


def compare_with_codebook(
    learned: LearnedCoder, segments: pd.DataFrame, suggested: pd.DataFrame, seed: int = 42
) -> LearnedCoder:
    """Use a code's classifier only where it beats the codebook on the study as a whole.

    A good codebook can be better than a classifier trained on a few hundred decisions. Both
    are scored against people's decisions on the segments they reviewed (the classifier with
    its cross-validated decisions), each reviewed segment weighted by how many of the study's
    segments it stands for; ``used`` only where the classifier wins in nearly every bootstrap
    resample (:func:`toolkit.coding.model_or_rules.compare_on_study`). ``precision``,
    ``recall`` and ``f1`` become these whole-study estimates, ``codebook_f1`` the rules' F1.
    """
    from toolkit.coding.model_or_rules import compare_on_study

    coder = learned.coder
    pairs = set(zip(suggested["seg_id"], suggested["code"], strict=True))
    seg_ids = segments["seg_id"].to_numpy()
    m = learned.metrics.set_index("code")
    for code in m.index[m["trained"].astype(bool)]:
        people = learned.people[code].to_numpy(dtype=float)
        reviewed = ~np.isnan(people)
        rule_all = np.array([(s, code) in pairs for s in seg_ids], dtype=bool)
        oof = coder.oof_[:, coder.codes_.index(code)]
        result = compare_on_study(
            people[reviewed] == 1,
            oof[reviewed] >= coder.thresholds_[code],
            rule_all[reviewed],
            rule_all,
            learned.groups[reviewed],
            seed=seed,
        )
        for key, value in result.items():
            m.loc[code, key] = value
    learned.metrics = m.reset_index()[METRIC_COLUMNS]
    return learned


def learn_from_decisions(
    decisions: pd.DataFrame,
    segments: pd.DataFrame,
    codebook: Codebook,
    embedder,
    seed: int = 42,
    min_positives: int = MIN_POSITIVES,
    min_negatives: int = MIN_NEGATIVES,
    features: np.ndarray | None = None,
    suggested: pd.DataFrame | None = None,
    jobs: int = 1,
) -> LearnedCoder:
    """Train per-code classifiers from the decision log on the current segments.

    Each segment is described by its embedding and, if given, ``features`` (one row per
    segment; the stage passes the codebook's auto-coding scores for every code). Segments are
    embedded only if some code has enough decisions (embedding is the slow part). With
    ``suggested`` (the codebook's codings, ``seg_id, code``), unreviewed segments the codebook
    does not suggest a code for are presumed "no"s for it, and a classifier is used only where
    it beats the codebook on the whole study (:func:`compare_with_codebook`). ``jobs``:
    processes that learn codes side by side (same results for any number).
    """
    labels = training_labels(decisions, codebook.codable_ids)
    labels = labels[labels["seg_id"].isin(set(segments["seg_id"]))]
    counts = labels.groupby("code")["label"].agg(["sum", "count"])
    ready = (counts["sum"] >= min_positives) & (counts["count"] - counts["sum"] >= min_negatives)
    if embedder is None or not ready.any():
        learned = fit_codes(
            np.zeros((len(segments), 1)),
            labels.iloc[0:0],
            pd.Series(range(len(segments)), index=segments["seg_id"]),
            codebook.codable_ids,
            seed,
            min_positives,
            min_negatives,
        )
        # Fill in the real counts so people see how many more decisions each code needs.
        by_code = labels.groupby("code")["label"]
        pos, total = by_code.sum(), by_code.count()
        m = learned.metrics.set_index("code")
        m["positives"] = pos.reindex(m.index).fillna(0).astype(int)
        m["negatives"] = (total - pos).reindex(m.index).fillna(0).astype(int)
        m["still_needed"] = (min_positives - m["positives"]).clip(lower=0) + (
            min_negatives - m["negatives"]
        ).clip(lower=0)
        learned.metrics = m.reset_index()[METRIC_COLUMNS]
        return learned
    learned = fit_text_coder(
        labels,
        segments,
        codebook,
        embedder,
        seed,
        ready,
        features,
        (min_positives, min_negatives),
        suggested,
        jobs,
    )
    if suggested is not None:
        learned = compare_with_codebook(learned, segments, suggested, seed)
    return learned


def fit_text_coder(
    labels: pd.DataFrame,
    segments: pd.DataFrame,
    codebook: Codebook,
    embedder,
    seed: int,
    ready: pd.Series,
    features: np.ndarray | None = None,
    minimum: tuple[int, int] = (MIN_POSITIVES, MIN_NEGATIVES),
    suggested: pd.DataFrame | None = None,
    jobs: int = 1,
) -> LearnedCoder:
    """The study's learner: a :class:`~toolkit.coding.learner.TextCoder` on the decided segments.

    Each code learns from the segments people reviewed: applied (accepted or added) is a
    "yes", anything else a reviewer saw is a "no". With ``suggested`` (the codebook's codings),
    segments nobody reviewed that the codebook does not suggest the code for are presumed
    "no"s, counting :data:`PRESUMED_NO_WEIGHT` each; other unreviewed segments are left out.
    Near-duplicate segments always share a cross-validation fold. Codes that are not ``ready``
    keep their counts and how many decisions they still need. ``precision``, ``recall`` and
    ``f1`` are cross-validated on people's decisions only.
    """
    from toolkit.coding.learner import TextCoder
    from toolkit.coding.model_or_rules import weighted_quality
    from toolkit.coding.near_duplicates import near_duplicate_groups

    texts = segments["text"].astype(str).tolist()
    seg_ids = segments["seg_id"].to_numpy()
    embeddings = embedder.encode(texts)
    vectors = embeddings
    if features is not None:
        vectors = np.hstack([embeddings, np.asarray(features, dtype=np.float32)])
    codes = [c for c in codebook.codable_ids if bool(ready.get(c, False))]
    wide = labels[labels["code"].isin(codes)].pivot(index="seg_id", columns="code", values="label")
    # A seg_id can occur once per row of the segments table; every row gets its decision.
    people = wide.reindex(index=seg_ids, columns=codes).reset_index(drop=True).astype(float)
    # A segment someone reviewed is a "no" for every code nobody applied to it, as in the
    # agreement table. Learning only from rejected suggestions would teach a model which
    # suggestions are right, not which segments have the code: on the example study it then
    # coded ten times more segments than people would.
    reviewed = np.isin(seg_ids, labels["seg_id"].to_numpy())
    people.loc[reviewed] = people.loc[reviewed].fillna(0.0)
    matrix, weights = people.copy(), None
    if suggested is not None:
        pairs = set(zip(suggested["seg_id"], suggested["code"], strict=True))
        weights = pd.DataFrame(1.0, index=matrix.index, columns=codes)
        rng = np.random.default_rng(seed)
        for code in codes:
            presumed = ~reviewed & ~np.array([(s, code) in pairs for s in seg_ids], dtype=bool)
            rows = np.flatnonzero(presumed)
            if len(rows) > PRESUMED_NO_SAMPLE:
                rows = np.sort(rng.choice(rows, PRESUMED_NO_SAMPLE, replace=False))
            matrix.loc[rows, code] = 0.0
            weights.loc[rows, code] = PRESUMED_NO_WEIGHT * presumed.sum() / max(len(rows), 1)
    # Near-duplicates by meaning alone: the codebook's scores are not what makes two texts alike.
    groups = near_duplicate_groups(embeddings)
    coder = TextCoder(
        embedding=getattr(embedder, "name", "custom") or "custom",
        embedder=embedder,
        seed=seed,
        min_examples=2,  # readiness (enough decisions each way) is checked by the caller
        jobs=jobs,
    ).fit(texts, matrix, vectors=vectors, weights=weights, groups=groups)
    by_code = labels.groupby("code")["label"]
    pos, total = by_code.sum(), by_code.count()
    rows = []
    for code in codebook.codable_ids:
        p, n = int(pos.get(code, 0)), int(total.get(code, 0) - pos.get(code, 0))
        trained = code in coder.models_
        quality = (np.nan, np.nan, np.nan)
        if trained:
            said = coder.oof_[reviewed, coder.codes_.index(code)] >= coder.thresholds_[code]
            truth = people[code].to_numpy()[reviewed] == 1
            quality = weighted_quality(truth, said, np.ones(len(truth)))
        rows.append(
            {
                "code": code,
                "positives": p,
                "negatives": n,
                "trained": trained,
                "precision": quality[0],
                "recall": quality[1],
                "f1": quality[2],
                "still_needed": max(0, minimum[0] - p) + max(0, minimum[1] - n),
                "codebook_f1": np.nan,
                "model_better_share": np.nan,
                "used": trained,
                "threshold": coder.thresholds_.get(code, np.nan),
            }
        )
    return LearnedCoder(
        models=dict(coder.models_),
        metrics=pd.DataFrame(rows, columns=METRIC_COLUMNS),
        vectors=vectors,
        coder=coder,
        texts=texts,
        people=people,
        groups=groups,
    )


def rank_for_review(
    probabilities: pd.DataFrame,
    seg_ids: list[str] | np.ndarray,
    decided: pd.DataFrame | None = None,
    limit: int | None = None,
    thresholds: dict | None = None,
) -> pd.DataFrame:
    """Segment-code pairs ordered so the most uncertain ("not sure") come first.

    Parameters
    ----------
    probabilities : one column per code, one row per segment (as from
        :meth:`LearnedCoder.predict_proba`).
    seg_ids : the segment id of each row.
    decided : ``seg_id, code`` pairs people have already decided; they are left out.
    limit : keep only the first ``limit`` pairs.
    thresholds : each code's decision threshold (default 0.5 for every code).

    Returns
    -------
    DataFrame with ``seg_id, code, probability, uncertainty``: 1 at the code's threshold (the
    model cannot tell), falling linearly to 0 at probability 0 or 1; with threshold 0.5,
    ``uncertainty = 1 - 2 * |probability - 0.5|``.

    >>> p = pd.DataFrame({"transport": [0.95, 0.52, 0.30]})
    >>> rank_for_review(p, ["s1", "s2", "s3"])["seg_id"].tolist()
    ['s2', 's3', 's1']
    """
    long = probabilities.assign(seg_id=np.asarray(seg_ids)).melt(
        id_vars="seg_id", var_name="code", value_name="probability"
    )
    if decided is not None and len(decided):
        done = set(zip(decided["seg_id"], decided["code"], strict=True))
        keep = [(s, c) not in done for s, c in zip(long["seg_id"], long["code"], strict=True)]
        long = long[keep]
    cut = long["code"].map(thresholds or {}).fillna(0.5).astype(float).clip(1e-6, 1 - 1e-6)
    p = long["probability"].astype(float)
    distance = np.where(p >= cut, (p - cut) / (1 - cut), (cut - p) / cut)
    long = long.assign(uncertainty=1.0 - np.clip(distance, 0.0, 1.0))
    long = long.sort_values(
        ["uncertainty", "seg_id", "code"], ascending=[False, True, True], kind="stable"
    )
    if limit is not None:
        long = long.head(limit)
    return long.reset_index(drop=True)


def learn_study(study_dir, top: int = 50, out=None):
    """``lxt learn``: train on a study's decisions, write metrics and the next review queue.

    Needs ``lxt run`` to have built the ``segments`` table. Writes
    ``outputs/<study>/models/coding_cv_metrics.csv`` and ``review_next.csv`` (the ``top``
    most uncertain segment-code pairs not yet decided, with the segment text).

    Returns ``(metrics, queue, models_folder)``.
    """
    from toolkit.coding.codebook import load_study_codebook
    from toolkit.coding.decisions import read_decisions
    from toolkit.coding.suggest import AutoCoder
    from toolkit.embeddings.backends import make_embedder
    from toolkit.embeddings.base import study_cache_dir
    from toolkit.errors import UserError
    from toolkit.study.config import load_study
    from toolkit.study.tables import StudyOutputs, write_csv

    study = load_study(study_dir)
    if not study.codebook:
        raise UserError(
            f"{study.folder / 'study.yml'}: no 'codebook' set, so there is nothing to learn"
        )
    book = load_study_codebook(study)
    outputs = StudyOutputs.for_study(study, out)
    segments = outputs.read("segments")
    log = read_decisions(study)
    embedder = make_embedder(study.topics.embedding, study.seed, study_cache_dir(outputs))
    rule_rows, _ = AutoCoder(book, embedder, progress=True).code_segments(segments)
    learned = learn_from_decisions(log, segments, book, embedder, study.seed, suggested=rule_rows)
    queue = pd.DataFrame(columns=["seg_id", "code", "probability", "uncertainty", "text"])
    if learned.models:
        proba = learned.predict_proba(learned.vectors)
        queue = rank_for_review(
            proba,
            segments["seg_id"].to_numpy(),
            decided=training_labels(log),
            limit=top,
            thresholds=learned.thresholds(),
        )
        queue = queue.merge(
            segments[["seg_id", "text"]].drop_duplicates("seg_id"), on="seg_id", how="left"
        )
    write_csv(learned.metrics, outputs.models / "coding_cv_metrics.csv")
    write_csv(queue, outputs.models / "review_next.csv")
    if learned.coder is not None:
        from toolkit.coding.model_folder import save_model

        # The same model folder as `lxt learn TEXTS --labels`: `lxt code --model` can use it.
        save_model(
            learned.coder, outputs.models / "coder", f"{study.name} decision log", len(segments)
        )
    return learned.metrics, queue, outputs.models
