"""SQLAlchemy 2 models of the case store.

Personal codes are stored here (the store is the municipality's own case register); they never
leave it in clear except towards a registry or recipient that is entitled to them. Registry
facts are append-and-supersede: a changed fact never overwrites the old row, it closes it
(``superseded_at``) and adds a new one, so "what did we know on day D" has an answer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with a stable constraint-naming convention (for Alembic)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Municipality(Base):
    __tablename__ = "municipality"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    atvk: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Person(Base):
    """A person known to the store; ``person_code`` is always the current code."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_code: Mapped[str] = mapped_column(String(11), unique=True)
    given_name: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    citizenship: Mapped[str | None] = mapped_column(String(3))
    register_status: Mapped[str | None] = mapped_column(String(10))
    death_date: Mapped[date | None] = mapped_column(Date)
    address_code: Mapped[str | None] = mapped_column(String(9))
    address_atvk: Mapped[str | None] = mapped_column(String(7))
    lookup_result: Mapped[str | None] = mapped_column(String(20))
    population_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PersonCode(Base):
    """Every code a person has had; a code change re-keys the person, never duplicates it."""

    __tablename__ = "person_code"
    code: Mapped[str] = mapped_column(String(11), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    is_current: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Household(Base):
    __tablename__ = "household"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    address_code: Mapped[str | None] = mapped_column(String(9))
    __table_args__ = (UniqueConstraint("municipality_id", "external_id"),)


class HouseholdMember(Base):
    __tablename__ = "household_member"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # MEMBER, OWNER, CONTRACT_HOLDER, CHILD, LEGAL_REPRESENTATIVE (outbound.md roles)
    roles: Mapped[str] = mapped_column(String(100), default="MEMBER")
    member_from: Mapped[date | None] = mapped_column(Date)
    member_to: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("household_id", "person_id"),)


class Case(Base):
    """A household's case with the social service; an open case makes its members sync subjects."""

    __tablename__ = "case"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    case_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="OPEN")
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # persons assisted under the law on support to Ukrainian civilians (spolis.md §4, annual)
    ukrainian_civilian: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (
        UniqueConstraint("municipality_id", "case_number"),
        Index("ix_case_open", "municipality_id", "status"),
    )


class RegistryFact(Base):
    """One fact from a registry, with source, validity, fetch time and supersession."""

    __tablename__ = "registry_fact"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10))  # PMLP, VDEAVK, VSAA, VID, NVA
    kind: Mapped[str] = mapped_column(String(30))  # BASIC, ADDRESS, DEATH, RELATION, ...
    fact_key: Mapped[str] = mapped_column(String(120))  # natural key within person+kind
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM for monthly facts
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_fact_current", "person_id", "source", "kind", "superseded_at"),
        Index("ix_fact_period", "source", "period"),
    )


class SyncCursor(Base):
    __tablename__ = "sync_cursor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    service: Mapped[str] = mapped_column(String(40))
    cursor: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("municipality_id", "service"),)


class RegistryFetch(Base):
    """When a per-person registry last answered for a person (the refresh policy reads it)."""

    __tablename__ = "registry_fetch"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    fetched_on: Mapped[date] = mapped_column(Date)


class AuditLog(Base):
    """One row per registry call (who, why, how many, outcome); personal codes never stored."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    service: Mapped[str] = mapped_column(String(20))
    operation: Mapped[str] = mapped_column(String(60))
    client: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(200))
    batch_size: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))
    http_status: Mapped[int | None] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    duration_ms: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[str | None] = mapped_column(String(64))


class Quarantine(Base):
    """A record that failed validation or was rejected, with its reason, kept for repair."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(20))
    record_kind: Mapped[str] = mapped_column(String(40))
    record_ref: Mapped[str] = mapped_column(String(64))  # masked code or internal id
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="OPEN")  # OPEN, RETRIED, DISCARDED
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_quarantine_status", "status", "service"),)


