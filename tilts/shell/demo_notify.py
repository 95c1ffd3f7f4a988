"""The demo's notification step: what the outbox holds and what each recipient received."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from tilts.flows.runtime import open_store
from tilts.kernel.config import load_settings
from tilts.mocks.harness import MockHandle
from tilts.store.models_outbox import Notification

RECIPIENTS = ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim")


def print_notifications(config: Path, mocks: MockHandle, console: Console) -> bool:
    """Print, per recipient, the outbox states and what the mock recipient holds.

    Returns:
        True when nothing is parked or still pending.
    """
    _, factory = open_store(load_settings(config).store.url)
    with factory() as s:
        states: Counter[tuple[str, str]] = Counter(
            {
                (recipient, state): n
                for recipient, state, n in s.execute(
                    select(Notification.recipient, Notification.state, func.count()).group_by(
                        Notification.recipient, Notification.state
                    )
                )
            }
        )
    table = Table(title="Status notifications (outbox → mock recipients)")
    for column in ("recipient", "delivered", "pending", "parked", "received", "applied"):
        table.add_column(column, justify="left" if column == "recipient" else "right")
    for recipient in RECIPIENTS:
        held = mocks.admin_get(f"recipients/{recipient}")["state"]
        table.add_row(
            recipient,
            f"{states[(recipient, 'DELIVERED')]:,}",
            f"{states[(recipient, 'PENDING')]:,}",
            f"{states[(recipient, 'PARKED')]:,}",
            f"{held.get('received', 0):,}",
            f"{held.get('applied', 0):,}",
        )
    console.print(table)
    return not any(states[(r, st)] for r in RECIPIENTS for st in ("PENDING", "PARKED"))
