"""What one delivery chunk does, and the daily expiry (outbound.md).

:func:`deliver_chunk` claims up to ``limit`` stream heads (a household's oldest open
notification for a recipient; :mod:`store.outbox_delivery`), then works through each stream on
a bounded thread pool: send, mark, take the next one of the stream, until the stream is empty,
a notification is parked (the stream waits behind it) or a retriable failure outlasted the
connector's retries (the notification waits for its backoff, and so does its stream).

Only the connector retries a call; between runs a notification that could not be delivered
waits ``store.outbox_delivery.backoff`` — that is a later delivery, not a second retry layer.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tilts.connectors.base import Gateway
from tilts.connectors.recipients import (
    FAMILY,
    RECIPIENT_CLIENTS,
    SCOPE,
    IdempotencyConflictError,
    RecipientClient,
    RecipientRejectedError,
)
from tilts.flows.runtime import Runtime
from tilts.kernel.crashpoints import crash_point
from tilts.kernel.errors import TiltsError
from tilts.kernel.logsafe import scrub
from tilts.store.db import transaction
from tilts.store.ops import now
from tilts.store.outbox import enqueue_expiries
from tilts.store.outbox_delivery import Claimed, claim, mark_delivered, mark_parked, mark_retry

_LOCK = threading.Lock()
MAX_THREADS = 12  # per chunk task: each holds a store connection while it marks


@dataclass
class ChunkResult:
    """What a chunk did; ``parked``/``problems`` are reason lines without personal data."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    parked: int = 0
    conflicts: int = 0
    parked_reasons: list[str] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)

    def add(self, other: ChunkResult) -> None:
        """Add ``other``'s counts and lines to this one."""
        for name in ("claimed", "delivered", "retried", "parked", "conflicts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.parked_reasons += other.parked_reasons
        self.problems.update(other.problems)

    def to_param(self) -> dict[str, Any]:
        """A plain dict (a Prefect task result)."""
        return {
            "claimed": self.claimed,
            "delivered": self.delivered,
            "retried": self.retried,
            "parked": self.parked,
            "conflicts": self.conflicts,
            "parked_reasons": self.parked_reasons,
            "problems": dict(self.problems),
        }


def recipient_gateway(rt: Runtime, atvk: str, recipient: str) -> Gateway:
    """The municipality's gateway for one recipient: its own token (scope ``recipients.notify``
    only) and rate limiter (the ``recipients`` limits hold per client *and* recipient), the
    run's session, audit sink and call counters."""
    name = f"{atvk}/recipient-{recipient}"
    with _LOCK:
        if name not in rt.gateways:
            muni = rt.settings.municipality(atvk)
            secret = rt.settings.client_secret(muni.client_id).get_secret_value()
            rt.gateways[name] = Gateway(
                rt.settings.gateway, muni, secret, [SCOPE],
                session=rt.session, audit=rt.audit, run_id=rt.key,
            )  # fmt: skip
        return rt.gateways[name]


def deliver_chunk(rt: Runtime, atvk: str, worker: str, limit: int, lease_s: float) -> ChunkResult:
    """Claim up to ``limit`` stream heads of a municipality and deliver their streams."""
    mid = rt.municipality_id(atvk)
    lease = timedelta(seconds=lease_s)
    with transaction(rt.factory) as s:
        heads = claim(s, mid, worker, now(), lease, limit)
    total = ChunkResult()
    if not heads:
        return total
    purpose = rt.purpose(atvk)
    clients = {
        r: RECIPIENT_CLIENTS[r](recipient_gateway(rt, atvk, r), purpose)
        for r in {h.recipient for h in heads}
    }
    per_recipient = rt.settings.gateway.services[FAMILY].concurrency

    def stream(head: Claimed) -> ChunkResult:
        try:
            return _drain(rt, atvk, mid, clients[head.recipient], head, lease)
        except Exception as exc:  # one stream's failure is that stream's; its lease runs out
            failed = ChunkResult(claimed=1)
            reason = f"{type(exc).__name__}: {scrub(str(exc))}"
            failed.problems[f"{atvk} {head.recipient}: {reason}"] += 1
            return failed

    workers = max(1, min(MAX_THREADS, per_recipient * len(clients)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(stream, heads):
            total.add(result)
    return total


def _drain(
    rt: Runtime, atvk: str, mid: int, client: RecipientClient, head: Claimed, lease: timedelta
) -> ChunkResult:
    """Deliver one household's stream for one recipient, in ``sequence`` order."""
    out = ChunkResult()
    current: Claimed | None = head
    while current is not None:
        out.claimed += 1
        note: str | None = None
        try:
            receipt: str | None = client.notify(current.payload).receipt_id
        except IdempotencyConflictError as exc:
            # The recipient holds this notification id already (another body): it has the
            # news under this id, and re-sending can never succeed. Recorded and reported.
            receipt, note = None, f"not re-sent: {exc}"
            out.conflicts += 1
            out.problems[f"{atvk} {current.recipient}: {exc}"] += 1
        except RecipientRejectedError as exc:
            rt.audit.flush()  # the calls' audit rows before what they answered is committed
            with transaction(rt.factory) as s:
                mark_parked(s, current, str(exc))
            out.parked += 1
            out.parked_reasons.append(
                f"{atvk} {current.recipient} notification {current.id} "
                f"(sequence {current.sequence}) parked: {exc}"
            )
            return out
        except TiltsError as exc:
            reason = f"{type(exc).__name__}: {scrub(str(exc))}"
            rt.audit.flush()  # the calls' audit rows before what they answered is committed
            with transaction(rt.factory) as s:
                mark_retry(s, current, reason, now())
            out.retried += 1
            out.problems[f"{atvk} {current.recipient}: {reason}"] += 1
            return out
        rt.audit.flush()  # the calls' audit rows before what they answered is committed
        crash_point("outbox.sent")  # the recipient answered, the row not marked
        with transaction(rt.factory) as s:
            following = mark_delivered(s, current, receipt, now(), lease, mid, note)
        crash_point("outbox.marked")  # marked DELIVERED, the next of the stream not sent
        if following is False:
            return out  # the lease ran out and another deliverer holds the row: it finishes
        out.delivered += 1
        current = following if isinstance(following, Claimed) else None
    return out


def expire(rt: Runtime, atvk: str, day: date) -> int:
    """Queue ``EXPIRED`` for the municipality's statuses whose validity ended before ``day``."""
    mid = rt.municipality_id(atvk)
    with transaction(rt.factory) as s:
        return enqueue_expiries(s, mid, day, rt.settings.municipality(atvk), now())
