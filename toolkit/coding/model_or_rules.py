"""A learned code, or the codebook's rules for it? Judged on the text the choice will code.

People review a few hundred segments; the choice between a code's learned classifier and the
codebook's rules then decides how every other segment of the study is coded. Two things make a
plain comparison on the reviewed segments misleading:

- **Reviewed segments are not a fair sample.** Review workbooks favour segments the codebook
  suggested something for, so they are richer in themes than the study as a whole. Each
  reviewed segment is therefore weighted by how many of the study's segments it stands for,
  separately for segments the codebook suggests the code for and those it does not
  (post-stratification): a classifier that says "yes" to one in ten ordinary sentences is then
  charged for all the ordinary sentences nobody reviewed.
- **A few hundred decisions are a small sample.** The classifier replaces rules that people
  wrote only when it is better in at least :data:`CONFIDENCE` of :data:`RESAMPLES` bootstrap
  resamples of the reviewed texts (near-duplicates resampled together), not merely better on
  the one sample there is.

>>> y = np.array([1, 1, 0, 0, 1, 0]).astype(bool)
>>> rules = np.array([1, 0, 0, 0, 1, 1]).astype(bool)
>>> w = stratum_weights(rules, np.r_[rules, np.zeros(6, bool)])
>>> w.tolist()  # a reviewed "no" of the rules stands for 3 of the study's 9 "no"s
[1.0, 3.0, 3.0, 3.0, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

RESAMPLES = 500
CONFIDENCE = 2 / 3


def stratum_weights(rule_reviewed: np.ndarray, rule_all: np.ndarray) -> np.ndarray:
    """How many of the study's segments each reviewed segment stands for.

    Parameters
    ----------
    rule_reviewed : whether the codebook suggests the code, per reviewed segment.
    rule_all : the same for every segment of the study.

    A group the review never reached (for example no reviewed segment without a suggestion)
    cannot be represented; its reviewed rows, if any, get weight 0.
    """
    rule_reviewed = np.asarray(rule_reviewed, dtype=bool)
    rule_all = np.asarray(rule_all, dtype=bool)
    weights = np.zeros(len(rule_reviewed))
    for suggested in (True, False):
        mine = rule_reviewed == suggested
        if mine.any():
            weights[mine] = (rule_all == suggested).sum() / mine.sum()
    return weights


def _f1(tp, fp, fn):
    tp, fp, fn = (np.asarray(v, dtype=float) for v in (tp, fp, fn))
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def weighted_quality(truth: np.ndarray, said: np.ndarray, weights: np.ndarray) -> tuple:
    """Precision, recall and F1 with each segment counted ``weights`` times.

    >>> weighted_quality(np.array([True, False]), np.array([True, True]), np.array([1.0, 3.0]))
    (0.25, 1.0, 0.4)
    """
    truth, said = np.asarray(truth, bool), np.asarray(said, bool)
    tp = float((weights * (truth & said)).sum())
    fp = float((weights * (~truth & said)).sum())
    fn = float((weights * (truth & ~said)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return round(p, 4), round(r, 4), round(float(_f1(tp, fp, fn)), 4)


def compare_on_study(
    truth: np.ndarray,
    model_said: np.ndarray,
    rule_said: np.ndarray,
    rule_all: np.ndarray,
    groups: np.ndarray,
    seed: int = 42,
) -> dict:
    """The classifier's and the rules' quality on the whole study, and whether to use it.

    Parameters
    ----------
    truth : people's decisions on the reviewed segments (applied or not).
    model_said : the classifier's cross-validated decisions on the same segments.
    rule_said : the codebook's suggestions on the same segments.
    rule_all : the codebook's suggestions on every segment of the study.
    groups : near-duplicate group of each reviewed segment (resampled together).
    seed : seed of the bootstrap.

    Returns
    -------
    dict with the classifier's ``precision``, ``recall`` and ``f1``, the rules' ``codebook_f1``,
    ``model_better_share`` (share of resamples in which the classifier's F1 is higher) and
    ``used`` (that share is at least :data:`CONFIDENCE`).
    """
    truth, model_said, rule_said = (np.asarray(v, bool) for v in (truth, model_said, rule_said))
    weights = stratum_weights(rule_said, rule_all)
    p, r, f = weighted_quality(truth, model_said, weights)
    codebook_f1 = weighted_quality(truth, rule_said, weights)[2]
    # Per group sums, so one resample is a matrix product (groups drawn with replacement).
    _, group = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(group.max()) + 1 if len(group) else 0
    sums = np.zeros((6, n_groups))
    for k, said in enumerate((model_said, rule_said)):
        for m, part in enumerate((truth & said, ~truth & said, truth & ~said)):
            sums[3 * k + m] = np.bincount(group, weights * part, minlength=n_groups)
    share = 0.0
    if n_groups:
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n_groups, np.full(n_groups, 1 / n_groups), size=RESAMPLES)
        totals = draws @ sums.T
        model_f1 = _f1(totals[:, 0], totals[:, 1], totals[:, 2])
        rules_f1 = _f1(totals[:, 3], totals[:, 4], totals[:, 5])
        share = float((model_f1 > rules_f1).mean())
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "codebook_f1": codebook_f1,
        "model_better_share": round(share, 3),
        "used": bool(share >= CONFIDENCE),
    }
