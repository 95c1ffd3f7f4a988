"""What a status recipient remembers: the notifications it received and its beliefs per person.

A notification is applied unless a person's last applied sequence (per municipality) is not older;
the beliefs are what the admin person view shows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.recipients.rules import Problem

ACTIVE_EVENTS = ("GRANTED", "EXTENDED")


@dataclass
class Received:
    """One accepted notification (applied or ignored as stale)."""

    receipt_id: str
    client_id: str
    fingerprint: str
    body: dict[str, Any]
    slots: tuple[int, ...]
    received_at: str
    applied: bool


@dataclass
class RecipientStore:
    """What one recipient holds (cleared by an admin reset)."""

    received: list[Received] = field(default_factory=list)
    by_key: dict[tuple[str, str], Received] = field(default_factory=dict)
    last_sequence: dict[tuple[str, int], int] = field(default_factory=dict)
    #: KIM's ordering, which has no persons: per (municipality, household reference)
    household_sequence: dict[tuple[str, str], int] = field(default_factory=dict)
    beliefs: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    latest: dict[int, str] = field(default_factory=dict)

    def reset(self) -> None:
        self.received.clear()
        self.by_key.clear()
        self.last_sequence.clear()
        self.household_sequence.clear()
        self.beliefs.clear()
        self.latest.clear()

    def accept(
        self, client_id: str, body: dict[str, Any], slots: list[int], fingerprint: str
    ) -> Received:
        """Store ``body``; apply it unless a person's (KIM: the household reference's) last
        applied sequence is not older."""
        muni, seq = body["municipality"], body["sequence"]
        applied = all(self.last_sequence.get((muni, s), -1) < seq for s in slots)
        ref = body["household"]["reference"] if "household" in body else None
        if ref is not None:
            applied = applied and self.household_sequence.get((muni, ref), -1) < seq
            if applied:
                self.household_sequence[(muni, ref)] = seq
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        item = Received(str(uuid.uuid4()), client_id, fingerprint, body, tuple(slots), now, applied)
        self.received.append(item)
        self.by_key[(client_id, body["notificationId"])] = item
        if applied:
            for slot, person in zip(slots, body.get("persons", []), strict=True):
                self.last_sequence[(muni, slot)] = seq
                self.beliefs.setdefault(slot, {})[muni] = {
                    "municipality": muni,
                    "status": body["status"],
                    "active": body["event"] in ACTIVE_EVENTS,
                    "event": body["event"],
                    "role": person["role"],
                    "decisionDate": body["decisionDate"],
                    "validFrom": body["validFrom"],
                    "validTo": body["validTo"],
                    "sequence": seq,
                    "notificationId": body["notificationId"],
                    "appliedAt": now,
                }
                self.latest[slot] = muni
        return item


@dataclass(frozen=True)
class Recipient:
    """One mounted recipient as its handlers see it: name, service, memory, body check, server."""

    name: str
    spec: ServiceSpec
    store: RecipientStore
    check_shape: Callable[[dict[str, Any]], Problem | None]
    state: MockState
