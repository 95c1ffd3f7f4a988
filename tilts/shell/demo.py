"""``tilts demo``: the whole pipeline on one machine, on the embedded defaults.

Starts the mocks on a free loopback port, writes its own configuration, creates a fresh store,
seeds it with a caseload drawn from the mock population, fetches a year of income history,
runs the nightly sync (all five registries, then the re-assessment), seeds a year of
applications, decisions and payments computed with the real calculator from the stored facts,
advances the mock clock a week, runs the nightly sync again, and prints the figures and where
to look next.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from tilts.assessment import Month, Rules, Status, assess
from tilts.flows.runtime import open_store
from tilts.flows.work.reassess import birth_date, build_case, rules_for
from tilts.kernel.clock import riga_today
from tilts.kernel.config import demo_municipalities, load_settings
from tilts.kernel.errors import InputError
from tilts.registries import REGISTRIES
from tilts.shell.demo_notify import print_notifications
from tilts.shell.demo_workdir import prepare_workdir
from tilts.store.db import transaction
from tilts.store.decisions import (
    Declaration,
    DeclaredLine,
    NewApplication,
    NewDecision,
    NewPayment,
    record_applications,
    record_decisions,
    record_payments,
    schedule_payments,
)
from tilts.store.models import Case
from tilts.store.ops import ensure_municipality, now, set_cursor
from tilts.store.reassess import HouseholdFacts, flag_counts, household_facts

if TYPE_CHECKING:
    from tilts.mocks.harness import MockHandle

DEMO_SECRETS = {
    "TILTS_SECRET_DEMO_OGRE": "demo-ogre-secret",
    "TILTS_SECRET_DEMO_TUKUMS": "demo-tukums-secret",
}
HISTORY_DAYS = 365
#: the demo's caseload: up to one household in five is a poor or low-income one that first
#: acquired property (a second car or property, an enterprise share) in the two years before
#: today, so the night a week later re-assesses households that hold a status and whose
#: property test no longer passes (PROPERTY_ACQUIRED, property.md §8)
ACQUIRER_SHARE, ACQUIRED_DAYS = 5, 730


def write_config(path: Path, base_url: str, store_url: str) -> None:
    """The demo's configuration file (secrets come from the environment)."""
    lines = [
        "# Written by `tilts demo`. Secrets are read from TILTS_SECRET_<CLIENT_ID>.",
        "[store]",
        f'url = "{store_url}"',
        "",
        "[gateway]",
        f'base_url = "{base_url}"',
        'user_id = "LVsvc-demo"',
        "",
    ]
    for key, muni in demo_municipalities().items():
        lines += [
            f"[municipalities.{key}]",
            f'atvk = "{muni.atvk}"',
            f'name = "{muni.name}"',
            f'member_code = "{muni.member_code}"',
            f'client_id = "{muni.client_id}"',
            'issue = "MK809-demo"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _groups(persons: list[dict[str, Any]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for p in persons:
        groups[str(p["householdId"])].append(p["personCode"])
    return groups


def seed_caseload(
    config: Path,
    sample: dict[str, list[dict[str, Any]]],
    households: int,
    opened_on: date | None = None,
    acquirers: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, int]:
    """Open a case for ``households`` households per municipality from the mock sample: the
    demo writes the case application's export (docs/caseload-format.md) next to its
    configuration and loads it the way an operator does, through ``tilts cases import``'s
    code (:func:`tilts.shell.cli_cases.import_file`). Households of ``acquirers`` (a sample
    of households that acquired property lately) take one place in :data:`ACQUIRER_SHARE`.
    """
    from tilts.shell.cli_cases import import_file

    settings = load_settings(config)
    seeded: dict[str, int] = {}
    for key, muni in settings.municipalities.items():
        recent = list(_groups((acquirers or {}).get(muni.atvk, [])).items())
        recent = recent[: households // ACQUIRER_SHARE]
        taken = {hid for hid, _ in recent}
        rest = [(h, c) for h, c in _groups(sample[muni.atvk]).items() if h not in taken]
        chosen = (rest[: households - len(recent)] + recent)[:households]
        path = config.parent / f"caseload-{key}.csv"
        write_caseload(path, chosen, opened_on or riga_today())
        import_file(config, path, municipality=key)
        seeded[muni.atvk] = len(chosen)
    return seeded


def write_caseload(path: Path, households: list[tuple[str, list[str]]], opened_on: date) -> None:
    """A caseload file: one open case per household (``SD-<household>``); the first listed
    member owns the dwelling and holds the electricity contract; every 25th case is marked
    as assisting Ukrainian civilians."""
    from tilts.schemas.caseload import COLUMNS

    lines = [",".join(COLUMNS)]
    head = "MEMBER;OWNER;CONTRACT_HOLDER;LEGAL_REPRESENTATIVE"
    for n, (ext, codes) in enumerate(households):
        ukrainian = "true" if n % 25 == 24 else "false"
        for position, code in enumerate(codes):
            roles = head if position == 0 else "MEMBER"
            lines.append(f"SD-{ext},{ext},{code},{roles},{opened_on},,{opened_on},,{ukrainian}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- a year of applications, decisions and payments -------------------------------------------


def _cents(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def _declaration(rng: random.Random, hh: HouseholdFacts, day: date) -> Declaration:
    """A plausible means declaration: modest savings, the usual housing costs by season."""
    heating_season = day.month in (10, 11, 12, 1, 2, 3, 4)
    costs = {
        "MANAGEMENT": _cents(rng, 10, 40),
        "HEATING": _cents(rng, 60, 170) if heating_season else _cents(rng, 0, 20),
        "ELECTRICITY": _cents(rng, 15, 60),
        "WATER_SEWERAGE": _cents(rng, 8, 35),
        "WASTE": _cents(rng, 4, 15),
    }
    if rng.random() < 0.5:
        costs["RENT"] = _cents(rng, 60, 220)
    if rng.random() < 0.6:
        costs["TELECOM_INTERNET"] = _cents(rng, 10, 25)
    children = [m for m in hh.members if (b := birth_date(m)) and (day - b).days < 18 * 365]
    income: tuple[DeclaredLine, ...] = ()
    if children and rng.random() < 0.15:
        income = (DeclaredLine(children[0].person_id, "ALIMONY", _cents(rng, 50, 150)),)
    savings = _cents(rng, 300, 1500) if rng.random() < 0.05 else _cents(rng, 0, 260)
    return Declaration(
        savings=savings,
        property_conditions_met=rng.random() < 0.97,
        cooperation_agreement=rng.random() < 0.85,
        declared_on=day,
        housing_expenses=costs,
        declared_income=income,
    )


def _history(
    rng: random.Random, hh: HouseholdFacts, atvk: str, today: date, rules: Rules, case_id: int
) -> tuple[list[NewApplication], list[tuple[str, NewDecision]], list[NewPayment]]:
    """One household's year: apply, decide, renew when the validity runs out, get paid."""
    apps: list[NewApplication] = []
    decisions: list[tuple[str, NewDecision]] = []
    payments: list[NewPayment] = []
    day = today - timedelta(days=HISTORY_DAYS - rng.randrange(0, 90))
    while day <= today:
        ref = f"{hh.external_id}-{len(apps) + 1:02d}"
        # a member born after the application was not part of the household then
        born = [m for m in hh.members if (b := birth_date(m)) is not None and b <= day]
        declaration = _declaration(rng, hh, day)
        try:
            result = assess(build_case(replace(hh, members=born), day, declaration, atvk), rules)
        except InputError:
            return apps, decisions, payments  # a member the registries do not know
        apps.append(NewApplication(ref, hh.household_id, "STATUS", day, case_id, declaration))
        decided = min(today, day + timedelta(days=rng.randrange(2, 11)))
        base = NewDecision(ref, hh.household_id, "", "", day, decided)
        if result.status is Status.NONE:
            reason = result.refusal_reason or "INCOME_ABOVE_THRESHOLD"
            refusal = replace(base, record_id=f"{ref}-S", kind="STATUS_LOW_INCOME")
            decisions.append((ref, replace(refusal, outcome="REFUSED", refusal_reason=reason)))
            if rng.random() < 0.5:
                return apps, decisions, payments
            day += timedelta(days=rng.randrange(90, 130))
            continue
        assert result.valid_from is not None and result.valid_to is not None
        granted = replace(base, outcome="GRANTED", valid_from=result.valid_from)
        kind = "STATUS_POOR" if result.status is Status.POOR else "STATUS_LOW_INCOME"
        decisions.append(
            (ref, replace(granted, record_id=f"{ref}-S", kind=kind, valid_to=result.valid_to))
        )
        benefits: list[tuple[str, Decimal, date, list[tuple[str, Decimal]]]] = []
        for kind, benefit in (
            ("BENEFIT_GMI", result.gmi_benefit),
            ("BENEFIT_HOUSING", result.housing_benefit),
        ):
            if benefit is None:
                continue
            # the benefit's own period and its amount month by month (assessment.md §5)
            schedule = [(str(m.month), m.amount) for m in benefit.schedule]
            end = benefit.valid_to or Month.parse(schedule[-1][0]).last_day
            benefits.append((kind, benefit.monthly_amount, end, schedule))
        for kind, amount, end, schedule in benefits:
            rid = f"{ref}-{'G' if kind == 'BENEFIT_GMI' else 'H'}"
            decisions.append(
                (
                    ref,
                    replace(granted, record_id=rid, kind=kind, valid_to=end, monthly_amount=amount),
                )
            )
            # housing benefit is often paid to the landlord or utility instead of the household
            form = "IN_KIND" if kind == "BENEFIT_HOUSING" and rng.random() < 0.3 else "CASH"

            def paid_on(month: str, decided: date = decided) -> date | None:
                m = Month.parse(month)
                paid = max(decided + timedelta(days=2), date(m.year, m.month, 15))
                return paid if paid <= today else None

            payments += schedule_payments(rid, schedule, form, paid_on)
        day = result.valid_to + timedelta(days=1 + rng.randrange(0, 10))
    return apps, decisions, payments


def seed_history(config: Path, today: date, seed: int = 809) -> dict[str, int]:
    """A year of applications, declarations, decisions and payments for every open case.

    Every decision is the real calculator's result on the facts the store holds; the random
    parts (application days, declared savings and housing costs) come from a seeded RNG per
    household, so the same mock world gives the same history.
    """
    settings = load_settings(config)
    _, factory = open_store(settings.store.url)
    rules = rules_for(settings)
    counts: Counter[str] = Counter()
    for muni in settings.municipalities.values():
        with factory() as s:
            mid = ensure_municipality(s, muni.atvk, muni.name)
            cases = dict(
                s.execute(
                    select(Case.household_id, Case.id).where(
                        Case.municipality_id == mid, Case.status == "OPEN"
                    )
                )
                .tuples()
                .all()
            )
            facts = household_facts(s, list(cases), today)
        apps: list[NewApplication] = []
        decided: list[tuple[str, NewDecision]] = []
        paid: list[NewPayment] = []
        for hid in sorted(facts):
            hh = facts[hid]
            rng = random.Random(f"{seed}:{muni.atvk}:{hh.external_id}")
            a, d, p = _history(rng, hh, muni.atvk, today, rules, cases[hid])
            apps += a
            decided += d
            paid += p
        with transaction(factory) as s:
            ids = record_applications(s, mid, apps)
            decisions = [replace(d, application_id=ids[ref]) for ref, d in decided]
            record_decisions(s, mid, decisions, now(), muni)
            record_payments(s, mid, paid)
        counts["applications"] += len(apps)
        counts["decisions"] += len(decided)
        counts["granted"] += sum(d.outcome == "GRANTED" for _, d in decided)
        counts["refused_property"] += sum(
            d.refusal_reason == "PROPERTY_ABOVE_LIMIT" for _, d in decided
        )
        counts["payments"] += len(paid)
    return dict(counts)


def flag_line(flags: dict[str, int]) -> str:
    """The open flags by reason, PROPERTY_ACQUIRED always named (the property registries'
    re-assessment, property.md §8)."""
    shown = {"PROPERTY_ACQUIRED": 0, **flags}
    return ", ".join(f"{reason} {n}" for reason, n in shown.items())


# --- the demo ----------------------------------------------------------------------------------


def _backfill_income(config: Path, today: date) -> dict[str, Any]:
    """Fetch the income months before the nightly's window, so a year of history is computable.

    The nightly fetches the last three full months; the history needs the three months before
    each application of the past year. Telling the store that VSAA and VID were complete 16
    months ago makes one ``sync_income`` run (as of four months ago) fetch the twelve months
    before the nightly's window, the way it catches up after an outage.
    """
    from tilts.flows.sync_registries import sync_income

    settings = load_settings(config)
    _, factory = open_store(settings.store.url)
    long_ago = str(Month.of(today).shift(-16))
    monthly = [r.service for r in REGISTRIES if r.monthly and "sync_income" in r.flows]
    with transaction(factory) as s:
        for muni in settings.municipalities.values():
            mid = ensure_municipality(s, muni.atvk, muni.name)
            for service in monthly:
                set_cursor(s, mid, f"{service}.complete_through", long_ago)
    as_of = Month.of(today).shift(-4).first_day
    return sync_income(config_path=str(config), as_of=as_of.isoformat())


def _open_flags(config: Path) -> dict[str, int]:
    settings = load_settings(config)
    _, factory = open_store(settings.store.url)
    with factory() as s:
        return flag_counts(s)


def _acquirers(mocks: MockHandle, atvk: str, households: int, today: date) -> list[dict[str, Any]]:
    """Persons of households of ``atvk`` that first acquired property in the last
    :data:`ACQUIRED_DAYS` days and whose income is in the world's poor or low-income band (the
    ones likely to hold a status)."""
    since = today - timedelta(days=ACQUIRED_DAYS)
    persons = mocks.sample(atvk, households * 6, acquired_since=since)
    bands = {
        hid: mocks.admin_get(f"households/{hid}")["incomeBand"]
        for hid in dict.fromkeys(str(p["householdId"]) for p in persons)
    }
    return [p for p in persons if bands[str(p["householdId"])] in ("POOR", "LOW")]


def run_demo(persons: int, households: int, workdir: Path, keep_serving: bool = False) -> int:
    """Run the demo; returns the exit code.

    With ``keep_serving`` the mocks (and so the ministry's view) stay up until Ctrl-C.
    """
    from tilts.flows.nightly import nightly_sync
    from tilts.flows.reporting import figures_of
    from tilts.mocks.config import MockConfig
    from tilts.mocks.harness import running_mocks

    MockConfig().replace(persons=persons)  # a size the world cannot have: exit 2, nothing touched
    console = Console()
    prepare_workdir(workdir)
    os.environ.update(DEMO_SECRETS)
    # The demo's Prefect runs go into a Prefect home of its own, so they never contend with
    # another local Prefect process for ~/.prefect and can be browsed afterwards.
    # (a PREFECT_HOME already set is kept, and is the one the summary names)
    prefect_home = Path(os.environ.setdefault("PREFECT_HOME", str((workdir / "prefect").resolve())))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    config = workdir / "tilts.toml"
    with running_mocks(persons=persons) as mocks:
        console.print(f"[bold]Mocks[/] serving {persons:,} synthetic persons at {mocks.base_url}")
        today = date.fromisoformat(mocks.admin_get("clock")["today"])
        write_config(config, mocks.base_url, f"sqlite:///{(workdir / 'tilts.db').resolve()}")
        sample = {
            m.atvk: mocks.sample(m.atvk, households * 6) for m in demo_municipalities().values()
        }
        acquirers = {m.atvk: _acquirers(mocks, m.atvk, households, today) for m in
                     demo_municipalities().values()}  # fmt: skip
        opened = today - timedelta(days=HISTORY_DAYS + 30)
        seeded = seed_caseload(config, sample, households, opened_on=opened, acquirers=acquirers)
        console.print(
            f"[bold]Store[/] seeded: {seeded} households with an open case per municipality"
        )
        backfill = _backfill_income(config, today)
        console.print(
            "[bold]Income history[/] of the past year fetched from VSAA and VID "
            f"({backfill['records_changed']:,} records changed, {backfill['registry_calls']} calls)"
        )
        first = figures_of(nightly_sync, config_path=str(config), as_of=today.isoformat())
        history = seed_history(config, today)
        console.print(
            f"[bold]History[/] of the past year: {history.get('applications', 0):,} applications, "
            f"{history.get('decisions', 0):,} decisions ({history.get('granted', 0):,} granted, "
            f"{history.get('refused_property', 0):,} refused PROPERTY_ABOVE_LIMIT: the property "
            "test on the cadastre's, CSDD's, VTUA's and UR's facts, or savings), "
            f"{history.get('payments', 0):,} monthly payments — all computed from stored facts"
        )
        later = mocks.advance(7)["today"]
        console.print(
            "[bold]Clock[/] advanced 7 days: deaths, moves, code changes in the change feed"
        )
        second = figures_of(nightly_sync, config_path=str(config), as_of=later)
        # --- SPOLIS (tilts/shell/demo_spolis.py): decisions, payments, last month's report --------
        from tilts.shell.demo_spolis import run_spolis_demo

        spolis_ok = run_spolis_demo(config, mocks.base_url, date.fromisoformat(later), console)
        delivered_ok = print_notifications(config, mocks, console)
        code = _summary(console, config, workdir, prefect_home, first, second)
        if keep_serving:
            console.print(
                f"Mocks and the ministry view stay up at {mocks.base_url}/spolis/ "
                "(demo-ministry / demo-ministry-secret) until Ctrl-C."
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return code or (0 if spolis_ok and delivered_ok else 1)


def _summary(
    console: Console,
    config: Path,
    workdir: Path,
    prefect_home: Path,
    first: dict[str, Any],
    second: dict[str, Any],
) -> int:
    """Print the nightly figures, the flags and where to look next; the exit code."""
    table = Table(title="Nightly sync: first night, then a week later")
    table.add_column("figure")
    table.add_column("first run", justify="right")
    table.add_column("after 7 days", justify="right")
    for key in first:
        if key in ("flow", "failures", "will_retry", "parts", "deferred"):  # the run's artifact
            continue
        table.add_row(key, str(first[key]), str(second[key]))
    console.print(table)
    flags = _open_flags(config)
    console.print(
        "[bold]Households flagged for review[/] (open flags by reason): " + flag_line(flags)
    )
    for label, figs in (("first run", first), ("second run", second)):
        for line in figs.get("failures") or []:
            console.print(f"[red]{label} failed:[/] {line}")
    console.print(
        f"Store: {workdir / 'tilts.db'}  ·  config: {config}\n"
        f"Next: `TILTS_CONFIG={config} tilts status`; browse the runs with "
        f"`PREFECT_HOME={prefect_home} prefect server start`."
    )
    return 0 if not (first.get("failures") or second.get("failures")) else 1
