"""The SPOLIS part of ``tilts demo``: the year's decisions and payments and last month's report
of both demo municipalities go to the SPOLIS mock; the receipts and the ministry's view are
printed (no personal code is printed: record ids and receipts only)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tilts.assessment import Month

MINISTRY = ("demo-ministry", "demo-ministry-secret")  # mocks/README.md, demo clients


def run_spolis_demo(config: Path, base_url: str, as_of: date, console: Console) -> bool:
    """Submit decisions, payments and the previous month's report; print what SPOLIS said.

    Returns:
        True when everything was accepted (rejections, if any, are listed and quarantined).
    """
    from tilts.flows.spolis import monthly_report, submit_decisions, submit_payments

    path = str(config)
    decisions = submit_decisions(config_path=path)
    payments = submit_payments(config_path=path)
    month = str(Month.of(as_of).shift(-1))
    report = monthly_report(month=month, config_path=path, as_of=as_of.isoformat())
    table = Table(title=f"SPOLIS: the year's records and the report of {month}")
    for column in ("submission", "sent", "accepted", "rejected (quarantined)"):
        table.add_column(column, justify="right" if column != "submission" else "left")
    for label, figs in (("decision records", decisions), ("payments", payments)):
        table.add_row(
            label,
            f"{figs['records_changed']:,}",
            f"{figs['submissions_accepted']:,}",
            f"{figs['submissions_rejected']:,} ({figs['quarantined']:,})",
        )
    console.print(table)
    for r in report.get("reports") or []:
        console.print(_receipt_line(r))
    for figs in (decisions, payments, report):
        for line in figs.get("failures") or []:
            console.print(f"[red]SPOLIS failed:[/] {line}")
    console.print(
        f"[bold]Ministry view[/] (while the mocks run): {base_url}/spolis/  — sign in as "
        f"{MINISTRY[0]} / {MINISTRY[1]}"
    )
    return not any(f.get("failures") for f in (decisions, payments, report))


def _receipt_line(r: dict[str, Any]) -> str:
    line = f"[bold]Monthly report[/] {r['municipality']} {r['period']}: {r['status']}"
    if r.get("version") is not None:
        line += f", version {r['version']}"
    if r.get("receipt_id"):
        line += f", receipt {r['receipt_id']}" + (" (late)" if r.get("late") else " (on time)")
    if r.get("warnings"):
        line += f", warnings: {'; '.join(r['warnings'])}"
    return line
