"""Social value (optional): user-supplied £ values per outcome, and a WELLBY figure.

Two views, each printed with its assumptions beside it:

* **Value table.** A CSV named by ``social_values`` in ``study.yml`` with columns
  ``outcome`` (an outcome name from ``study.yml``), ``value_per_year`` (£ per person per
  year) and optional ``source``. Licensed values (e.g. the HACT Social Value Bank) cannot
  ship with the toolkit: the user supplies them under their own licence. For binary
  outcomes, value = people achieving the outcome x £ per year.
* **WELLBY.** HM Treasury Green Book supplementary guidance on wellbeing values one point
  of life satisfaction (0-10) for one person for one year at £13,000 (2019 prices; range
  £10,000-£16,000). Figure = mean observed change in ONS life satisfaction x people with
  both scores x £13,000, for one year.

Both are gross figures of *observed* change: without a comparison group nothing here is
net of what would have happened anyway (deadweight), of attribution or of drop-off, and
the published text says so.

Example
-------
>>> wellby_value(0.5, 120)["value_central"]
780000.0
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import Problem, ProblemCollector, UserError

# HM Treasury Green Book, Wellbeing guidance for appraisal (2021): £13,000 per WELLBY,
# 2019 prices, sensitivity range £10,000-£16,000 (REFERENCE.md [V]).
WELLBY_CENTRAL = 13_000.0
WELLBY_LOW = 10_000.0
WELLBY_HIGH = 16_000.0
WELLBY_PRICE_YEAR = 2019


def read_value_table(path: str | Path, outcome_names: list[str]) -> pd.DataFrame:
    """Read and check a user-supplied outcome -> £ per year CSV.

    Raises :class:`UserError` listing every problem (file, row, column, expected).
    """
    path = Path(path)
    if not path.exists():
        raise UserError(
            Problem(
                str(path),
                "social value table not found",
                expected="a CSV with columns outcome, value_per_year",
            )
        )
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    problems = ProblemCollector()
    for col in ("outcome", "value_per_year"):
        if col not in table.columns:
            problems.add(
                path,
                f"missing column {col!r}",
                expected="columns outcome, value_per_year (and optional source)",
            )
    problems.raise_if_any()
    values = pd.to_numeric(
        table["value_per_year"].str.replace(r"[£,\s]", "", regex=True), errors="coerce"
    )
    for i, (name, v) in enumerate(zip(table["outcome"], values, strict=True)):
        if name not in outcome_names:
            problems.add(
                path,
                "unknown outcome",
                row=i + 2,
                column="outcome",
                value=name,
                expected=f"one of {outcome_names}",
            )
        if not np.isfinite(v) or v < 0:
            problems.add(
                path,
                "not a value in pounds",
                row=i + 2,
                column="value_per_year",
                value=table["value_per_year"].iloc[i],
                expected="a number of pounds, 0 or more",
            )
    problems.raise_if_any()
    out = pd.DataFrame({"outcome": table["outcome"], "value_per_year": values.astype(float)})
    out["source"] = table["source"] if "source" in table.columns else "user-supplied"
    return out


def value_outcomes(
    value_table: pd.DataFrame, outcomes_wide: pd.DataFrame, binary: dict[str, bool], rule
) -> pd.DataFrame:
    """Gross £ value per binary outcome: people achieving it x £ per year.

    The count used is the *published* (rounded) one, so the figure reveals nothing the
    count does not; outcomes achieved by fewer than the threshold are left blank.
    """
    rows = []
    for rec in value_table.itertuples(index=False):
        if not binary.get(rec.outcome, False):
            rows.append(
                {
                    "outcome": rec.outcome,
                    "people": "",
                    "value_per_year": rec.value_per_year,
                    "total_value": np.nan,
                    "source": rec.source,
                    "note": "only yes/no outcomes can be valued per person",
                }
            )
            continue
        k = int(outcomes_wide[rec.outcome].fillna(0).sum())
        shown = rule.count(k)
        total = float(shown) * rec.value_per_year if shown.isdigit() else np.nan
        rows.append(
            {
                "outcome": rec.outcome,
                "people": shown,
                "value_per_year": rec.value_per_year,
                "total_value": total,
                "source": rec.source,
                "note": "gross value of observed outcomes for one year; not net of "
                "deadweight, attribution or drop-off",
            }
        )
    return pd.DataFrame(rows)


def wellby_value(mean_change: float, n_people: int, years: float = 1.0) -> dict:
    """WELLBY value of an observed change in ONS life satisfaction (0-10).

    Parameters
    ----------
    mean_change : mean follow-up minus baseline life satisfaction
    n_people : people with both scores
    years : how long the change is assumed to last (default one year, no discounting)
    """
    wellbys = mean_change * n_people * years
    return {
        "mean_change": mean_change,
        "people": n_people,
        "years": years,
        "wellbys": wellbys,
        "value_central": wellbys * WELLBY_CENTRAL,
        "value_low": wellbys * WELLBY_LOW,
        "value_high": wellbys * WELLBY_HIGH,
        "price_year": WELLBY_PRICE_YEAR,
    }


def wellby_assumptions(comparison_group: bool) -> list[str]:
    """The assumptions to print beside a WELLBY figure."""
    return [
        f"One point of life satisfaction for one person for one year = £{WELLBY_CENTRAL:,.0f} "
        f"({WELLBY_PRICE_YEAR} prices; range £{WELLBY_LOW:,.0f} to £{WELLBY_HIGH:,.0f}), "
        "HM Treasury Green Book wellbeing guidance.",
        "Uses only people with life satisfaction scores at both waves.",
        "Assumes the change lasts one year; no discounting, no drop-off.",
        "Not adjusted for deadweight or attribution."
        + (
            ""
            if comparison_group
            else " There is no comparison group, so this values the "
            "change observed, not the programme's impact."
        ),
    ]
