"""What Tilts keeps about its SPOLIS submissions (spolis.md): the ledger of record versions sent,
the batches with their idempotency keys, the reports, co-financing and cross-check flags.

Nothing here is ever overwritten in place where SPOLIS keeps history: every version of a
record sent is one ``spolis_submission`` row, every report version one ``spolis_report`` row.
A batch's body is stored *before* it is sent, with its ``Idempotency-Key``: a run that crashed
after sending re-sends exactly that body under that key and SPOLIS replays its first answer.
The body holds personal codes (it is what the ministry receives); like the rest of the store it
never leaves it except towards SPOLIS.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tilts.store.models import BENEFIT_KINDS, Base, BigId, Money

RECORD_KINDS = ("DECISION", "PAYMENT")
SUBMISSION_STATES = ("SENT", "ACCEPTED", "REJECTED")
BATCH_STATES = ("PREPARED", "ANSWERED", "FAILED")
REPORT_KINDS = ("MONTHLY", "ANNUAL")
# PREPARED: stored, maybe sent, no receipt yet; INVALID: failed the local checks, never sent
REPORT_STATUSES = ("PREPARED", "ACCEPTED", "REJECTED", "INVALID")
COFINANCING_STATUSES = ("CALCULATED", "PENDING")
CROSSCHECK_STATUSES = ("OPEN", "RESOLVED")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SpolisBatch(Base):
    """One decision or payment batch: key and body stored before sending, answer after."""

    __tablename__ = "spolis_batch"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    kind: Mapped[str] = mapped_column(String(10))  # DECISION / PAYMENT
    idempotency_key: Mapped[str] = mapped_column(String(36), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_hash: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="PREPARED")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    spolis_batch_id: Mapped[str | None] = mapped_column(String(64))
    # the answer without personal data: receipts and the ministry's error codes per recordId
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_spolis_batch_open", "municipality_id", "kind", "state"),
        CheckConstraint(_one_of("kind", RECORD_KINDS), name="kind"),
        CheckConstraint(_one_of("state", BATCH_STATES), name="state"),
    )


class SpolisLease(Base):
    """Who is submitting a municipality's decisions (or payments) right now: one run at a time
    plans and sends them (operations.md §6), the others leave them alone until it expires."""

    __tablename__ = "spolis_lease"
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SpolisSubmission(Base):
    """One version of one SPOLIS record as sent, and what SPOLIS said about it.

    ``record_id`` is the wire ``recordId`` (``<decision record id>:<person id>`` for decision
    records, the payment's record id for payments); ``source_id`` the store row it came from.
    """

    __tablename__ = "spolis_submission"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    kind: Mapped[str] = mapped_column(String(10))  # DECISION / PAYMENT
    record_id: Mapped[str] = mapped_column(String(100))
    source_id: Mapped[int] = mapped_column(BigId)
    person_id: Mapped[int | None] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="SENT")
    batch_id: Mapped[int] = mapped_column(ForeignKey("spolis_batch.id"))
    receipt_id: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[list[Any] | None] = mapped_column(JSON)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("municipality_id", "kind", "record_id", "version"),
        Index("ix_spolis_submission_batch", "batch_id"),
        Index("ix_spolis_submission_source", "kind", "source_id"),
        CheckConstraint(_one_of("kind", RECORD_KINDS), name="kind"),
        CheckConstraint(_one_of("state", SUBMISSION_STATES), name="state"),
        CheckConstraint("version >= 1", name="version"),
    )


class SpolisReport(Base):
    """One version of a monthly or annual report (or a build that failed the local checks)."""

    __tablename__ = "spolis_report"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    kind: Mapped[str] = mapped_column(String(10))  # MONTHLY / ANNUAL
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM or YYYY
    version: Mapped[int | None] = mapped_column(Integer)  # None: INVALID, never sent
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))  # of the figures only
    validation: Mapped[list[Any]] = mapped_column(JSON)  # local check failures ([] = valid)
    status: Mapped[str] = mapped_column(String(10), default="PREPARED")
    receipt_id: Mapped[str | None] = mapped_column(String(64))
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    late: Mapped[bool | None] = mapped_column(Boolean)
    prepared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("municipality_id", "kind", "period", "version"),
        Index("ix_spolis_report_period", "municipality_id", "kind", "period", "status"),
        CheckConstraint(_one_of("kind", REPORT_KINDS), name="kind"),
        CheckConstraint(_one_of("status", REPORT_STATUSES), name="status"),
    )


class SpolisCofinancing(Base):
    """The state's co-financing of a month's GMI, as the ministry computed it (spolis.md §6)."""

    __tablename__ = "spolis_cofinancing"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    month: Mapped[str] = mapped_column(String(7))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("spolis_report.id"))
    gmi_eur_reported: Mapped[Decimal | None] = mapped_column(Money)
    state_share_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2, asdecimal=True))
    state_amount: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("municipality_id", "month"),
        CheckConstraint(_one_of("status", COFINANCING_STATUSES), name="status"),
    )


class SpolisCrossCheckFlag(Base):
    """A person of a household drawing GMI or housing benefit here whom another municipality
    also grants it in the same month (spolis.md §5), kept for a social worker's review."""

    __tablename__ = "spolis_crosscheck_flag"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    other_atvk: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(20))
    other_valid_from: Mapped[str | None] = mapped_column(String(10))
    other_valid_to: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="OPEN")
    flagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("household_id", "person_id", "month", "other_atvk", "kind"),
        Index("ix_spolis_crosscheck_status", "status", "municipality_id"),
        CheckConstraint(_one_of("kind", BENEFIT_KINDS), name="kind"),
        CheckConstraint(_one_of("status", CROSSCHECK_STATUSES), name="status"),
    )


__all__ = [
    "BATCH_STATES",
    "RECORD_KINDS",
    "REPORT_KINDS",
    "SpolisBatch",
    "SpolisCofinancing",
    "SpolisCrossCheckFlag",
    "SpolisLease",
    "SpolisReport",
    "SpolisSubmission",
]
