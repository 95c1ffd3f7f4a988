"""Registry facts of a generated household: disability, benefits, employment, NVA.

Drawn lazily per household from ``random.Random(f"{seed}:{index}:facts")`` so that the
population index never pays for them. The household first draws an **income band** —
``POOR`` (~16 %), ``LOW`` (~11 %) or ``MID`` — and a target for its counted monthly income
(``assessment.md`` §2-3, 2026 thresholds) inside that band with a 6 % margin, then splits the
target over its members' counted sources. Monthly amounts jitter by at most ±4 %, so the average
over any three months stays in the band and every status path of the assessment is exercised.

Facts are **timelines** spanning three years before and after the reference date; the clock
reveals them as "today" advances (a renewal decided later, an unemployed person who finds a job,
an unemployment benefit that runs out, a disability decision that expires). What a record looks
like on the wire is decided in :mod:`mocks.world.timeline`.
"""

from __future__ import annotations

import datetime as dt
import random

from tilts.mocks.world.disability import draw_decisions, valid_on
from tilts.mocks.world.fact_types import (
    LOW,
    MID,
    PENSION_AGE,
    POOR,
    Decision,
    EmployerPool,
    HouseholdFacts,
    Job,
    Part,
    PersonFacts,
    Stream,
    age_on,
    birthday,
    month_index,
    month_start,
    month_str,
    thresholds,
)
from tilts.mocks.world.households import CHILD, HEAD, PARTNER, WARD, BaseHousehold
from tilts.mocks.world.work import (
    disability_parts,
    employ,
    ended_registration,
    inactive,
    unemployed,
)

__all__ = [
    "LOW",
    "MID",
    "POOR",
    "Decision",
    "EmployerPool",
    "HouseholdFacts",
    "PersonFacts",
    "age_on",
    "build_facts",
    "month_index",
    "month_start",
    "month_str",
    "thresholds",
]

_DISABILITY_INCOME = ("DISABILITY_PENSION", "STATE_SOCIAL_SECURITY_BENEFIT")


def build_facts(
    seed: int, hh: BaseHousehold, ref: dt.date, employers: EmployerPool
) -> HouseholdFacts:
    """Draw the facts of household ``hh`` (see the module docstring)."""
    rng = random.Random(f"{seed}:{hh.index}:facts")
    ref_mi = month_index(ref)
    hist = ref_mi - 36
    n = len(hh.members)
    band = rng.choices((POOR, LOW, MID), (16, 11, 73))[0]
    poor_t, low_t = thresholds(hh.atvk, n)
    if band == POOR:
        target = poor_t * rng.uniform(0.15, 0.9)
    elif band == LOW:
        target = rng.uniform(poor_t * 1.06, low_t * 0.94)
    else:
        target = rng.uniform(low_t * 1.12, low_t * 3.2)
    facts = [PersonFacts() for _ in hh.members]
    parts: list[list[Part]] = [[] for _ in facts]
    ages = [age_on(p.birth_date, ref) for p in hh.members]
    for i, p in enumerate(hh.members):
        prob = 0.03 if ages[i] < 18 else 0.2 if ages[i] >= PENSION_AGE else 0.09
        if rng.random() < prob * (1.5 if band == POOR else 1.0):
            facts[i].decisions = draw_decisions(rng, p, ref, hh.index)
    # the parent who receives child benefits: the mother if present, else the head
    parents = [i for i, p in enumerate(hh.members) if p.role in (HEAD, PARTNER)]
    mother = next((i for i in parents if hh.members[i].sex == "F"), 0)
    minors = [i for i, p in enumerate(hh.members) if p.role in (CHILD, WARD) and ages[i] < 18]
    baby = max(minors, key=lambda i: hh.members[i].birth_date) if minors else None
    baby_born = hh.members[baby].birth_date if baby is not None and ages[baby] < 2 else None
    for i, p in enumerate(hh.members):
        f, a = facts[i], ages[i]
        adult_from = birthday(p.birth_date, 18)
        current = valid_on(f.decisions, ref)
        if i in minors:
            _minor(rng, hh, i, f, facts[mother], parts[i], band, current, hist, employers)
            continue
        if baby_born is not None and i == mother and a < PENSION_AGE:
            _parent_of_baby(rng, f, parts[i], employers, ref, adult_from, hist, baby_born)
        elif baby_born is not None and p.role == PARTNER and rng.random() < 0.6:
            bm = month_index(baby_born)
            parts[i].append(Part("VSAA", "PATERNITY_BENEFIT", 0.15, bm, bm))
            employ(rng, f, parts[i], employers, ref, adult_from, 2.0, hist)
        elif a >= PENSION_AGE:
            kind = "SERVICE_PENSION" if rng.random() < 0.03 else "OLD_AGE_PENSION"
            since = max(hist, month_index(birthday(p.birth_date, PENSION_AGE)))
            parts[i].append(Part("VSAA", kind, 1.0, since, None))
            if band == MID and a < 72 and rng.random() < 0.1:
                employ(rng, f, parts[i], employers, ref, adult_from, 1.0, hist)
            if rng.random() < 0.15:
                f.registrations.append(ended_registration(rng, ref, "PENSION_AGE"))
        elif current is not None and current.subject == "ADULT" and current.group in ("I", "II"):
            kind = "STATE_SOCIAL_SECURITY_BENEFIT" if rng.random() < 0.2 else "DISABILITY_PENSION"
            disability_parts(f, parts[i], kind, 0.6, hist)
        elif p.role == CHILD and a <= 24 and rng.random() < 0.5:
            pass  # a student: no income of their own
        else:
            if current is not None and current.subject == "ADULT":
                disability_parts(f, parts[i], "DISABILITY_PENSION", 0.4, hist)
            status = rng.choices(
                ("employed", "unemployed", "inactive"),
                {POOR: (25, 45, 30), LOW: (55, 30, 15), MID: (88, 7, 5)}[band],
            )[0]
            if status == "employed":
                employ(rng, f, parts[i], employers, ref, adult_from, 2.0, hist, extras=band == MID)
            elif status == "unemployed":
                unemployed(rng, f, parts[i], employers, ref, adult_from, hist)
            else:
                inactive(rng, f, ref, adult_from)
        if (
            current is not None
            and current.subject == "ADULT"
            and a < PENSION_AGE
            and not any(x.kind in _DISABILITY_INCOME for x in parts[i])
        ):  # a parent on leave or a student with a disability still draws the pension
            disability_parts(f, parts[i], "DISABILITY_PENSION", 0.4, hist)
        if current is not None and current.subject == "ADULT" and current.special_care_need:
            f.streams.append(
                Stream(
                    "VSAA",
                    "DISABILITY_CARE_BENEFIT",
                    213.43,
                    max(hist, month_index(current.valid_from)),
                    None if current.valid_to is None else month_index(current.valid_to),
                )
            )
    if hh.kind == "single_parent" and rng.random() < 0.3:
        parts[mother].append(Part("VSAA", "MAINTENANCE_GUARANTEE_FUND", 0.25, hist, None))
    if band != POOR and not any(_overlap(x, ref_mi) for ps in parts for x in ps):
        first = next((i for i in range(n) if ages[i] >= 18), 0)
        employ(
            rng,
            facts[first],
            parts[first],
            employers,
            ref,
            birthday(hh.members[first].birth_date, 18),
            2.0,
            hist,
        )
    _share(rng, target, parts, facts, ref_mi)
    return HouseholdFacts(band, round(target, 2), facts)


