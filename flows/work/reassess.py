"""Re-assessment after a sync (assessment.md §4): which households, their cases, the flags.

A household is re-assessed when it holds a valid poor or low-income status and a member's
registry facts changed since the last run (or a member's disability decision ran out since
then, or a decision of the household was recorded since then). Its case is rebuilt from the
store as if it applied today — members on that day, their current facts, the latest means
declaration — and assessed with the real calculator. It is flagged for review, with the
reason, when

* ``INCOME_ABOVE_THRESHOLD``: its average income is now above the threshold of the status it
  holds (the calculator gives a worse status), or its granted GMI benefit would now be lower;
* ``MEMBER_DIED``: PMLP registers a member's death;
* ``MEMBER_MOVED_OUT``: a member's declared address is outside the municipality (or the
  member has no declared address any more and is deregistered);
* ``DISABILITY_ENDED``: a member's disability decision in force on the status's request date
  is in force no longer;
* ``PROPERTY_ACQUIRED``: the property test on the members' property facts (and the worker's
  override, if any) is ``NOT_MET`` or ``NEEDS_REVIEW`` (property.md §8: a second car, a
  second property, a new active enterprise share).

Nothing here revokes or changes a decision: a social worker reviews the flag and decides.
Flags say what changed in words and counts, never whose personal code or name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tilts.assessment import (
    AssessmentResult,
    Case,
    DeclaredIncome,
    Disability,
    Employment,
    Month,
    MunicipalityThresholdRow,
    NvaMeasure,
    NvaStatus,
    Person,
    PropertyResult,
    Rules,
    Status,
    Stipend,
    VidIncome,
    VsaaPayment,
    assess,
    income_months,
    load_rules,
    parse_municipality_rows,
    parse_property_rows,
)
from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.further_income import maintenance, rural_payments
from tilts.flows.work.property_case import property_detail, property_facts
from tilts.kernel.config import TiltsSettings
from tilts.kernel.crashpoints import crash_point
from tilts.kernel.errors import InputError
from tilts.store.db import transaction
from tilts.store.decisions import Declaration
from tilts.store.models import STATUS_KINDS, Decision
from tilts.store.ops import get_cursor, now, set_cursor
from tilts.store.property_overrides import Override, latest_overrides
from tilts.store.reassess import (
    HouseholdFacts,
    MemberFacts,
    NewFlag,
    changed_households,
    household_facts,
    households_with_valid_status,
    latest_declarations,
    open_flags,
    valid_decisions,
)

CURSOR_AT = "reassess.last_run"
CURSOR_RUN = "reassess.last_run_key"
CURSOR_AS_OF = "reassess.last_as_of"
# A sync chunk stamps ``fetched_at`` before it commits, and workers' clocks differ: a chunk of
# another flow committing while we read could fall just behind the cursor. Facts of the last
# few minutes before it are looked at again (flags are idempotent, so that costs only time);
# the run that set the cursor is skipped, it had seen its own facts.
GRACE = timedelta(minutes=5)
_RANK = {Status.POOR: 0, Status.LOW_INCOME: 1, Status.NONE: 2}
_GRANTED = {"STATUS_POOR": Status.POOR, "STATUS_LOW_INCOME": Status.LOW_INCOME}


def rules_for(settings: TiltsSettings) -> Rules:
    """The packaged rules with the configured municipalities' low-income thresholds and their
    own property-test rows (``property_rules``, property.md §8) merged in.

    Raises:
        ConfigError: a configured row is malformed or outside the national bounds.
    """
    rows: list[MunicipalityThresholdRow] = []
    for key, muni in settings.municipalities.items():
        if muni.low_income_thresholds:
            raw = [
                {"from": r.valid_from, "low_income": {"first": r.first, "other": r.other}}
                for r in muni.low_income_thresholds
            ]
            rows += parse_municipality_rows(
                muni.atvk,
                raw,
                source="configuration",
                key=f"municipalities.{key}.low_income_thresholds",
                name=muni.name,
            )
    own_property = {
        muni.atvk: parse_property_rows(
            muni.property_rules, "configuration", prefix=f"municipalities.{key}.property_rules."
        )
        for key, muni in settings.municipalities.items()
        if muni.property_rules
    }
    return load_rules(rows, origin="configuration", extra_property_rows=own_property)


# --- the case, from the store ------------------------------------------------------------------


def _d(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def disability_on(member: MemberFacts, day: date) -> Disability | None:
    """The member's VDEĀVK decision in force on ``day`` (the latest starting one), if any."""
    found: list[Disability] = []
    for fact in member.of("VDEAVK", "DISABILITY"):
        p = fact.payload
        start = _d(p.get("validFrom"))
        if start is None:
            continue
        d = Disability(str(p.get("subject")), start, p.get("group"), _d(p.get("validTo")))
        if d.valid_on(day):
            found.append(d)
    return max(found, key=lambda d: d.valid_from, default=None)


