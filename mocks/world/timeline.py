"""What the registries know on a given day: facts timelines rendered as records.

The rules that make a record visible (all deterministic):

* **VSAA** pays pensions (old-age, disability, service, survivor) for month M on the person's
  pay day (2nd-23rd) of M, every other benefit for M on that day of M+1. A payment is visible
  once its payment date has come. ``dataCompleteThrough`` is the last month whose payments are
  all made: M-1 from the 24th of month M on, else M-2.
* **VID** gets an employer's report for month M between the 5th and 17th of M+1, or late (one in
  ten) between the 1st and 15th of M+2. ``dataCompleteThrough`` is M-2 from the 16th of month M
  on, else M-3: the last month or two may be missing or grow on a later query.
* **NVA** answers the latest registration that began on or before the date; an end (or a measure)
  that lies after "today" is not known yet.
* **VDEĀVK** answers decisions taken on or before the date.
* A death or emigration (from the clock) stops payments and income after that month, ends
  employments and an open NVA registration (reason ``OTHER`` or ``LEFT_COUNTRY``).

Money is ``Decimal`` with two decimals (``str()`` gives the wire form, ``"512.34"``).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tilts.mocks.world.fact_types import Registration
from tilts.mocks.world.facts import (
    Decision,
    EmployerPool,
    PersonFacts,
    month_index,
    month_start,
    month_str,
)

CENT = Decimal("0.01")
PENSIONS = frozenset(
    {"OLD_AGE_PENSION", "DISABILITY_PENSION", "SERVICE_PENSION", "SURVIVOR_PENSION"}
)
UNTAXED = frozenset(
    {
        "FAMILY_STATE_BENEFIT",
        "DISABLED_CHILD_CARE_BENEFIT",
        "DISABILITY_CARE_BENEFIT",
        "BIRTH_BENEFIT",
        "FUNERAL_BENEFIT",
        "MAINTENANCE_GUARANTEE_FUND",
        "STATE_SOCIAL_SECURITY_BENEFIT",
    }
)
_IIN = 0.255  # personal income tax rate of 2026 on the part above the non-taxable amount


def money(value: float) -> Decimal:
    """A float amount as a two-decimal ``Decimal``."""
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Payment:
    """One VSAA payment (registries.md §4)."""

    month: str
    benefit_type: str
    gross_amount: Decimal
    income_tax_withheld: Decimal
    paid_amount: Decimal
    payment_date: dt.date


@dataclass(frozen=True, slots=True)
class Employment:
    """One VID employment (registries.md §5); ``end_date`` only once it is known."""

    employer_reg_no: str
    employer_name: str
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class IncomeRecord:
    """One VID income record (registries.md §5).

    ``employer_reg_no`` is ``None`` for self-employment and rental income (no payer employer).
    ``reported_on`` is when VID received it (not on the wire; it explains late months).
    """

    month: str
    employer_reg_no: str | None
    income_type: str
    gross_amount: Decimal
    taxes_withheld: Decimal
    net_amount: Decimal
    reported_on: dt.date


@dataclass(frozen=True, slots=True)
class ActiveMeasure:
    """An active labour-market measure (NVA)."""

    type: str
    from_date: dt.date
    to_date: dt.date
    stipend_paid: bool
    #: (month ``YYYY-MM``, amount) paid for each month of the measure up to the date asked
    stipends: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class NvaStatus:
    """NVA registration of a person on a date (registries.md §6)."""

    kind: str
    since: dt.date | None = None
    ended_on: dt.date | None = None
    end_reason: str | None = None
    active_measure: ActiveMeasure | None = None


NOT_REGISTERED = NvaStatus("NOT_REGISTERED")


@dataclass(frozen=True, slots=True)
class Closure:
    """A person's record closed by the clock: death (``DEATH``) or emigration (``LEFT_COUNTRY``)."""

    on: dt.date
    reason: str


