"""The SPOLIS part of ``tilts status``: benefit cross-check overlaps are households flagged for
review (spolis.md §5), shown beside the re-assessment's flags — by municipality, external
household id, month, the other municipality and the benefit; never a personal code."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from tilts.store.spolis_reports import crosscheck_counts, crosscheck_flags

NEWEST = 10


def with_crosscheck_flags(session: Session, flags: dict[str, Any]) -> dict[str, Any]:
    """``flags`` (the status's flagged households) with the open cross-check flags added."""
    if not inspect(session.get_bind()).has_table("spolis_crosscheck_flag"):
        return flags  # a store before migration 0004_spolis
    counts = {f"SPOLIS_OVERLAP_{kind}": n for kind, n in crosscheck_counts(session).items()}
    newest = [
        {
            "municipality": f.municipality,
            "household": f.household,
            "decision": f.month,
            "reason": f"SPOLIS_OVERLAP_{f.kind}",
            "detail": f"{f.kind} also granted by municipality {f.other_atvk} in {f.month}",
            "flagged_at": f.flagged_at,
        }
        for f in crosscheck_flags(session, limit=NEWEST)
    ]

    def when(row: dict[str, Any]) -> datetime:
        moment: datetime = row["flagged_at"]
        return moment.replace(tzinfo=None)

    merged = sorted([*flags.get("newest", []), *newest], key=when, reverse=True)[:NEWEST]
    return {
        "open": int(flags.get("open", 0)) + sum(counts.values()),
        "by_reason": {**flags.get("by_reason", {}), **counts},
        "newest": merged,
    }


def reports_due(
    session: Session, municipalities: dict[str, str], today: date
) -> list[dict[str, Any]]:
    """Last month's monthly report (due the 15th) and last year's annual report (due 15
    February) of each municipality, with the state of the newest version stored."""
    from sqlalchemy import select

    from tilts.store.models import Municipality
    from tilts.store.models_spolis import SpolisReport

    if not inspect(session.get_bind()).has_table("spolis_report"):
        return []
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    due = [
        ("MONTHLY", last_month, today.replace(day=15)),
        ("ANNUAL", str(today.year - 1), date(today.year, 2, 15)),
    ]
    rows = []
    for atvk, name in municipalities.items():
        for kind, period, due_on in due:
            newest = session.scalar(
                select(SpolisReport)
                .join(Municipality, Municipality.id == SpolisReport.municipality_id)
                .where(
                    Municipality.atvk == atvk,
                    SpolisReport.kind == kind,
                    SpolisReport.period == period,
                )
                .order_by(SpolisReport.id.desc())
                .limit(1)
            )
            state = "NOT SUBMITTED" if newest is None else newest.status
            if newest is not None and newest.late:
                state += " (late)"
            overdue = newest is None and today > due_on
            rows.append(
                {"municipality": atvk, "name": name, "kind": kind, "period": period,
                 "due": due_on, "state": state + (" — OVERDUE" if overdue else "")}
            )  # fmt: skip
    return rows


def render_reports(rows: list[dict[str, Any]] | None) -> list[str]:
    """Lines of the reports-due section."""
    lines = ["SPOLIS reports due:"]
    lines += [
        f"  {r['municipality']} {r['kind']:<7} {r['period']:<7} "
        f"due {r['due']:%Y-%m-%d}  {r['state']}"
        for r in rows or []
    ] or ["  none"]
    return lines
