"""Topic prevalence ~ covariates, in the manner of R's ``stm::estimateEffect``.

Who talks about what? For each topic, the share of a person's segments on that topic is
regressed on covariates (age band, IMD quintile, cohort, ...). A person's topic share is
itself uncertain — the topic model assigns each segment with a probability — so, as
``estimateEffect`` does, the regression is repeated over draws of the shares and the
uncertainty of the shares is carried into the results:

1. draw each segment's topic: its assigned topic with the model's probability, otherwise
   "some other topic"; a person's share is the fraction of their segments drawn into it;
2. fit OLS (HC3 robust covariance) to every draw;
3. combine the draws either by **Rubin's rules** (the coefficient table: total variance =
   within-draw variance + (1 + 1/M) x between-draw variance) or by the **method of
   composition** (effect plots: for each draw, sample coefficients from their sampling
   distribution, then take percentiles), which is ``estimateEffect(uncertainty="Global")``.

With segment probabilities all equal to 1 both reduce to a single OLS fit with HC3 errors.

Example
-------
Forty people with two segments each; in Southend topic 1 is three times as common:

>>> pids = [f"p{i:02d}" for i in range(40)]
>>> frame = pd.DataFrame({"cohort": ["clacton", "southend"] * 20}, index=pd.Index(pids))
>>> assignments = pd.DataFrame({"seg_id": [f"s{i}" for i in range(80)], "pid": pids * 2,
...     "topic": [0, 1] * 20 + [0, 0, 1, 1] * 10, "probability": 1.0})
>>> eff = TopicEffects(n_draws=50, seed=1).fit(assignments, frame, ["cohort"])
>>> eff.coefficients_.query("term.str.startswith('cohort')")[["topic", "term", "estimate"]]
   topic             term  estimate
1      0  cohort_southend      -0.5
3      1  cohort_southend       0.5
>>> eff.predict_levels("cohort").query("topic == 1")[["level", "estimate"]].round(2)
      level  estimate
1   clacton      0.25
3  southend      0.75
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from toolkit.outcomes.associations import covariate_matrix


def topic_assignments(segments: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """Each segment's most probable topic with its probability, joined to its person."""
    best = topics.sort_values("probability", ascending=False).drop_duplicates("seg_id")
    out = segments[["seg_id", "pid"]].merge(best, on="seg_id", how="left")
    out["topic"] = out["topic"].fillna(-1).astype(int)
    out["probability"] = out["probability"].fillna(1.0).clip(0, 1).astype(float)
    return out


