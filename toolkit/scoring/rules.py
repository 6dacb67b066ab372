"""Score outcome measures by the rules in REFERENCE.md.

Missing items: complete cases by default. Prorating happens only when the caller switches it
on *and* the instrument allows it (SWEMWBS up to 1 missing item, WEMWBS up to 3, PHQ-9 up to 2
replaced by the person's item mean); every prorated score says so in the ``prorated`` column.
Prorated sums are rounded half up to a whole number before any table lookup (SWEMWBS Rasch
conversion).

Example
-------
>>> import pandas as pd
>>> answers = pd.DataFrame({"1": [5], "2": [5], "3": [5], "4": [5], "5": [5], "6": [5], "7": [5]})
>>> row = score_frame(answers, "swemwbs").iloc[0]
>>> float(row["raw_score"]), float(row["score"]), bool(row["valid"])
(35.0, 35.0, True)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from toolkit.errors import Problem, UserError
from toolkit.scoring.instruments import Instrument, load_instrument

SCORE_COLUMNS = ["item", "score", "band", "valid", "n_missing", "raw_score", "prorated", "flag"]


def _round_half_up(x: float) -> int:
    # Python's round() rounds 0.5 to even; scoring conventions round halves up.
    return int(math.floor(x + 0.5))


def coerce_items(
    items: pd.DataFrame,
    instrument: Instrument,
    file: str = "(data)",
    columns: dict[str, str] | None = None,
    rows: list[int] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read every answer as a number; collect a :class:`Problem` for each invalid cell.

    ``columns`` maps item id -> the column name the user sees (for messages); ``rows`` gives
    the row number a person sees in a spreadsheet for each row (default: header on row 1, data
    from row 2).
    """
    columns = columns or {}
    rows = rows if rows is not None else list(range(2, len(items) + 2))
    numeric = pd.DataFrame(index=items.index, columns=instrument.items, dtype=float)
    problems: list[Problem] = []
    for item in instrument.items:
        values = items[item].tolist()
        out = np.full(len(values), np.nan)
        for i, value in enumerate(values):
            try:
                number = instrument.coerce(item, value)
            except ValueError as exc:
                problems.append(
                    Problem(
                        file,
                        f"not a valid {instrument.title} answer",
                        row=rows[i],
                        column=columns.get(item, item),
                        value=value,
                        expected=str(exc),
                    )
                )
                continue
            if number is not None:
                out[i] = number
        numeric[item] = out
    return numeric, problems


def _score_sum(numeric: pd.DataFrame, inst: Instrument, prorate: bool) -> pd.DataFrame:
    n_items = len(inst.items)
    n_missing = numeric.isna().sum(axis=1).astype(int)
    answered_mean = numeric.mean(axis=1, skipna=True)
    allowed = prorate and inst.prorate_max_missing > 0
    rows = []
    for idx in numeric.index:
        missing = int(n_missing[idx])
        raw = np.nan
        prorated = False
        if missing == 0:
            raw = float(numeric.loc[idx].sum())
        elif allowed and missing <= inst.prorate_max_missing:
            raw = float(_round_half_up(answered_mean[idx] * n_items))
            prorated = True
        if np.isnan(raw):
            score = np.nan
        elif inst.conversion:
            score = inst.conversion[int(raw)]
        else:
            score = raw
        flag = ""
        if inst.safeguarding_item is not None:
            answer = numeric.loc[idx, inst.safeguarding_item]
            if not np.isnan(answer) and answer > 0:
                flag = "safeguarding: item 9 answered above 0; follow the study's protocol"
        rows.append(
            {
                "item": "",
                "score": score,
                "band": "" if np.isnan(score) else inst.band_for(score),
                "valid": not np.isnan(score),
                "n_missing": missing,
                "raw_score": raw,
                "prorated": prorated,
                "flag": flag,
            }
        )
    return pd.DataFrame(rows, index=numeric.index, columns=SCORE_COLUMNS)


