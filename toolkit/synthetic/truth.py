"""Ground truth for tests and benchmarks: what each document says and what was planted.

Written to ``<study>/truth/`` and never read by the pipeline. ``README.md`` in that folder
(text in :data:`TRUTH_README`) defines every column and the offset conventions.
"""

from __future__ import annotations

import csv
import statistics
from datetime import date
from pathlib import Path

import yaml

from toolkit.synthetic import pathway as pw
from toolkit.synthetic import surveys as sv
from toolkit.synthetic.compose import Passage
from toolkit.synthetic.people import Person
from toolkit.synthetic.phrases import THEME_IDS

# SWEMWBS raw -> metric (REFERENCE.md; Stewart-Brown et al. 2009 Rasch conversion).
SWEMWBS_METRIC = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98,
    23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03,
    31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip

THEME_COLUMNS = [
    "participant_ref", "file", "doc_source", "wave", "turn", "start", "end", "themes",
    "sentence",
]  # fmt: skip
IDENTIFIER_COLUMNS = [
    "participant_ref", "file", "doc_source", "wave", "turn", "speaker", "label", "value",
    "start", "end",
]  # fmt: skip


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """UTF-8 CSV with LF line ends (byte-identical on every platform)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def passage_rows(
    ref: str,
    file: str,
    source: str,
    wave: str,
    turn: int | str,
    speaker: str,
    passage: Passage,
    themes_out: list[dict],
    ids_out: list[dict],
) -> None:
    """Append the truth rows of one passage (a survey answer or one transcript turn)."""
    for start, end, sentence in passage.layout():
        if speaker == "participant":
            themes_out.append(
                {
                    "participant_ref": ref,
                    "file": file,
                    "doc_source": source,
                    "wave": wave,
                    "turn": turn,
                    "start": start,
                    "end": end,
                    "themes": ";".join(sentence.themes),
                    "sentence": sentence.text,
                }
            )
        for id_start, id_end, label, value in sentence.ids:
            ids_out.append(
                {
                    "participant_ref": ref,
                    "file": file,
                    "doc_source": source,
                    "wave": wave,
                    "turn": turn,
                    "speaker": speaker,
                    "label": label,
                    "value": value,
                    "start": start + id_start,
                    "end": start + id_end,
                }
            )


def swemwbs_metric(items: dict[str, str]) -> float | None:
    """Complete-case SWEMWBS metric score from raw answers (numbers or labels)."""
    labels = {label.lower(): k for k, label in enumerate(sv.SWEMWBS_LABELS, start=1)}
    total = 0
    for k in range(1, 8):
        raw = items[f"swemwbs_{k}"].strip()
        if not raw:
            return None
        total += int(raw) if raw.isdigit() else labels[raw.lower()]
    return SWEMWBS_METRIC[total]


def observed_effects(
    people: list[Person],
    baseline: dict[str, sv.WaveRecord],
    followup: dict[str, sv.WaveRecord],
    pathways: dict[str, dict[str, date]],
) -> dict:
    """Effect sizes as they came out in this sample (independent of the toolkit's code)."""
    by_ref = {p.ref: p for p in people}

    def rate(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    changes, conf_changes, other_changes, sat_changes = [], [], [], []
    for ref, after in followup.items():
        before = baseline[ref]
        a, b = swemwbs_metric(before.items), swemwbs_metric(after.items)
        if a is not None and b is not None:
            changes.append(b - a)
            (conf_changes if "confidence" in by_ref[ref].themes else other_changes).append(b - a)
        s0, s1 = before.items["ons_satisfied"], after.items["ons_satisfied"]
        if s0 and s1:
            sat_changes.append(int(s1) - int(s0))
    starters = [p for p in people if "started" in pathways[p.ref]]
    offered = [p for p in people if "offered" in pathways[p.ref]]

    def retained(group):
        return rate(["retained_6m" in pathways[p.ref] for p in group])

    def lost(group):
        return rate(["started" not in pathways[p.ref] for p in group])

    buddy = [p for p in starters if "buddies_mentors" in p.themes]
    checks = [p for p in offered if "checks_waits" in p.themes]
    no_buddy = [p for p in starters if "buddies_mentors" not in p.themes]
    no_checks = [p for p in offered if "checks_waits" not in p.themes]
    low = sorted(baseline, key=lambda ref: _mean_item(baseline[ref].items))
    third = len(low) // 3
    waits = {True: [], False: []}
    for p in people:
        dates = pathways[p.ref]
        if "checks_cleared" in dates:
            days = (dates["checks_cleared"] - dates["offered"]).days
            waits["checks_waits" in p.themes].append(days)
    return {
        "followup_response_rate": round(len(followup) / len(baseline), 3),
        "followup_response_rate_lowest_third_baseline_wellbeing": rate(
            [ref in followup for ref in low[:third]]
        ),
        "followup_response_rate_highest_third_baseline_wellbeing": rate(
            [ref in followup for ref in low[-third:]]
        ),
        "swemwbs_change_mean_complete_cases": round(statistics.fmean(changes), 2),
        "swemwbs_change_n": len(changes),
        "swemwbs_change_mean_without_confidence": round(statistics.fmean(other_changes), 2),
        "swemwbs_change_confidence_minus_others": round(
            statistics.fmean(conf_changes) - statistics.fmean(other_changes), 2
        ),
        "life_satisfaction_change_mean": round(statistics.fmean(sat_changes), 2),
        "retained_6m_among_starters": {
            "buddies_mentors": retained(buddy),
            "others": retained(no_buddy),
            "n_buddies_mentors": len(buddy),
            "n_others": len(starters) - len(buddy),
        },
        "offered_but_not_started": {
            "checks_waits": lost(checks),
            "others": lost(no_checks),
            "n_checks_waits": len(checks),
            "n_others": len(offered) - len(checks),
        },
        "mean_days_offer_to_checks_cleared": {
            "checks_waits": round(statistics.fmean(waits[True]), 1) if waits[True] else None,
            "others": round(statistics.fmean(waits[False]), 1) if waits[False] else None,
        },
        "job_started_rate": rate(["started" in pathways[p.ref] for p in people]),
    }


def _mean_item(items: dict[str, str]) -> float:
    # Rank people by baseline wellbeing from whatever SWEMWBS items they answered.
    labels = {label.lower(): k for k, label in enumerate(sv.SWEMWBS_LABELS, start=1)}
    values = []
    for k in range(1, 8):
        raw = items[f"swemwbs_{k}"].strip()
        if raw:
            values.append(int(raw) if raw.isdigit() else labels[raw.lower()])
    return statistics.fmean(values) if values else 3.0


def effects_document(observed: dict) -> dict:
    """``effects.yml``: the planted (population) effects and what this sample shows."""
    return {
        "description": (
            "Effects planted by toolkit/synthetic. Only these themes change an outcome; "
            "every other theme has no effect on any outcome (true nulls for testing false "
            "discoveries). 'planted' values are the generating parameters; 'observed' are "
            "computed from the written files (complete cases, raw data, no modelling)."
        ),
        "planted": {
            "general_wellbeing_gain": {
                "outcome": "swemwbs_change",
                "size": f"+{sv.WELLBEING_GAIN} on every SWEMWBS item (about +1.5 metric points)",
                "item_shift": sv.WELLBEING_GAIN,
            },
            "confidence_extra_gain": {
                "theme": "confidence",
                "outcome": "swemwbs_change",
                "size": f"+{sv.CONFIDENCE_EXTRA_GAIN} more on every item (about +2 metric points)",
                "item_shift": sv.CONFIDENCE_EXTRA_GAIN,
            },
            "life_satisfaction_gain": {
                "outcome": "life_satisfaction_change",
                "size": "about +0.5 on the 0-10 scale",
                "latent_shift": sv.LIFE_SATISFACTION_GAIN,
                "note": "shift before rounding and clipping to 0-10",
            },
            "buddies_retention": {
                "theme": "buddies_mentors",
                "outcome": "retained_6m (among people who started a job)",
                "probability_with_theme": pw.P_RETAINED_6M[True],
                "probability_without_theme": pw.P_RETAINED_6M[False],
                "retained_3m_with_theme": pw.P_RETAINED_3M[True],
                "retained_3m_without_theme": pw.P_RETAINED_3M[False],
            },
            "checks_post_offer_loss": {
                "theme": "checks_waits",
                "outcome": "offered but never started",
                "probability_with_theme": pw.P_POST_OFFER_LOSS[True],
                "probability_without_theme": pw.P_POST_OFFER_LOSS[False],
                "mean_days_offer_to_checks_cleared_with_theme": pw.MEAN_CHECK_WAIT_DAYS[True],
                "mean_days_offer_to_checks_cleared_without_theme": pw.MEAN_CHECK_WAIT_DAYS[False],
            },
            "followup_dropout": {
                "model": "logistic",
                "intercept": sv.DROPOUT_BASE_LOGIT,
                "slope_per_sd_baseline_wellbeing": sv.DROPOUT_WELLBEING_SLOPE,
                "note": "lower baseline wellbeing -> more likely to miss the six-month survey",
            },
            "null_themes": [
                t for t in THEME_IDS if t not in {"confidence", "buddies_mentors", "checks_waits"}
            ],
        },
        "observed": observed,
    }


def write_effects(path: Path, observed: dict) -> None:
    """Write ``effects.yml`` (planted parameters and observed sizes)."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        yaml.safe_dump(effects_document(observed), handle, sort_keys=False, allow_unicode=True)
