"""SPOLIS flows (spolis.md): decision and payment submissions, monthly and annual reports, the
benefit cross-check and the co-financing pull, for every configured municipality (or one).

Thin wiring: tasks get the run key, an ATVK, a kind and stored batch ids — never a personal
code — and call :mod:`flows.work.spolis_records`, :mod:`flows.work.spolis_reports` and
:mod:`flows.work.spolis_checks`. Each run leaves the usual summary artifact; report runs add a
table of their receipts. The connector is the only retry layer (no Prefect task retries).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from tilts.assessment import Month
from tilts.connectors.spolis import FAMILIES
from tilts.flows.naming import flow_run_name
from tilts.flows.reporting import begin, publish
from tilts.flows.runtime import Runtime, close_runtime, get_runtime, open_runtime
from tilts.flows.work import spolis_checks as checks
from tilts.flows.work import spolis_records as records
from tilts.flows.work import spolis_reports as reports
from tilts.flows.work.spolis_gateway import spolis_gateway
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import TiltsError
from tilts.kernel.timing import BUSY

DEFAULT_OUT = Path(".tilts/spolis")


@task(name="spolis-send-batch", cache_policy=NO_CACHE, persist_result=False)
def send_batch_task(key: str, atvk: str, batch_id: int) -> dict[str, Any]:
    rt = get_runtime(key)
    with BUSY.busy():
        try:
            return asdict(records.send(rt, atvk, batch_id))
        finally:
            rt.audit.flush()


@task(name="spolis-prepare", cache_policy=NO_CACHE, persist_result=False)
def prepare_task(key: str, atvk: str, kind: str, dry_run_file: str | None) -> dict[str, Any]:
    """Build the candidates, plan versions, store the batches (or write the dry-run file)."""
    rt = get_runtime(key)
    with BUSY.busy():
        built = records.build(rt, atvk, kind)
        outgoing = records.plan(rt, atvk, kind, built)
        quarantined = (
            records.quarantine_problems(rt, kind, built.problems) if not dry_run_file else 0
        )
        if dry_run_file:
            size = spolis_gateway(rt, atvk).batch_size(FAMILIES[kind])
            body = records.dry_run_body(atvk, kind, outgoing, size)
            Path(dry_run_file).parent.mkdir(parents=True, exist_ok=True)
            Path(dry_run_file).write_text(_json(body), encoding="utf-8")
            ids: list[int] = []
        else:
            ids = records.prepare(rt, atvk, kind, outgoing)
    return {
        "batches": ids, "records": len(outgoing), "persons": built.persons,
        "waiting": built.waiting, "problems": len(built.problems), "quarantined": quarantined,
    }  # fmt: skip


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _collect(rt: Runtime, atvk: str, results: list[dict[str, Any]]) -> None:
    fig = rt.figures
    for r in results:
        fig.submissions_accepted += r["accepted"]
        fig.submissions_rejected += r["rejected"]
        fig.quarantined += r["quarantined"]
        if r["failure"]:
            fig.failed(f"{atvk} {r['failure']}")
        if r["unanswered"]:
            fig.will_retry.append(f"{atvk}: the unanswered batch, unchanged, in the next run")


def run_submissions(key: str, atvk: str, kind: str, dry_run_file: str | None) -> dict[str, Any]:
    """Recover unanswered batches, then prepare and send the new ones, for one municipality.

    One run at a time does this per municipality and kind (a lease in the store); another run
    finding it taken leaves the municipality to the holder.
    """
    rt = get_runtime(key)
    results: list[dict[str, Any]] = []
    if dry_run_file:
        prepared = prepare_task(key, atvk, kind, dry_run_file)
    else:
        with BUSY.busy():
            claimed = records.claim(rt, atvk, kind)
        if not claimed:
            rt.figures.will_retry.append(f"{atvk}: another run is sending its {kind.lower()}s")
            return {"batches": [], "records": 0, "persons": 0, "waiting": 0, "problems": 0,
                    "quarantined": 0}  # fmt: skip
        try:
            with BUSY.busy():
                stuck = records.open_batches(rt, atvk, kind)
            results += [send_batch_task(key, atvk, b) for b in stuck]
            prepared = prepare_task(key, atvk, kind, None)
            results += [send_batch_task(key, atvk, b) for b in prepared["batches"]]
        finally:
            with BUSY.busy():
                records.release(rt, atvk, kind)
    _collect(rt, atvk, results)
    rt.figures.persons_considered += prepared["persons"]
    rt.figures.records_changed += prepared["records"]
    rt.figures.quarantined += prepared["quarantined"]
    if prepared["problems"]:
        rt.figures.will_retry.append(
            f"{atvk}: {prepared['problems']} record(s) that could not be built (quarantined), "
            "once repaired"
        )
    return prepared


def _submissions(
    name: str, kind: str, municipality: str | None, config_path: str | None,
    dry_run: bool, out_dir: str | None,
) -> dict[str, Any]:  # fmt: skip
    started = time.monotonic()
    rt = open_runtime(name, config_path)
    files: list[str] = []
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            target = None
            if dry_run:
                target = str(Path(out_dir or DEFAULT_OUT) / f"{kind.lower()}s-{muni.atvk}.json")
                files.append(target)
            try:
                prepared = run_submissions(rt.key, muni.atvk, kind, target)
                if prepared["waiting"]:
                    rt.figures.will_retry.append(
                        f"{muni.atvk}: {prepared['waiting']} payment(s) wait for their decision"
                    )
            except TiltsError as exc:
                retry = f"{muni.atvk}: {kind.lower()}s in the next run"
                rt.figures.failed(muni.atvk, exc, retry=retry)
        publish(rt, time.monotonic() - started)
        return {**rt.figures.as_dict(), "files": files}
    finally:
        close_runtime(rt)


@flow(name="submit_decisions", flow_run_name=flow_run_name("spolis decisions"))
def submit_decisions(
    municipality: str | None = None, config_path: str | None = None,
    dry_run: bool = False, out_dir: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Send every new or corrected decision record not yet accepted at its version (§1)."""
    return _submissions("submit_decisions", "DECISION", municipality, config_path, dry_run, out_dir)


