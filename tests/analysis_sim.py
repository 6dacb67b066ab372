"""Simulated studies with known (planted) effects, for the analysis tests.

Small, vectorised generators: people with demographics and binary "talked about X"
features, SWEMWBS-like scores at two waves with drop-out, and pathway dates. The planted
effects are arguments, so a test knows the truth it should recover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COHORTS = ["clacton", "southend", "basildon"]
AGE_BANDS = ["18-24", "25-34", "35-49", "50-64"]


def simulate_people(n: int, n_features: int, rng: np.random.Generator) -> pd.DataFrame:
    """Participants with demographics and 0/1 features ``code_f0`` ... (prevalence 20-50%)."""
    pid = [f"p{i:04d}" for i in range(n)]
    decile = rng.integers(1, 11, n)
    frame = pd.DataFrame(
        {
            "pid": pid,
            "cohort": rng.choice(COHORTS, n),
            "age_band": rng.choice(AGE_BANDS, n),
            "imd_decile": decile,
            "imd_quintile": np.ceil(decile / 2).astype(int),
            "plus_coastal": rng.random(n) < 0.4,
            "plus_carer": rng.random(n) < 0.15,
        }
    )
    prevalence = rng.uniform(0.2, 0.5, n_features)
    for j in range(n_features):
        frame[f"code_f{j}"] = (rng.random(n) < prevalence[j]).astype(int)
    return frame


def simulate_change(
    people: pd.DataFrame,
    effects: dict[str, float],
    rng: np.random.Generator,
    mean_change: float = 1.5,
    sd_between: float = 4.0,
    sd_within: float = 2.5,
) -> pd.DataFrame:
    """Baseline and follow-up scores; follow-up = baseline-independent person effect +
    mean change + planted feature effects + noise. Returns wide pid, pre, post."""
    n = len(people)
    person = rng.normal(22.0, sd_between, n)
    shift = mean_change + sum(b * people[f].to_numpy() for f, b in effects.items())
    pre = person + rng.normal(0, sd_within, n)
    post = person + shift + rng.normal(0, sd_within, n)
    return pd.DataFrame({"pid": people["pid"], "pre": pre, "post": post})


def scores_long(
    wide: pd.DataFrame, dropout: float, rng: np.random.Generator, instrument: str = "swemwbs"
) -> pd.DataFrame:
    """Long ``scores`` table; a share ``dropout`` of people lack a follow-up score."""
    keep = rng.random(len(wide)) >= dropout
    base = pd.DataFrame({"pid": wide["pid"], "wave": "baseline", "score": wide["pre"]})
    follow = pd.DataFrame(
        {"pid": wide["pid"][keep], "wave": "followup_6m", "score": wide["post"][keep]}
    )
    out = pd.concat([base, follow], ignore_index=True)
    out["instrument"] = instrument
    out["item"] = ""
    out["valid"] = True
    return out


def simulate_binary(
    people: pd.DataFrame, effects: dict[str, float], intercept: float, rng: np.random.Generator
) -> np.ndarray:
    """0/1 outcome from a logistic model with planted log-odds effects."""
    eta = intercept + sum(b * people[f].to_numpy() for f, b in effects.items())
    return (rng.random(len(people)) < 1 / (1 + np.exp(-eta))).astype(float)
