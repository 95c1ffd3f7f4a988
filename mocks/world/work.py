"""Working-age livelihoods: jobs, unemployment, inactivity (drawn by :mod:`mocks.world.facts`).

Each function adds facts to a :class:`~mocks.world.fact_types.PersonFacts` and counted income
:class:`~mocks.world.fact_types.Part` s whose amounts :func:`mocks.world.facts.build_facts`
fixes later.
"""

from __future__ import annotations

import datetime as dt
import random

from tilts.mocks.world.fact_types import (
    EmployerPool,
    Job,
    Part,
    PersonFacts,
    Registration,
    Stream,
    add_days,
    month_index,
    month_start,
)


def employ(
    rng: random.Random,
    f: PersonFacts,
    parts: list[Part],
    employers: EmployerPool,
    ref: dt.date,
    adult_from: dt.date,
    weight: float,
    hist: int,
    salary_until: int | None = None,
    extras: bool = False,
) -> None:
    """An employment (sometimes two at once, sometimes self-employment) with its income."""
    start = max(adult_from, add_days(ref, -rng.randint(60, 4000)))
    if rng.random() < 0.1 and start > add_days(adult_from, 400):  # an earlier job that ended
        prev_start = max(adult_from, add_days(start, -rng.randint(200, 2000)))
        f.jobs.append(Job(employers.pick(rng), prev_start, add_days(start, -rng.randint(1, 60))))
    s_mi = max(hist, month_index(start))
    if extras and rng.random() < 0.05:
        parts.append(Part("VID", "SELF_EMPLOYMENT", weight, s_mi, salary_until))
        return
    first = employers.pick(rng)
    f.jobs.append(Job(first, start, None))
    if rng.random() < 0.15:  # two employers in the same months
        second = employers.pick(rng)
        f.jobs.append(Job(second, add_days(start, rng.randint(0, 40)), None))
        parts.append(Part("VID", "SALARY", weight * 0.7, s_mi, salary_until, first))
        parts.append(Part("VID", "SALARY", weight * 0.3, s_mi, salary_until, second))
    else:
        parts.append(Part("VID", "SALARY", weight, s_mi, salary_until, first))
    if extras:
        r = rng.random()
        if r < 0.02:
            parts.append(Part("VID", "ROYALTY", 0.2, s_mi, None, employers.pick(rng)))
        elif r < 0.05:
            parts.append(Part("VID", "RENTAL", 0.3, s_mi, None))
        elif r < 0.06:
            parts.append(Part("VID", "OTHER", 0.1, s_mi, None))
    ref_mi = month_index(ref)
    if rng.random() < 0.08 and s_mi < ref_mi - 8:  # one month on sick leave, in the history
        sick = rng.randint(max(s_mi, ref_mi - 30), ref_mi - 6)
        parts.append(Part("VSAA", "SICKNESS_BENEFIT", weight * 0.6, sick, sick))


def disability_parts(
    f: PersonFacts, parts: list[Part], kind: str, weight: float, hist: int
) -> None:
    for d in f.decisions:
        if d.subject == "ADULT":
            end = None if d.valid_to is None else month_index(d.valid_to)
            if end is None or end >= hist:
                parts.append(Part("VSAA", kind, weight, max(hist, month_index(d.valid_from)), end))


