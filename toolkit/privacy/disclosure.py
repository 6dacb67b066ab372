"""Statistical disclosure control: one rule for every published count, mean and quote.

Default: the NHS England / NHS Digital rule (REFERENCE.md, "Disclosure control"; HES/ECDS
method since 2018): below national level, counts 1-7 are shown as ``*``, all other counts are
rounded to the nearest 5, totals are computed from unrounded counts and then rounded, and
means or medians from fewer than 8 people are not shown. On top of that, secondary
suppression (as secure research environments require) masks at least two cells in every row
and column that has one, so a masked cell cannot be worked out from the totals.

Every published table goes through :meth:`DisclosureRule.table`, written with
:func:`publish_csv` (which leaves a marker so that ``lxt check-release`` can re-check it).

Example
-------
>>> rule = DisclosureRule()
>>> [rule.count(n) for n in (0, 3, 8, 12, 13)]
['0', '*', '10', '10', '15']
>>> rule.mean([3, 4, 5]) is None
True
>>> rule.quote_allowed(7), rule.quote_allowed(8)
(False, True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from toolkit.study.config import Study

SUPPRESSED = "*"
TOTAL = "Total"
# A sidecar beside each published CSV/XLSX says "written by lxt, with this rule, these count
# columns", so that lxt check-release knows which numbers must already be safe.
MARKER_SUFFIX = ".lxt.json"


@dataclass(frozen=True)
class DisclosureRule:
    """Small-number suppression and rounding for published outputs.

    Parameters
    ----------
    threshold
        Counts from 1 to ``threshold - 1`` are shown as ``*``; means, medians and quotes need
        at least ``threshold`` people.
    rounding
        Other counts are rounded to the nearest multiple of this (1 = no rounding).
    secondary
        Mask more cells so no masked cell can be recovered from row or column totals.
    """

    threshold: int = 8
    rounding: int = 5
    secondary: bool = True

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.rounding < 1:
            raise ValueError("threshold and rounding must be whole numbers of 1 or more")

    @classmethod
    def from_study(cls, study: Study) -> DisclosureRule:
        """The rule set in the study's ``disclosure:`` section."""
        d = study.disclosure
        return cls(threshold=d.threshold, rounding=d.rounding, secondary=d.secondary_suppression)

    # -- single values ----------------------------------------------------------------------
    def is_small(self, n: float) -> bool:
        """Whether a count must be hidden (1 to threshold - 1)."""
        return 0 < n < self.threshold

    def round(self, n: float) -> int:
        """Round half up to the nearest multiple of ``rounding``."""
        return int(math.floor(n / self.rounding + 0.5) * self.rounding)

    def count(self, n: float | None) -> str:
        """A count as it may be published: ``"*"``, ``"0"`` or the rounded number.

        Examples
        --------
        >>> DisclosureRule(threshold=10, rounding=1).count(9)
        '*'
        """
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return ""
        if n < 0:
            raise ValueError(f"a count cannot be negative, got {n}")
        if n == 0:
            return "0"
        return SUPPRESSED if self.is_small(n) else str(self.round(n))

    def _enough(self, values: Iterable[float]) -> np.ndarray | None:
        arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").dropna()
        return arr.to_numpy(dtype=float) if len(arr) >= self.threshold else None

    def mean(self, values: Iterable[float]) -> float | None:
        """The mean, or None when fewer than ``threshold`` people gave a value."""
        arr = self._enough(values)
        return None if arr is None else float(arr.mean())

    def median(self, values: Iterable[float]) -> float | None:
        """The median, or None when fewer than ``threshold`` people gave a value."""
        arr = self._enough(values)
        return None if arr is None else float(np.median(arr))

    def quote_allowed(self, group_size: int) -> bool:
        """Whether a quote may be attributed to a group of this many people."""
        return group_size >= self.threshold

    # -- tables -----------------------------------------------------------------------------
    def suppression_mask(self, counts: np.ndarray, margins: bool = False) -> np.ndarray:
        """Which cells of a 2-D count array to mask (primary, then secondary).

        With ``margins=True`` the last row and column are totals and take part: a masked
        total counts as one of the two masked cells its line needs.
        """
        counts = np.asarray(counts, dtype=float)
        mask = (counts > 0) & (counts < self.threshold)
        if not self.secondary or not mask.any():
            return mask
        interior = np.ones_like(mask)
        if margins:
            interior[-1, :] = False
            interior[:, -1] = False
        changed = True
        while changed:
            changed = False
            for axis in (0, 1):
                lines = mask.shape[axis]
                for i in range(lines):
                    line_mask = mask[i, :] if axis == 0 else mask[:, i]
                    if line_mask.sum() != 1:
                        continue
                    j = self._second_cell(counts, mask, interior, axis, i)
                    if j is None:
                        continue
                    if axis == 0:
                        mask[i, j] = True
                    else:
                        mask[j, i] = True
                    changed = True
        return mask

    @staticmethod
    def _second_cell(counts, mask, interior, axis, i) -> int | None:
        """The smallest unmasked cell of a line: non-zero interior first, then any."""
        values = counts[i, :] if axis == 0 else counts[:, i]
        masked = mask[i, :] if axis == 0 else mask[:, i]
        inside = interior[i, :] if axis == 0 else interior[:, i]
        for allowed in (inside & (values > 0), values > 0, inside, np.ones_like(inside)):
            candidates = np.flatnonzero(allowed & ~masked)
            if len(candidates):
                return int(candidates[np.argmin(values[candidates])])
        return None

    def table(
        self,
        df: pd.DataFrame,
        count_columns: Sequence[str] | None = None,
        totals: bool = False,
    ) -> pd.DataFrame:
        """A display copy of a table of counts, safe to publish.

        Parameters
        ----------
        df
            Rows are groups; ``count_columns`` hold whole-number counts. Other columns
            (labels) are copied as they are.
        count_columns
            Default: every numeric column.
        totals
            Add a ``Total`` column and row, computed from unrounded counts, then rounded.

        Returns
        -------
        pandas.DataFrame
            Counts as text (``"*"``, ``"0"``, rounded numbers); ``attrs["disclosure"]`` records
            the rule and the count columns.

        Examples
        --------
        >>> df = pd.DataFrame({"cohort": ["a", "b"], "yes": [3, 40], "no": [20, 31]})
        >>> DisclosureRule().table(df)[["yes", "no"]].values.tolist()
        [['*', '*'], ['*', '*']]
        """
        if count_columns is None:
            count_columns = [
                c
                for c in df.columns
                if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
            ]
        count_columns = list(count_columns)
        missing = [c for c in count_columns if c not in df.columns]
        if missing:
            raise ValueError(f"count column(s) {missing} not in the table")
        counts = df[count_columns].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(float)
        if (counts < 0).any():
            raise ValueError("counts cannot be negative")
        out = df.copy()
        out_columns = count_columns
        if totals:
            counts = np.vstack([counts, counts.sum(axis=0, keepdims=True)])
            counts = np.hstack([counts, counts.sum(axis=1, keepdims=True)])
            label_row = {
                c: (TOTAL if i == 0 else "")
                for i, c in enumerate([c for c in df.columns if c not in count_columns])
            }
            out = pd.concat([out, pd.DataFrame([label_row])], ignore_index=True)
            out_columns = [*count_columns, TOTAL]
        mask = self.suppression_mask(counts, margins=totals)
        shown = np.array(
            [
                [SUPPRESSED if m else self.count(v) for v, m in zip(r, mr, strict=True)]
                for r, mr in zip(counts, mask, strict=True)
            ],
            dtype=object,
        )
        out = out.astype({c: object for c in count_columns if c in out.columns})
        for j, column in enumerate(out_columns):
            out[column] = pd.Series(shown[:, j], index=out.index, dtype=object)
        out.attrs["disclosure"] = {**asdict(self), "count_columns": out_columns}
        return out


