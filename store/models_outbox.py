"""The notification outbox (outbound.md): what is to be told to NINO, JPA, BVKB, NVA and BARIS.

A notification is written in the same transaction as the decision that causes it
(:mod:`store.outbox`) and delivered later by ``deliver_notifications``
(:mod:`store.outbox_delivery`). Its ``payload`` is the exact JSON body to send — personal codes
included, so it never leaves the store except towards its recipient — and never changes, so a
re-send after a crash carries the same ``Idempotency-Key`` and body and the recipient replays
its receipt.

States::

    PENDING ──202──▶ DELIVERED          (receipt kept; 409 too, see store.outbox_delivery)
       │  ▲ └─retriable, gave up─▶ PENDING (attempts + 1, next_attempt_at = now + backoff)
       │  └────── operator: retry ─────┐
       └─4xx (not 409/429)──▶ PARKED ──┴─ operator: discard ─▶ DISCARDED

A PENDING or PARKED notification holds back every later one (higher ``sequence``) of the same
household and recipient, so recipients learn a household's news in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tilts.store.models import Base, BigId

RECIPIENTS = ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim")
EVENTS = ("GRANTED", "EXTENDED", "REVOKED", "EXPIRED")
STATUSES = ("POOR", "LOW_INCOME")
STATES = ("PENDING", "DELIVERED", "PARKED", "DISCARDED")
TRIGGERS = ("RECORDED", "EXPIRED")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Notification(Base):
    """One notification to one recipient; ``payload`` is the body, byte for byte what is sent."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notification_id: Mapped[str] = mapped_column(String(36), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    decision_version: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(8))
    event: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="PENDING")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # NULL: due now; set only when a delivery attempt failed retriably (backoff)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))  # never personal data
    receipt_id: Mapped[str | None] = mapped_column(String(100))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("municipality_id", "recipient", "sequence"),
        UniqueConstraint("decision_id", "decision_version", "recipient", "event"),
        # what a deliverer claims: due PENDING rows of a municipality, oldest first
        Index(
            "ix_notification_pending",
            "municipality_id",
            "next_attempt_at",
            "id",
            sqlite_where=text("state = 'PENDING'"),
            postgresql_where=text("state = 'PENDING'"),
        ),
        # what holds a notification back: an earlier open one of its household and recipient
        Index(
            "ix_notification_open_stream",
            "household_id",
            "recipient",
            "sequence",
            sqlite_where=text("state IN ('PENDING', 'PARKED')"),
            postgresql_where=text("state IN ('PENDING', 'PARKED')"),
        ),
        Index("ix_notification_state", "state", "municipality_id", "recipient"),
        CheckConstraint(_one_of("recipient", RECIPIENTS), name="recipient"),
        CheckConstraint(_one_of("event", EVENTS), name="event"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("state", STATES), name="state"),
    )


class NotificationSequence(Base):
    """The last ``sequence`` handed out per municipality and recipient.

    One counter per (municipality, recipient) rather than per household: it increases per
    household too (outbound.md), and across households as well, which the recipients' ordering
    rule needs when a person moves between households (see ``mocks/recipients.py``).
    """

    __tablename__ = "notification_sequence"
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class NotificationTrigger(Base):
    """That a decision version was turned into notifications (``RECORDED``) or its expiry was
    (``EXPIRED``) — exactly once, even when nobody was to be told."""

    __tablename__ = "notification_trigger"
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True
    )
    decision_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint(_one_of("kind", TRIGGERS), name="kind"),)
