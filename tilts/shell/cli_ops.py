"""``tilts cursor show`` / ``reset`` and ``tilts db current`` / ``history``: where each sync
stands and which migrations the store has (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, delete, inspect, select

from tilts.kernel.errors import InputError
from tilts.shell.cli_common import (
    ConfigOpt,
    JsonOpt,
    MunicipalityOpt,
    echo_json,
    echo_table,
    group,
    guard,
    settings,
)

cursor_app = group("Sync cursors: where each incremental sync resumes (docs/operations.md).")


def _engine(config: Path | None) -> Engine:
    from tilts.store.db import make_engine

    return guard(make_engine, settings(config).store.url)


def cursors(config: Path | None, atvk: str | None = None) -> list[dict[str, Any]]:
    """Every stored cursor (nothing before the first sync)."""
    from tilts.store.db import session_factory
    from tilts.store.models import Municipality, SyncCursor

    engine = _engine(config)
    if not inspect(engine).has_table("sync_cursor"):
        return []
    stmt = (
        select(Municipality.atvk, SyncCursor.service, SyncCursor.cursor, SyncCursor.updated_at)
        .join(Municipality, Municipality.id == SyncCursor.municipality_id)
        .order_by(Municipality.atvk, SyncCursor.service)
    )
    if atvk:
        stmt = stmt.where(Municipality.atvk == atvk)
    with session_factory(engine)() as s:
        return [
            {"municipality": a, "cursor": svc, "value": cur, "updated_at": at}
            for a, svc, cur, at in s.execute(stmt).tuples()
        ]


def _chosen(found: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The cursors ``name`` means: one by its full name (``pmlp.changes``) or every cursor of
    a service (``vsaa`` → ``vsaa.complete_through``, …)."""
    exact = [c for c in found if c["cursor"] == name]
    chosen = exact or [c for c in found if c["cursor"].split(".", 1)[0] == name]
    if not chosen:
        known = sorted({c["cursor"] for c in found}) or ["none stored yet"]
        raise InputError(f"SERVICE: no cursor {name!r}; stored: {', '.join(known)}")
    return chosen


def reset(config: Path | None, name: str, atvk: str | None, to: str | None) -> list[str]:
    """Delete the chosen cursors (the next sync starts as the first one did) or set them."""
    from tilts.store.db import session_factory, transaction
    from tilts.store.models import Municipality, SyncCursor
    from tilts.store.ops import set_cursor

    chosen = _chosen(cursors(config, atvk), name)
    if to is not None and len({c["cursor"] for c in chosen}) > 1:
        names = ", ".join(sorted({c["cursor"] for c in chosen}))
        raise InputError(f"--to: name one cursor, not a service ({names})")
    factory = session_factory(_engine(config))
    lines = []
    with transaction(factory) as s:
        ids = dict(s.execute(select(Municipality.atvk, Municipality.id)).tuples().all())
        for c in chosen:
            mid = ids[c["municipality"]]
            if to is None:
                s.execute(
                    delete(SyncCursor).where(
                        SyncCursor.municipality_id == mid, SyncCursor.service == c["cursor"]
                    )
                )
                lines.append(f"{c['municipality']} {c['cursor']}: {c['value']} → (none)")
            else:
                set_cursor(s, mid, c["cursor"], to)
                lines.append(f"{c['municipality']} {c['cursor']}: {c['value']} → {to}")
    return lines


@cursor_app.command("show")
def cursor_show(
    municipality: MunicipalityOpt = None, config: ConfigOpt = None, as_json: JsonOpt = False
) -> None:
    """The stored cursors per municipality, with when each last moved."""
    from tilts.shell.cli_common import resolve_municipality

    found = guard(cursors, config, resolve_municipality(config, municipality))
    if as_json:
        echo_json(found)
    elif not found:
        typer.echo("no cursors yet: nothing has synced")
    else:
        echo_table(
            ["municipality", "cursor", "value", "updated_at"],
            [[c["municipality"], c["cursor"], c["value"], f"{c['updated_at']:%Y-%m-%d %H:%M}"]
             for c in found],
        )  # fmt: skip


@cursor_app.command("reset")
def cursor_reset(
    service: Annotated[
        str, typer.Argument(help="A cursor (pmlp.changes) or a service (vsaa: all of its).")
    ],
    municipality: MunicipalityOpt = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Set this value instead of deleting the cursor.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Delete a cursor (the next sync starts over) or set it --to a value."""
    from tilts.shell.cli_common import resolve_municipality

    atvk = resolve_municipality(config, municipality)
    for line in guard(reset, config, service, atvk, to):
        typer.echo(line)


def revisions(config: Path | None) -> tuple[list[str], list[dict[str, Any]]]:
    """The store's current revisions and every migration, newest first."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from tilts.store.migrate import alembic_config

    engine = _engine(config)
    with engine.connect() as conn:
        current = list(MigrationContext.configure(conn).get_current_heads())
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    applied = {r.revision for c in current for r in script.iterate_revisions(c, "base")}
    history = [
        {
            "revision": rev.revision,
            "down_revision": rev.down_revision,
            "title": (rev.doc or "").splitlines()[0] if rev.doc else "",
            "current": rev.revision in current,
            "applied": rev.revision in applied,
            "head": rev.revision in heads,
        }
        for rev in script.walk_revisions()
    ]
    return current, history


def register_db(db_app: typer.Typer) -> None:
    """``tilts db current`` and ``tilts db history`` on the ``db`` group."""

    @db_app.command("current")
    def db_current(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """The store's migration (revision), and whether it is the latest."""
        current, history = guard(revisions, config)
        heads = [h["revision"] for h in history if h["head"]]
        if as_json:
            echo_json({"current": current, "heads": heads, "up_to_date": current == heads})
            return
        if not current:
            typer.echo("store has no migrations yet: run `tilts db upgrade`")
            return
        state = "latest" if sorted(current) == sorted(heads) else "behind: run `tilts db upgrade`"
        typer.echo(f"{', '.join(current)} ({state})")

    @db_app.command("history")
    def db_history(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
        """Every migration, newest first, marking the store's current one."""
        _current, history = guard(revisions, config)
        if as_json:
            echo_json(history)
            return
        echo_table(
            ["revision", "state", "title"],
            [[h["revision"], _state(h), h["title"]] for h in history],
        )


def _state(rev: dict[str, Any]) -> str:
    if rev["current"]:
        return "current"
    return "applied" if rev["applied"] else "pending"
