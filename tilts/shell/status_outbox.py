"""The outbox part of ``tilts status`` and the operator's ``tilts notify --retry-parked/--discard``.

Shows, per municipality and recipient, how many notifications wait (and how many of those wait
for a retry's backoff) and every parked one with its reason — by internal notification id and
external household id, never a personal code (the reasons are the recipients' problem codes
and JSON paths, scrubbed when stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from tilts.flows.runtime import open_store
from tilts.kernel.config import load_settings
from tilts.store.db import transaction
from tilts.store.ops import now
from tilts.store.outbox_delivery import backlog, discard, parked, retry_parked

EMPTY: dict[str, Any] = {"backlog": [], "parked": []}


def outbox_status(session: Session) -> dict[str, Any]:
    """Backlog per municipality, recipient and state, and the parked notifications."""
    if not inspect(session.get_bind()).has_table("notification"):
        return dict(EMPTY)  # a store before migration 0003_outbox
    return {"backlog": backlog(session, now()), "parked": parked(session)}


def render_outbox(section: dict[str, Any] | None) -> list[str]:
    """Lines for the human-readable ``tilts status``."""
    section = section or EMPTY
    lines = ["Notification outbox (waiting to be delivered):"]
    lines += [
        f"  {b['municipality']} {b['recipient']:<6} {b['state']:<8} {b['count']:>6}"
        + (f"  ({b['waiting_retry']} waiting to retry)" if b["waiting_retry"] else "")
        + f"  oldest {b['oldest']:%Y-%m-%d %H:%M}"
        for b in section["backlog"]
    ] or ["  none"]
    if section["parked"]:
        lines.append("  parked (tilts notify --retry-parked ID | --discard ID):")
        lines += [
            f"    #{p['id']} {p['municipality']} {p['recipient']} {p['event']} {p['status']}"
            f" household {p['household']} seq {p['sequence']}: {p['reason']}"
            for p in section["parked"]
        ]
    return lines


def resolve_parked(config: Path | None, retry: Sequence[str], drop: Sequence[str]) -> list[str]:
    """Put parked notifications back in line or discard them; one line per notification.

    Raises:
        InputError: an id names no parked notification (nothing is changed then).
    """
    engine, factory = open_store(load_settings(config).store.url)
    try:
        with transaction(factory) as s:
            out = [f"notification {retry_parked(s, ref)}: back in line" for ref in retry]
            out += [f"notification {discard(s, ref)}: discarded" for ref in drop]
        return out
    finally:
        engine.dispose()
