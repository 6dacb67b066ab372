"""The employment pathway: referral to six months in work, one date per stage reached.

Conversion rates are set so that about a third of those referred start a job. Two themes
change the pathway (``truth/effects.yml``): people who talk about pre-employment checks and
waits are more often lost between offer and start (and wait longer), and people who talk
about buddies or mentors more often stay in work for six months. No other theme has any effect.

Example
-------
>>> import random
>>> from datetime import date
>>> dates = pathway_dates(random.Random(1), set(), date(2025, 9, 3))
>>> dates["referred"] == date(2025, 9, 3)
True
"""

from __future__ import annotations

import random
from datetime import date, timedelta

P_ENGAGED = 0.88
P_APPLIED = 0.78
P_INTERVIEWED = 0.80
P_OFFERED = 0.75
# Post-offer loss: lost while waiting for checks, or cleared but never started.
P_POST_OFFER_LOSS = {False: 0.16, True: 0.48}  # by "talks about checks_waits"
MEAN_CHECK_WAIT_DAYS = {False: 38, True: 72}
P_RETAINED_3M = {False: 0.74, True: 0.90}  # by "talks about buddies_mentors", among starters
P_RETAINED_6M = {False: 0.45, True: 0.75}  # overall among starters (so 6m given 3m differs)
# Share of starters whose job is with an NHS employer (the anchor institution), by cohort; a
# few starters' employer is not recorded.
P_NHS_EMPLOYER = {"clacton": 0.45, "southend": 0.6, "basildon": 0.5}
P_EMPLOYER_UNRECORDED = 0.04


def pathway_dates(rng: random.Random, themes: set[str], referred: date) -> dict[str, date]:
    """The stages a person reached and when (stages not reached are absent)."""
    checks = "checks_waits" in themes
    buddy = "buddies_mentors" in themes
    dates = {"referred": referred}
    day = referred

    def step(stage: str, probability: float, low: int, high: int) -> bool:
        nonlocal day
        if rng.random() >= probability:
            return False
        day = day + timedelta(days=rng.randint(low, high))
        dates[stage] = day
        return True

    if not (
        step("engaged", P_ENGAGED, 2, 20)
        and step("applied", P_APPLIED, 7, 60)
        and step("interviewed", P_INTERVIEWED, 7, 28)
        and step("offered", P_OFFERED, 1, 10)
    ):
        return dates
    lost = rng.random() < P_POST_OFFER_LOSS[checks]
    wait = max(10, int(rng.gammavariate(4.0, MEAN_CHECK_WAIT_DAYS[checks] / 4.0)))
    if lost and rng.random() < 0.8:
        return dates  # gave up while the checks were still pending
    day = day + timedelta(days=wait)
    dates["checks_cleared"] = day
    if lost:
        return dates  # cleared, but had taken another job or lost touch
    day = day + timedelta(days=rng.randint(5, 21))
    dates["started"] = day
    started = day
    if rng.random() >= P_RETAINED_3M[buddy]:
        return dates
    dates["retained_3m"] = started + timedelta(days=91)
    if rng.random() >= P_RETAINED_6M[buddy] / P_RETAINED_3M[buddy]:
        return dates
    dates["retained_6m"] = started + timedelta(days=182)
    return dates


def employment_at(dates: dict[str, date], on: date, rng: random.Random) -> str | None:
    """Employment status on a date implied by the pathway (None: not in programme work)."""
    started = dates.get("started")
    if started is None or started > on:
        return None
    if on >= started + timedelta(days=91) and "retained_3m" not in dates:
        return None
    if on >= started + timedelta(days=182) and "retained_6m" not in dates:
        return None
    return rng.choice(["Employed full-time", "Employed full-time", "Employed part-time"])


def nhs_employer(rng: random.Random, cohort: str, dates: dict[str, date]) -> str:
    """ "yes" or "no" for a starter's employer being the NHS, blank if not started or not known.

    >>> nhs_employer(random.Random(1), "southend", {"referred": date(2025, 9, 3)})
    ''
    """
    if "started" not in dates or rng.random() < P_EMPLOYER_UNRECORDED:
        return ""
    return "yes" if rng.random() < P_NHS_EMPLOYER.get(cohort, 0.5) else "no"
