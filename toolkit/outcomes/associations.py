"""Which experiences go with better outcomes: outcomes regressed on code / topic features.

For each outcome and each feature (a code or topic the person talked about), one model:

* continuous outcome (a score change): OLS in ANCOVA form,
  ``change ~ feature + baseline score + covariates``, with HC3 robust standard errors
  (the feature's coefficient is the same as in ``follow-up ~ baseline + ...``);
* binary outcome (job started, retained, ...): logistic regression, reported as an odds
  ratio.

Covariates come from ``study.covariates`` (e.g. age band, IMD quintile, cohort, baseline
score). Text covariates enter as categories; numbers (IMD quintile) as a linear trend, which
keeps models stable in small groups. For outcomes that are not score changes,
``baseline_score`` is the baseline of the study's first score-change outcome.

Many features are tested at once, so p-values are adjusted with Benjamini-Hochberg (false
discovery rate) across all the features (codes and topics) of each outcome
(``fdr_family``): ``q`` below 0.05 means "passes FDR".
These are associations between what people said and how they fared, not causes.

Example
-------
Sixty people; those who talked about confidence improved by about 2 points more:

>>> rng = np.random.default_rng(1)
>>> frame = pd.DataFrame({"cohort": ["clacton", "southend"] * 30,
...     "code_confidence": [0, 0, 1, 1] * 15, "baseline_score": rng.normal(20, 3, 60)})
>>> frame["swemwbs_change"] = 2 * frame["code_confidence"] + rng.normal(0, 1, 60)
>>> table = associations(frame, ["swemwbs_change"], {"swemwbs_change": False},
...                      ["code_confidence"], ["cohort", "baseline_score"])
>>> table[["outcome", "feature", "n", "estimate", "passes_fdr"]].round(1)
          outcome          feature   n  estimate  passes_fdr
0  swemwbs_change  code_confidence  60       1.7        True
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

FDR_LEVEL = 0.05


def covariate_matrix(frame: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Design matrix (with constant) for the covariates; categories as treatment dummies.

    Rows with a missing covariate are NaN so callers can drop them (complete cases).
    """
    parts = [pd.Series(1.0, index=frame.index, name="const")]
    for name in covariates:
        if name not in frame.columns:
            continue
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            parts.append(col.astype(float).rename(name))
        else:
            text = col.astype("string")
            dummies = pd.get_dummies(text, prefix=name, drop_first=True, dtype=float)
            dummies[text.isna().to_numpy()] = np.nan
            parts.append(dummies)
    return pd.concat(parts, axis=1)


def fit_one(y: pd.Series, x_feature: pd.Series, covars: pd.DataFrame, binary: bool) -> dict:
    """Fit one model; return the feature's estimate, CI, p and the n used.

    ``estimate`` is a difference in the outcome (OLS) or an odds ratio (logistic); the CI is
    on the same scale.
    """
    # Plain arrays: pandas bookkeeping would dominate the cost of hundreds of small fits.
    yv = y.to_numpy(dtype=float)
    xv = x_feature.to_numpy(dtype=float)
    cv = covars.to_numpy(dtype=float)
    ok = np.isfinite(yv) & np.isfinite(xv) & np.isfinite(cv).all(axis=1)
    yv, xv, cv = yv[ok], xv[ok], cv[ok]
    # Drop covariate columns constant in this subset (e.g. a cohort with no starters),
    # keeping the constant itself.
    names = list(covars.columns)
    keep = [j for j, c in enumerate(names) if c == "const" or np.ptp(cv[:, j]) > 0]
    X = np.column_stack([xv, cv[:, keep]])
    nan = float("nan")
    out = {
        "n": int(ok.sum()),
        "n_with_feature": int((xv > 0).sum()),
        "estimate": nan,
        "se": nan,
        "ci_low": nan,
        "ci_high": nan,
        "p": nan,
        "note": "",
    }
    if len(yv) <= X.shape[1] + 2 or np.unique(xv).size < 2:
        out["note"] = "too few people to fit"
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if binary:
                if np.unique(yv).size < 2:
                    out["note"] = "everyone had the same outcome"
                    return out
                fit = sm.Logit(yv, X).fit(disp=0, maxiter=200)
                if not fit.mle_retvals.get("converged", True):
                    out["note"] = "model did not converge"
            else:
                # t reference distribution (residual df): better small-sample calibration.
                fit = sm.OLS(yv, X).fit(cov_type="HC3", use_t=True)
        except (np.linalg.LinAlgError, ValueError) as exc:
            out["note"] = f"could not fit ({type(exc).__name__})"
            return out
        except Exception as exc:  # perfect separation and friends
            if "separation" in str(exc).lower() or "Singular" in str(exc):
                out["note"] = "could not fit (perfect separation)"
                return out
            raise
    b = float(fit.params[0])
    se = float(fit.bse[0])
    lo, hi = (float(v) for v in fit.conf_int()[0])
    if binary:
        with np.errstate(over="ignore"):  # near-separation: inf, flagged in the note below
            b, lo, hi = np.exp(b), np.exp(lo), np.exp(hi)
    out.update(estimate=b, se=se, ci_low=lo, ci_high=hi, p=float(fit.pvalues[0]))
    if binary and (se > 10 or not np.isfinite(se)):
        out["note"] = "unstable estimate (near separation)"
    return out


