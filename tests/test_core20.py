"""Core20PLUS5: IMD lookups (IoD2019 / IoD2025 File 7 fixtures) and the group summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from toolkit.errors import UserError
from toolkit.outcomes.core20 import (
    core20_summary,
    imd_from_lsoa,
    participant_groups,
    publish_core20,
    quintile_from_decile,
    read_imd_lookup,
    wilson_interval,
)
from toolkit.privacy.disclosure import DisclosureRule
from toolkit.study.config import Study

DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


def _file7(path, lsoa_year: str):
    # A made-up slice of File 7: the real files carry many more columns, which are ignored.
    frame = pd.DataFrame(
        {
            f"LSOA code ({lsoa_year})": ["E01021970", "E01021971", "E01033000"],
            f"LSOA name ({lsoa_year})": ["Tendring 018A", "Tendring 018B", "Southend 001A"],
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": [
                12,
                9000,
                30000,
            ],
            DECILE: [1, 3, 10],
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("year, edition", [("2011", "IoD2019"), ("2021", "IoD2025")])
def test_read_file7_either_edition(tmp_path, year, edition):
    lookup = read_imd_lookup(_file7(tmp_path / "file7.csv", year))
    assert lookup["edition"].unique().tolist() == [edition]
    deciles = imd_from_lsoa(pd.Series(["e01021970 ", "E01033000", "E09999999"]), lookup)
    assert deciles.iloc[0] == 1 and deciles.iloc[1] == 10 and pd.isna(deciles.iloc[2])


def test_bad_lookup_names_row_and_column(tmp_path):
    path = _file7(tmp_path / "file7.csv", "2021")
    frame = pd.read_csv(path)
    frame.loc[1, DECILE] = 11
    frame.to_csv(path, index=False)
    with pytest.raises(UserError) as err:
        read_imd_lookup(path)
    line = err.value.lines[0]
    assert "row 3" in line and "IMD" in line and "whole number from 1 to 10" in line
    (tmp_path / "wrong.csv").write_text("code,score\nE01,3\n", encoding="utf-8")
    with pytest.raises(UserError, match="no LSOA code or IMD decile column"):
        read_imd_lookup(tmp_path / "wrong.csv")


def test_quintile_is_ceiling_of_half_decile():
    assert quintile_from_decile(pd.Series([1, 2, 3, 4, 9, 10])).tolist() == [1, 1, 2, 2, 5, 5]


def test_wilson_matches_statsmodels():
    for k, n in [(0, 10), (3, 12), (45, 50)]:
        assert wilson_interval(k, n) == pytest.approx(
            proportion_confint(k, n, method="wilson"), abs=1e-6
        )


@pytest.fixture
def people():
    rng = np.random.default_rng(5)
    n = 120
    decile = rng.integers(1, 11, n).astype(float)
    decile[:6] = np.nan  # IMD not known for six people
    return pd.DataFrame(
        {
            "pid": [f"p{i}" for i in range(n)],
            "cohort": np.where(np.arange(n) < 80, "clacton", "basildon"),
            "imd_decile": decile,
            "imd_quintile": quintile_from_decile(pd.Series(decile)).astype(float),
            "plus_coastal": np.arange(n) < 80,
            "plus_carer": np.arange(n) % 20 == 0,  # six carers
        }
    )


def test_groups_and_outcomes_by_group(people):
    groups = participant_groups(people)
    core = groups["Core20 (IMD quintile 1, most deprived 20%)"]
    assert core.sum() == (people["imd_decile"] <= 2).sum()
    assert groups["IMD not known"].sum() == 6
    assert groups["PLUS: carer"].sum() == 6
    outcomes = pd.DataFrame(
        {"job_started": (np.arange(120) % 3 == 0).astype(float)}, index=people["pid"]
    )
    s = core20_summary(people, outcomes, {"job_started": True}, ["clacton", "basildon"])
    row = s[(s["cohort"] == "all") & (s["group"] == "All participants")].iloc[0]
    assert row["n_people"] == 120 and row["job_started__count"] == 40
    assert row["job_started__value"] == pytest.approx(1 / 3)
    core_row = s[(s["cohort"] == "all") & (s["group"].str.startswith("Core20 ("))].iloc[0]
    assert core_row["n_people"] == core.sum()
    expected = outcomes["job_started"][core.to_numpy()].mean()
    assert core_row["job_started__value"] == pytest.approx(expected)


def test_published_summary_suppresses_small_groups(people):
    outcomes = pd.DataFrame(
        {"job_started": (np.arange(120) % 3 == 0).astype(float)}, index=people["pid"]
    )
    s = core20_summary(people, outcomes, {"job_started": True}, ["clacton", "basildon"])
    pub = publish_core20(s, DisclosureRule())
    carers = pub[(pub["cohort"] == "all") & (pub["group"] == "PLUS: carer")].iloc[0]
    assert carers["n_people"] == "*"
    assert pd.isna(carers["job_started__value"])
    everyone = pub[(pub["cohort"] == "all") & (pub["group"] == "All participants")].iloc[0]
    assert everyone["n_people"] == "120" and everyone["job_started__count"] == "40"
    # IMD not known (6 people) is masked, and so is a second cell of the same partition
    # so that it cannot be recovered by subtraction from the cohort total.
    part = pub[
        (pub["cohort"] == "all")
        & pub["group"].isin(
            ["Core20 (IMD quintile 1, most deprived 20%)", "IMD quintiles 2-5", "IMD not known"]
        )
    ]
    assert (part["n_people"] == "*").sum() >= 2


def test_register_deciles_fall_back_to_lsoa_lookup(tmp_path):
    from toolkit.outcomes.core20 import register_imd_deciles

    _file7(tmp_path / "file7.csv", "2021")
    study = Study.model_validate(
        {
            "name": "t",
            "title": "t",
            "participants": {"file": "p.csv", "imd_decile_column": "imd", "lsoa_column": "lsoa"},
            "cohorts": [{"name": "a", "label": "A"}],
            "waves": [{"name": "baseline", "file": "b.csv"}],
            "imd_lookup": "file7.csv",
        }
    )
    study.folder = tmp_path
    register = pd.DataFrame({"imd": [4, None, None], "lsoa": ["E01021970", "E01033000", "X"]})
    assert register_imd_deciles(register, study).tolist()[:2] == [4, 10]
    assert pd.isna(register_imd_deciles(register, study).iloc[2])


def _with_lsoa(study_dir, lookup: str = "file7.csv"):
    """The tiny study with an LSOA column and a File 7 lookup named in study.yml."""
    register = pd.read_csv(study_dir / "participants.csv", dtype=str, keep_default_na=False)
    register["lsoa"] = ["E01021970", "E01021971", "E01033000", "", "E01021971", "E09999999"][
        : len(register)
    ]
    register.to_csv(study_dir / "participants.csv", index=False)
    text = (study_dir / "study.yml").read_text("utf-8")
    text = text.replace(
        "imd_decile_column: imd_decile", "imd_decile_column: imd_decile\n  lsoa_column: lsoa"
    )
    (study_dir / "study.yml").write_text(text + f"\nimd_lookup: {lookup}\n", "utf-8")
    return register


def test_ingest_fills_blank_deciles_from_the_lsoa_lookup(tiny_study, tmp_path):
    from toolkit.study.pipeline import run_study

    _file7(tiny_study / "file7.csv", "2021")
    register = _with_lsoa(tiny_study)
    out = tmp_path / "out"
    run_study(tiny_study, out=out, stages=["ingest"], progress=False)
    people = pd.read_parquet(out / "data" / "participants.parquet")
    assert "lsoa" not in people.columns
    given = pd.to_numeric(register["imd_decile"], errors="coerce")
    lookup = {"E01021970": 1, "E01021971": 3, "E01033000": 10}
    expected = [
        int(g) if not np.isnan(g) else lookup.get(code)
        for g, code in zip(given, register["lsoa"], strict=True)
    ]
    assert people["imd_decile"].astype("Float64").tolist() == [
        pd.NA if e is None else e for e in expected
    ]
    assert people["imd_quintile"].dropna().tolist() == [
        -(-e // 2) for e in expected if e is not None
    ]


def test_validate_reports_a_lookup_that_is_not_file7(tiny_study):
    from toolkit.study.config import load_study
    from toolkit.study.validate import read_study_inputs

    (tiny_study / "file7.csv").write_text("area,score\nE01021970,3\n", "utf-8")
    _with_lsoa(tiny_study)
    _, problems = read_study_inputs(load_study(tiny_study))
    assert any("file7.csv" in str(p) for p in problems), [str(p) for p in problems]
