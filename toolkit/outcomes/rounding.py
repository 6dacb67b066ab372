"""One rounding rule for published tables and the reports that quote them.

A figure in a report and the same figure in ``tables/*.csv`` must agree to the digit, so both
round with these functions:

* scores and changes in points: 1 decimal place (``+2.4``); effect sizes: 2 (``0.45``);
* shares: whole percentages in reports (``31%``), 2 decimal places as fractions in tables;
* p- and q-values: 3 decimal places, and "< 0.001" below that;
* money: whole pounds for costs per person or per job, the nearest £1,000 for totals
  (a WELLBY value to the penny claims a precision the method does not have).

Example
-------
>>> points(2.4449), effect(0.9612), percent(0.3149), p_text(0.0004), pounds(3641.2)
('2.4', '0.96', '31%', '< 0.001', '£3,641')
>>> pounds_total(2158490.57)
'£2,158,000'
"""

from __future__ import annotations

import math

POINT_DIGITS = 1
EFFECT_DIGITS = 2
SHARE_DIGITS = 2
P_DIGITS = 3
P_FLOOR = 0.001
TOTAL_POUNDS_TO = 1000


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def points(value: float, signed: bool = False) -> str:
    """A score or change in points, 1 decimal place (``signed``: always show + or -)."""
    if _missing(value):
        return ""
    return f"{value:+.{POINT_DIGITS}f}" if signed else f"{value:.{POINT_DIGITS}f}"


def effect(value: float, signed: bool = False) -> str:
    """An effect size, 2 decimal places."""
    if _missing(value):
        return ""
    return f"{value:+.{EFFECT_DIGITS}f}" if signed else f"{value:.{EFFECT_DIGITS}f}"


def percent(share: float) -> str:
    """A share (0-1) as a whole percentage."""
    if _missing(share):
        return ""
    return f"{round(100 * share)}%"


def share(value: float) -> float:
    """A share (0-1) as stored in a published table: 2 decimal places."""
    return value if _missing(value) else round(float(value), SHARE_DIGITS)


def p_text(p: float) -> str:
    """A p- or q-value: 3 decimal places, "< 0.001" below that."""
    if _missing(p):
        return "n/a"
    return f"< {P_FLOOR}" if p < P_FLOOR else f"{p:.{P_DIGITS}f}"


def p_phrase(p: float) -> str:
    """A p-value in a sentence: "p = 0.020" or "p < 0.001"."""
    text = p_text(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def pounds(value: float) -> str:
    """Money per person or per job: whole pounds with thousands separators."""
    if _missing(value):
        return ""
    return f"£{round(value):,}"


def round_total(value: float) -> float:
    """A money total rounded to the nearest £1,000 (for tables)."""
    if _missing(value):
        return value
    return float(round(value / TOTAL_POUNDS_TO) * TOTAL_POUNDS_TO)


def pounds_total(value: float) -> str:
    """A money total, rounded to the nearest £1,000."""
    if _missing(value):
        return ""
    return f"£{round_total(value):,.0f}"