def associations(
    frame: pd.DataFrame,
    outcomes: list[str],
    binary: dict[str, bool],
    features: list[str],
    covariates: list[str],
    min_group: int = 10,
) -> pd.DataFrame:
    """Regress each outcome on each feature plus covariates; BH-adjust within each outcome.

    Parameters
    ----------
    frame : one row per person: outcome columns, feature columns, covariate columns
    outcomes : outcome columns to model
    binary : outcome -> True for logistic, False for OLS
    features : feature columns (0/1 indicators or shares)
    covariates : covariate columns (see module docstring)
    min_group : skip a feature unless at least this many people have it and lack it
        among those with the outcome (small groups give unstable, disclosive estimates)

    Returns
    -------
    tidy DataFrame: outcome, feature, model, scale, n, n_with_feature, estimate, se, ci_low,
    ci_high, p, q, passes_fdr, fdr_family, note.
    """
    covars = covariate_matrix(frame, covariates)
    rows = []
    for outcome in outcomes:
        y = frame[outcome]
        has_y = y.notna()
        for feature in features:
            x = frame[feature].astype(float)
            with_f = int((x[has_y] > 0).sum())
            without_f = int((x[has_y] == 0).sum())
            row = {
                "outcome": outcome,
                "feature": feature,
                "model": "logistic" if binary[outcome] else "OLS (ANCOVA, HC3)",
                "scale": "odds ratio" if binary[outcome] else "difference",
            }
            if min(with_f, without_f) < min_group:
                row.update(
                    n=int(has_y.sum()),
                    n_with_feature=with_f,
                    estimate=np.nan,
                    se=np.nan,
                    ci_low=np.nan,
                    ci_high=np.nan,
                    p=np.nan,
                    note=f"fewer than {min_group} people with or without this feature",
                )
            else:
                row.update(fit_one(y, x, covars, binary[outcome]))
            rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["q"] = np.nan
    # One family per outcome: every code and topic tested against it. (Splitting codes and
    # topics into two families was tried on the example study: three topics that mostly
    # hold interview text then passed for retention, a chance difference between the 16
    # interviewed job starters and the rest, not an effect planted in the data.)
    table["fdr_family"] = table["outcome"]
    for _family, idx in table.groupby("fdr_family").groups.items():
        p = table.loc[idx, "p"]
        ok = p.notna()
        if ok.any():
            table.loc[p[ok].index, "q"] = multipletests(p[ok], method="fdr_bh")[1]
    table["passes_fdr"] = table["q"] < FDR_LEVEL
    return table


def publish_associations(table: pd.DataFrame, rule) -> pd.DataFrame:
    """Disclosure-controlled version: people counts through ``rule``; rounded statistics."""
    out = table.copy()
    for col in ("n", "n_with_feature"):
        out[col] = [rule.count(int(v)) for v in table[col]]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        out[col] = table[col].astype(float).round(3)
    for col in ("p", "q"):
        out[col] = table[col].astype(float).round(4)
    return out