@flow(name="submit_payments", flow_run_name=flow_run_name("spolis payments"))
def submit_payments(
    municipality: str | None = None, config_path: str | None = None,
    dry_run: bool = False, out_dir: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Send every new or corrected payment whose decision SPOLIS has accepted (§2)."""
    return _submissions("submit_payments", "PAYMENT", municipality, config_path, dry_run, out_dir)


@flow(name="spolis_daily", flow_run_name=flow_run_name("spolis daily"))
def spolis_daily(municipality: str | None = None, config_path: str | None = None) -> dict[str, Any]:
    """The 04:00 deployment: decisions first, then payments (a payment goes once SPOLIS has
    accepted its decision, so the same run sends the payments of today's new decisions)."""
    return {
        "decisions": submit_decisions(municipality=municipality, config_path=config_path),
        "payments": submit_payments(municipality=municipality, config_path=config_path),
    }


# --- reports -----------------------------------------------------------------------------------


def _today(as_of: str | None) -> date:
    """``as_of``, or today in Riga (the ministry's deadlines are Riga days)."""
    return day_or_today(as_of)


def _last_month(params: Mapping[str, Any]) -> str:
    """The month a monthly flow run means: its ``month``, else the Riga month before."""
    return str(params.get("month") or Month.of(_today(params.get("as_of"))).shift(-1))


def _last_year(params: Mapping[str, Any]) -> str:
    return str(params.get("year") or _today(params.get("as_of")).year - 1)


def _report(
    name: str, kind: str, period: str, municipality: str | None, config_path: str | None,
    as_of: str | None, dry_run: bool, out_dir: str | None, until_accepted: bool,
) -> dict[str, Any]:  # fmt: skip
    started = time.monotonic()
    period = reports.parse_period(kind, period)
    rt = open_runtime(name, config_path)
    day = _today(as_of)
    outcomes: list[tuple[str, reports.Outcome]] = []
    files: list[str] = []
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                with BUSY.busy():
                    if dry_run:
                        out = (
                            Path(out_dir or DEFAULT_OUT)
                            / f"{kind.lower()}-{muni.atvk}-{period}.json"
                        )
                        files.append(str(out))
                        outcome = reports.dry_run(rt, muni.atvk, kind, period, day, out)
                    else:
                        outcome = reports.submit(rt, muni.atvk, kind, period, day, until_accepted)
            except TiltsError as exc:
                retry = f"{muni.atvk}: the {kind.lower()} report, next run"
                rt.figures.failed(f"{muni.atvk} {kind.lower()} {period}", exc, retry=retry)
                continue
            outcomes.append((muni.atvk, outcome))
            _count_report(rt, muni.atvk, outcome)
        publish(rt, time.monotonic() - started)
        rows = [{"municipality": atvk, **asdict(o)} for atvk, o in outcomes]
        if FlowRunContext.get() is not None and rows:
            table = [{k: str(v) for k, v in r.items()} for r in rows]
            create_table_artifact(
                table, key=f"spolis-{kind.lower()}-receipts", description="SPOLIS receipts"
            )
        return {**rt.figures.as_dict(), "reports": rows, "files": files}
    finally:
        close_runtime(rt)


def _count_report(rt: Runtime, atvk: str, o: reports.Outcome) -> None:
    fig = rt.figures
    if o.status == "ACCEPTED":
        fig.submissions_accepted += 1
    elif o.status == "REJECTED":
        fig.submissions_rejected += 1
    if o.failed:
        fig.failed(f"{atvk} {o.kind.lower()} {o.period} {o.status}", "; ".join(o.errors))


@flow(name="spolis_monthly_report", flow_run_name=flow_run_name("spolis monthly", _last_month))
def monthly_report(
    month: str | None = None, municipality: str | None = None, config_path: str | None = None,
    as_of: str | None = None, dry_run: bool = False, out_dir: str | None = None,
    until_accepted: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The monthly report (§3) of ``month`` (default: the month before ``as_of``/today).

    ``until_accepted``: do nothing for a municipality whose report of the month is accepted
    already — the deployment runs daily from the 5th to the 15th with it set.
    """
    period = month or str(Month.of(_today(as_of)).shift(-1))
    return _report("spolis_monthly_report", "MONTHLY", period, municipality, config_path,
                   as_of, dry_run, out_dir, until_accepted)  # fmt: skip


@flow(name="spolis_annual_report", flow_run_name=flow_run_name("spolis annual", _last_year))
def annual_report(
    year: str | None = None, municipality: str | None = None, config_path: str | None = None,
    as_of: str | None = None, dry_run: bool = False, out_dir: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The annual report (§4) of ``year`` (default: the year before ``as_of``/today)."""
    period = year or str(_today(as_of).year - 1)
    return _report("spolis_annual_report", "ANNUAL", period, municipality, config_path, as_of,
                   dry_run, out_dir, False)  # fmt: skip


# --- cross-check and co-financing ----------------------------------------------------------------


@flow(name="spolis_crosscheck", flow_run_name=flow_run_name("spolis cross-check"))
def benefit_crosscheck(
    month: str | None = None, municipality: str | None = None, config_path: str | None = None,
    as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Flag persons whom another municipality grants the same GMI or housing benefit (§5)."""
    started = time.monotonic()
    period = Month.parse(month) if month else Month.of(_today(as_of))
    rt = open_runtime("spolis_crosscheck", config_path)
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                with BUSY.busy():
                    result = checks.cross_check(rt, muni.atvk, period)
            except TiltsError as exc:
                rt.figures.failed(muni.atvk, exc)
                continue
            rt.figures.persons_considered += result.persons
            rt.figures.households_flagged += result.households
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)


@flow(name="spolis_cofinancing", flow_run_name=flow_run_name("spolis co-financing", _last_month))
def pull_cofinancing(
    month: str | None = None, municipality: str | None = None, config_path: str | None = None,
    as_of: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Fetch the month's state co-financing (default: the previous month) and store it (§6)."""
    started = time.monotonic()
    period = Month.parse(month) if month else Month.of(_today(as_of)).shift(-1)
    rt = open_runtime("spolis_cofinancing", config_path)
    statuses: dict[str, str] = {}
    try:
        begin(rt, municipality)
        for muni in rt.municipalities(municipality):
            try:
                with BUSY.busy():
                    statuses[muni.atvk] = checks.pull_cofinancing(rt, muni.atvk, period)
            except TiltsError as exc:
                retry = f"{muni.atvk}: co-financing of {period}, next run"
                rt.figures.failed(muni.atvk, exc, retry=retry)
        publish(rt, time.monotonic() - started)
        return {**rt.figures.as_dict(), "cofinancing": statuses}
    finally:
        close_runtime(rt)
