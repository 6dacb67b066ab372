"""Pre/post change per instrument and cohort (REFERENCE.md, "Evaluation statistics").

For every outcome of kind ``score_change`` in ``study.yml`` and every cohort (plus all
cohorts together) this module reports:

* pairs (people with a valid score at both waves), mean before, after and change with a
  95% confidence interval (t distribution);
* the paired t-test and the Wilcoxon signed-rank test (for short or skewed scales);
* the standardised change d_z = mean(diff) / sd(diff) and Hedges' small-sample version
  g_z = J * d_z with J = 1 - 3 / (4(n - 1) - 1);
* the share reaching the meaningful-change threshold and the share with reliable
  improvement / deterioration (reliable change index, |RCI| > 1.96);
* completers versus non-completers at baseline (are those who dropped out different?);
* a linear mixed model (statsmodels MixedLM, random intercept per person) that uses every
  person with any score, so that people lost to follow-up still inform the estimate (valid
  if drop-out depends only on what was observed: "missing at random").

Without a comparison group none of this is "impact": the tables say "change observed"
(HM Treasury Magenta Book).

Example
-------
>>> r = paired_change(np.array([20., 22, 25, 19]), np.array([23., 22, 27, 21]))
>>> r["n_pairs"], round(r["mean_change"], 2)
(4, 1.75)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.outcomes.definitions import (
    RCI_CRITICAL,
    OutcomeSpec,
    reliability_for,
    reliable_change_index,
    score_pairs,
)


def change_wording(study) -> str:
    """'impact' only when the study defines a comparison group, else 'change observed'."""
    return "impact" if getattr(study, "comparison_group", False) else "change observed"


def hedges_j(n: int) -> float:
    """Hedges' small-sample correction J = 1 - 3 / (4(n - 1) - 1) for a paired design."""
    return 1.0 - 3.0 / (4.0 * (n - 1) - 1.0)


def paired_change(
    pre: np.ndarray,
    post: np.ndarray,
    threshold: float | None = None,
    higher_is_better: bool = True,
    reliability: float | None = None,
    sd_pre: float | None = None,
    confidence: float = 0.95,
) -> dict:
    """Summarise paired before/after scores.

    Parameters
    ----------
    pre, post : arrays of equal length (complete pairs only)
    threshold : meaningful change in points, in the improving direction (optional)
    higher_is_better : direction of improvement
    reliability : test reliability r for the reliable change index (optional)
    sd_pre : baseline standard deviation for the RCI (default: SD of ``pre``)

    Returns
    -------
    dict with n_pairs, mean_pre, mean_post, mean_change, sd_change, ci_low, ci_high, t, p_t,
    wilcoxon_w, p_wilcoxon, d_z, g_z, sd_baseline, d_baseline_sd, share_meaningful,
    share_reliable_improved, share_reliable_deteriorated.
    """
    pre = np.asarray(pre, float)
    post = np.asarray(post, float)
    diff = post - pre
    n = int(diff.size)
    out: dict = {"n_pairs": n}
    nan = float("nan")
    if n == 0:
        return out
    mean = float(diff.mean())
    sd = float(diff.std(ddof=1)) if n > 1 else nan
    out.update(
        mean_pre=float(pre.mean()), mean_post=float(post.mean()), mean_change=mean, sd_change=sd
    )
    # d_z (change / SD of change) grows as scores correlate, so it is not comparable with
    # between-group effect sizes; change / baseline SD is what evaluators compare across
    # studies (Cohen's 0.2 / 0.5 / 0.8 apply to it, not to d_z).
    sd0 = float(pre.std(ddof=1)) if n > 1 else nan
    out["sd_baseline"] = sd0
    out["d_baseline_sd"] = mean / sd0 if n > 1 and sd0 > 0 else nan
    if n > 1 and sd > 0:
        se = sd / np.sqrt(n)
        tcrit = stats.t.ppf(0.5 + confidence / 2, n - 1)
        t = mean / se
        out.update(
            ci_low=mean - tcrit * se,
            ci_high=mean + tcrit * se,
            t=float(t),
            df=n - 1,
            p_t=float(2 * stats.t.sf(abs(t), n - 1)),
            d_z=mean / sd,
        )
        out["g_z"] = out["d_z"] * hedges_j(n) if n > 2 else nan
    else:
        out.update(ci_low=nan, ci_high=nan, t=nan, df=n - 1, p_t=nan, d_z=nan, g_z=nan)
    if np.any(diff != 0):
        w = stats.wilcoxon(diff)
        out.update(wilcoxon_w=float(w.statistic), p_wilcoxon=float(w.pvalue))
    else:
        out.update(wilcoxon_w=nan, p_wilcoxon=1.0)
    sign = 1.0 if higher_is_better else -1.0
    out["share_meaningful"] = (
        float(np.mean(sign * diff >= threshold)) if threshold is not None else nan
    )
    if reliability is not None and np.isfinite(reliability):
        sd0 = sd_pre if sd_pre is not None else float(pre.std(ddof=1))
        rci = sign * reliable_change_index(pre, post, sd0, reliability)
        out["share_reliable_improved"] = float(np.mean(rci > RCI_CRITICAL))
        out["share_reliable_deteriorated"] = float(np.mean(rci < -RCI_CRITICAL))
        out["reliability"] = float(reliability)
    else:
        out["share_reliable_improved"] = nan
        out["share_reliable_deteriorated"] = nan
        out["reliability"] = nan
    return out


