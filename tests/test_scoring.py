"""Scores match hand-worked values for every instrument (REFERENCE.md), boundaries included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import UserError
from toolkit.scoring.instruments import load_instrument
from toolkit.scoring.rules import score_file, score_frame

SWEMWBS_ITEMS = [str(i) for i in range(1, 8)]


def swemwbs(*rows):
    return pd.DataFrame(list(rows), columns=SWEMWBS_ITEMS)


# -- SWEMWBS ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answers", "raw", "metric"),
    [
        ([1] * 7, 7, 7.00),  # bottom of the Rasch table
        ([5] * 7, 35, 35.00),  # top of the Rasch table
        ([3] * 7, 21, 19.25),
        ([4, 3, 4, 3, 4, 3, 4], 25, 22.35),
        ([2, 1, 1, 1, 1, 1, 1], 8, 9.51),
        ([5, 5, 5, 5, 5, 5, 4], 34, 32.55),
    ],
)
def test_swemwbs_raw_sum_and_rasch_conversion(answers, raw, metric):
    out = score_frame(swemwbs(answers), "swemwbs").iloc[0]
    assert out["raw_score"] == raw
    assert out["score"] == pytest.approx(metric)
    assert out["valid"] and out["n_missing"] == 0 and not out["prorated"]


def test_swemwbs_rasch_table_is_complete_and_increasing():
    table = load_instrument("swemwbs").conversion
    assert sorted(table) == list(range(7, 36))
    values = [table[k] for k in sorted(table)]
    assert all(b > a for a, b in zip(values, values[1:], strict=False))


def test_swemwbs_missing_item_is_complete_case_by_default():
    out = score_frame(swemwbs([4, 4, 4, 4, 4, 4, None]), "swemwbs").iloc[0]
    assert not out["valid"] and np.isnan(out["score"]) and out["n_missing"] == 1


def test_swemwbs_prorating_rounds_half_up_before_the_lookup():
    # Six answers averaging 3.5 -> 24.5 -> 25 (half up, not to even) -> 22.35.
    out = score_frame(swemwbs([3, 4, 3, 4, 3, 4, None]), "swemwbs", prorate=True).iloc[0]
    assert out["raw_score"] == 25 and out["score"] == pytest.approx(22.35)
    assert out["prorated"] and out["valid"] and out["n_missing"] == 1


def test_swemwbs_prorating_allows_only_one_missing_item():
    out = score_frame(swemwbs([3, 4, 3, 4, 3, None, None]), "swemwbs", prorate=True).iloc[0]
    assert not out["valid"] and not out["prorated"]


# -- answers as label text -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("All of the time", 5.0),
        ("  all OF the   TIME ", 5.0),
        ("often", 4.0),
        ("None of the time", 1.0),
        ("3", 3.0),
        ("3.0", 3.0),
        (2, 2.0),
        (4.0, 4.0),
        ("4 - Often", 4.0),
        ("", None),
        ("Prefer not to say", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_likert_answers_arrive_as_numbers_or_labels(value, expected):
    assert load_instrument("swemwbs").coerce("1", value) == expected


@pytest.mark.parametrize("value", [0, 6, "6", 2.5, "sometimes", "4 - Rarely", True, "abc"])
def test_invalid_likert_answers_say_what_was_expected(value):
    with pytest.raises(ValueError, match="whole number from 1 to 5"):
        load_instrument("swemwbs").coerce("1", value)


def test_invalid_answers_are_all_reported_with_row_and_column():
    frame = swemwbs([1, 2, 3, 4, 5, 1, 2], [9, 2, 3, 4, "lots", 1, 2])
    with pytest.raises(UserError) as err:
        score_frame(frame, "swemwbs", file="baseline.csv", columns={"1": "swem_1", "5": "swem_5"})
    assert err.value.lines == [
        "baseline.csv, row 3, column 'swem_1': not a valid Short Warwick-Edinburgh Mental "
        "Wellbeing Scale answer: found '9', expected a whole number from 1 to 5 or one of "
        "'None of the time', 'Rarely', 'Some of the time', 'Often', 'All of the time'",
        "baseline.csv, row 3, column 'swem_5': not a valid Short Warwick-Edinburgh Mental "
        "Wellbeing Scale answer: found 'lots', expected a whole number from 1 to 5 or one of "
        "'None of the time', 'Rarely', 'Some of the time', 'Often', 'All of the time'",
    ]


# -- WEMWBS ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (14, "probable depression"),
        (40, "probable depression"),
        (41, "possible depression"),
        (44, "possible depression"),
        (45, "average"),
        (59, "average"),
        (60, "high"),
        (70, "high"),
    ],
)
def test_wemwbs_sum_and_band_boundaries(total, band):
    # Spread the total over 14 items of 1-5.
    answers = [1] * 14
    remaining = total - 14
    for i in range(14):
        add = min(4, remaining)
        answers[i] += add
        remaining -= add
    frame = pd.DataFrame([answers], columns=[str(i) for i in range(1, 15)])
    out = score_frame(frame, "wemwbs").iloc[0]
    assert out["score"] == total and out["band"] == band


def test_wemwbs_prorates_up_to_three_missing_items_only_when_switched_on():
    answers = [3] * 11 + [None] * 3
    frame = pd.DataFrame([answers], columns=[str(i) for i in range(1, 15)])
    assert not score_frame(frame, "wemwbs").iloc[0]["valid"]
    out = score_frame(frame, "wemwbs", prorate=True).iloc[0]
    assert out["score"] == 42 and out["prorated"]
    frame.iloc[0, 0] = None  # four missing: too many
    assert not score_frame(frame, "wemwbs", prorate=True).iloc[0]["valid"]


# -- ONS4 ----------------------------------------------------------------------------------------
def test_ons4_items_are_reported_separately_with_anxiety_bands():
    frame = pd.DataFrame(
        {
            "satisfaction": [4, 5, 6, 7, 8, 9, 10, 0],
            "worthwhile": [5] * 8,
            "happy": [7] * 8,
            "anxious": [0, 1, 2, 3, 4, 5, 6, 10],
        }
    )
    out = score_frame(frame, "ons4")
    sat = out[out["item"] == "satisfaction"]["band"].tolist()
    assert sat == ["low", "medium", "medium", "high", "high", "very high", "very high", "low"]
    anx = out[out["item"] == "anxious"]["band"].tolist()
    assert anx == ["very low", "very low", "low", "low", "medium", "medium", "high", "high"]
    assert len(out) == 8 * 4 and set(out["item"]) == {
        "satisfaction",
        "worthwhile",
        "happy",
        "anxious",
    }


def test_ons4_accepts_end_labels_and_rejects_eleven():
    ons = load_instrument("ons4")
    assert ons.coerce("happy", "Completely") == 10 and ons.coerce("happy", "not at all") == 0
    with pytest.raises(ValueError, match="0 to 10"):
        ons.coerce("happy", 11)


# -- UCLA-3 ------------------------------------------------------------------------------------
def test_ucla3_sum_and_loneliness_boundary():
    frame = pd.DataFrame(
        {"1": ["Hardly ever", 2, 3, 1], "2": ["some of the time", 2, 3, 1], "3": [2, 1, "OFTEN", 1]}
    )
    out = score_frame(frame, "ucla3")
    assert out["score"].tolist() == [5, 5, 9, 3]
    assert out["band"].tolist() == ["not lonely", "not lonely", "lonely", "not lonely"]
    six = score_frame(pd.DataFrame({"1": [2], "2": [2], "3": [2]}), "ucla3").iloc[0]
    assert six["score"] == 6 and six["band"] == "lonely"


# -- PHQ-9 and GAD-7 ---------------------------------------------------------------------------
def _nine(total, item9=0):
    answers = [0] * 9
    answers[8] = item9
    remaining = total - item9
    for i in range(8):
        add = min(3, remaining)
        answers[i] = add
        remaining -= add
    return answers


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total, band):
    frame = pd.DataFrame(
        [_nine(total, item9=min(3, max(0, total - 24)))], columns=[str(i) for i in range(1, 10)]
    )
    out = score_frame(frame, "phq9").iloc[0]
    assert out["score"] == total and out["band"] == band


def test_phq9_item9_above_zero_raises_a_safeguarding_flag():
    frame = pd.DataFrame([_nine(6, item9=1), _nine(6)], columns=[str(i) for i in range(1, 10)])
    flags = score_frame(frame, "phq9")["flag"].tolist()
    assert flags[0].startswith("safeguarding") and flags[1] == ""


def test_phq9_replaces_up_to_two_missing_items_by_the_item_mean():
    answers = [2, 2, 1, 1, 2, 2, 1, None, None]  # mean 11/7 -> 14.14 -> 14
    frame = pd.DataFrame([answers], columns=[str(i) for i in range(1, 10)])
    assert not score_frame(frame, "phq9").iloc[0]["valid"]
    out = score_frame(frame, "phq9", prorate=True).iloc[0]
    assert out["score"] == 14 and out["band"] == "moderate" and out["prorated"]


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(total, band):
    answers = [0] * 7
    remaining = total
    for i in range(7):
        answers[i] = min(3, remaining)
        remaining -= answers[i]
    out = score_frame(pd.DataFrame([answers], columns=[str(i) for i in range(1, 8)]), "gad7").iloc[
        0
    ]
    assert out["score"] == total and out["band"] == band


def test_gad7_has_no_prorating_rule_so_missing_stays_missing():
    frame = pd.DataFrame([[1, 1, 1, 1, 1, 1, None]], columns=[str(i) for i in range(1, 8)])
    assert not score_frame(frame, "gad7", prorate=True).iloc[0]["valid"]


# -- employment status --------------------------------------------------------------------------
def test_employment_status_maps_answers_to_ilo_style_categories():
    frame = pd.DataFrame(
        {
            "status": [
                "Employed full-time",
                " self employed ",
                "UNEMPLOYED",
                "Student",
                "Economically inactive",
                "",
                "Employed part-time",
            ]
        }
    )
    out = score_frame(frame, "employment_status")
    assert out["band"].tolist() == [
        "employed_full_time",
        "self_employed",
        "unemployed_seeking",
        "education_training",
        "economically_inactive",
        "",
        "employed_part_time",
    ]
    assert out["score"].tolist()[:5] == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert not out["valid"].iloc[5]
    with pytest.raises(UserError, match="not a valid employment status"):
        score_frame(pd.DataFrame({"status": ["astronaut"]}), "employment_status")


# -- whole files --------------------------------------------------------------------------------
def test_score_file_finds_prefixed_columns_and_keeps_ids():
    frame = pd.DataFrame({"id": ["A", "B"], **{f"swemwbs_{i}": [3, 5] for i in range(1, 8)}})
    out = score_file(frame, "SWEMWBS")
    assert out["id"].tolist() == ["A", "B"]
    assert out["score"].tolist() == pytest.approx([19.25, 35.0])
    assert (out["instrument"] == "swemwbs").all()


def test_score_file_names_missing_item_columns():
    frame = pd.DataFrame({"id": ["A"], **{f"swemwbs_{i}": [3] for i in range(1, 7)}})
    with pytest.raises(UserError, match="'7' or 'swemwbs_7'"):
        score_file(frame, "swemwbs", file="answers.csv")


def test_unknown_instrument_lists_the_choices():
    with pytest.raises(UserError, match="swemwbs"):
        load_instrument("wellbeing-thing")


def test_wemwbs_wording_is_not_shipped():
    # The WEMWBS licence does not allow passing the scale on (REFERENCE.md).
    for name in ("wemwbs", "swemwbs"):
        text = load_instrument(name).source.read_text(encoding="utf-8").lower()
        assert "item_wording" not in text
        assert "optimistic" not in text and "relaxed" not in text