def nva_stipends(member: MemberFacts) -> tuple[tuple[str, Decimal], ...]:
    """The pay of the member's NVA measure by month (``stipends``, registries.md §6), as the
    current registration fact states it: ``(("2026-09", Decimal("320.00")), …)``."""
    regs = member.of("NVA", "REGISTRATION")
    if not regs:
        return ()
    return tuple(
        (str(x["month"]), Decimal(str(x["amount"]))) for x in regs[0].payload.get("stipends") or []
    )


def _nva(member: MemberFacts, day: date) -> NvaStatus | None:
    regs = member.of("NVA", "REGISTRATION")
    if not regs:
        return None
    p = regs[0].payload
    since, ended = _d(p.get("since")), _d(p.get("endedOn"))
    if (since is not None and since > day) or (ended is not None and ended < day):
        return NvaStatus("NOT_REGISTERED")
    measure = None
    if p.get("measureType"):
        measure = NvaMeasure(
            str(p["measureType"]),
            _d(p.get("measureFrom")),
            _d(p.get("measureTo")),
            bool(p.get("stipendPaid")),
            tuple(Stipend(Month.parse(m), a) for m, a in nva_stipends(member)),
        )
    return NvaStatus(str(p.get("kind")), measure)


def birth_date(member: MemberFacts) -> date | None:
    """The birth date PMLP states (the person row's snapshot as a fallback)."""
    for fact in member.of("PMLP", "BASIC"):
        if fact.payload.get("birthDate"):
            return _d(fact.payload["birthDate"])
    return member.birth_date


def _money(payload: dict[str, Any], name: str) -> Decimal:
    return Decimal(str(payload[name]))


def _person(m: MemberFacts, born: date, day: date) -> Person:
    return Person(
        id=str(m.person_id),
        birth_date=born,
        disability=disability_on(m, day),
        vid=tuple(
            VidIncome(
                Month.parse(f.period), f.payload["incomeType"], _money(f.payload, "netAmount")
            )
            for f in m.of("VID", "INCOME")
            if f.period and f.payload.get("netAmount") is not None
        ),
        vsaa=tuple(
            VsaaPayment(
                Month.parse(f.period), f.payload["benefitType"], _money(f.payload, "paidAmount")
            )
            for f in m.of("VSAA", "PAYMENT")
            if f.period
        ),
        nva=_nva(m, day),
        employments=tuple(
            Employment(_d(f.payload.get("startDate")), _d(f.payload.get("endDate")))
            for f in m.of("VID", "EMPLOYMENT")
        ),
        lad=rural_payments(m),
        ugfa=maintenance(m),
    )


