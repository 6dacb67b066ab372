"""A picture of each fit's quality: how big and how stable every topic is.

One horizontal bar per topic (its number of segments), coloured by whether it came back in
re-runs with other seeds (Okabe-Ito colours, safe for colour-blind readers), with the fit's
NPMI coherence, diversity and outlier share in the title. Written to
``outputs/<study>/figures/topics_quality.png``. Sizes are segments, not people; labels are
topic words, never quotes.

Example
-------
>>> import tempfile
>>> info = pd.DataFrame({"topic": [-1, 0, 1], "label": ["outliers", "bus fares", "job club"],
...     "size": [12, 40, 25], "stable": [False, True, False]})
>>> quality = {"npmi": 0.12, "diversity": 0.9, "outlier_share": 0.16}
>>> path = plot_topic_quality(info, quality, Path(tempfile.mkdtemp()) / "topics_quality.png")
>>> path.name, path.stat().st_size > 0
('topics_quality.png', True)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

STABLE, UNSTABLE = "#0072B2", "#E69F00"  # Okabe-Ito blue and orange


def plot_topic_quality(info: pd.DataFrame, quality: dict, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toolkit.study.tables import atomic_path

    topics = info[info["topic"] >= 0].sort_values("size")
    height = max(3.0, 0.28 * len(topics) + 1.5)
    fig, ax = plt.subplots(figsize=(8, height))
    colours = [STABLE if s else UNSTABLE for s in topics["stable"]]
    ax.barh(
        [f"{t}: {lab}"[:48] for t, lab in zip(topics["topic"], topics["label"], strict=True)],
        topics["size"],
        color=colours,
    )
    ax.set_xlabel("Segments in the topic")
    ax.set_title(
        f"NPMI {quality.get('npmi', float('nan')):.2f} · diversity "
        f"{quality.get('diversity', float('nan')):.2f} · not grouped "
        f"{100 * quality.get('outlier_share', 0):.0f}%\nblue = came back in at least 80% of "
        "re-runs, orange = treat with caution",
        fontsize=9,
    )
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path