def _hash(key: str) -> int:
    return zlib.crc32(key.encode())


def _jitter(key: str) -> float:
    return 1.0 + ((_hash(key) % 801) - 400) / 10_000


def _gross_of_paid(paid: float, kind: str) -> float:
    """Gross amount of a VSAA payment whose paid amount is ``paid``."""
    free = 1000.0 if kind in PENSIONS else 500.0
    if kind in UNTAXED or paid <= free:
        return paid
    return free + (paid - free) / (1 - _IIN)


def _last_month(closure: Closure | None) -> int | None:
    return None if closure is None else month_index(closure.on)


def _fsb(children: list[dt.date], mi: int) -> float:
    """Family state benefit of a month (illustrative amounts): children aged 1 month to 15."""
    first = month_start(mi)
    n = sum(1 for b in children if b < first and _add_years(b, 16) > first)
    return 0.0 if n == 0 else 25.0 if n == 1 else 50.0 * n if n == 2 else 75.0 * n


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def _day(mi: int, day: int) -> dt.date:
    return dt.date(mi // 12, mi % 12 + 1, day)


def payments(
    pf: PersonFacts, key: str, from_mi: int, to_mi: int, today: dt.date, closure: Closure | None
) -> list[Payment]:
    """VSAA payments of months ``from_mi..to_mi`` visible on ``today``."""
    last = _last_month(closure)
    sums: dict[tuple[int, str], list[float]] = {}
    dates: dict[tuple[int, str], dt.date] = {}
    for mi in range(from_mi, to_mi + 1):
        if last is not None and mi > last:
            break
        items = [
            (s.kind, s.net, s.pay_day)
            for s in pf.streams
            if s.source == "VSAA"
            and s.start <= mi
            and (s.end is None or mi <= s.end)
            and (not s.months_of_year or mi % 12 + 1 in s.months_of_year)
        ]
        fsb = _fsb(pf.children_fsb, mi) if pf.children_fsb else 0.0
        if fsb:
            items.append(("FAMILY_STATE_BENEFIT", fsb, 20))
        for kind, net, pay_day in items:
            paid_on = _day(mi, pay_day) if kind in PENSIONS else _day(mi + 1, pay_day)
            if paid_on > today:
                continue
            gross = _gross_of_paid(net, kind)
            acc = sums.setdefault((mi, kind), [0.0, 0.0])
            acc[0] += gross
            acc[1] += net
            dates[(mi, kind)] = paid_on
    out = []
    for (mi, kind), (gross, paid) in sums.items():
        g, p = money(gross), money(paid)
        out.append(Payment(month_str(mi), kind, g, g - p, p, dates[(mi, kind)]))
    return out


def income(
    pf: PersonFacts,
    employers: EmployerPool,
    key: str,
    from_mi: int,
    to_mi: int,
    today: dt.date,
    closure: Closure | None,
) -> list[IncomeRecord]:
    """VID income records of months ``from_mi..to_mi`` reported by ``today``."""
    last = _last_month(closure)
    out: dict[tuple[int, str | None, str], list[float]] = {}
    reported: dict[tuple[int, str | None, str], dt.date] = {}
    for idx, s in enumerate(pf.streams):
        if s.source != "VID":
            continue
        reg = None if s.employer is None else employers.employers[s.employer].reg_no
        for mi in range(
            max(from_mi, s.start), to_mi + 1 if s.end is None else min(to_mi, s.end) + 1
        ):
            if (last is not None and mi > last) or (
                s.months_of_year and mi % 12 + 1 not in s.months_of_year
            ):
                continue
            h = _hash(f"{key}:{idx}:{mi}:r")
            on = _day(mi + 2, 1 + h % 15) if h % 10 == 0 else _day(mi + 1, 5 + h % 13)
            if on > today:
                continue
            net = s.net * _jitter(f"{key}:{idx}:{mi}")
            k = (mi, reg, s.kind)
            acc = out.setdefault(k, [0.0, 0.0])
            acc[0] += net / 0.7 if s.kind == "SALARY" else net / (1 - _IIN * 0.8)
            acc[1] += net
            reported[k] = max(reported.get(k, on), on)
    records = []
    for (mi, reg, kind), (gross, net) in sorted(
        out.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        g, n = money(gross), money(net)
        records.append(
            IncomeRecord(month_str(mi), reg, kind, g, g - n, n, reported[(mi, reg, kind)])
        )
    return records


def employments(
    pf: PersonFacts, employers: EmployerPool, today: dt.date, closure: Closure | None
) -> list[Employment]:
    """VID employments known on ``today``; a job open at a death or emigration ends then."""
    out = []
    for job in pf.jobs:
        if job.start > today or (closure is not None and job.start > closure.on):
            continue
        end = job.end if job.end is not None and job.end <= today else None
        if closure is not None and (end is None or end > closure.on):
            end = closure.on
        e = employers.employers[job.employer]
        out.append(Employment(e.reg_no, e.name, job.start, end))
    return out


def nva(pf: PersonFacts, as_of: dt.date, today: dt.date, closure: Closure | None) -> NvaStatus:
    """NVA registration on ``as_of`` as known on ``today``."""
    as_of = min(as_of, today)
    regs = [r for r in pf.registrations if r.since <= as_of]
    if closure is not None:
        regs = [r for r in regs if r.since <= closure.on]
    if not regs:
        return NOT_REGISTERED
    r = max(regs, key=lambda x: x.since)
    ended, reason = r.ended_on, r.end_reason
    if ended is not None and ended > as_of:
        ended, reason = None, None
    if closure is not None and closure.on <= as_of and (ended is None or ended > closure.on):
        ended = closure.on
        reason = "OTHER" if closure.reason == "DEATH" else "LEFT_COUNTRY"
    measure = None
    if r.measure is not None and ended is None:
        kind, m_from, m_to, stipend = r.measure
        if m_from <= as_of <= m_to:
            measure = ActiveMeasure(kind, m_from, m_to, stipend, stipends(r, as_of))
    return NvaStatus(r.kind, r.since, ended, reason, measure)


def stipends(r: Registration, as_of: dt.date) -> tuple[tuple[str, Decimal], ...]:
    """The measure's pay by month, from its first month through the month of ``as_of``
    (registries.md §6 ``stipends``): the monthly pay, the first and last months pro rata to
    the days the measure ran in them."""
    if r.measure is None or r.measure_pay is None:
        return ()
    _, m_from, m_to, _ = r.measure
    out = []
    for mi in range(month_index(m_from), month_index(min(as_of, m_to)) + 1):
        first = month_start(mi)
        last = month_start(mi + 1) - dt.timedelta(days=1)
        days = (min(last, m_to) - max(first, m_from)).days + 1
        share = days / ((last - first).days + 1)
        out.append((month_str(mi), money(r.measure_pay * share)))
    return tuple(out)


def decisions(
    pf: PersonFacts, as_of: dt.date, today: dt.date, include_history: bool
) -> list[Decision]:
    """Disability decisions taken by ``as_of`` (all, or only those valid on ``as_of``)."""
    as_of = min(as_of, today)
    known = [d for d in pf.decisions if d.decision_date <= as_of]
    if include_history:
        return known
    return [
        d for d in known if d.valid_from <= as_of and (d.valid_to is None or as_of <= d.valid_to)
    ]


def data_complete_through(service: str, today: dt.date) -> str:
    """``dataCompleteThrough`` of ``vsaa`` or ``vid`` on ``today`` (see the module docstring)."""
    mi = month_index(today)
    if service == "vsaa":
        return month_str(mi - 1 if today.day >= 24 else mi - 2)
    if service == "vid":
        return month_str(mi - 2 if today.day >= 16 else mi - 3)
    raise ValueError(f"no dataCompleteThrough for service {service!r}")