def unemployed(
    rng: random.Random,
    f: PersonFacts,
    parts: list[Part],
    employers: EmployerPool,
    ref: dt.date,
    adult_from: dt.date,
    hist: int,
) -> None:
    """Registered unemployed since 4-24 months; benefit for 8 months; may find a job later."""
    ref_mi = month_index(ref)
    since = max(add_days(adult_from, 30), month_start(ref_mi - rng.randint(4, 24)))
    since = add_days(since, rng.randint(0, 20))
    if since > add_days(adult_from, 400):
        prev = max(adult_from, add_days(since, -rng.randint(200, 3000)))
        f.jobs.append(Job(employers.pick(rng), prev, add_days(since, -1)))
        f.streams.append(
            Stream(
                "VID",
                "SALARY",
                round(rng.uniform(500, 1100), 2),
                max(hist, month_index(prev)),
                month_index(since) - 1,
                f.jobs[-1].employer,
            )
        )
    ended: dt.date | None = None
    reason: str | None = None
    if rng.random() < 0.4:  # finds a job later: revealed by the clock
        ended = add_days(ref, rng.randint(5, 400))
        reason = "EMPLOYED"
        job = employers.pick(rng)
        f.jobs.append(Job(job, add_days(ended, 1), None))
        f.streams.append(
            Stream(
                "VID", "SALARY", round(rng.uniform(700, 1400), 2), month_index(ended) + 1, None, job
            )
        )
    measure = None
    pay: float | None = None
    if rng.random() < 0.3:
        m_from = add_days(since, rng.randint(20, 90))
        kind = rng.choice(
            ("PAID_TEMPORARY_PUBLIC_WORKS", "TRAINING", "TRAINING", "COMPETITIVENESS_MEASURE")
        )
        measure = (
            kind,
            m_from,
            add_days(m_from, rng.randint(30, 150)),
            kind == "PAID_TEMPORARY_PUBLIC_WORKS" or rng.random() < 0.7,
        )
        kind, pay = paid_measure(kind, m_from)
        measure = (kind, *measure[1:])
    f.registrations.append(Registration("UNEMPLOYED", since, ended, reason, measure, pay))
    if month_index(since) >= ref_mi - 7:
        parts.append(
            Part("VSAA", "UNEMPLOYMENT_BENEFIT", 0.8, month_index(since), month_index(since) + 7)
        )


#: A paid measure's monthly pay (registries.md §6 ``stipends``, assessment.md §2): public works
#: (NVA pays about EUR 320 a month in 2024-2026) and a business start-up grant (a monthly
#: grant at about the minimum wage) -- modelled figures.
PUBLIC_WORKS_PAY = (250.0, 340.0)
START_UP_GRANT_PAY = (500.0, 780.0)


def paid_measure(kind: str, m_from: dt.date) -> tuple[str, float | None]:
    """The measure's type and monthly pay, from a generator of its own (the household's draws
    stay as they were): about a third of the other measures are start-up grants."""
    side = random.Random(f"measure:{m_from.isoformat()}:{kind}")
    if kind != "PAID_TEMPORARY_PUBLIC_WORKS" and side.random() < 0.35:
        kind = "BUSINESS_START_UP"
    if kind == "PAID_TEMPORARY_PUBLIC_WORKS":
        return kind, round(side.uniform(*PUBLIC_WORKS_PAY), 2)
    if kind == "BUSINESS_START_UP":
        return kind, round(side.uniform(*START_UP_GRANT_PAY), 2)
    return kind, None


def inactive(rng: random.Random, f: PersonFacts, ref: dt.date, adult_from: dt.date) -> None:
    r = rng.random()
    if r < 0.3:
        since = max(adult_from, add_days(ref, -rng.randint(30, 700)))
        f.registrations.append(Registration("JOB_SEEKER", since, None, None))
    elif r < 0.5 and ref - adult_from > dt.timedelta(days=900):
        f.registrations.append(ended_registration(rng, ref, None))


def ended_registration(rng: random.Random, ref: dt.date, reason: str | None) -> Registration:
    since = add_days(ref, -rng.randint(400, 1800))
    ended = add_days(since, rng.randint(30, 360))
    reason = reason or rng.choice(
        (
            "EMPLOYED",
            "SELF_EMPLOYED",
            "FULL_TIME_STUDIES",
            "REFUSED_SUITABLE_WORK",
            "DUTIES_NOT_MET",
            "FALSE_INFORMATION",
            "OTHER",
        )
    )
    return Registration("UNEMPLOYED", since, ended, reason)