def completer_comparison(pre_all: pd.Series, completers: pd.Index) -> dict:
    """Baseline scores of completers versus people without a follow-up score.

    Welch's t-test and the standardised mean difference (pooled SD) say whether the people
    lost to follow-up started out differently, which bounds how far the pre/post change can
    be read as typical of everyone who joined.
    """
    pre_all = pre_all.dropna()
    done = pre_all[pre_all.index.isin(completers)].to_numpy(float)
    lost = pre_all[~pre_all.index.isin(completers)].to_numpy(float)
    nan = float("nan")
    out = {
        "n_completers": int(done.size),
        "n_non_completers": int(lost.size),
        "baseline_mean_completers": float(done.mean()) if done.size else nan,
        "baseline_mean_non_completers": float(lost.mean()) if lost.size else nan,
        "baseline_difference": nan,
        "p_welch": nan,
        "smd": nan,
    }
    if done.size > 1 and lost.size > 1:
        out["baseline_difference"] = float(done.mean() - lost.mean())
        out["p_welch"] = float(stats.ttest_ind(done, lost, equal_var=False).pvalue)
        pooled = np.sqrt(
            ((done.size - 1) * done.var(ddof=1) + (lost.size - 1) * lost.var(ddof=1))
            / (done.size + lost.size - 2)
        )
        out["smd"] = float(out["baseline_difference"] / pooled) if pooled > 0 else nan
    return out


def mixed_model_change(long: pd.DataFrame, from_wave: str, to_wave: str) -> dict:
    """Change from ``from_wave`` to ``to_wave`` in a random-intercept mixed model.

    ``long`` has columns pid, wave, score (any number of rows per person). Fitted by REML
    with statsmodels MixedLM: ``score ~ 1 + [wave == to_wave]``, random intercept per pid.
    """
    import statsmodels.formula.api as smf

    data = long[long["wave"].isin([from_wave, to_wave])].dropna(subset=["score"]).copy()
    data["followup"] = (data["wave"] == to_wave).astype(float)
    nan = float("nan")
    out = {
        "mlm_people": int(data["pid"].nunique()),
        "mlm_observations": int(len(data)),
        "mlm_change": nan,
        "mlm_ci_low": nan,
        "mlm_ci_high": nan,
        "mlm_p": nan,
        "mlm_converged": False,
    }
    if data["followup"].nunique() < 2 or out["mlm_people"] < 3:
        return out
    with warnings.catch_warnings():
        # Convergence chatter is summarised in mlm_converged rather than printed.
        warnings.simplefilter("ignore")
        model = smf.mixedlm("score ~ followup", data, groups=data["pid"])
        try:
            fit = model.fit(reml=True)
        except (np.linalg.LinAlgError, ValueError):
            return out
    ci = fit.conf_int().loc["followup"]
    out.update(
        mlm_change=float(fit.params["followup"]),
        mlm_ci_low=float(ci.iloc[0]),
        mlm_ci_high=float(ci.iloc[1]),
        mlm_p=float(fit.pvalues["followup"]),
        mlm_converged=bool(fit.converged),
    )
    return out