class FlowRunLog(Base):
    """The outcome and figures of every flow run (operations.md §7), for ``tilts status``."""

    __tablename__ = "flow_run_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), unique=True)
    flow: Mapped[str] = mapped_column(String(60), index=True)
    municipality: Mapped[str | None] = mapped_column(String(7))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20), default="RUNNING")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Monitoring(Base):
    """Which codes a municipality has registered for PMLP change monitoring."""

    __tablename__ = "monitoring"
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)
    person_code: Mapped[str] = mapped_column(String(11), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- What SOPA keeps about decisions (applications, declarations, decisions, payments, flags) --
#
# The vocabularies are SPOLIS's (spolis.md §1-§2); CHECK constraints keep a typo out of the
# store on SQLite and PostgreSQL alike, and the repository functions in ``store.decisions``
# name the field before the database ever sees a bad value.

STATUS_KINDS = ("STATUS_POOR", "STATUS_LOW_INCOME")
BENEFIT_KINDS = (
    "BENEFIT_GMI",
    "BENEFIT_HOUSING",
    "BENEFIT_HEALTH",
    "BENEFIT_EDUCATION",
    "BENEFIT_CRISIS",
    "BENEFIT_OTHER",
)
DECISION_KINDS = STATUS_KINDS + BENEFIT_KINDS
# An application asks for the status assessment (and the benefits a status opens) or for one
# benefit on its own.
APPLICATION_KINDS = ("STATUS", *BENEFIT_KINDS)
OUTCOMES = ("GRANTED", "REFUSED", "REVOKED")
REFUSAL_REASONS = (
    "INCOME_ABOVE_THRESHOLD",
    "PROPERTY_ABOVE_LIMIT",
    "NOT_RESIDENT",
    "DOCUMENTS_MISSING",
    "COOPERATION_REFUSED",
    "OTHER",
)
PAYMENT_FORMS = ("CASH", "IN_KIND")
FLAG_REASONS = (
    "INCOME_ABOVE_THRESHOLD", "MEMBER_DIED", "MEMBER_MOVED_OUT", "DISABILITY_ENDED",
    "RECALCULATION_DUE", "PROPERTY_ACQUIRED",
)  # fmt: skip
PROPERTY_OVERRIDE_RESULTS = ("MET", "NOT_MET")
FLAG_STATUSES = ("OPEN", "RESOLVED")

# Money: exact decimals in the database (NUMERIC) and in Python (Decimal), never floats.
Money = Numeric(12, 2, asdecimal=True)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Application(Base):
    """A household's application to the social service (what it asked for, and when)."""

    __tablename__ = "application"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    # the municipality's own stable reference (idempotent bulk recording)
    reference: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    kind: Mapped[str] = mapped_column(String(20))
    submitted_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (
        UniqueConstraint("municipality_id", "reference"),
        Index("ix_application_household", "household_id", "submitted_on"),
        CheckConstraint(_one_of("kind", APPLICATION_KINDS), name="kind"),
    )


class MeansDeclaration(Base):
    """The means declaration of an application (iztikas līdzekļu deklarācija).

    ``housing_expenses`` maps an expense type to a decimal string (``{"RENT": "120.00"}``);
    ``declared_income`` is a list of ``{"personId", "type", "monthlyAmount"}`` with the
    member's internal person id (never a personal code) and the amount as a decimal string.
    """

    __tablename__ = "means_declaration"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    savings: Mapped[Decimal] = mapped_column(Money)
    housing_expenses: Mapped[dict[str, Any]] = mapped_column(JSON)
    declared_income: Mapped[list[Any]] = mapped_column(JSON)
    property_conditions_met: Mapped[bool] = mapped_column(Boolean)
    cooperation_agreement: Mapped[bool] = mapped_column(Boolean)
    declared_on: Mapped[date] = mapped_column(Date)


class Decision(Base):
    """A decision on a status or a benefit, as SPOLIS receives it (spolis.md §1).

    One row per ``record_id``: a correction rewrites the row and bumps ``version``. A
    revocation is a decision of its own (outcome ``REVOKED``) that names the decision it ends
    in ``revokes_decision_id`` and takes effect on its ``valid_from``.
    """

    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    record_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))
    refusal_reason: Mapped[str | None] = mapped_column(String(30))
    request_date: Mapped[date] = mapped_column(Date)
    decision_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    monthly_amount: Mapped[Decimal | None] = mapped_column(Money)
    revokes_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("municipality_id", "record_id"),
        Index("ix_decision_household", "household_id", "kind"),
        Index("ix_decision_valid", "municipality_id", "outcome", "kind", "valid_to"),
        Index("ix_decision_date", "municipality_id", "decision_date"),
        Index("ix_decision_application", "application_id"),
        Index("ix_decision_revokes", "revokes_decision_id"),
        CheckConstraint(_one_of("kind", DECISION_KINDS), name="kind"),
        CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
        CheckConstraint("version >= 1", name="version"),
    )


class BenefitPayment(Base):
    """One month's payment of a granted benefit (spolis.md §2)."""

    __tablename__ = "benefit_payment"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    record_id: Mapped[str] = mapped_column(String(64))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    amount: Mapped[Decimal] = mapped_column(Money)
    form: Mapped[str] = mapped_column(String(10))
    paid_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (
        UniqueConstraint("municipality_id", "record_id"),
        Index("ix_payment_decision", "decision_id", "month"),
        Index("ix_payment_month", "municipality_id", "month"),
        CheckConstraint(_one_of("form", PAYMENT_FORMS), name="form"),
    )


class HouseholdFlag(Base):
    """A household flagged for review after a sync (assessment.md §4), with the reason.

    ``detail`` never holds a personal code or name. At most one OPEN flag exists per household,
    decision and reason (a partial unique index), so a re-run never duplicates one.
    """

    __tablename__ = "household_flag"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    flagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="OPEN")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index(
            "uq_household_flag_open",
            "household_id",
            "decision_id",
            "reason",
            unique=True,
            sqlite_where=text("status = 'OPEN'"),
            postgresql_where=text("status = 'OPEN'"),
        ),
        Index("ix_household_flag_status", "status", "flagged_at"),
        Index("ix_household_flag_decision", "decision_id"),
        CheckConstraint(_one_of("reason", FLAG_REASONS), name="reason"),
        CheckConstraint(_one_of("status", FLAG_STATUSES), name="status"),
    )


class PropertyOverride(Base):
    """The social worker's decision on a household's property conditions, with the reason
    (``property.md`` §8): it beats the computed property test. Rows are only added; the
    latest (highest id) of a household is the one in force. ``reason`` is the worker's words
    (what the case file says), never read into logs or flags.
    """

    __tablename__ = "property_override"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"))
    result: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_property_override_household", "household_id", "id"),
        CheckConstraint(_one_of("result", PROPERTY_OVERRIDE_RESULTS), name="result"),
    )
