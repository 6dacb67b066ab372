"""Core20PLUS5: who the programme reached, and how each group fared (REFERENCE.md).

* **Core20**: people living in the most deprived 20% of areas in England, i.e. IMD
  quintile 1 (deciles 1-2). The decile comes from the participant register or from a
  user-supplied LSOA -> IMD lookup (IoD2019 File 7 uses ``LSOA code (2011)``, IoD2025 uses
  ``LSOA code (2021)``); quintile = ceil(decile / 2).
* **PLUS**: locally chosen groups, named in ``study.yml`` (``participants.plus_groups``)
  and carried as ``plus_<group>`` flags.
* Outcomes by group: for binary outcomes the number and share achieving them, for
  continuous ones the mean with a 95% confidence interval.

Every published count goes through the disclosure rule; means and shares of groups below
the threshold are blanked. Groups overlap (a person can be Core20 *and* in several PLUS
groups), so rows do not add up to the total — the table says so.

Example
-------
>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "File_7_IoD2025.csv"
>>> _ = path.write_text("LSOA code (2021),Index of Multiple Deprivation (IMD) Decile\\n"
...                     "E01021504,1\\nE01033098,7\\n")
>>> read_imd_lookup(path)
        lsoa  imd_decile  edition
0  E01021504           1  IoD2025
1  E01033098           7  IoD2025
>>> quintile_from_decile(pd.Series([1, 2, 3, 10])).tolist()
[1, 1, 2, 5]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.errors import Problem, UserError

_LSOA_COLUMN = re.compile(r"^LSOA code \((2011|2021)\)$", re.IGNORECASE)
_DECILE_COLUMN = re.compile(r"^Index of Multiple Deprivation \(IMD\) Decile", re.IGNORECASE)
EDITION_BY_LSOA_YEAR = {"2011": "IoD2019", "2021": "IoD2025"}


def quintile_from_decile(decile: pd.Series) -> pd.Series:
    """IMD quintile = ceil(decile / 2); 1 = most deprived 20% (Core20)."""
    d = pd.to_numeric(decile, errors="coerce")
    return np.ceil(d / 2).astype("Int64")


def read_imd_lookup(path: str | Path) -> pd.DataFrame:
    """Read an English Indices of Deprivation File 7 CSV (or a simple lsoa, imd_decile CSV).

    Returns columns ``lsoa``, ``imd_decile`` (1-10) and ``edition`` (IoD2019 / IoD2025 /
    "user-supplied"). Raises :class:`UserError` naming the file and what was expected.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(
            Problem(
                str(path),
                "IMD lookup file not found",
                expected="the IoD File 7 CSV named by imd_lookup in study.yml",
            )
        )
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise UserError(
            Problem(
                str(path),
                f"could not read the CSV ({type(exc).__name__})",
                expected="a UTF-8 CSV file",
            )
        ) from None
    cols = {c.strip(): c for c in raw.columns}
    lsoa_col = next((cols[c] for c in cols if _LSOA_COLUMN.match(c)), None)
    decile_col = next((cols[c] for c in cols if _DECILE_COLUMN.match(c)), None)
    edition = "user-supplied"
    if lsoa_col is not None:
        edition = EDITION_BY_LSOA_YEAR[_LSOA_COLUMN.match(lsoa_col.strip()).group(1)]
    else:
        lsoa_col = cols.get("lsoa")
    if decile_col is None:
        decile_col = cols.get("imd_decile")
    if lsoa_col is None or decile_col is None:
        raise UserError(
            Problem(
                str(path),
                "IMD lookup has no LSOA code or IMD decile column",
                expected="columns 'LSOA code (2011)' or 'LSOA code (2021)' and 'Index of Multiple "
                "Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)', or 'lsoa' and "
                "'imd_decile'",
            )
        )
    decile = pd.to_numeric(raw[decile_col], errors="coerce")
    bad = decile.isna() | ~decile.between(1, 10) | (decile % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserError(
            Problem(
                str(path),
                "IMD decile is not a whole number from 1 to 10",
                row=i + 2,
                column=decile_col,
                value=raw[decile_col].iloc[i],
                expected="a whole number from 1 to 10",
            )
        )
    return pd.DataFrame(
        {
            "lsoa": raw[lsoa_col].str.strip().str.upper(),
            "imd_decile": decile.astype(int),
            "edition": edition,
        }
    )


def imd_from_lsoa(lsoa: pd.Series, lookup: pd.DataFrame) -> pd.Series:
    """IMD decile for each LSOA code (NaN where the code is not in the lookup)."""
    table = lookup.drop_duplicates("lsoa").set_index("lsoa")["imd_decile"]
    return lsoa.astype("string").str.strip().str.upper().map(table).astype("Float64")


def register_imd_deciles(register: pd.DataFrame, study) -> pd.Series:
    """IMD decile per register row: the register's decile column, else LSOA -> lookup.

    For ingest (the only stage that sees the LSOA): where the register's
    ``imd_decile_column`` is blank and the study names ``lsoa_column`` and ``imd_lookup``,
    the decile comes from the user's IoD File 7. Unknown LSOAs stay blank.
    """
    p = study.participants
    decile = pd.Series(np.nan, index=register.index, dtype="Float64")
    if p.imd_decile_column and p.imd_decile_column in register.columns:
        decile = pd.to_numeric(register[p.imd_decile_column], errors="coerce").astype("Float64")
    if study.imd_lookup and p.lsoa_column and p.lsoa_column in register.columns:
        lookup = read_imd_lookup(study.path(study.imd_lookup))
        decile = decile.fillna(imd_from_lsoa(register[p.lsoa_column], lookup))
    return decile


def participant_groups(participants: pd.DataFrame) -> dict[str, pd.Series]:
    """Boolean membership of every Core20PLUS5 reporting group, keyed by group label."""
    p = participants
    if "imd_quintile" in p.columns and p["imd_quintile"].notna().any():
        quint = pd.to_numeric(p["imd_quintile"], errors="coerce").astype(float)
    elif "imd_decile" in p.columns:
        quint = quintile_from_decile(p["imd_decile"]).astype(float)
    else:
        quint = pd.Series(np.nan, index=p.index)
    plus = [c for c in p.columns if c.startswith("plus_")]
    flags = {c: p[c].astype("boolean").fillna(False).astype(bool) for c in plus}
    any_plus = (
        pd.concat(flags.values(), axis=1).any(axis=1) if flags else pd.Series(False, index=p.index)
    )
    core20 = quint == 1
    groups = {
        "All participants": pd.Series(True, index=p.index),
        "Core20 (IMD quintile 1, most deprived 20%)": core20,
        "IMD quintiles 2-5": quint.between(2, 5),
        "IMD not known": quint.isna(),
    }
    for c, f in flags.items():
        groups[f"PLUS: {c.removeprefix('plus_').replace('_', ' ')}"] = f
    if flags:
        groups["Core20 or any PLUS group"] = core20 | any_plus
        groups["Neither Core20 nor a PLUS group"] = ~(core20 | any_plus) & quint.notna()
    return groups


def core20_summary(
    participants: pd.DataFrame,
    outcomes_wide: pd.DataFrame,
    outcome_binary: dict[str, bool],
    cohorts: list[str] | None = None,
) -> pd.DataFrame:
    """Raw per-group, per-cohort summary (publish with :func:`publish_core20`).

    ``outcomes_wide`` is indexed by pid with one column per outcome.
    """
    p = participants.set_index("pid")
    cohorts = cohorts or sorted(p["cohort"].astype(str).unique())
    rows = []
    for cohort in ["all", *cohorts]:
        sub = (
            p[p["cohort"].astype(str).isin(cohorts)]
            if cohort == "all"
            else p[p["cohort"].astype(str) == cohort]
        )
        total = len(sub)
        for group, member in participant_groups(sub.reset_index()).items():
            ids = sub.index[member.fillna(False).to_numpy(dtype=bool)]
            row = {
                "cohort": cohort,
                "group": group,
                "n_people": len(ids),
                "n_cohort": total,
                "share_of_cohort": len(ids) / total if total else np.nan,
            }
            for name, is_binary in outcome_binary.items():
                if name not in outcomes_wide.columns:
                    continue
                v = outcomes_wide[name].reindex(ids).dropna().to_numpy(float)
                row[f"{name}__n"] = v.size
                if is_binary:
                    row[f"{name}__count"] = int(v.sum())
                    row[f"{name}__value"] = v.mean() if v.size else np.nan
                    row[f"{name}__ci_low"], row[f"{name}__ci_high"] = wilson_interval(
                        int(v.sum()), v.size
                    )
                else:
                    row[f"{name}__value"] = v.mean() if v.size else np.nan
                    if v.size > 1:
                        half = stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
                    else:
                        half = np.nan
                    row[f"{name}__ci_low"] = row[f"{name}__value"] - half
                    row[f"{name}__ci_high"] = row[f"{name}__value"] + half
            rows.append(row)
    return pd.DataFrame(rows)


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95% interval for a proportion k/n (good for small n and extremes).

    >>> tuple(round(v, 3) for v in wilson_interval(5, 10))
    (0.237, 0.763)
    """
    if n == 0:
        return (np.nan, np.nan)
    phat = k / n
    denom = 1 + z**2 / n
    centre = (phat + z**2 / (2 * n)) / denom
    half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
    return (float(centre - half), float(centre + half))


def publish_core20(summary: pd.DataFrame, rule) -> pd.DataFrame:
    """Disclosure-controlled Core20PLUS5 table.

    People counts go through ``rule.count``; an outcome's share/mean and CI are blanked when
    fewer than ``rule.threshold`` people have the outcome, and a binary outcome's share is
    also blanked when fewer than the threshold achieved it *or* did not (either would reveal
    a small group). The group-size columns of the IMD partition (Core20 / quintiles 2-5 /
    not known) pass through ``rule.table`` per cohort for secondary suppression.
    """
    out = summary.copy()
    for col in [c for c in summary.columns if c.endswith("__n")]:
        name = col[: -len("__n")]
        n = summary[col]
        small = n < rule.threshold
        if f"{name}__count" in summary.columns:
            k = summary[f"{name}__count"]
            small = small | (k < rule.threshold) | ((n - k) < rule.threshold)
            out[f"{name}__count"] = [rule.count(int(v)) for v in k]
        binary = f"{name}__count" in summary.columns
        for stat in ("value", "ci_low", "ci_high"):
            # Shares to whole percentages (with a rounded n, finer ones reveal exact counts).
            digits = 2 if binary and stat == "value" else 3
            out[f"{name}__{stat}"] = summary[f"{name}__{stat}"].mask(small).round(digits)
        out[col] = [rule.count(int(v)) for v in n]
    out["n_cohort"] = [rule.count(int(v)) for v in summary["n_cohort"]]
    out["n_people"] = _secondary_people(summary, rule)
    # The share is worked out from the published counts, as in the reports, so the table and
    # the report agree and the share cannot undo the rounding; blank where a count is hidden.
    out["share_of_cohort"] = [
        round(int(k) / int(n), 2) if str(k).isdigit() and str(n).isdigit() and int(n) else np.nan
        for k, n in zip(out["n_people"], out["n_cohort"], strict=True)
    ]
    out["note"] = "groups overlap: a person can be in Core20 and several PLUS groups"
    return out


# The IMD groups partition each cohort: a suppressed one could be recovered by subtraction.
_PARTITION = ("Core20 (IMD quintile 1, most deprived 20%)", "IMD quintiles 2-5", "IMD not known")


def _secondary_people(summary: pd.DataFrame, rule) -> list[str]:
    shown = [rule.count(int(v)) for v in summary["n_people"]]
    shown = pd.Series(shown, index=summary.index, dtype=object)
    part = summary[summary["group"].isin(_PARTITION)]
    if part.empty:
        return shown.tolist()
    wide = part.pivot(index="cohort", columns="group", values="n_people").fillna(0).astype(int)
    masked = rule.table(wide.reset_index(), count_columns=list(wide.columns)).set_index("cohort")
    for idx, row in part.iterrows():
        shown[idx] = str(masked.loc[row["cohort"], row["group"]])
    return shown.tolist()