def instrument_threshold(name: str) -> float | None:
    """The instrument file's ``meaningful_change`` (e.g. 3 for SWEMWBS), if it has one."""
    try:
        from toolkit.scoring.instruments import load_instrument

        return load_instrument(name).meaningful_change
    except Exception:  # noqa: BLE001 - an unknown instrument simply has no threshold here
        return None


def prepost_specs(study, scores: pd.DataFrame, specs: list[OutcomeSpec]) -> list[OutcomeSpec]:
    """The study's score-change outcomes, then every other scored instrument or item.

    Evaluators expect change on each measure collected (e.g. all four ONS4 items), not only
    the ones named as outcomes. Added ones take direction and title from the instrument file
    and run from the baseline to the last wave. Category instruments (employment status) are
    skipped: a mean change of a category makes no sense.
    """
    from dataclasses import replace

    first = study.baseline.name
    last = max(study.waves, key=lambda w: w.month).name
    out = [s for s in specs if s.kind == "score_change"]
    done = {(s.instrument, s.item or "") for s in out}
    valid = scores.dropna(subset=["score"])
    if "item" not in valid.columns:
        valid = valid.assign(item="")
    pairs = valid[["instrument", "item"]].astype(str).drop_duplicates().itertuples(index=False)
    for instrument, item in sorted(pairs):
        if (instrument, item) in done or first == last:
            continue
        try:
            from toolkit.scoring.instruments import load_instrument

            inst = load_instrument(instrument)
        except Exception:  # noqa: BLE001 - unknown instruments are reported by ingest
            continue
        if inst.method == "category":
            continue
        better = inst.item_higher_is_better.get(item, inst.higher_is_better)
        template = OutcomeSpec(
            name=f"{instrument}_{item}_change" if item else f"{instrument}_change",
            kind="score_change",
            label=f"Change in {inst.title}" + (f": {item}" if item else ""),
            binary=False,
            higher_is_better=better,
            derived=True,
        )
        out.append(
            replace(
                template, instrument=instrument, item=item or None, from_wave=first, to_wave=last
            )
        )
    return out