def _score_items(numeric: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    frames = []
    for item in inst.items:
        values = numeric[item]
        frames.append(
            pd.DataFrame(
                {
                    "item": item,
                    "score": values,
                    "band": [("" if np.isnan(v) else inst.band_for(v, item)) for v in values],
                    "valid": values.notna(),
                    "n_missing": values.isna().astype(int),
                    "raw_score": values,
                    "prorated": False,
                    "flag": "",
                },
                index=numeric.index,
            )
        )
    return pd.concat(frames)[SCORE_COLUMNS]


def _score_category(items: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    item = inst.items[0]
    codes = [inst.category_of(v) for v in items[item].tolist()]
    return pd.DataFrame(
        {
            "item": "",
            "score": [np.nan if c is None else float(inst.categories[c]["in_work"]) for c in codes],
            "band": [c or "" for c in codes],
            "valid": [c is not None for c in codes],
            "n_missing": [int(c is None) for c in codes],
            "raw_score": np.nan,
            "prorated": False,
            "flag": "",
        },
        index=items.index,
    )[SCORE_COLUMNS]


def score_frame(
    items: pd.DataFrame,
    instrument: str | Instrument,
    prorate: bool = False,
    file: str = "(data)",
    columns: dict[str, str] | None = None,
    rows: list[int] | None = None,
) -> pd.DataFrame:
    """Score one instrument for every row of ``items`` (columns named by item id).

    Returns a frame with the same index and the columns ``item, score, band, valid,
    n_missing, raw_score, prorated, flag``:

    - sum scales (SWEMWBS, WEMWBS, UCLA-3, PHQ-9, GAD-7): one row per person, ``item`` is
      ``""``; SWEMWBS ``score`` is the Rasch metric score and ``raw_score`` the raw sum.
    - ONS4: items are reported separately, so one row per person *per item* (``item`` names
      it; the index repeats). Anxiety has its own bands.
    - employment status: ``band`` is the ILO-style category id and ``score`` is 1 when in work.

    Invalid answers raise :class:`UserError` listing every bad cell.

    Examples
    --------
    >>> import pandas as pd
    >>> phq = pd.DataFrame([[3, 3, 3, 3, 2, 0, 0, 0, 0]], columns=list("123456789"))
    >>> row = score_frame(phq, "phq9").iloc[0]
    >>> float(row["score"]), row["band"]
    (14.0, 'moderate')
    """
    inst = load_instrument(instrument) if isinstance(instrument, str) else instrument
    missing_cols = [i for i in inst.items if i not in items.columns]
    if missing_cols:
        raise UserError(
            Problem(
                file,
                f"{inst.title}: item column(s) missing",
                value=", ".join(missing_cols),
                expected=f"columns for items {inst.items}",
            )
        )
    rows = rows if rows is not None else list(range(2, len(items) + 2))
    if inst.method == "category":
        problems = []
        for i, value in enumerate(items[inst.items[0]].tolist()):
            try:
                inst.category_of(value)
            except ValueError as exc:
                col = (columns or {}).get(inst.items[0], inst.items[0])
                problems.append(
                    Problem(
                        file,
                        "not a valid employment status",
                        row=rows[i],
                        column=col,
                        value=value,
                        expected=str(exc),
                    )
                )
        if problems:
            raise UserError(problems)
        return _score_category(items, inst)
    numeric, problems = coerce_items(items, inst, file=file, columns=columns, rows=rows)
    if problems:
        raise UserError(problems)
    if inst.method == "items":
        return _score_items(numeric, inst)
    return _score_sum(numeric, inst, prorate)


def _match_item_columns(frame: pd.DataFrame, inst: Instrument) -> dict[str, str]:
    """Find each item's column: named exactly by item id, or ``<instrument>_<item>``."""
    lookup = {str(c).strip().lower(): c for c in frame.columns}
    found = {}
    for item in inst.items:
        for candidate in (
            item.lower(),
            f"{inst.name}_{item}".lower(),
            f"{inst.name}{item}".lower(),
        ):
            if candidate in lookup:
                found[item] = lookup[candidate]
                break
    return found


def score_file(
    frame: pd.DataFrame,
    instrument: str,
    prorate: bool = False,
    file: str = "(data)",
    rows: list[int] | None = None,
) -> pd.DataFrame:
    """Score a wide table (one row per person) and return it with the score columns added.

    Item columns are found by item id (``1``, ``satisfaction``) or ``<instrument>_<item>``
    (``swemwbs_1``); other columns (ids, dates) are carried through unchanged.
    """
    inst = load_instrument(instrument)
    found = _match_item_columns(frame, inst)
    missing = [i for i in inst.items if i not in found]
    if missing:
        wanted = ", ".join(f"{i!r} or '{inst.name}_{i}'" for i in missing)
        raise UserError(
            Problem(
                file,
                f"{inst.title}: item column(s) not found",
                row=1,
                expected=f"a header naming {wanted}",
            )
        )
    items = frame[[found[i] for i in inst.items]].copy()
    items.columns = inst.items
    scored = score_frame(
        items.reset_index(drop=True),
        inst,
        prorate=prorate,
        file=file,
        columns={i: str(found[i]) for i in inst.items},
        rows=rows,
    )
    carried = frame.reset_index(drop=True)
    if inst.method == "items":
        # Long form (one row per person per item): the wide item columns would only repeat.
        carried = carried.drop(columns=[found[i] for i in inst.items])
        out = carried.join(scored, how="right")
    else:
        out = carried.join(scored)
    out.insert(len(carried.columns), "instrument", inst.name)
    if inst.method != "items":
        out = out.drop(columns=["item"])
    return out.reset_index(drop=True)
