"""``tilts status`` and ``tilts quarantine``: what ran, where the cursors are, what is stuck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select

from store.db import make_engine, session_factory
from store.models import FlowRunLog, Municipality, Quarantine, SyncCursor
from tilts.config import load_settings


def _factory(config: Path | None) -> Any:
    settings = load_settings(config)
    engine = make_engine(settings.store.url)
    if not inspect(engine).has_table("flow_run_log"):
        return None
    return session_factory(engine)


def collect(config: Path | None) -> dict[str, Any]:
    """Everything ``tilts status`` shows, as plain data (no personal codes)."""
    factory = _factory(config)
    if factory is None:
        return {"state": "nothing has run yet", "runs": [], "cursors": [], "quarantine": []}
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
        run_rows = [
            {
                "flow": r.flow,
                "started_at": r.started_at,
                "outcome": r.outcome,
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
    state = "nothing has run yet" if not run_rows else "ok"
    return {"state": state, "runs": run_rows, "cursors": cursors, "quarantine": quarantine}


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
    return "\n".join(lines)


def quarantine_rows(
    config: Path | None, service: str | None, run: str | None, limit: int
) -> list[dict[str, Any]]:
    """Open quarantined records, newest first (``record_ref`` is already masked)."""
    factory = _factory(config)
    if factory is None:
        return []
    stmt = select(Quarantine).where(Quarantine.status == "OPEN")
    if service:
        stmt = stmt.where(Quarantine.service == service)
    if run:
        stmt = stmt.where(Quarantine.run_id == run)
    with factory() as s:
        return [
            {
                "id": q.id,
                "service": q.service,
                "kind": q.record_kind,
                "ref": q.record_ref,
                "reason": q.reason,
            }
            for q in s.scalars(stmt.order_by(Quarantine.id.desc()).limit(limit))
        ]