def _overlap(part: Part, ref_mi: int) -> float:
    """Share of the three assessment months (before the reference month) a part covers."""
    lo, hi = (
        max(part.start, ref_mi - 3),
        min(ref_mi - 1 if part.end is None else part.end, ref_mi - 1),
    )
    return max(0, hi - lo + 1) / 3


def _share(
    rng: random.Random,
    target: float,
    parts: list[list[Part]],
    facts: list[PersonFacts],
    ref_mi: int,
) -> None:
    """Turn weighted parts into streams whose three-month average sums to ``target``."""
    covered = sum(x.weight * _overlap(x, ref_mi) for ps in parts for x in ps)
    for i, ps in enumerate(parts):
        pay_day = rng.randint(2, 23)
        for x in ps:
            net = target * x.weight / covered if covered else 400.0 * x.weight
            if net >= 1:
                facts[i].streams.append(
                    Stream(x.source, x.kind, round(net, 2), x.start, x.end, x.employer, pay_day)
                )


def _minor(
    rng: random.Random,
    hh: BaseHousehold,
    i: int,
    f: PersonFacts,
    mother: PersonFacts,
    parts: list[Part],
    band: str,
    current: Decision | None,
    hist: int,
    employers: EmployerPool,
) -> None:
    """A minor's own facts and the child benefits paid to the mother (or head)."""
    p = hh.members[i]
    pay_day = rng.randint(2, 23)
    mother.children_fsb.append(p.birth_date)
    if current is not None and current.special_care_need:
        for d in f.decisions:
            if d.special_care_need:
                mother.streams.append(
                    Stream(
                        "VSAA",
                        "DISABLED_CHILD_CARE_BENEFIT",
                        313.43,
                        max(hist, month_index(d.valid_from)),
                        None if d.valid_to is None else month_index(d.valid_to),
                        pay_day=pay_day,
                    )
                )
    if hh.kind == "single_parent" and rng.random() < 0.05:
        parts.append(
            Part(
                "VSAA",
                "SURVIVOR_PENSION",
                0.3,
                max(hist, month_index(p.birth_date)),
                month_index(birthday(p.birth_date, 18)) - 1,
            )
        )
    sixteen = birthday(p.birth_date, 16)
    if sixteen <= month_start(hist + 36) and rng.random() < 0.15:  # summer job
        high = band == MID and rng.random() < 0.05  # rarely above the minimum wage
        job = Job(employers.pick(rng), sixteen, None)
        f.jobs.append(job)
        f.streams.append(
            Stream(
                "VID",
                "SALARY",
                round(rng.uniform(900, 1100) if high else rng.uniform(150, 450), 2),
                month_index(sixteen),
                None,
                job.employer,
                months_of_year=(6, 7, 8),
            )
        )
    born = month_index(p.birth_date)
    if born >= hist:
        mother.streams.append(
            Stream("VSAA", "BIRTH_BENEFIT", 421.17, born + 1, born + 1, pay_day=pay_day)
        )


def _parent_of_baby(
    rng: random.Random,
    f: PersonFacts,
    parts: list[Part],
    employers: EmployerPool,
    ref: dt.date,
    adult_from: dt.date,
    hist: int,
    born: dt.date,
) -> None:
    """Salary, then maternity and parental benefit (or childcare benefit) for the mother."""
    bm = month_index(born)
    if rng.random() < 0.85:
        employ(rng, f, parts, employers, ref, adult_from, 1.0, hist, salary_until=bm - 2)
        parts.append(Part("VSAA", "MATERNITY_BENEFIT", 1.0, bm - 1, bm + 1))
        parts.append(Part("VSAA", "PARENTAL_BENEFIT", 1.0, bm + 2, bm + 17))
    else:
        parts.append(Part("VSAA", "CHILDCARE_BENEFIT", 0.3, bm, bm + 17))
