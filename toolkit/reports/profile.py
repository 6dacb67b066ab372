"""Who took part: age, gender, ethnicity, employment before and after, and when.

Each characteristic is a partition of the cohort (every person in exactly one row), so a
single hidden cell could be worked out from the others: the counts go through the study's
rule with secondary suppression (:meth:`toolkit.privacy.disclosure.DisclosureRule.table`),
and shares are worked out from the published counts.

Example (needs a built study; ``tests/test_report_content.py`` runs it)::

    ctx = ReportContext.load("surveys/example", cohort="clacton")
    profile_table(ctx, ctx.table("participants"), "gender")
"""

from __future__ import annotations

import pandas as pd

from toolkit.reports.context import ReportContext

PROFILE_COLUMNS = {"age_band": "Age group", "gender": "Gender", "ethnicity": "Ethnic group"}
NOT_RECORDED = "Not recorded"
EMPLOYMENT = "employment_status"


def wave_label(study, name: str) -> str:
    """A wave's name for people: "the start (baseline)", "6 months later"."""
    try:
        month = study.wave(name).month
    except KeyError:
        return name.replace("_", " ")
    if month == 0:
        return "the start (baseline)"
    return f"{month} months later" if month != 1 else "1 month later"


def _shares(shown: pd.Series, total: str) -> list[str]:
    """Shares of the published counts over the published total; blank where hidden."""
    if not str(total).isdigit() or not int(total):
        return ["" for _ in shown]
    return [f"{round(100 * int(v) / int(total))}%" if str(v).isdigit() else "" for v in shown]


def profile_table(ctx: ReportContext, people: pd.DataFrame, column: str) -> pd.DataFrame:
    """People by one characteristic: ``column label, People, Share`` (published)."""
    values = people[column].astype("string").fillna(NOT_RECORDED).str.strip()
    values = values.where(values != "", NOT_RECORDED)
    counts = values.value_counts().rename_axis("group").reset_index(name="people")
    # Categories in a stable order: by name, "not recorded" last.
    counts = counts.sort_values(
        "group", key=lambda g: g.map(lambda v: (v == NOT_RECORDED, str(v).lower()))
    ).reset_index(drop=True)
    shown = ctx.rule.table(counts, ["people"])
    label = PROFILE_COLUMNS.get(column, column.replace("_", " ").capitalize())
    return pd.DataFrame(
        {
            label: shown["group"],
            "People": shown["people"],
            "Share": _shares(shown["people"], ctx.rule.count(len(people))),
        }
    )


def employment_change(ctx: ReportContext, people: pd.DataFrame) -> pd.DataFrame | None:
    """Employment status at baseline and at the last follow-up, among people with both.

    Returns ``Status, <baseline wave>, <follow-up wave>`` (published counts) or None when
    the study records no employment status at two waves.
    """
    scores = ctx.table("scores")
    if scores is None or EMPLOYMENT not in set(scores["instrument"]):
        return None
    ordered = sorted(ctx.study.waves, key=lambda w: w.month)
    if len(ordered) < 2:
        return None
    first, last = ordered[0].name, ordered[-1].name
    status = scores[(scores["instrument"] == EMPLOYMENT) & scores["pid"].isin(people["pid"])]
    status = status[status["valid"].astype("boolean").fillna(False).astype(bool)]
    wide = status.pivot_table(index="pid", columns="wave", values="band", aggfunc="first")
    if first not in wide.columns or last not in wide.columns:
        return None
    both = wide[[first, last]].dropna()
    if both.empty:
        return None
    labels = category_labels()
    cats = sorted(
        set(both[first]) | set(both[last]),
        key=lambda c: list(labels).index(c) if c in labels else len(labels),
    )
    counts = pd.DataFrame(
        {
            "Status": [labels.get(c, c.replace("_", " ").capitalize()) for c in cats],
            first: [int((both[first] == c).sum()) for c in cats],
            last: [int((both[last] == c).sum()) for c in cats],
        }
    )
    shown = ctx.rule.table(counts, [first, last])
    return shown.rename(
        columns={
            first: wave_label(ctx.study, first).capitalize(),
            last: wave_label(ctx.study, last).capitalize(),
        }
    )


def category_labels() -> dict[str, str]:
    """Employment categories in the instrument's order, with their labels."""
    try:
        from toolkit.scoring.instruments import load_instrument

        inst = load_instrument(EMPLOYMENT)
    except Exception:  # noqa: BLE001 - without the instrument file the ids are shown
        return {}
    return {k: v.get("label", k) for k, v in inst.categories.items()}


def fieldwork_lines(ctx: ReportContext) -> list[str]:
    """When the work happened: cohort start, months of referrals, pathway extract date."""
    lines = []
    cohorts = [c for c in ctx.study.cohorts if ctx.cohort in (None, c.name)]
    starts = [c.start_date for c in cohorts if c.start_date]
    if starts:
        first = pd.Timestamp(min(starts))
        lines.append(f"Programme started: {first:%B %Y}.")
    pathway = ctx.table("pathway")
    if pathway is not None and "referred" in pathway.columns:
        dates = pd.to_datetime(pathway["referred"], errors="coerce").dropna()
        if len(dates) >= ctx.rule.threshold:
            # Months, not days: a single day could point to a person.
            lines.append(
                f"People were referred between {dates.min():%B %Y} and {dates.max():%B %Y}."
            )
    waves = sorted(ctx.study.waves, key=lambda w: w.month)
    lines.append("Surveys: " + ", ".join(f"{wave_label(ctx.study, w.name)}" for w in waves) + ".")
    if ctx.study.pathway and ctx.study.pathway.extracted_on:
        lines.append(
            f"Employment pathway data extracted on {ctx.study.pathway.extracted_on:%d %B %Y}."
        )
    return lines