def build_case(
    hh: HouseholdFacts,
    day: date,
    declaration: Declaration | None,
    municipality: str,
    override: Override | None = None,
) -> Case:
    """The assessment case of a household applying on ``day``, from the store.

    Without a declaration the conditions a social worker confirms are taken as met and the
    savings as nil: the re-assessment then judges the registry facts alone. The members'
    property facts, the household's declared address and the worker's ``override`` make the
    case's ``property`` (:func:`property_case.property_facts`; property.md §8).

    Raises:
        InputError: a member has no known birth date (the calculator never guesses).
    """
    members = []
    for i, m in enumerate(hh.members):
        born = birth_date(m)
        if born is None:
            raise InputError(f"members[{i}].birthDate: not known to the store")
        members.append(_person(m, born, day))
    ids = {p.id for p in members}
    d = declaration or Declaration(Decimal("0.00"), True, True, day)
    return Case(
        municipality=municipality,
        application_date=day,
        savings=d.savings,
        property_conditions_met=d.property_conditions_met,
        cooperation_agreement=d.cooperation_agreement,
        members=tuple(members),
        declared_income=tuple(
            DeclaredIncome(str(x.person_id), x.income_type, x.monthly_amount)
            for x in d.declared_income
            if str(x.person_id) in ids
        ),
        housing_expenses=dict(d.housing_expenses),
        property=property_facts(hh, override),
    )


# --- what no longer fits -----------------------------------------------------------------------


def _moved_out(member: MemberFacts, atvk: str) -> bool:
    addresses = member.of("PMLP", "ADDRESS")
    if addresses:
        latest = max(addresses, key=lambda f: f.valid_from or date.min)
        return latest.payload.get("atvk") != atvk
    # no declared address any more: deregistered (emigrated) unless PMLP never answered
    return any(f.payload.get("registerStatus") == "PASSIVE" for f in member.of("PMLP", "BASIC"))


def review(
    hh: HouseholdFacts,
    status: Decision,
    gmi: Sequence[Decision],
    result: AssessmentResult | None,
    day: date,
) -> list[NewFlag]:
    """The flags one household earns against its valid status (and GMI) decisions."""
    size = len(hh.members)
    flags: list[NewFlag] = []

    def flag(decision: Decision, reason: str, detail: str) -> None:
        flags.append(NewFlag(hh.household_id, decision.id, reason, detail))

    died = [m for m in hh.members if m.of("PMLP", "DEATH")]
    if died:
        flag(status, "MEMBER_DIED", f"{len(died)} of {size} members: death registered (PMLP)")
    dead = {m.person_id for m in died}
    gone = [m for m in hh.members if m.person_id not in dead and _moved_out(m, hh.atvk)]
    if gone:
        flag(
            status,
            "MEMBER_MOVED_OUT",
            f"{len(gone)} of {size} members: declared address outside the municipality or "
            "deregistered (PMLP)",
        )
    ended = [
        m
        for m in hh.members
        if disability_on(m, status.request_date) is not None and disability_on(m, day) is None
    ]
    if ended:
        flag(
            status,
            "DISABILITY_ENDED",
            f"{len(ended)} of {size} members: the disability decision in force on the request "
            f"date {status.request_date} is not in force on {day} (VDEĀVK)",
        )
    if result is None:
        return flags
    test = result.property_test
    property_fails = test is not None and test.result is PropertyResult.NOT_MET
    if test is not None and test.result is not PropertyResult.MET:
        flag(status, "PROPERTY_ACQUIRED", property_detail(test, size))
    granted = _GRANTED[status.kind]
    average = result.average_monthly_income
    months = f"{result.months[0]}..{result.months[-1]}"
    if _RANK[result.status] > _RANK[granted]:
        limit = result.thresholds.poor if granted is Status.POOR else result.thresholds.low_income
        if average > limit:
            name = "poor" if granted is Status.POOR else "low-income"
            flag(
                status,
                "INCOME_ABOVE_THRESHOLD",
                f"average monthly income {average} ({months}) is above the {name} threshold "
                f"{limit} for a household of {size}; the calculator now gives {result.status}",
            )
    new_gmi = result.gmi_benefit.monthly_amount if result.gmi_benefit else Decimal("0.00")
    for decision in gmi:
        if property_fails:
            break  # no GMI because of the property test: PROPERTY_ACQUIRED says why
        if decision.monthly_amount is not None and new_gmi < decision.monthly_amount:
            flag(
                decision,
                "INCOME_ABOVE_THRESHOLD",
                f"GMI benefit would now be {new_gmi} a month instead of "
                f"{decision.monthly_amount}: average monthly income {average} ({months})",
            )
    return flags


# --- planning and one chunk --------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The households to re-assess in this run and the cursor to store after it."""

    households: list[int]
    mark: str


