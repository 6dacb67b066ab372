"""Stage ``analyse``: what changed, for whom, and which experiences went with it.

Reads the ``participants``, ``scores``, ``responses``, ``pathway``, ``features``,
``outcomes``, ``segments``, ``topics`` and ``topic_info`` tables and writes, under
``outputs/<study>/``:

* ``data/*.parquet`` — raw results (exact counts; not for publication);
* ``tables/*.csv`` — published tables, every count through the study's disclosure rule
  (:class:`toolkit.privacy.disclosure.DisclosureRule`);
* ``figures/*.png`` — charts drawn from the published numbers, and
  ``figures/alt_text.json`` with a plain-English description of each for reports.

Tables: ``prepost`` (change per instrument and cohort), ``pathway_funnel``,
``post_offer_loss``, ``associations`` (experiences <-> outcomes), ``topic_effects`` and
``topic_effects_levels`` (topic prevalence ~ covariates), ``core20plus5``,
``social_value`` and ``wellby`` (optional). Each published table says in a column which
codings its features came from (human-reviewed or rule/model).

The stage needs the tables of the stages before it, so the example is shown rather than run
(``tests/test_analyse_stage.py`` runs it)::

    from toolkit.study.pipeline import run_study

    run_study("surveys/example", stages=["analyse"])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit import charts as figures
from toolkit.outcomes import associations as assoc
from toolkit.outcomes import core20, funnel, prepost, rounding, social_value
from toolkit.outcomes.definitions import outcome_specs, score_pairs
from toolkit.outcomes.dictionary import write_data_dictionary
from toolkit.outcomes.link import feature_columns
from toolkit.study.tables import StudyOutputs, write_json

COVARIATE_BASELINE = "baseline_score"
INTERVIEWED = "interviewed"
# log(1 + number of segments a person said or wrote): see run_associations.
TEXT_AMOUNT = "text_amount"
# Charts show at most this many topics (tables keep them all).
MAX_PLOTTED_TOPICS = 8
# People counts in each published table (already through the rule; check-release re-checks).
COUNT_COLUMNS = {
    "prepost": prepost.PREPOST_COUNTS,
    "pathway_funnel": ["n_reached", "n_previous", "n_with_days"],
    "post_offer_loss": ["n_offered", "n_started", "n_post_offer_loss"],
    "retention": ["n_starters_due", "n_retained"],
    "reach": ["people", "of"],
    "associations": ["n", "n_with_feature"],
    "topic_effects": ["n_people"],
    "topic_effects_levels": [],
    "wellby": ["people"],
    "social_value": ["people"],
}


def publish_table(shown: pd.DataFrame, path, rule, count_columns: list[str]) -> None:
    """Write a table whose counts already went through ``rule``, with its release marker."""
    from dataclasses import asdict

    from toolkit.privacy.disclosure import publish_csv

    shown = shown.copy()
    shown.attrs["disclosure"] = {
        **asdict(rule),
        "count_columns": [c for c in count_columns if c in shown],
    }
    publish_csv(shown, path, rule)


def _maybe(out: StudyOutputs, name: str) -> pd.DataFrame | None:
    return out.read(name) if out.has(name) else None


def coding_basis_note(features: pd.DataFrame | None) -> str:
    """One phrase for every published table: which codings the features came from."""
    if features is None or "coding_basis" not in features.columns:
        return "no codings"
    counts = features["coding_basis"].value_counts()
    coded = counts.drop("none", errors="ignore")
    if coded.empty:
        return "no codings"
    if set(coded.index) == {"human"}:
        return "human-reviewed codings"
    if set(coded.index) == {"model"}:
        return "rule/model codings (not yet reviewed by a person)"
    share = 100 * coded.get("human", 0) / coded.sum()
    return (
        f"mixed: human-reviewed codings where they exist, rule/model otherwise "
        f"({share:.0f}% of coded people fully reviewed)"
    )


def person_frame(
    participants: pd.DataFrame,
    outcomes: pd.DataFrame,
    features: pd.DataFrame | None,
    scores: pd.DataFrame | None = None,
    specs: list | None = None,
) -> pd.DataFrame:
    """One row per person (index pid): demographics, outcomes (wide), features.

    ``baseline__<outcome>`` holds each score outcome's from-wave score for *everyone* with
    one (from ``scores``), not only people with a follow-up, so that models of pathway
    outcomes keep people who missed the follow-up survey.
    """
    frame = participants.set_index("pid").copy()
    if "imd_quintile" not in frame.columns and "imd_decile" in frame.columns:
        frame["imd_quintile"] = core20.quintile_from_decile(frame["imd_decile"])
    if "imd_quintile" in frame.columns:
        frame["imd_quintile"] = pd.to_numeric(frame["imd_quintile"], errors="coerce")
    wide = outcomes.pivot_table(index="pid", columns="outcome", values="value", aggfunc="first")
    frame = frame.join(wide)
    base = outcomes.dropna(subset=["baseline"]).pivot_table(
        index="pid", columns="outcome", values="baseline", aggfunc="first"
    )
    if scores is not None and specs:
        for spec in specs:
            if spec.instrument and spec.kind in (
                "score_change",
                "meaningful_change",
                "reliable_change",
            ):
                pre = score_pairs(
                    scores, spec.instrument, spec.item, spec.from_wave, spec.from_wave
                )["pre"]
                base = base.reindex(base.index.union(pre.index))
                base[spec.name] = pre.reindex(base.index)
    frame = frame.join(base.add_prefix("baseline__"))
    if features is not None:
        feats = features.set_index("pid")
        frame = frame.join(feats.drop(columns=[c for c in feats.columns if c in frame.columns]))
    return frame


def run_associations(study, frame, specs, features) -> pd.DataFrame:
    """Experiences <-> outcomes for every outcome (BH within outcome).

    Covariates are the study's, plus ``interviewed`` (0/1) when the study has transcripts:
    on the example study, interview-heavy topics otherwise "passed" for retention only
    because the few interviewed job starters happened to stay in work more often. And plus
    ``text_amount``, log(1 + the person's number of segments), when the features count
    them: whether someone "mentioned" a code or topic depends on how much they said, so
    every feature also measures that, and an outcome that happens to go with saying more
    makes many features pass together. On four generated example studies (seeds 2026-2029)
    this removed the one topic that passed on an outcome with nothing planted (loneliness,
    seed 2026), made the planted buddies effect clearer and left the other two about where
    they were.
    """
    mention = feature_columns(features) if features is not None else []
    mention = [c for c in mention if c in frame.columns]
    if not mention:
        return pd.DataFrame()
    score_specs = [s for s in specs if s.kind == "score_change"]
    default_base = f"baseline__{score_specs[0].name}" if score_specs else None
    parts = []
    for spec in specs:
        if spec.name not in frame.columns:
            continue
        data = frame.copy()
        # ANCOVA: a score outcome adjusts for its own baseline; other outcomes for the
        # baseline of the study's first score (e.g. wellbeing at the start).
        own = f"baseline__{spec.name}"
        source = own if own in data.columns and spec.kind != "stage_reached" else default_base
        if COVARIATE_BASELINE in study.covariates and source in data.columns:
            data[COVARIATE_BASELINE] = data[source]
        covariates = list(study.covariates)
        # Interviews give far more text than survey answers, so "mentioned X" partly means
        # "was interviewed"; adjusting for it keeps that design choice out of the estimates.
        if INTERVIEWED in data.columns and data[INTERVIEWED].nunique() > 1:
            covariates.append(INTERVIEWED)
        if "n_segments" in data.columns and data["n_segments"].nunique() > 1:
            data[TEXT_AMOUNT] = np.log1p(pd.to_numeric(data["n_segments"]).fillna(0))
            covariates.append(TEXT_AMOUNT)
        table = assoc.associations(data, [spec.name], {spec.name: spec.binary}, mention, covariates)
        table["adjusted_for"] = ", ".join(c for c in covariates if c in data.columns)
        table["outcome_label"] = spec.label
        parts.append(table)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def features_without_hidden_topics(
    features: pd.DataFrame | None, topic_info: pd.DataFrame | None
) -> pd.DataFrame | None:
    """``features`` less the columns of topics people hid (study.yml ``topics.names``).

    Hiding a topic says it is not a theme (small talk, a mix, an artefact), so it is not
    tested against outcomes either: otherwise it could pass FDR and reach the forest plots,
    and it would widen every outcome's family of tests. ``data/features`` keeps it.
    """
    from toolkit.outcomes.topic_effects import hidden_topics

    if features is None:
        return None
    columns = {f"topic_{t}{end}" for t in hidden_topics(topic_info) for end in ("", "_share")}
    return features.drop(columns=[c for c in features.columns if c in columns])


def largest_topics(topic_info: pd.DataFrame | None, n: int) -> list[int]:
    """The ``n`` largest topics (outliers excluded), for charts that cannot show them all."""
    if topic_info is None or "size" not in topic_info.columns:
        return []
    info = topic_info[topic_info["topic"].astype(int) >= 0]
    if "hidden" in info.columns:  # topics people hid are left out of charts
        info = info[~info["hidden"].fillna(False).astype(bool)]
    return info.sort_values("size", ascending=False)["topic"].astype(int).head(n).tolist()


def plotted_features(table: pd.DataFrame, topic_info: pd.DataFrame | None) -> set[str]:
    """Codes, the largest topics and anything passing FDR: a forest plot people can read."""
    features = set(table["feature"])
    codes = {f for f in features if f.startswith("code_")}
    topics = {f"topic_{k}" for k in largest_topics(topic_info, MAX_PLOTTED_TOPICS)}
    hits = set(table.loc[table["passes_fdr"], "feature"])
    chosen = codes | (topics & features) | hits
    return chosen or features


def feature_labels(study, topic_info: pd.DataFrame | None) -> dict[str, str]:
    """Readable names for feature columns (codebook names, topic labels)."""
    labels: dict[str, str] = {}
    if study.codebook:
        try:
            from toolkit.coding.codebook import load_study_codebook

            for code in load_study_codebook(study).codes:
                labels[f"code_{code.id}"] = f"code: {code.name}"
        except Exception:  # noqa: BLE001 - labels are cosmetic; ids still show
            pass
    if topic_info is not None and "label" in topic_info.columns:
        for rec in topic_info.itertuples():
            labels[f"topic_{int(rec.topic)}"] = f"topic: {rec.label}"
    return labels


@dataclass
class Analysis:
    """What every analysis step reads and adds to: the stage tables, the rule, the outputs."""

    study: object
    out: StudyOutputs
    rule: object
    cohorts: list[str]
    seed: int
    specs: list
    participants: pd.DataFrame
    outcomes: pd.DataFrame
    features: pd.DataFrame | None
    scores: pd.DataFrame | None
    pathway: pd.DataFrame | None
    topic_info: pd.DataFrame | None
    frame: pd.DataFrame
    labels: dict[str, str]
    wording: str
    alt: dict[str, str] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    def publish(self, name: str, raw: pd.DataFrame, published: pd.DataFrame) -> None:
        """Raw table to ``data/``, published table (counts through the rule) to ``tables/``."""
        self.out.write(name, raw)
        publish_table(published, self.out.tables / f"{name}.csv", self.rule, COUNT_COLUMNS[name])


def load_analysis(ctx) -> Analysis:
    """Read the stage tables for the run's cohorts and build the one-row-per-person frame."""
    from toolkit.privacy.disclosure import DisclosureRule

    study, out = ctx.study, ctx.outputs
    specs = outcome_specs(study)
    participants = out.read("participants")
    participants = participants[participants["cohort"].astype(str).isin(ctx.cohorts)]
    outcomes = _maybe(out, "outcomes")
    if outcomes is None:
        from toolkit.outcomes.definitions import build_outcomes

        outcomes = build_outcomes(
            study, _maybe(out, "scores"), _maybe(out, "pathway"), _maybe(out, "responses")
        )
    topic_info = _maybe(out, "topic_info")
    features = features_without_hidden_topics(_maybe(out, "features"), topic_info)
    scores = _maybe(out, "scores")
    frame = person_frame(participants, outcomes, features, scores, specs)
    segments = _maybe(out, "segments")
    if segments is not None and "source" in segments.columns:
        interviewed = set(segments.loc[segments["source"] == "interview", "pid"])
        # person_frame joins many feature columns; copy once so adding one is cheap.
        frame = frame.copy()
        frame[INTERVIEWED] = frame.index.isin(interviewed).astype(float)
    wording = prepost.change_wording(study)
    return Analysis(
        study=study,
        out=out,
        rule=DisclosureRule.from_study(study),
        cohorts=list(ctx.cohorts),
        seed=ctx.seed,
        specs=specs,
        participants=participants,
        outcomes=outcomes,
        features=features,
        scores=scores,
        pathway=_maybe(out, "pathway"),
        topic_info=topic_info,
        frame=frame,
        labels=feature_labels(study, topic_info),
        wording=wording,
        summary={"coding_basis": coding_basis_note(features), "wording": wording},
    )


def run_stage(ctx) -> dict:
    """Run every analysis and write raw data, published tables and figures."""
    a = load_analysis(ctx)
    analyse_change(a)
    analyse_pathway(a)
    analyse_associations(a)
    analyse_topic_effects(a)
    analyse_reach(a)
    analyse_social_value(a)
    write_json(a.alt, a.out.figures / "alt_text.json")
    write_data_dictionary(a.out.tables)
    a.summary["figures"] = sorted(a.alt)
    return a.summary


def analyse_change(a: Analysis) -> None:
    """Pre/post change per instrument and cohort, and its chart."""
    if a.scores is None or not any(s.kind == "score_change" for s in a.specs):
        return
    pp = prepost.prepost_table(
        a.study, a.scores, a.participants, a.specs, _maybe(a.out, "responses"), a.cohorts
    )
    pub = prepost.publish_prepost(pp, a.rule)
    a.publish("prepost", pp, pub)
    path, text = figures.change_chart(pub, a.out.figures / "prepost_change.png", a.wording)
    a.alt[path.name] = text
    a.summary["prepost_rows"] = len(pp)


def analyse_pathway(a: Analysis) -> None:
    """Funnel, post-offer loss with cost per job, retention among starters, and the chart."""
    if a.pathway is None:
        return
    study = a.study
    pw = a.pathway[a.pathway["cohort"].astype(str).isin(a.cohorts)]
    stages = list(study.pathway.stages) if study.pathway else None
    extracted = study.pathway.extracted_on if study.pathway else None
    fun = funnel.pathway_funnel(pw, stages, a.cohorts, extracted)
    a.publish("pathway_funnel", fun, funnel.publish_funnel(fun, a.rule))
    costs = study.pathway.programme_cost if study.pathway else None
    if "started" in pw.columns:
        loss = funnel.post_offer_loss(pw, a.cohorts, costs)
        a.publish("post_offer_loss", loss, funnel.publish_post_offer_loss(loss, a.rule))
        kept = funnel.retention(pw, a.cohorts, extracted)
        a.publish("retention", kept, funnel.publish_retention(kept, a.rule))
    path, text = figures.funnel_chart(
        funnel.publish_funnel(fun, a.rule), a.out.figures / "pathway_funnel.png"
    )
    a.alt[path.name] = text


def analyse_associations(a: Analysis) -> None:
    """Experiences <-> outcomes (FDR within outcome) and one forest plot per outcome."""
    table = run_associations(a.study, a.frame, a.specs, a.features)
    if table.empty:
        return
    table["feature_label"] = table["feature"].map(lambda f: a.labels.get(f, f))
    table["coding_basis"] = a.summary["coding_basis"]
    a.publish("associations", table, assoc.publish_associations(table, a.rule))
    shown = plotted_features(table, a.topic_info)
    for spec in a.specs:
        if spec.name in set(table["outcome"]):
            path, text = figures.forest_plot(
                table[table["feature"].isin(shown)],
                spec.name,
                spec.label,
                a.out.figures / f"forest_{spec.name}.png",
                a.labels,
            )
            if len(shown) < table["feature"].nunique():
                text += (
                    f" Shows the codes and the {MAX_PLOTTED_TOPICS} largest topics; every "
                    "feature is in associations.csv."
                )
            a.alt[path.name] = text
    a.summary["associations_tested"] = int(table["p"].notna().sum())
    a.summary["associations_passing_fdr"] = [
        f"{o} ~ {f}" for o, f in table.loc[table["passes_fdr"], ["outcome", "feature"]].values
    ]


def analyse_topic_effects(a: Analysis) -> None:
    """Topic prevalence ~ covariates, when topics were built."""
    segments, topics = _maybe(a.out, "segments"), _maybe(a.out, "topics")
    if segments is not None and topics is not None and not topics.empty:
        _topic_effects(
            a.study, a.out, a.frame, segments, topics, a.labels, a.rule, a.alt, a.seed, a.summary
        )


def analyse_reach(a: Analysis) -> None:
    """Core20PLUS5: outcomes per group (core20plus5) and the people in each group (reach)."""
    from toolkit.reports.measures import published_reach, reach_counts

    binary = {s.name: s.binary for s in a.specs}
    wide = a.frame[[s.name for s in a.specs if s.name in a.frame.columns]]
    cs = core20.core20_summary(a.participants, wide, binary, a.cohorts)
    cs_pub = core20.publish_core20(cs, a.rule)
    cs_pub["wording"] = a.wording
    a.out.write("core20plus5", cs)
    core_counts = ["n_people", "n_cohort"] + [
        c for c in cs_pub.columns if c.endswith(("__n", "__count"))
    ]
    publish_table(cs_pub, a.out.tables / "core20plus5.csv", a.rule, core_counts)
    raw, shown = [], []
    groups = [("all", a.participants)] + [
        (c, a.participants[a.participants["cohort"].astype(str) == c]) for c in a.cohorts
    ]
    for cohort, people in groups:
        raw.append(reach_counts(people).assign(cohort=cohort))
        shown.append(published_reach(a.rule, people).assign(cohort=cohort))
    raw_table = pd.concat(raw, ignore_index=True)[["cohort", "group", "people", "of"]]
    pub = pd.concat(shown, ignore_index=True).rename(
        columns={"shown": "people", "of_shown": "of", "share": "share_of_everyone"}
    )[["cohort", "group", "people", "of", "share_of_everyone"]]
    a.publish("reach", raw_table, pub)


def analyse_social_value(a: Analysis) -> None:
    """WELLBY value of the life-satisfaction change, and user-valued outcomes if given."""
    binary = {s.name: s.binary for s in a.specs}
    wide = a.frame[[s.name for s in a.specs if s.name in a.frame.columns]]
    _social_value(a.study, a.out, a.specs, wide, binary, a.rule, a.summary)


COVARIATE_NAMES = {
    "imd_quintile": "IMD quintile (1 = most deprived)",
    "age_band": "Age group",
    "cohort": "Cohort",
    "gender": "Gender",
    "ethnicity": "Ethnic group",
}


def term_label(term: str, study, covariates: list[str]) -> str:
    """A regression term in words: ``const`` -> "Intercept (reference groups)",
    ``cohort_clacton`` -> "Cohort: Clacton-on-Sea", ``age_band_25-34`` -> "Age group: 25-34".
    """
    if term == "const":
        return "Intercept (reference groups)"
    for cov in sorted(covariates, key=len, reverse=True):
        name = COVARIATE_NAMES.get(cov, cov.replace("_", " ").capitalize())
        if term == cov:
            return f"{name} (per step)"
        if term.startswith(cov + "_"):
            level = term[len(cov) + 1 :]
            if cov == "cohort":
                level = next((c.label for c in study.cohorts if c.name == level), level)
            return f"{name}: {level}"
    return term.replace("_", " ")


def _topic_effects(study, out, frame, segments, topics, labels, rule, alt, seed, summary):
    from toolkit.outcomes.topic_effects import (
        TopicEffects,
        topic_assignments,
        with_topic_labels,
        without_hidden_topics,
    )

    covs = [c for c in study.covariates if c != COVARIATE_BASELINE and c in frame.columns]
    assignments = topic_assignments(segments, topics)
    effects = TopicEffects(n_draws=50, seed=seed).fit(assignments, frame, covs)
    coefs = effects.coefficients_.copy()
    coefs["topic_label"] = coefs["topic"].map(
        lambda k: labels.get(f"topic_{k}", f"topic {k}").removeprefix("topic: ")
    )
    coefs["term_label"] = coefs["term"].map(lambda t: term_label(t, study, covs))
    # A study may have no covariates (e.g. one started from a REFI-QDA project): no levels.
    parts = [effects.predict_levels(c) for c in covs]
    levels = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["topic", "covariate", "level", "estimate", "ci_low", "ci_high"])
    )
    levels = with_topic_labels(levels, labels)
    out.write("topic_effects_levels", levels.assign(level=levels["level"].astype(str)))
    pub = coefs.copy()
    pub["n_people"] = [rule.count(int(v)) for v in coefs["n_people"]]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        pub[col] = coefs[col].round(4)
    pub["p"] = coefs["p"].round(4)
    pub["method"] = "OLS per topic, HC3 errors, 50 draws of topic shares, Rubin's rules"
    publish_levels = levels.copy()
    publish_levels["topic_label"] = publish_levels["topic"].map(
        dict(zip(coefs["topic"], coefs["topic_label"], strict=False))
    )
    # A level (e.g. a small age band) with few people says little and may disclose.
    for cov in covs:
        counts = frame.loc[effects.design_.index, cov].astype(str).value_counts()
        small = {lvl for lvl, n in counts.items() if n < rule.threshold}
        mask = (publish_levels["covariate"] == cov) & publish_levels["level"].astype(str).isin(
            small
        )
        publish_levels.loc[mask, ["estimate", "ci_low", "ci_high"]] = np.nan
    publish_levels[["estimate", "ci_low", "ci_high"]] = publish_levels[
        ["estimate", "ci_low", "ci_high"]
    ].round(4)
    out.write("topic_effects", coefs)
    info = _maybe(out, "topic_info")
    pub = without_hidden_topics(pub, info)
    publish_levels = without_hidden_topics(publish_levels, info)
    publish_table(pub, out.tables / "topic_effects.csv", rule, COUNT_COLUMNS["topic_effects"])
    publish_table(publish_levels, out.tables / "topic_effects_levels.csv", rule, [])
    topic_names = {
        k: labels.get(f"topic_{k}", f"topic {k}").removeprefix("topic: ")
        for k in coefs["topic"].unique()
    }
    plotted = (
        largest_topics(info, MAX_PLOTTED_TOPICS)
        or sorted(coefs["topic"].unique())[:MAX_PLOTTED_TOPICS]
    )
    for cov in covs:
        sub = publish_levels[
            (publish_levels["covariate"] == cov) & publish_levels["topic"].isin(plotted)
        ]
        path, text = figures.topic_effect_plot(
            sub, cov, topic_names, out.figures / f"topic_effects_{cov}.png"
        )
        if len(plotted) < coefs["topic"].nunique():
            text += (
                f" Shows the {len(plotted)} largest topics; all are in topic_effects_levels.csv."
            )
        alt[path.name] = text
    summary["topics_modelled"] = int(coefs["topic"].nunique())


