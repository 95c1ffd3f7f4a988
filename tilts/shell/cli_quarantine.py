"""``tilts quarantine list`` / ``retry`` / ``discard``: records that failed validation or were
rejected, shown by case number and household id (never a personal code)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import inspect, select

from tilts.shell.cli_common import ConfigOpt, JsonOpt, echo_json, echo_table, group, guard, settings

quarantine_app = group("Records that failed validation or were rejected (docs/operations.md).")

ReasonOpt = Annotated[
    str | None,
    typer.Option("--reason", help="The exact reason text, as `tilts quarantine list` shows it."),
]
HEADERS = ["id", "service", "kind", "case", "household", "ref", "reason"]


def rows(config: Path | None, service: str | None, run: str | None, reason: str | None,
         limit: int) -> list[dict[str, Any]]:  # fmt: skip
    """Open quarantined records, newest first (``ref`` is already masked)."""
    from tilts.store.db import make_engine, session_factory
    from tilts.store.models import Quarantine
    from tilts.store.quarantine import where_from

    engine = make_engine(settings(config).store.url)
    if not inspect(engine).has_table("quarantine"):
        return []
    stmt = select(Quarantine).where(Quarantine.status == "OPEN")
    if service:
        stmt = stmt.where(Quarantine.service == service)
    if run:
        stmt = stmt.where(Quarantine.run_id == run)
    if reason is not None:
        stmt = stmt.where(Quarantine.reason == reason)
    with session_factory(engine)() as s:
        found = list(s.scalars(stmt.order_by(Quarantine.id.desc()).limit(limit)))
        homes = where_from(s, [q.record or {} for q in found])
    return [
        {
            "id": q.id,
            "service": q.service,
            "kind": q.record_kind,
            "case": case,
            "household": household,
            "ref": q.record_ref,
            "reason": q.reason,
            "run": q.run_id,
            "created_at": q.created_at,
        }
        for q, (case, household) in zip(found, homes, strict=True)
    ]


@quarantine_app.command("list")
def quarantine_list(
    config: ConfigOpt = None,
    service: Annotated[str | None, typer.Option(help="e.g. pmlp, vsaa, caseload.")] = None,
    run: Annotated[str | None, typer.Option(help="The run that quarantined them.")] = None,
    reason: ReasonOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Open quarantined records: case number, household id, masked reference and reason."""
    found = guard(rows, config, service, run, reason, limit)
    if as_json:
        echo_json(found)
        return
    if not found:
        typer.echo("no open quarantined records", err=True)
        return
    echo_table(HEADERS, [[r[h] for h in HEADERS] for r in found])


def _action(action: str, config: Path | None, ids: list[int], run: str | None,
            service: str | None, reason: str | None) -> None:  # fmt: skip
    from tilts.store.db import make_engine, session_factory, transaction
    from tilts.store.quarantine import QuarantineFilter, discard, retry

    chosen = QuarantineFilter(tuple(ids), run, service, reason)
    if chosen.is_empty():
        typer.echo("error: name the records: IDs, --run, --service or --reason", err=True)
        raise typer.Exit(2)
    factory = session_factory(guard(make_engine, settings(config).store.url))

    def apply() -> int:
        with transaction(factory) as s:
            return (retry if action == "retry" else discard)(s, chosen)

    count = guard(apply)
    done = "will be fetched again by the next sync" if action == "retry" else "discarded"
    typer.echo(f"{count} record(s) {done}")


# ids are BIGINT in the store: a larger number is refused here (exit 2), not by the driver
QuarantineIds = Annotated[
    list[int] | None,
    typer.Argument(min=1, max=2**63 - 1, help="Quarantine ids (see list)."),
]


@quarantine_app.command("retry")
def quarantine_retry(
    ids: QuarantineIds = None, config: ConfigOpt = None, run: str | None = None,
    service: str | None = None, reason: ReasonOpt = None,
) -> None:  # fmt: skip
    """Retry records (by id, run, service or exact reason): the next sync fetches them again."""
    _action("retry", config, ids or [], run, service, reason)


@quarantine_app.command("discard")
def quarantine_discard(
    ids: QuarantineIds = None, config: ConfigOpt = None, run: str | None = None,
    service: str | None = None, reason: ReasonOpt = None,
) -> None:  # fmt: skip
    """Discard records (by id, run, service or exact reason); they stay in the audit trail."""
    _action("discard", config, ids or [], run, service, reason)
