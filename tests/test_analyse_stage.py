"""The analyse stage on the built example study: topic effects, social value, safe outputs.

The example's topic stage may not have run, so a topics table is laid over a copy of the
built outputs: each segment's "topic" is one of six codes it carries (probability 0.8); the
sixth is hidden, as a peer researcher can hide a topic.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from toolkit.study.config import load_study
from toolkit.study.pipeline import StageContext
from toolkit.study.tables import StudyOutputs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysed(built_example, tmp_path_factory):
    study_dir, out_dir = built_example
    root = tmp_path_factory.mktemp("analyse") / "out"
    shutil.copytree(out_dir, root)
    out = StudyOutputs("example", root)
    codings, segments = out.read("codings"), out.read("segments")
    codes = sorted(codings["code"].unique())[:6]
    first = codings[codings["code"].isin(codes)].drop_duplicates("seg_id")
    topics = segments[["seg_id"]].merge(first[["seg_id", "code"]], how="left")
    topics["topic"] = topics["code"].map({c: i for i, c in enumerate(codes)}).fillna(-1)
    topics["topic"] = topics["topic"].astype(int)
    topics["probability"] = np.where(topics["topic"] >= 0, 0.8, 0.0)
    out.write("topics", topics[["seg_id", "topic", "probability"]])
    # A peer researcher hid the last topic (study.yml topics.names: {5: {hide: true}}).
    hidden = [False] * 5 + [True]
    out.write("topic_info", pd.DataFrame({"topic": range(6), "label": codes, "hidden": hidden}))
    values = root.parent / "values.csv"
    values.write_text(
        'outcome,value_per_year,source\njob_started,"£10,000",made-up value for a test\n',
        encoding="utf-8",
    )
    study = load_study(study_dir)
    study.social_values = str(values)
    from toolkit.outcomes.analyse import run_stage

    summary = run_stage(StageContext(study=study, outputs=out, cohorts=study.cohort_names))
    return study, out, summary


def test_topic_effects_tables_and_plots(analysed):
    _study, out, summary = analysed
    assert summary["topics_modelled"] == 6
    coefs = pd.read_csv(out.tables / "topic_effects.csv")
    # The hidden topic is modelled but left out of the published tables, as everywhere else.
    assert set(coefs["topic"]) == set(range(5))
    assert (coefs["ci_low"] <= coefs["estimate"]).all()
    assert (coefs["estimate"] <= coefs["ci_high"]).all()
    assert set(coefs["n_people"].astype(str)) == {"450"}
    levels = pd.read_csv(out.tables / "topic_effects_levels.csv")
    cohort = levels[levels["covariate"] == "cohort"]
    assert len(cohort) == 5 * 3
    # Every row names its topic, as topic_info labels it.
    names = out.read("topic_info").set_index("topic")["label"]
    assert (levels["topic_label"] == levels["topic"].map(names)).all()
    assert cohort["estimate"].between(0, 1).all()
    assert (cohort["ci_low"] < cohort["estimate"]).all()
    assert (cohort["estimate"] < cohort["ci_high"]).all()
    for name in ("cohort", "imd_quintile", "age_band"):
        assert (out.figures / f"topic_effects_{name}.png").exists()


def test_social_value_uses_published_counts(analysed):
    _study, out, _ = analysed
    table = pd.read_csv(out.tables / "social_value.csv", dtype={"people": str})
    row = table.set_index("outcome").loc["job_started"]
    starters = int(out.read("outcomes").query("outcome == 'job_started'")["value"].sum())
    shown = int(np.floor(starters / 5 + 0.5) * 5)
    assert row["people"] == str(shown)
    assert row["total_value"] == pytest.approx(shown * 10_000)
    wellby = pd.read_csv(out.tables / "wellby.csv").iloc[0]
    life = out.read("outcomes").query("outcome == 'life_satisfaction_change'")["value"]
    people = int(np.floor(len(life) / 5 + 0.5) * 5)
    assert wellby["value_central"] == pytest.approx(life.mean() * people * 13_000, rel=1e-3)
    assert "not the programme's impact" in wellby["assumptions"]


def test_every_published_table_passes_release_check(analysed):
    from toolkit.privacy.release_check import check_release

    study, out, _ = analysed
    findings = check_release(out.tables, study=study)
    assert findings == [], [str(f) for f in findings[:5]]
    alt = json.loads((out.figures / "alt_text.json").read_text("utf-8"))
    pngs = {p.name for p in out.figures.glob("*.png")}
    # Other stages (topics) may add their own charts to figures/: ours all have alt text.
    ours = {p for p in pngs if p.startswith(("forest_", "topic_effects_", "pathway_", "prepost_"))}
    assert ours and ours <= set(alt) <= pngs
    assert all(len(text) > 40 for text in alt.values())


def test_tiny_study_is_analysed_without_revealing_anyone(built_tiny, tmp_path):
    """Six people: every count is hidden, no mean is shown, and nothing crashes."""
    from toolkit.outcomes.analyse import run_stage as analyse
    from toolkit.outcomes.link import run_stage as link
    from toolkit.privacy.release_check import check_release

    study_dir, out_dir = built_tiny
    root = tmp_path / "out"
    shutil.copytree(out_dir, root)
    study = load_study(study_dir)
    ctx = StageContext(
        study=study, outputs=StudyOutputs(study.name, root), cohorts=study.cohort_names
    )
    link(ctx)
    analyse(ctx)
    core = pd.read_csv(root / "tables" / "core20plus5.csv", dtype=str)
    assert set(core["n_people"]) <= {"*", "0"}
    assert check_release(root / "tables", study=study) == []


def test_hidden_topic_is_not_tested_against_outcomes(analysed):
    _study, out, summary = analysed
    table = pd.read_csv(out.tables / "associations.csv")
    tested = set(table.loc[table["feature"].str.startswith("topic_"), "feature"])
    # Topic 5 is hidden: it is neither tested nor counted in any outcome's FDR family.
    assert "topic_5" not in tested
    assert {f"topic_{k}" for k in range(5)} <= tested
    # The study's own features table keeps it.
    assert "topic_5" in out.read("features").columns
    assert summary["associations_tested"] == int(table["p"].notna().sum())


def test_features_without_hidden_topics_drops_mention_and_share():
    from toolkit.outcomes.analyse import features_without_hidden_topics

    features = pd.DataFrame(
        {"pid": ["a"], "code_x": [1], "topic_1": [1], "topic_1_share": [0.5], "topic_10": [0]}
    )
    info = pd.DataFrame({"topic": [1, 10], "hidden": [True, False]})
    kept = features_without_hidden_topics(features, info)
    assert kept.columns.tolist() == ["pid", "code_x", "topic_10"]
    assert features_without_hidden_topics(features, info.drop(columns="hidden")).equals(features)