def write_marker(path: Path, rule: DisclosureRule, count_columns: Sequence[str]) -> Path:
    """Record beside ``path`` that the toolkit wrote it under ``rule`` (for check-release)."""
    from toolkit.study.tables import write_json

    marker = path.with_name(path.name + MARKER_SUFFIX)
    write_json(
        {"written_by": "lxt", "disclosure": asdict(rule), "count_columns": list(count_columns)},
        marker,
    )
    return marker


def read_marker(path: Path) -> dict | None:
    marker = path.with_name(path.name + MARKER_SUFFIX)
    if not marker.is_file():
        return None
    try:
        return json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def publish_csv(
    df: pd.DataFrame,
    path: str | Path,
    rule: DisclosureRule,
    count_columns: Sequence[str] | None = None,
    totals: bool = False,
) -> pd.DataFrame:
    """Apply the rule to a table of counts and write it as CSV with its marker.

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"cohort": ["clacton", "southend", "basildon"], "jobs": [23, 5, 41]})
    >>> folder = Path(tempfile.mkdtemp())
    >>> publish_csv(df, folder / "jobs_by_cohort.csv", DisclosureRule())
         cohort jobs
    0   clacton    *
    1  southend    *
    2  basildon   40
    >>> sorted(p.name for p in folder.iterdir())
    ['jobs_by_cohort.csv', 'jobs_by_cohort.csv.lxt.json']

    Southend's 5 is below the threshold; Clacton's is masked too (secondary suppression).
    """
    from toolkit.study.tables import write_csv

    path = Path(path)
    shown = df if "disclosure" in df.attrs else rule.table(df, count_columns, totals=totals)
    write_csv(shown, path)
    write_marker(path, rule, shown.attrs["disclosure"]["count_columns"])
    return shown


def html_table(shown: pd.DataFrame, **to_html) -> str:
    """HTML for a table made by :meth:`DisclosureRule.table`, marked for check-release.

    The ``data-lxt-*`` attributes let ``lxt check-release`` re-check the counts in a report.

    Examples
    --------
    >>> shown = DisclosureRule().table(pd.DataFrame({"group": ["a"], "n": [12]}))
    >>> html_table(shown).startswith('<table data-lxt-counts="n"')
    True
    """
    info = shown.attrs.get("disclosure")
    if info is None:
        raise ValueError("html_table needs a table made by DisclosureRule.table")
    html = shown.to_html(index=False, escape=True, **to_html)
    marker = (
        f'<table data-lxt-counts="{"|".join(map(str, info["count_columns"]))}" '
        f'data-lxt-threshold="{info["threshold"]}" data-lxt-rounding="{info["rounding"]}"'
    )
    return html.replace("<table", marker, 1)
