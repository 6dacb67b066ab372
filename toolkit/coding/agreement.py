"""How far coders agree: per code and overall, between people and between people and machine.

A *unit* is one segment and one code. A reviewer who made any decision on a segment has
rated every code for it: 1 if they accepted or added the code, 0 otherwise (a rejected or
never-suggested code counts as "not this code", as in NVivo's coding comparison). Their
latest decision counts (:func:`toolkit.coding.decisions.current_decisions`).

Measures, per code and over all units ("overall"):

- ``percent_agreement``: share of units rated by two or more reviewers on which all agree;
- ``cohens_kappa``: Cohen's kappa when there are two reviewers; with more, the mean of the
  pairwise kappas (Light's kappa);
- ``krippendorff_alpha``: Krippendorff's alpha (nominal) for two or more reviewers, allowing
  gaps (a reviewer who did not see a segment), from the ``krippendorff`` package;
- ``machine_agreement`` / ``machine_kappa``: each reviewer's rating against the machine
  suggestion (a rule or model coding with score at or above ``threshold``), pooled over
  reviewers.

Kappa and alpha are undefined (shown as blank) when every rating is the same, e.g. a code
nobody applied.

Example
-------
Two reviewers agree on two of three segments for ``transport``:

>>> log = pd.DataFrame({"reviewer": ["a", "a", "a", "b", "b", "b"],
...     "seg_id": ["s1", "s2", "s3"] * 2, "code": ["transport"] * 6,
...     "decision": ["accept", "accept", "reject", "accept", "reject", "reject"]})
>>> table = agreement_table(log, codes=["transport"])
>>> table[["code", "n_reviewers", "n_units", "percent_agreement", "cohens_kappa"]].round(2)
        code  n_reviewers  n_units  percent_agreement  cohens_kappa
0  transport            2        3               0.67           0.4
1    overall            2        3               0.67           0.4
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd

from toolkit.coding.decisions import APPLIED, current_decisions

MACHINE_SOURCES = ("rule", "model")
OVERALL = "overall"
COLUMNS = [
    "code",
    "n_reviewers",
    "n_units",
    "percent_agreement",
    "cohens_kappa",
    "krippendorff_alpha",
    "n_machine_pairs",
    "machine_agreement",
    "machine_kappa",
]


def cohens_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two raters' labels (NaN when chance agreement is total).

    >>> round(cohens_kappa(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0])), 3)
    0.5
    """
    a, b = np.asarray(a), np.asarray(b)
    if len(a) == 0:
        return float("nan")
    observed = float(np.mean(a == b))
    labels = np.union1d(a, b)
    expected = float(sum(np.mean(a == k) * np.mean(b == k) for k in labels))
    if expected >= 1.0:
        return float("nan")
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(matrix: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) of a reviewers x units matrix, NaN marking gaps."""
    values = matrix[~np.isnan(matrix)]
    paired = (~np.isnan(matrix)).sum(axis=0) >= 2
    if not paired.any() or len(np.unique(values)) < 2:
        return float("nan")  # alpha is 0/0 when there is only one value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(
            krippendorff.alpha(reliability_data=matrix[:, paired], level_of_measurement="nominal")
        )


def percent_agreement(matrix: np.ndarray) -> tuple[float, int]:
    """Share of units rated by 2+ reviewers on which all agree, and how many such units."""
    rated = ~np.isnan(matrix)
    paired = rated.sum(axis=0) >= 2
    if not paired.any():
        return float("nan"), 0
    sub = matrix[:, paired]
    lo = np.nanmin(sub, axis=0)
    hi = np.nanmax(sub, axis=0)
    return float(np.mean(lo == hi)), int(paired.sum())


def light_kappa(matrix: np.ndarray) -> float:
    """Cohen's kappa for two reviewers; the mean over reviewer pairs for more (Light's)."""
    kappas = []
    for i, j in itertools.combinations(range(matrix.shape[0]), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        if both.any():
            kappas.append(cohens_kappa(matrix[i, both], matrix[j, both]))
    kappas = [k for k in kappas if not np.isnan(k)]
    return float(np.mean(kappas)) if kappas else float("nan")


def ratings(decisions: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Long table reviewer, seg_id, code, value (1 applied, 0 not) over reviewed segments."""
    current = current_decisions(decisions)
    if current.empty:
        return pd.DataFrame(columns=["reviewer", "seg_id", "code", "value"])
    reviewed = current[["reviewer", "seg_id"]].drop_duplicates()
    grid = reviewed.merge(pd.DataFrame({"code": codes}), how="cross")
    applied = current.loc[current["decision"].isin(APPLIED), ["reviewer", "seg_id", "code"]]
    applied = applied.assign(value=1.0)
    grid = grid.merge(applied, on=["reviewer", "seg_id", "code"], how="left")
    grid["value"] = grid["value"].fillna(0.0)
    return grid


