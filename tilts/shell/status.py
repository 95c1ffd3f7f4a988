"""``tilts status`` and ``tilts quarantine``: what ran, where the cursors are, what is stuck,
which households are flagged for review (by external household id, never a personal code)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select

from tilts.kernel.clock import riga_today
from tilts.kernel.config import load_settings
from tilts.shell.status_fetches import first_fetches, render_first_fetches
from tilts.shell.status_outbox import outbox_status, render_outbox
from tilts.shell.status_runs import shown_outcome
from tilts.shell.status_spolis import render_reports, reports_due, with_crosscheck_flags
from tilts.store.db import make_engine, session_factory
from tilts.store.models import FlowRunLog, Municipality, Quarantine, SyncCursor
from tilts.store.reassess import flag_counts, list_flags
from tilts.store.runlock import lock_is_free

NEWEST_FLAGS = 10


def _lock_probe(engine: Any) -> Callable[[], bool]:
    """Whether the store's run lock is free, asked at most once per ``tilts status``."""
    answer: list[bool] = []

    def free() -> bool:
        if not answer:
            answer.append(lock_is_free(engine))
        return answer[0]

    return free


def _factory(config: Path | None) -> Any:
    settings = load_settings(config)
    engine = make_engine(settings.store.url)
    if not inspect(engine).has_table("flow_run_log"):
        return None
    return session_factory(engine)


def _flags(session: Any) -> dict[str, Any]:
    """Open review flags: the count per reason and the newest ones (no personal data)."""
    if not inspect(session.get_bind()).has_table("household_flag"):
        return {"open": 0, "by_reason": {}, "newest": []}  # a store before migration 0002
    counts = flag_counts(session)
    newest = [
        {
            "municipality": f.municipality,
            "household": f.household,
            "decision": f.decision,
            "reason": f.reason,
            "detail": f.detail,
            "flagged_at": f.flagged_at,
        }
        for f in list_flags(session, limit=NEWEST_FLAGS)
    ]
    return {"open": sum(counts.values()), "by_reason": counts, "newest": newest}


def collect(config: Path | None) -> dict[str, Any]:
    """Everything ``tilts status`` shows, as plain data (no personal codes)."""
    factory = _factory(config)
    if factory is None:
        return {
            "state": "nothing has run yet",
            "runs": [],
            "cursors": [],
            "quarantine": [],
            "flags": {"open": 0, "by_reason": {}, "newest": []},
        }
    with factory() as s:
        latest = (
            select(FlowRunLog.flow, func.max(FlowRunLog.started_at).label("started"))
            .group_by(FlowRunLog.flow)
            .subquery()
        )
        runs = s.execute(
            select(FlowRunLog).join(
                latest,
                (FlowRunLog.flow == latest.c.flow) & (FlowRunLog.started_at == latest.c.started),
            )
        ).scalars()
        free = _lock_probe(s.get_bind())
        run_rows = [
            {
                "flow": r.flow,
                "started_at": r.started_at,
                "outcome": shown_outcome(r.flow, r.outcome, r.figures, free),
                "persons": (r.figures or {}).get("persons_considered"),
                "quarantined": (r.figures or {}).get("quarantined"),
                "duration_s": (r.figures or {}).get("duration_s"),
            }
            for r in runs
        ]
        cursors = [
            {"municipality": atvk, "service": svc, "cursor": cur, "updated_at": at}
            for atvk, svc, cur, at in s.execute(
                select(
                    Municipality.atvk, SyncCursor.service, SyncCursor.cursor, SyncCursor.updated_at
                ).join(Municipality, Municipality.id == SyncCursor.municipality_id)
            )
        ]
        quarantine = [
            {"service": svc, "reason": reason[:80], "count": n}
            for svc, reason, n in s.execute(
                select(Quarantine.service, Quarantine.reason, func.count())
                .where(Quarantine.status == "OPEN")
                .group_by(Quarantine.service, Quarantine.reason)
                .order_by(func.count().desc())
                .limit(20)
            )
        ]
        flags = with_crosscheck_flags(s, _flags(s))  # spolis.md §5 overlaps are flags too
        outbox = outbox_status(s)  # outbound.md: backlog and parked notifications
        names = {m.atvk: m.name for m in load_settings(config).municipalities.values()}
        reports = reports_due(s, names, riga_today())  # spolis.md §3-§4
        first_fetch = first_fetches(s, load_settings(config))  # property.md §4: the budget
    state = "nothing has run yet" if not run_rows else "ok"
    return {
        "state": state,
        "runs": run_rows,
        "cursors": cursors,
        "quarantine": quarantine,
        "flags": flags,
        "outbox": outbox,
        "reports": reports,
        "first_fetch": first_fetch,
    }


def render(report: dict[str, Any]) -> str:
    """Human-readable form of :func:`collect`."""
    if report["state"] == "nothing has run yet":
        return "Tilts status: nothing has run yet."
    lines = ["Last runs:"]
    lines += [
        f"  {r['flow']:<22} {r['outcome']:<10} {r['started_at']:%Y-%m-%d %H:%M}"
        f"  persons={r['persons']} quarantined={r['quarantined']} {r['duration_s']}s"
        for r in report["runs"]
    ]
    lines.append("Cursors:")
    lines += [
        f"  {c['municipality']} {c['service']:<14} {c['cursor']}" for c in report["cursors"]
    ] or ["  none"]
    lines.append("Quarantine (open):")
    lines += [
        f"  {q['count']:>5} {q['service']:<7} {q['reason']}" for q in report["quarantine"]
    ] or ["  none"]
    flags = report["flags"]
    lines.append(f"Households flagged for review (open flags: {flags['open']}):")
    lines += [f"  {n:>5} {reason}" for reason, n in flags["by_reason"].items()] or ["  none"]
    if flags["newest"]:
        lines.append("  newest:")
        lines += [
            f"    {f['flagged_at']:%Y-%m-%d %H:%M} {f['municipality']} household {f['household']}"
            f" ({f['decision']}) {f['reason']}: {f['detail']}"
            for f in flags["newest"]
        ]
    lines += render_outbox(report.get("outbox"))
    lines += render_reports(report.get("reports"))
    lines += render_first_fetches(report.get("first_fetch"))
    return "\n".join(lines)