def _social_value(study, out, specs, wide, binary, rule, summary):
    life = next(
        (
            s
            for s in specs
            if s.kind == "score_change" and s.instrument == "ons4" and s.item == "satisfaction"
        ),
        None,
    )
    if life is not None and life.name in wide.columns:
        change = wide[life.name].dropna()
        shown = rule.count(int(change.size))
        if shown.isdigit() and change.size >= rule.threshold:
            # The published (rounded) count, so the £ figure reveals no exact count.
            w = social_value.wellby_value(float(change.mean()), int(shown))
            w["assumptions"] = " ".join(social_value.wellby_assumptions(study.comparison_group))
            w["people"] = shown
            table = pd.DataFrame([w])
            # Money to the nearest £1,000 and WELLBYs to one decimal: the method is not
            # precise to the penny (see toolkit.outcomes.rounding).
            for col in ("value_central", "value_low", "value_high"):
                table[col] = table[col].map(rounding.round_total)
            table["wellbys"] = table["wellbys"].round(1)
            table["mean_change"] = table["mean_change"].round(2)
            publish_table(table, out.tables / "wellby.csv", rule, COUNT_COLUMNS["wellby"])
            summary["wellby_value_central"] = rounding.round_total(w["value_central"])
    if study.social_values:
        values = social_value.read_value_table(
            study.path(study.social_values), [s.name for s in specs]
        )
        table = social_value.value_outcomes(values, wide, binary, rule)
        publish_table(table, out.tables / "social_value.csv", rule, COUNT_COLUMNS["social_value"])
        summary["social_value_rows"] = len(table)