def machine_labels(
    codings: pd.DataFrame, threshold: float, sources: tuple[str, ...] = MACHINE_SOURCES
) -> set[tuple[str, str]]:
    """(seg_id, code) pairs a rule or model suggested with score >= threshold."""
    machine = codings.loc[codings["source"].astype(str).isin(sources)]
    score = pd.to_numeric(machine["score"], errors="coerce")
    machine = machine.loc[score >= threshold]
    return set(zip(machine["seg_id"], machine["code"], strict=True))


def _measures(long: pd.DataFrame, machine: set[tuple[str, str]] | None) -> dict[str, float]:
    long = long.assign(unit=long["seg_id"] + "\x1f" + long["code"])
    wide = long.pivot_table(index="reviewer", columns="unit", values="value", aggfunc="first")
    matrix = wide.to_numpy(dtype=float)
    share, n_units = percent_agreement(matrix)
    out = {
        "n_reviewers": int(wide.shape[0]),
        "n_units": n_units,
        "percent_agreement": share,
        "cohens_kappa": light_kappa(matrix) if wide.shape[0] >= 2 else float("nan"),
        "krippendorff_alpha": krippendorff_alpha(matrix) if wide.shape[0] >= 2 else float("nan"),
    }
    if machine is not None:
        suggested = np.array(
            [(s, c) in machine for s, c in zip(long["seg_id"], long["code"], strict=True)],
            dtype=float,
        )
        human = long["value"].to_numpy(dtype=float)
        out["n_machine_pairs"] = len(human)
        out["machine_agreement"] = float(np.mean(human == suggested)) if len(human) else np.nan
        out["machine_kappa"] = cohens_kappa(human, suggested)
    else:
        out.update(n_machine_pairs=0, machine_agreement=np.nan, machine_kappa=np.nan)
    return out


def agreement_table(
    decisions: pd.DataFrame,
    codings: pd.DataFrame | None = None,
    codes: list[str] | None = None,
    threshold: float = 0.5,
    machine_sources: tuple[str, ...] = MACHINE_SOURCES,
) -> pd.DataFrame:
    """Agreement per code and overall (last row, ``code == "overall"``).

    Parameters
    ----------
    decisions : DataFrame
        The decision log (:func:`toolkit.coding.decisions.read_decisions`).
    codings : DataFrame, optional
        The ``codings`` table, for human-versus-machine agreement.
    codes : list of str, optional
        Codes to report (default: every code in the decisions). Codes decided on but not
        listed are added at the end so no decision is left out.
    threshold : float
        Machine suggestions with a score at or above this count as "machine applied".
    machine_sources : tuple of str
        Which suggestions are "the machine": ``("rule",)`` leaves out model suggestions,
        which are learned from these same human decisions and so agree with them partly by
        construction.
    """
    seen = sorted(set(current_decisions(decisions)["code"])) if not decisions.empty else []
    codes = list(codes or [])
    codes += [c for c in seen if c not in codes]
    long = ratings(decisions, codes)
    machine = machine_labels(codings, threshold, machine_sources) if codings is not None else None
    rows = []
    for code in codes:
        part = long.loc[long["code"] == code]
        if part.empty:
            rows.append({"code": code, "n_reviewers": 0, "n_units": 0, "n_machine_pairs": 0})
            continue
        rows.append({"code": code, **_measures(part, machine)})
    if not long.empty:
        rows.append({"code": OVERALL, **_measures(long, machine)})
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    for col in ("n_reviewers", "n_units", "n_machine_pairs"):
        table[col] = table[col].fillna(0).astype(int)
    return table


def format_table(table: pd.DataFrame) -> str:
    """The agreement table as aligned plain text (blank where a measure is undefined)."""
    shown = table.copy()
    for col in ("percent_agreement", "machine_agreement"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{100 * v:.0f}%")
    for col in ("cohens_kappa", "krippendorff_alpha", "machine_kappa"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    return shown.to_string(index=False)


COUNT_COLUMNS = ["n_units", "n_machine_pairs"]


def study_agreement(
    study,
    outputs=None,
    threshold: float = 0.5,
    machine_sources: tuple[str, ...] = MACHINE_SOURCES,
) -> tuple[pd.DataFrame, pd.DataFrame, Path]:
    """Agreement for a study from its decision log; saved to ``tables/agreement.csv``.

    Returns the table (exact numbers), the published version (counts through the study's
    disclosure rule, as saved) and the CSV path.
    """
    from toolkit.coding.codebook import load_study_codebook
    from toolkit.coding.decisions import read_decisions
    from toolkit.errors import UserError
    from toolkit.privacy.disclosure import DisclosureRule, publish_csv
    from toolkit.study.tables import StudyOutputs

    outputs = outputs or StudyOutputs.for_study(study)
    log = read_decisions(study)
    if log.empty:
        raise UserError(
            f"{study.path(study.decisions)}: no coding decisions yet; review some "
            "suggestions first (lxt review export / import)"
        )
    codes = load_study_codebook(study).codable_ids if study.codebook else None
    codings = outputs.read("codings") if outputs.has("codings") else None
    table = agreement_table(log, codings, codes, threshold, machine_sources)
    path = outputs.tables / "agreement.csv"
    shown = publish_csv(table, path, DisclosureRule.from_study(study), COUNT_COLUMNS)
    return table, shown, path