def plan(rt: Runtime, night: NightContext) -> Plan:
    """Households holding a valid status on ``day`` whose facts changed since the last run.

    The first run (no cursor) takes every household holding a valid status.
    """
    mid, day = night.municipality_id, night.day
    mark = now()  # before reading: whatever commits from now on is the next run's
    with rt.factory() as s:
        last_at, last_run, last_day = (
            get_cursor(s, mid, c) for c in (CURSOR_AT, CURSOR_RUN, CURSOR_AS_OF)
        )
        valid: list[int] = []
        while page := households_with_valid_status(s, mid, day, valid[-1] if valid else 0):
            valid += page
        if last_at is None:
            return Plan(valid, mark.isoformat())
        ended = (date.fromisoformat(last_day), day) if last_day else None
        since = datetime.fromisoformat(last_at) - GRACE
        changed = changed_households(s, valid, since, last_run, ended)
    return Plan(sorted(changed), mark.isoformat())


def commit_cursor(rt: Runtime, night: NightContext, mark: str) -> None:
    """Remember this run (only after every chunk's flags are committed)."""
    mid, day = night.municipality_id, night.day
    with transaction(rt.factory) as s:
        set_cursor(s, mid, CURSOR_AT, mark)
        set_cursor(s, mid, CURSOR_RUN, rt.key)
        set_cursor(s, mid, CURSOR_AS_OF, day.isoformat())


def reassess_chunk(
    rt: Runtime, night: NightContext, household_ids: list[int], rules: Rules | None = None
) -> dict[str, Any]:
    """Re-assess one chunk of households and open the flags they earn; one commit.

    Returns:
        Counts: households, persons, households without a computable case ("unassessable":
        a member's birth date unknown, or no threshold in force), flags opened and households
        newly flagged; ``cannot_assess``: one line per unassessable household (its internal
        id and why, field paths only), which the run reports as failures (issue 18).
    """
    mid, atvk, day = night.municipality_id, night.atvk, night.day
    rules = rules or rules_for(rt.settings)
    months = [str(m) for m in income_months(day)]
    # LAD's irregular income: the 12 months before the application month (property.md §5)
    spread = rules.income.irregular_spread_months
    year = [str(Month.of(day).shift(-k)) for k in range(spread, 0, -1)]
    with rt.factory() as s:
        statuses = valid_decisions(s, mid, day, STATUS_KINDS, household_ids)
        gmi = valid_decisions(s, mid, day, ("BENEFIT_GMI",), household_ids)
        facts = household_facts(s, household_ids, day, periods=months, long_periods=year)
        declarations = latest_declarations(s, household_ids, day)
        overrides = latest_overrides(s, household_ids)
    gmi_of: dict[int, list[Decision]] = defaultdict(list)
    for d in gmi:
        gmi_of[d.household_id].append(d)
    # two valid statuses overlap only around a renewal: the newer decision is the one in force
    latest = {d.household_id: d for d in sorted(statuses, key=lambda d: (d.decision_date, d.id))}
    flags: list[NewFlag] = []
    unassessable = persons = 0
    cannot_assess: list[str] = []
    for status in latest.values():
        hh = facts[status.household_id]
        persons += len(hh.members)
        result = None
        try:
            declaration = declarations.get(hh.household_id)
            override = overrides.get(hh.household_id)
            case = build_case(hh, day, declaration, atvk, override)
            result = assess(case, rules)
        except InputError as exc:
            unassessable += 1  # the fact-based checks below still apply
            why = "; ".join(str(exc).splitlines())
            cannot_assess.append(f"household {hh.household_id} cannot be assessed: {why}")
        flags += review(hh, status, gmi_of[hh.household_id], result, day)
    with transaction(rt.factory) as s:
        opened = open_flags(s, flags, rt.key, now())
    crash_point("reassess.committed")  # flags committed, cursor not stored
    return {
        "households": len(household_ids),
        "persons": persons,
        "unassessable": unassessable,
        "cannot_assess": cannot_assess,
        "flags": len(opened),
        "households_flagged": len({f.household_id for f in opened}),
    }
