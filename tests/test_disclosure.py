"""Disclosure control: the NHS England rule, secondary suppression, means and quotes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from toolkit.privacy.disclosure import DisclosureRule, html_table, publish_csv, read_marker
from toolkit.study.config import load_study


def test_counts_follow_the_nhs_england_rule():
    rule = DisclosureRule()
    shown = {n: rule.count(n) for n in (0, 1, 3, 7, 8, 12, 13, 17, 18, 102)}
    assert shown == {
        0: "0",
        1: "*",
        3: "*",
        7: "*",
        8: "10",
        12: "10",
        13: "15",
        17: "15",
        18: "20",
        102: "100",
    }


def test_threshold_and_rounding_are_configurable():
    rule = DisclosureRule(threshold=10, rounding=1)
    assert [rule.count(n) for n in (9, 10, 11)] == ["*", "10", "11"]


def test_rule_comes_from_study_yml():
    rule = DisclosureRule.from_study(load_study("surveys/example"))
    assert (rule.threshold, rule.rounding, rule.secondary) == (8, 5, True)


def test_means_and_medians_need_enough_people():
    rule = DisclosureRule()
    assert rule.mean([20, 22, 24, 26, 28, 30, 32]) is None  # 7 people
    assert rule.mean([20, 22, 24, 26, 28, 30, 32, 34]) == pytest.approx(27.0)
    assert rule.median([1, 2, 3, 4, 5, 6, 7, 100, None, float("nan")]) == pytest.approx(4.5)
    assert rule.median([1, 2, 3, None, None, None, None, None, None]) is None


def test_quotes_only_from_groups_at_the_threshold():
    rule = DisclosureRule()
    assert not rule.quote_allowed(7)
    assert rule.quote_allowed(8)


def test_table_masks_small_cells_and_a_second_cell_in_each_line():
    df = pd.DataFrame(
        {
            "cohort": ["clacton", "southend", "basildon"],
            "started": [3, 40, 22],
            "not_started": [20, 31, 9],
        }
    )
    shown = DisclosureRule().table(df)
    # Clacton's 3 is masked; its row and column each need a second masked cell: the smallest
    # other cells are 20 (row) and 22 (column); basildon's row then needs one too (9).
    assert shown["started"].tolist() == ["*", "40", "*"]
    assert shown["not_started"].tolist() == ["*", "30", "*"]
    assert shown["cohort"].tolist() == ["clacton", "southend", "basildon"]
    assert shown.attrs["disclosure"]["count_columns"] == ["started", "not_started"]


def test_zeros_are_shown_and_totals_are_rounded_from_unrounded_counts():
    df = pd.DataFrame({"group": ["a", "b"], "yes": [0, 12], "no": [0, 13]})
    shown = DisclosureRule().table(df, totals=True)
    assert shown["yes"].tolist() == ["0", "10", "10"]
    assert shown["no"].tolist() == ["0", "15", "15"]
    # 12 + 13 = 25 (not 10 + 15 = 25 by luck: check a case where the two differ below)
    assert shown["Total"].tolist() == ["0", "25", "25"]
    df = pd.DataFrame({"group": ["a"], "yes": [12], "no": [12]})
    assert DisclosureRule().table(df, totals=True)["Total"].tolist() == ["25", "25"]  # 24 -> 25


def test_without_secondary_only_small_cells_are_masked():
    df = pd.DataFrame({"g": ["a", "b"], "x": [3, 40], "y": [20, 31]})
    shown = DisclosureRule(secondary=False).table(df)
    assert shown[["x", "y"]].values.tolist() == [["*", "20"], ["40", "30"]]


def _recoverable(table: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Masked cells an attacker can work out exactly from what the table shows.

    ``table`` holds the counts with a total row and column; the attacker sees every unmasked
    cell (rounding switched off, the hardest case) and knows that rows and columns add up.
    Each masked cell is an unknown whole number >= 0; integer programming finds its smallest
    and largest possible value: equal means recovered.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    cells = list(zip(*np.nonzero(mask), strict=True))
    index = {c: i for i, c in enumerate(cells)}
    rows, cols = table.shape
    equations, targets = [], []
    lines = [[(r, c) for c in range(cols - 1)] + [(r, cols - 1)] for r in range(rows)]
    lines += [[(r, c) for r in range(rows - 1)] + [(rows - 1, c)] for c in range(cols)]
    for line in lines:  # sum of the line's inner cells minus its total = 0
        coef, known = np.zeros(len(cells)), 0.0
        for k, cell in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if cell in index:
                coef[index[cell]] += sign
            else:
                known += sign * table[cell]
        equations.append(coef)
        targets.append(-known)
    constraint = LinearConstraint(np.array(equations), np.array(targets), np.array(targets))
    bounds_total = float(table[-1, -1]) if not mask[-1, -1] else float(table.sum())
    recovered = []
    for cell, i in index.items():
        values = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(cells))
            objective[i] = direction
            result = milp(
                objective,
                constraints=[constraint],
                integrality=np.ones(len(cells)),
                bounds=Bounds(0, bounds_total),
            )
            assert result.success
            values.append(round(result.x[i]))
        if values[0] == values[1]:
            recovered.append(cell)
    return recovered


@pytest.mark.parametrize("seed", range(40))
def test_no_masked_cell_can_be_worked_out_from_the_totals(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    inner = rng.choice([0, 1, 2, 3, 5, 9, 12, 15, 20, 40], size=shape).astype(float)
    inner[rng.integers(0, shape[0]), rng.integers(0, shape[1])] = rng.integers(1, 8)
    table = np.vstack([inner, inner.sum(axis=0, keepdims=True)])
    table = np.hstack([table, table.sum(axis=1, keepdims=True)])
    rule = DisclosureRule(rounding=1)
    mask = rule.suppression_mask(table, margins=True)
    assert mask[(table > 0) & (table < 8)].all()  # every small count, totals included
    for line in (*mask, *mask.T):
        assert line.sum() != 1
    assert _recoverable(table, mask) == []


def test_publish_csv_writes_the_table_and_a_marker(tmp_path):
    df = pd.DataFrame({"cohort": ["a", "b", "c"], "n": [3, 40, 52], "m": [22, 31, 9]})
    path = tmp_path / "tables" / "jobs.csv"
    publish_csv(df, path, DisclosureRule())
    assert path.read_text().splitlines()[1] == "a,*,*"
    marker = read_marker(path)
    assert marker["count_columns"] == ["n", "m"] and marker["disclosure"]["threshold"] == 8
    assert json.loads(path.with_name("jobs.csv.lxt.json").read_text())["written_by"] == "lxt"


def test_html_table_carries_the_rule():
    shown = DisclosureRule().table(pd.DataFrame({"group": ["a", "b"], "n": [12, 30]}))
    html = html_table(shown)
    assert 'data-lxt-counts="n"' in html and 'data-lxt-threshold="8"' in html
    assert "<td>10</td>" in html