def prepost_table(
    study,
    scores: pd.DataFrame,
    participants: pd.DataFrame,
    specs: list[OutcomeSpec],
    responses: pd.DataFrame | None = None,
    cohorts: list[str] | None = None,
) -> pd.DataFrame:
    """One row per score-change outcome x cohort (and ``all``) with every statistic above.

    Raw (not disclosure-controlled): publish through :func:`publish_prepost`.
    """
    by_name = {o.name: o for o in study.outcomes}
    meaningful = {
        (s.instrument, s.item): s.threshold for s in specs if s.kind == "meaningful_change"
    }
    for spec in prepost_specs(study, scores, specs):
        key = (spec.instrument, spec.item)
        if meaningful.get(key) is None and not spec.item:
            meaningful[key] = instrument_threshold(spec.instrument)
    cohort_of = participants.set_index("pid")["cohort"].astype(str)
    cohorts = list(cohorts or study.cohort_names)
    rows = []
    for spec in prepost_specs(study, scores, specs):
        from_wave = spec.from_wave or study.baseline.name
        to_wave = spec.to_wave or [w.name for w in study.waves if w.name != from_wave][-1]
        pairs_all = score_pairs(scores, spec.instrument, spec.item, from_wave, to_wave)
        r = reliability_for(
            by_name.get(spec.name), responses, spec.instrument, spec.item, from_wave
        )
        sd_pre = float(pairs_all["pre"].dropna().std(ddof=1))
        long = scores[scores["instrument"] == spec.instrument]
        if "item" in long.columns:
            long = long[long["item"].fillna("").astype(str) == (spec.item or "")]
        if "valid" in long.columns:
            long = long[long["valid"].fillna(False).astype(bool)]
        for cohort in ["all", *cohorts]:
            if cohort == "all":
                members = cohort_of.index[cohort_of.isin(cohorts)]
            else:
                members = cohort_of.index[cohort_of == cohort]
            sub = pairs_all[pairs_all.index.isin(members)]
            complete = sub.dropna()
            row = {
                "outcome": spec.name,
                "label": spec.label,
                "instrument": spec.instrument,
                "item": spec.item or "",
                "from_wave": from_wave,
                "to_wave": to_wave,
                "cohort": cohort,
                "higher_is_better": spec.higher_is_better,
                "meaningful_threshold": meaningful.get((spec.instrument, spec.item)),
                "wording": change_wording(study),
            }
            row.update(
                paired_change(
                    complete["pre"].to_numpy(),
                    complete["post"].to_numpy(),
                    threshold=meaningful.get((spec.instrument, spec.item)),
                    higher_is_better=spec.higher_is_better,
                    reliability=r,
                    sd_pre=sd_pre,
                )
            )
            row.update(completer_comparison(sub["pre"], complete.index))
            row.update(mixed_model_change(long[long["pid"].isin(members)], from_wave, to_wave))
            rows.append(row)
    return pd.DataFrame(rows)


# Columns that hold counts of people (rounded / suppressed on publication).
PREPOST_COUNTS = ["n_pairs", "n_completers", "n_non_completers", "mlm_people"]
PREPOST_STATS = [
    "mean_pre",
    "mean_post",
    "mean_change",
    "sd_change",
    "ci_low",
    "ci_high",
    "t",
    "p_t",
    "wilcoxon_w",
    "p_wilcoxon",
    "d_z",
    "g_z",
    "sd_baseline",
    "d_baseline_sd",
    "share_meaningful",
    "share_reliable_improved",
    "share_reliable_deteriorated",
    "baseline_mean_completers",
    "baseline_mean_non_completers",
    "baseline_difference",
    "p_welch",
    "smd",
    "mlm_change",
    "mlm_ci_low",
    "mlm_ci_high",
    "mlm_p",
    "reliability",
]


def publish_prepost(table: pd.DataFrame, rule) -> pd.DataFrame:
    """Disclosure-controlled version: counts through ``rule``, statistics blanked for groups
    smaller than the threshold, numbers rounded for reading."""
    out = table.drop(columns=["wilcoxon_w", "t", "df", "mlm_observations"], errors="ignore")
    out = out.copy()
    small_pairs = table["n_pairs"] < rule.threshold
    small_lost = table["n_non_completers"] < rule.threshold
    for col in [c for c in PREPOST_STATS if c in out.columns]:
        # Shares to whole percentages: finer ones, with a rounded n, could give back exact counts.
        values = out[col].astype(float).round(2 if col.startswith("share_") else 3)
        if col.startswith(("baseline_mean_non", "baseline_diff", "p_welch", "smd")):
            values = values.mask(small_lost | small_pairs)
        elif not col.startswith("mlm_"):
            values = values.mask(small_pairs)
        else:
            values = values.mask(table["mlm_people"] < rule.threshold)
        out[col] = values
    # Wilcoxon's W is a rank sum that can reveal n; t is recoverable from the CI: dropped.
    for col in PREPOST_COUNTS:
        if col in out.columns:
            out[col] = [rule.count(int(v)) for v in table[col]]
    return out
