"""Charts for the analysis: forest plot, pathway funnel, pre/post change, topic effects.

Each function saves a PNG and returns ``(path, alt_text)``: the alt text describes the chart
in words for reports and screen readers. Colours come from the Okabe-Ito palette, which
colour-blind readers can tell apart, and meaning never rests on colour alone (markers and
labels carry it too). Every interval drawn is a 95% confidence interval. Counts shown are
the published (disclosure-controlled) ones.

Example
-------
>>> import tempfile
>>> table = pd.DataFrame({"outcome": ["retained_6m"] * 2,
...     "feature": ["transport", "buddies_mentors"], "estimate": [0.6, 1.8],
...     "ci_low": [0.4, 1.2], "ci_high": [0.9, 2.7], "scale": ["odds ratio"] * 2,
...     "passes_fdr": [True, False]})
>>> out = Path(tempfile.mkdtemp()) / "forest.png"
>>> path, alt = forest_plot(table, "retained_6m", "In work at 6 months", out)
>>> path.name, path.stat().st_size > 0
('forest.png', True)
>>> print(alt)
Forest plot for 'In work at 6 months': 2 features with 95% confidence intervals (odds ratios).
Passing the false discovery rate check: transport.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from toolkit.study.tables import atomic_path  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design": told apart with the common colour-vision
# deficiencies. The one definition of the palette in the toolkit; reports use it too.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
# Filled series (bars, areas) in order: blue, orange, green, purple, sky blue, vermillion,
# yellow. Black stays free for text and reference lines.
SERIES_COLOURS = tuple(OKABE_ITO[i] for i in (4, 0, 2, 6, 1, 5, 3))
# For points and lines on white, leave out Okabe-Ito yellow, which is hard to see there.
POINT_COLOURS = ["#000000", "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def forest_plot(
    table: pd.DataFrame, outcome: str, title: str, path: Path, labels: dict | None = None
) -> tuple[Path, str]:
    """Feature estimates with 95% CIs for one outcome; filled = passes FDR, open = not."""
    sub = table[(table["outcome"] == outcome) & table["estimate"].notna()].copy()
    sub = sub.sort_values("estimate")
    labels = labels or {}
    odds = (sub["scale"] == "odds ratio").any()
    fig, ax = plt.subplots(figsize=(7, 0.35 * max(len(sub), 3) + 1.4))
    y = np.arange(len(sub))
    for i, r in enumerate(sub.itertuples()):
        passes = bool(r.passes_fdr)
        color = OKABE_ITO[5] if passes else OKABE_ITO[4]
        ax.plot([r.ci_low, r.ci_high], [i, i], color=color, lw=1.5)
        ax.plot(
            r.estimate,
            i,
            marker="D" if passes else "o",
            ms=7,
            color=color,
            markerfacecolor=color if passes else "white",
        )
    ax.axvline(1.0 if odds else 0.0, color="grey", ls="--", lw=1)
    if odds:
        ax.set_xscale("log")
        # Plain numbers (0.5, 1, 2) rather than powers of ten: easier for lay readers.
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    names = [
        labels.get(f, f) + (" *" if p else "")
        for f, p in zip(sub["feature"], sub["passes_fdr"], strict=True)
    ]
    ax.set_yticks(y, names)
    ax.set_xlabel("Odds ratio (log scale)" if odds else "Difference in outcome")
    ax.set_title(title)
    fig.text(
        0.01,
        -0.02,
        "Filled diamond and * = passes the false discovery rate check "
        "(Benjamini-Hochberg, q < 0.05). Lines are 95% confidence intervals.",
        fontsize=9,
        ha="left",
    )
    hits = [labels.get(f, f) for f in sub.loc[sub["passes_fdr"], "feature"]]
    alt = (
        f"Forest plot for '{title}': {len(sub)} features with 95% confidence intervals "
        f"({'odds ratios' if odds else 'differences'}). "
        + (
            f"Passing the false discovery rate check: {', '.join(hits)}."
            if hits
            else "No feature passes the false discovery rate check."
        )
    )
    return _save(fig, path), alt


def funnel_chart(published: pd.DataFrame, path: Path) -> tuple[Path, str]:
    """Grouped bars of people reaching each stage per cohort (published counts)."""
    cohorts = [c for c in published["cohort"].unique() if c != "all"]
    stages = published.drop_duplicates("stage")[["stage", "stage_label"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(len(cohorts), 1)
    hatches = ["", "//", "..", "xx", "\\\\"]
    for j, cohort in enumerate(cohorts):
        sub = published[published["cohort"] == cohort].set_index("stage")
        vals = pd.to_numeric(sub["n_reached"].reindex(stages["stage"]), errors="coerce")
        x = np.arange(len(stages)) + j * width
        ax.bar(
            x,
            vals.fillna(0),
            width,
            label=cohort,
            color=OKABE_ITO[j % 8],
            hatch=hatches[j % len(hatches)],
            edgecolor="black",
            lw=0.5,
        )
        for xi, v, raw in zip(x, vals, sub["n_reached"].reindex(stages["stage"]), strict=True):
            ax.text(xi, (0 if np.isnan(v) else v) + 1, str(raw), ha="center", fontsize=6)
    ax.set_xticks(
        np.arange(len(stages)) + width * (len(cohorts) - 1) / 2,
        stages["stage_label"],
        rotation=35,
        ha="right",
    )
    ax.set_ylabel("People (rounded to 5; * = fewer than the threshold)")
    ax.set_title("Employment pathway: people reaching each stage")
    ax.legend(title="Cohort")
    total = published[published["cohort"] == "all"].set_index("stage")["n_reached"]
    alt = (
        "Bar chart of people reaching each employment pathway stage, by cohort. All "
        "cohorts: "
        + "; ".join(
            f"{lab} {total.get(s, '')}"
            for s, lab in zip(stages["stage"], stages["stage_label"], strict=True)
        )
        + "."
    )
    return _save(fig, path), alt


def change_chart(published: pd.DataFrame, path: Path, wording: str) -> tuple[Path, str]:
    """Mean change with 95% CI per outcome (panel) and cohort (marker)."""
    outcomes = published["outcome"].unique()
    ncols = min(3, len(outcomes))
    nrows = -(-len(outcomes) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.0 * ncols, 3.6 * nrows), squeeze=False, layout="constrained"
    )
    for ax in axes.ravel()[len(outcomes) :]:
        ax.set_visible(False)
    parts = []
    for ax, outcome in zip(axes.ravel(), outcomes, strict=False):
        sub = published[published["outcome"] == outcome].reset_index(drop=True)
        for i, r in sub.iterrows():
            if pd.isna(r["mean_change"]):
                ax.text(i, 0, "suppressed", rotation=90, ha="center", fontsize=7)
                continue
            ax.errorbar(
                i,
                r["mean_change"],
                yerr=[[r["mean_change"] - r["ci_low"]], [r["ci_high"] - r["mean_change"]]],
                fmt=MARKERS[i % 8],
                color=POINT_COLOURS[i % 7],
                capsize=4,
            )
        ax.axhline(0, color="grey", ls="--", lw=1)
        ax.set_xticks(range(len(sub)), sub["cohort"], rotation=30)
        ax.set_title(str(sub["label"].iloc[0]), fontsize=8)
        direction = (
            "higher is better" if bool(sub["higher_is_better"].iloc[0]) else "lower is better"
        )
        ax.set_ylabel(f"Mean change ({direction})", fontsize=8)
        a = sub[sub["cohort"] == "all"].iloc[0]
        if pd.notna(a["mean_change"]):
            parts.append(
                f"{a['label']}: {a['mean_change']:+.2f} "
                f"(95% CI {a['ci_low']:.2f} to {a['ci_high']:.2f})"
            )
    fig.suptitle(f"Change from baseline to follow-up ({wording})")
    alt = (
        f"Chart of mean change with 95% confidence intervals by cohort ({wording}). "
        "All cohorts: " + "; ".join(parts) + "."
    )
    return _save(fig, path), alt


def topic_effect_plot(
    pred: pd.DataFrame, covariate: str, labels: dict, path: Path
) -> tuple[Path, str]:
    """Expected topic share by covariate level with 95% bands (stm ``plot.estimateEffect``).

    One small panel per topic (shared axes), so bands never hide each other.
    """
    topics = list(dict.fromkeys(pred["topic"]))
    levels = list(pd.unique(pred["level"]))
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) for v in levels)
    ncols = min(4, len(topics)) or 1
    nrows = -(-len(topics) // ncols) or 1
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.0 * ncols, 2.4 * nrows + 0.6),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.ravel()[len(topics) :]:
        ax.set_visible(False)
    name = covariate.replace("_", " ")
    if covariate == "imd_quintile":
        name = "IMD quintile (1 = most deprived)"
    for j, (ax, k) in enumerate(zip(axes.ravel(), topics, strict=False)):
        sub = pred[pred["topic"] == k]
        colour = POINT_COLOURS[j % 7]
        if numeric:
            x = sub["level"].astype(float)
            ax.plot(x, sub["estimate"], marker=MARKERS[j % 8], color=colour)
            ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=colour, alpha=0.2)
        else:
            x = np.arange(len(sub))
            ax.errorbar(
                x,
                sub["estimate"],
                yerr=[sub["estimate"] - sub["ci_low"], sub["ci_high"] - sub["estimate"]],
                fmt=MARKERS[j % 8],
                color=colour,
                capsize=3,
            )
            ax.set_xticks(x, [str(v) for v in sub["level"]], rotation=30, fontsize=7)
        title = labels.get(k, f"topic {k}")
        ax.set_title(title if len(title) <= 32 else title[:30] + "...", fontsize=7)
        ax.tick_params(labelsize=7)
    fig.supxlabel(name, fontsize=8)
    fig.supylabel("Expected share of a person's segments", fontsize=8)
    fig.suptitle(f"Topic prevalence by {name} (95% intervals)", fontsize=10)
    alt = (
        f"Small charts, one per topic, of the expected share of a person's segments on that "
        f"topic by {name}, with 95% intervals from repeated draws ({len(topics)} topics)."
    )
    return _save(fig, path), alt
