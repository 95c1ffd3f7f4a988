"""VDEĀVK disability decision chains of one person (drawn by :mod:`mocks.world.facts`)."""

from __future__ import annotations

import datetime as dt
import random

from tilts.mocks.world.fact_types import Decision, add_days, age_on, birthday
from tilts.mocks.world.households import BasePerson


def draw_decisions(rng: random.Random, p: BasePerson, ref: dt.date, hh: int) -> list[Decision]:
    """A chain of decisions ending ``current`` (valid past ref+120 d), ``expiring`` or ``past``."""
    child = age_on(p.birth_date, ref) < 18
    scenario = rng.choices(("current", "expiring", "past"), (75, 12, 13))[0]
    group = rng.choices(("I", "II", "III"), (15, 45, 40))[0]
    lifelong = not child and scenario == "current" and rng.random() < 0.25
    care = rng.random() < (0.3 if child else 0.5 if group == "I" else 0.12)
    if scenario == "current":
        end = add_days(ref, rng.randint(121, 1400))
    elif scenario == "expiring":
        end = add_days(ref, rng.randint(1, 120))
    else:
        end = add_days(ref, -rng.randint(120, 1000))
    if child:
        end = min(end, add_days(birthday(p.birth_date, 18), -1))
    periods: list[tuple[dt.date, dt.date]] = []
    cursor = end
    for _ in range(rng.randint(1, 4)):
        start = add_days(cursor, -rng.choice((365, 730, 1095, 1826)) + 1)
        start = max(start, p.birth_date if child else birthday(p.birth_date, 18))
        if start >= cursor:
            break
        periods.append((start, cursor))
        cursor = add_days(start, -1)
    periods.reverse()
    if scenario == "current" and not lifelong and not child:
        # the renewal that follows the current decision: decided before it ends, revealed later
        nxt = add_days(end, 1)
        periods.append((nxt, add_days(nxt, rng.choice((730, 1095)))))
    out: list[Decision] = []
    for k, (start, stop) in enumerate(periods):
        last = k == len(periods) - 1
        is_lifelong = lifelong and k == len(periods) - 1
        decided = add_days(start, -rng.randint(3, 25))
        g = None if child else group
        pct = (
            None
            if g is None
            else {"I": rng.randint(80, 100), "II": rng.randint(60, 79), "III": rng.randint(25, 59)}[
                g
            ]
        )
        out.append(
            Decision(
                f"{decided.year}-{hh:07d}-{p.member}{k}",
                decided,
                "CHILD" if child else "ADULT",
                g,
                pct,
                start,
                None if is_lifelong else stop,
                is_lifelong,
                care and (last or rng.random() < 0.8),
            )
        )
    return out


def valid_on(decisions: list[Decision], day: dt.date) -> Decision | None:
    for d in decisions:
        if d.valid_from <= day and (d.valid_to is None or day <= d.valid_to):
            return d
    return None
