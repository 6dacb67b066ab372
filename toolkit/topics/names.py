"""Topics people name: keep numbers across re-runs, then rename, merge and hide.

A peer researcher names topics in ``study.yml``::

    topics:
      names:
        3: Getting to work on time            # rename
        5: {hide: true}                       # leave out of reports and published tables
        7: {merge_into: 3}                    # fold topic 7 into topic 3

Topic numbers are kept across re-runs: each new topic takes the number of the previous run's
topic whose segments it shares most (one-to-one, Hungarian matching on the Jaccard overlap
of their segment ids, at least ``MATCH_FLOOR``), so a name given to topic 3 stays with the
same theme after new interviews are added. A new topic gets a number never used before. A
name whose topic no longer exists is reported in the run's notes, never dropped silently.

Example
-------
>>> numbers = carry_numbers(pd.Series(["a", "b", "c"]), np.array([0, 0, 1]),
...                         pd.DataFrame({"seg_id": ["a", "b", "c"], "topic": [4, 4, 2]}))
>>> numbers
{0: 4, 1: 2}
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from toolkit.errors import TOPIC_NAME_NOT_FOUND

MATCH_FLOOR = 0.3
SUGGESTION_SOURCES = {
    "phrase": "words people said",
    "code": "the codebook",
    "keywords": "key words",
}


def carry_numbers(
    seg_ids: pd.Series, topics: np.ndarray, previous: pd.DataFrame | None
) -> dict[int, int]:
    """Map this run's topic numbers to the previous run's for topics matched across runs.

    ``previous`` is the earlier ``topics`` table (seg_id, topic) or None. Unmatched topics get
    numbers above every number used before, in order of their new number.
    """
    new_ids = sorted(int(t) for t in set(np.asarray(topics).tolist()) if t >= 0)
    if previous is None or previous.empty:
        return {t: t for t in new_ids}
    old = previous[previous["topic"] >= 0]
    old_ids = sorted(int(t) for t in old["topic"].unique())
    mapping: dict[int, int] = {}
    if old_ids and new_ids:
        current = pd.DataFrame({"seg_id": list(seg_ids), "new": np.asarray(topics)})
        current = current[current["new"] >= 0]
        both = current.merge(old[["seg_id", "topic"]], on="seg_id")
        shared = both.groupby(["new", "topic"]).size()
        new_size = current.groupby("new").size()
        old_size = old.groupby("topic").size()
        jac = np.zeros((len(new_ids), len(old_ids)))
        for (a, b), n in shared.items():
            i, j = new_ids.index(int(a)), old_ids.index(int(b))
            jac[i, j] = n / (new_size[a] + old_size[b] - n)
        rows, cols = linear_sum_assignment(-jac)
        for r, c in zip(rows, cols, strict=True):
            if jac[r, c] >= MATCH_FLOOR:
                mapping[new_ids[r]] = old_ids[c]
    next_free = max([*old_ids, *mapping.values(), -1]) + 1
    for t in new_ids:
        if t not in mapping:
            mapping[t] = next_free
            next_free += 1
    return mapping


def merge_map(names: dict) -> dict[int, int]:
    """Topic -> topic it is folded into, following chains (7 -> 3 -> 1 gives 7 -> 1)."""
    direct = {
        int(t): int(entry.merge_into)
        for t, entry in names.items()
        if not isinstance(entry, str) and entry.merge_into is not None
    }
    out = {}
    for t in direct:
        seen, target = {t}, direct[t]
        while target in direct and target not in seen:
            seen.add(target)
            target = direct[target]
        out[t] = target
    return out


def apply_names(info: pd.DataFrame, names: dict) -> tuple[pd.DataFrame, list[str]]:
    """Add ``auto_label``, ``named`` and ``hidden`` to ``topic_info``; ``label`` = the name.

    Returns the table and one note per name whose topic is not in this run.
    """
    info = info.copy()
    info["auto_label"] = info["label"]
    info["named"] = False
    info["hidden"] = False
    present = set(info["topic"].astype(int))
    notes = []
    for topic, entry in names.items():
        topic = int(topic)
        merged = not isinstance(entry, str) and entry.merge_into is not None
        if topic not in present:
            if not merged:  # a merged topic is gone on purpose
                notes.append(TOPIC_NAME_NOT_FOUND.format(topic=topic))
            continue
        row = info["topic"] == topic
        name = entry if isinstance(entry, str) else entry.name
        if name:
            info.loc[row, "label"] = name
            info.loc[row, "named"] = True
        if not isinstance(entry, str) and entry.hide:
            info.loc[row, "hidden"] = True
    return info, notes


def topic_names(info: pd.DataFrame) -> dict[int, str]:
    """Topic number -> the name to show (a person's name if given, else the phrase label).

    >>> topic_names(pd.DataFrame({"topic": [-1, 0], "label": ["Not grouped", "Bus fares"]}))
    {-1: 'Not grouped', 0: 'Bus fares'}
    """
    return {int(t): str(label) for t, label in zip(info["topic"], info["label"], strict=True)}


def label_column(topics: pd.Series, info: pd.DataFrame | None) -> pd.Series:
    """The name of each topic number in ``topics`` (for a ``topic_label`` column)."""
    names = topic_names(info) if info is not None and "label" in info.columns else {}
    return topics.map(lambda t: names.get(int(t), f"Topic {int(t)}"))


def reportable_topics(info: pd.DataFrame, named_only: bool = False) -> pd.DataFrame:
    """Topics fit to show back to a community: real, not hidden, stable across re-runs.

    ``named_only`` keeps only topics a person has named (the co-production report's choice
    when any topic has been named). Largest first.
    """
    keep = info["topic"].astype(int) >= 0
    for column in ("hidden",):
        if column in info.columns:
            keep &= ~info[column].fillna(False).astype(bool)
    if "stable" in info.columns:
        keep &= info["stable"].fillna(False).astype(bool)
    if named_only:
        # No "named" column means nobody has named a topic yet.
        named = info["named"] if "named" in info.columns else pd.Series(False, index=info.index)
        keep &= named.fillna(False).astype(bool)
    return info[keep].sort_values("size", ascending=False).reset_index(drop=True)


def topic_table(info: pd.DataFrame) -> pd.DataFrame:
    """The topics to look at before naming them: number, name, size, stability, key words.

    Hidden and not-grouped rows are left out; largest first.
    """
    keep = info["topic"].astype(int) >= 0
    if "hidden" in info.columns:
        keep &= ~info["hidden"].fillna(False).astype(bool)
    columns = [
        c
        for c in (
            "topic",
            "label",
            "auto_label",
            "label_source",
            "size",
            "stable",
            "keywords",
            "mostly_code",
        )
        if c in info.columns
    ]
    table = info.loc[keep, columns].sort_values("size", ascending=False)
    # Where the suggestion came from: words people said, the codebook, or key words.
    table = table.replace({"label_source": SUGGESTION_SOURCES})
    return table.rename(
        columns={
            "label": "name",
            "auto_label": "suggested by the computer",
            "label_source": "suggestion from",
        }
    )


def names_template(info: pd.DataFrame) -> str:
    """A ``topics: names:`` block for study.yml, one line per topic, ready to edit.

    >>> print(names_template(pd.DataFrame({"topic": [-1, 2], "label": ["Not grouped",
    ...     "Bus fares"], "size": [5, 9]})))
    topics:
      names:
        2: "Bus fares"                # 9 segments
    """
    lines = ["topics:", "  names:"]
    for row in info[info["topic"].astype(int) >= 0].sort_values("topic").itertuples():
        name = str(row.label).replace('"', "'")
        lines.append(f'    {int(row.topic)}: "{name}"'.ljust(34) + f"# {int(row.size)} segments")
    return "\n".join(lines)