def with_topic_labels(table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """``table`` with a ``topic_label`` column after ``topic``: the topic's name, never a number.

    ``labels`` maps feature names (``topic_3``) to display names (``topic: Bus fares``), as
    :func:`toolkit.outcomes.analyse.feature_labels` builds them.

    >>> with_topic_labels(pd.DataFrame({"topic": [3]}), {"topic_3": "topic: Bus fares"})
       topic topic_label
    0      3   Bus fares
    """
    names = table["topic"].map(
        lambda k: labels.get(f"topic_{int(k)}", f"Topic {int(k)}").removeprefix("topic: ")
    )
    out = table.drop(columns=["topic_label"], errors="ignore")
    out.insert(int(out.columns.get_loc("topic")) + 1, "topic_label", names)
    return out


def hidden_topics(topic_info: pd.DataFrame | None) -> set[int]:
    """Topics people have hidden (``study.yml`` ``topics.names``); none without ``hidden``."""
    if topic_info is None or "hidden" not in topic_info.columns:
        return set()
    return set(topic_info.loc[topic_info["hidden"].fillna(False).astype(bool), "topic"].astype(int))


def without_hidden_topics(table: pd.DataFrame, topic_info: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of ``table`` whose topic people have not hidden (``study.yml`` ``topics.names``).

    Published tables and charts leave hidden topics out, as ``tables/topics_per_cohort.csv``
    and the reports do; the study's own tables keep them.

    >>> info = pd.DataFrame({"topic": [0, 1], "hidden": [False, True]})
    >>> without_hidden_topics(pd.DataFrame({"topic": [0, 1, 1]}), info)["topic"].tolist()
    [0]
    """
    hidden = hidden_topics(topic_info)
    return table[~table["topic"].astype(int).isin(hidden)] if hidden else table


def _hc3_batch(X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and HC3 covariances for many outcome columns sharing one design.

    Returns beta (M, p) and cov (M, p, p).
    """
    xtx_inv = np.linalg.pinv(X.T @ X)
    beta = (xtx_inv @ X.T @ Y).T  # (M, p)
    resid = Y - X @ beta.T  # (n, M)
    h = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    w = resid**2 / (1.0 - np.clip(h, None, 1 - 1e-12))[:, None] ** 2  # (n, M)
    meat = np.einsum("ip,im,iq->mpq", X, w, X)
    cov = xtx_inv[None] @ meat @ xtx_inv[None]
    return beta, cov


class TopicEffects:
    """Estimate how topic prevalence varies with covariates (stm-style estimateEffect).

    Parameters
    ----------
    n_draws : number of draws of the topic shares (stm's ``nsims`` default is 25)
    n_coef_draws : coefficient draws per share draw for the method of composition
    seed : random seed (results are reproducible)
    """

    def __init__(self, n_draws: int = 50, n_coef_draws: int = 20, seed: int = 42):
        self.n_draws = n_draws
        self.n_coef_draws = n_coef_draws
        self.seed = seed

    def share_draws(self, assignments: pd.DataFrame, people: pd.Index, rng) -> dict:
        """Topic -> (people x draws) matrix of drawn shares."""
        seg = assignments[assignments["pid"].isin(people)]
        rows = pd.Index(people).get_indexer(seg["pid"])
        n_seg = len(seg)
        to_person = sparse.csr_matrix(
            (np.ones(n_seg), (rows, np.arange(n_seg))), shape=(len(people), n_seg)
        )
        n_per = np.asarray(to_person.sum(axis=1)).ravel()
        kept = rng.random((n_seg, self.n_draws)) < seg["probability"].to_numpy()[:, None]
        topic = seg["topic"].to_numpy()
        draws = {}
        for k in sorted(t for t in np.unique(topic) if t >= 0):
            hits = kept & (topic == k)[:, None]
            draws[int(k)] = np.asarray(to_person @ hits.astype(float)) / n_per[:, None]
        return draws

    def fit(
        self, assignments: pd.DataFrame, frame: pd.DataFrame, covariates: list[str]
    ) -> TopicEffects:
        """Fit per-topic regressions.

        Parameters
        ----------
        assignments : from :func:`topic_assignments` (seg_id, pid, topic, probability)
        frame : one row per person, indexed by pid, holding the covariates
        covariates : covariate column names (see
        :func:`toolkit.outcomes.associations.covariate_matrix`)
        """
        rng = np.random.default_rng(self.seed)
        people_with_text = frame.index.intersection(assignments["pid"].unique())
        design = covariate_matrix(frame.loc[people_with_text], covariates).dropna()
        self.covariates_ = [c for c in covariates if c in frame.columns]
        self.frame_ = frame.loc[design.index]
        self.design_ = design
        X = design.to_numpy(float)
        draws = self.share_draws(assignments, design.index, rng)
        rows = []
        self.coef_draws_ = {}
        M = self.n_draws
        for k, Y in draws.items():
            beta, cov = _hc3_batch(X, Y)
            est = beta.mean(axis=0)
            within = np.einsum("mpp->mp", cov).mean(axis=0)
            between = beta.var(axis=0, ddof=1) if M > 1 else np.zeros_like(est)
            total = within + (1 + 1 / M) * between
            se = np.sqrt(total)
            # Rubin's degrees of freedom; infinite when the draws do not differ.
            with np.errstate(divide="ignore", invalid="ignore"):
                r = (1 + 1 / M) * between / within
                df = np.where(between > 0, (M - 1) * (1 + 1 / r) ** 2, np.inf)
            df_resid = X.shape[0] - X.shape[1]
            df = np.minimum(df, df_resid)
            tcrit = stats.t.ppf(0.975, df)
            for j, term in enumerate(design.columns):
                rows.append(
                    {
                        "topic": k,
                        "term": term,
                        "estimate": est[j],
                        "se": se[j],
                        "ci_low": est[j] - tcrit[j] * se[j],
                        "ci_high": est[j] + tcrit[j] * se[j],
                        "p": float(2 * stats.t.sf(abs(est[j] / se[j]), df[j]))
                        if se[j] > 0
                        else np.nan,
                        "n_people": X.shape[0],
                    }
                )
            # Method of composition: beta ~ N(beta_m, V_m) for each share draw m.
            chol = np.linalg.cholesky(cov + 1e-12 * np.eye(X.shape[1])[None])
            z = rng.standard_normal((M, self.n_coef_draws, X.shape[1]))
            self.coef_draws_[k] = (beta[:, None, :] + np.einsum("mpq,msq->msp", chol, z)).reshape(
                -1, X.shape[1]
            )
        self.coefficients_ = pd.DataFrame(rows)
        return self

    def predict_levels(self, covariate: str, levels: list | None = None) -> pd.DataFrame:
        """Expected topic share at each level of one covariate, others held at their means.

        Returns topic, covariate, level, estimate, ci_low, ci_high (2.5 / 97.5 percentiles
        of the composition draws), like ``plot.estimateEffect(method="pointestimate")``.
        """
        base = self.design_.mean(axis=0)
        col = self.frame_[covariate]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if levels is None:
            levels = sorted(col.dropna().unique().tolist())
        rows = []
        for level in levels:
            x = base.copy()
            if numeric:
                x[covariate] = float(level)
            else:
                for c in self.design_.columns:
                    if c.startswith(f"{covariate}_"):
                        x[c] = 1.0 if c == f"{covariate}_{level}" else 0.0
            xv = x.to_numpy(float)
            for k, draws in self.coef_draws_.items():
                pred = draws @ xv
                rows.append(
                    {
                        "topic": k,
                        "covariate": covariate,
                        "level": level,
                        "estimate": float(pred.mean()),
                        "ci_low": float(np.percentile(pred, 2.5)),
                        "ci_high": float(np.percentile(pred, 97.5)),
                    }
                )
        return pd.DataFrame(rows)
