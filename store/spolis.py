"""The SPOLIS submission ledger: which version of which record went in which batch, and what
SPOLIS answered (spolis.md §1, §2).

A batch is written — idempotency key, exact body, one ``SENT`` row per record version — and
committed *before* it is sent; its answer is applied in a second unit of work. A batch still
``PREPARED`` on the next run was (maybe) sent but never answered here: it is sent again with
the same key and body, and SPOLIS replays its first answer. :func:`plan_version` decides, from
a record's history, whether and under which version it goes next.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from tilts.kernel.logsafe import scrub
from tilts.store.bulk import upsert
from tilts.store.models import Quarantine
from tilts.store.models_spolis import SpolisBatch, SpolisLease, SpolisSubmission

#: Rejections that may pass on a later try without a change on our side: the ministry's clock,
#: the state of the decision a payment names, version bookkeeping, a whole batch refused.
TRANSIENT_CODES = frozenset(
    {
        "DECISION_IN_FUTURE",
        "PAYMENT_IN_FUTURE",
        "UNKNOWN_DECISION",
        "DECISION_NOT_GRANTED",
        "MONTH_OUTSIDE_VALIDITY",
        "STALE_VERSION",
        "VERSION_CONFLICT",
        "BATCH_FAILED",
    }
)
#: Rejections after which the record goes again under a higher version.
VERSION_CODES = frozenset({"STALE_VERSION", "VERSION_CONFLICT"})
_IN = 1000


def content_hash(data: Any) -> str:
    """A stable SHA-256 of a JSON value (key order does not matter), as SPOLIS digests bodies."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Sent:
    """One version of a record sent earlier and its state."""

    version: int
    content_hash: str
    state: str
    codes: tuple[str, ...] = ()


def plan_version(store_version: int, chash: str, history: Sequence[Sent]) -> int | None:
    """The version a record goes under now, or ``None`` when nothing is to be sent.

    Nothing goes while the last version sent is unanswered (its batch is recovered first),
    when SPOLIS accepted this very content at (at least) the store's version, or when it
    rejected this very content for a reason only a correction can cure (the record waits in
    quarantine). A transient rejection is sent again under the same version; anything else
    (a correction, or content that changed under the same store version — a person's new
    code, say) goes under the next version, never below the store's own.
    """
    if not history:
        return store_version
    last = max(history, key=lambda s: s.version)
    same = last.content_hash == chash and last.version >= store_version
    if last.state == "SENT" or (same and last.state == "ACCEPTED"):
        return None
    transient = bool(last.codes) and set(last.codes) <= TRANSIENT_CODES
    if same and last.state == "REJECTED" and not transient:
        return None
    again = same and last.state == "REJECTED" and not VERSION_CODES & set(last.codes)
    return max(store_version, last.version if again else last.version + 1)


def history(
    session: Session, municipality_id: int, kind: str, record_ids: Sequence[str]
) -> dict[str, list[Sent]]:
    """Every version sent of each record."""
    out: dict[str, list[Sent]] = defaultdict(list)
    s = SpolisSubmission
    unique = sorted(set(record_ids))
    for start in range(0, len(unique), _IN):
        rows = session.execute(
            select(s.record_id, s.version, s.content_hash, s.state, s.errors).where(
                s.municipality_id == municipality_id,
                s.kind == kind,
                s.record_id.in_(unique[start : start + _IN]),
            )
        ).tuples()
        for rid, version, chash, state, errors in rows:
            codes = tuple(str(e.get("code")) for e in errors or [] if isinstance(e, dict))
            out[rid].append(Sent(version, chash, state, codes))
    return out


@dataclass(frozen=True)
class Outgoing:
    """One record version to send; ``record`` is the wire record with its version."""

    record_id: str
    source_id: int
    person_id: int | None
    version: int
    content_hash: str
    record: dict[str, Any]


def prepare_batch(
    session: Session,
    municipality_id: int,
    atvk: str,
    kind: str,
    items: Sequence[Outgoing],
    at: datetime,
    run_id: str | None,
) -> int:
    """Store a batch (a fresh idempotency key, the exact body) and its records as ``SENT``.

    Commit before sending: that is what makes a crash after the send recoverable.
    """
    body = {"municipality": atvk, "records": [i.record for i in items]}
    batch_id = session.scalar(
        insert(SpolisBatch)
        .values(
            municipality_id=municipality_id, kind=kind, idempotency_key=str(uuid.uuid4()),
            body=body, body_hash=content_hash(body), records=len(items), state="PREPARED",
            created_at=at, run_id=run_id,
        )
        .returning(SpolisBatch.id)
    )  # fmt: skip
    assert batch_id is not None
    rows = [
        {
            "municipality_id": municipality_id, "kind": kind, "record_id": i.record_id,
            "source_id": i.source_id, "person_id": i.person_id, "version": i.version,
            "content_hash": i.content_hash, "state": "SENT", "batch_id": batch_id,
            "receipt_id": None, "sent_at": at, "answered_at": None,
        }
        for i in items
    ]  # fmt: skip
    # a version sent again (after a transient rejection) is the same row, now in this batch;
    # its earlier errors stay until the answer, so a repeated rejection is not re-quarantined
    keys = ["municipality_id", "kind", "record_id", "version"]
    upsert(session, SpolisSubmission.__table__, rows, keys, [c for c in rows[0] if c not in keys])
    return int(batch_id)


def open_batches(session: Session, municipality_id: int, kind: str) -> list[int]:
    """Batches stored but never answered here, oldest first."""
    b = SpolisBatch
    stmt = select(b.id).where(
        b.municipality_id == municipality_id, b.kind == kind, b.state == "PREPARED"
    )
    return list(session.scalars(stmt.order_by(b.id)))


def batch(session: Session, batch_id: int) -> SpolisBatch:
    """A stored batch (its key and body are sent again exactly as stored)."""
    found = session.get(SpolisBatch, batch_id)
    assert found is not None, "no such batch"
    return found


@dataclass(frozen=True)
class Rejection:
    """A record SPOLIS rejected: its recordId and the ministry's ``field: CODE`` list."""

    record_id: str
    reason: str
    repeated: bool  # the same version was rejected with the same codes before


def apply_answer(
    session: Session, batch_id: int, answer: dict[str, Any], at: datetime
) -> tuple[list[str], list[Rejection]]:
    """Record SPOLIS's answer to a batch; returns (accepted record ids, rejections)."""
    t = cast(Table, SpolisSubmission.__table__)
    before = {
        rid: tuple(str(e.get("code")) for e in errors or [] if isinstance(e, dict))
        for rid, errors in session.execute(
            select(t.c.record_id, t.c.errors).where(t.c.batch_id == batch_id)
        ).tuples()
    }
    accepted = [
        {"rid": str(a["recordId"]), "state": "ACCEPTED", "receipt": str(a["receiptId"]),
         "errors": None, "at": at}
        for a in answer["accepted"]
    ]  # fmt: skip
    rejected: list[dict[str, Any]] = []
    out: list[Rejection] = []
    for r in answer["rejected"]:
        errors = [
            {k: scrub(str(e.get(k, "")))[:300] for k in ("field", "code", "message")}
            for e in r.get("errors") or []
        ]
        rid = str(r["recordId"])
        rejected.append({"rid": rid, "state": "REJECTED", "receipt": None, "errors": errors,
                         "at": at})  # fmt: skip
        codes = tuple(e["code"] for e in errors)
        reason = "; ".join(f"{e['field']}: {e['code']}" for e in errors) or "rejected"
        out.append(Rejection(rid, reason, before.get(rid) == codes))
    if accepted or rejected:
        session.execute(
            update(t)
            .where(t.c.batch_id == batch_id, t.c.record_id == bindparam("rid"))
            .values(
                state=bindparam("state"), receipt_id=bindparam("receipt"),
                errors=bindparam("errors"), answered_at=bindparam("at"),
            ),
            accepted + rejected,
            execution_options={"synchronize_session": False},
        )  # fmt: skip
    stored = {
        "batchId": answer.get("batchId"),
        "accepted": [{k: a.get(k) for k in ("recordId", "version", "receiptId")}
                     for a in answer["accepted"]],
        "rejected": [{"recordId": r["recordId"], "errors": x["errors"]}
                     for r, x in zip(answer["rejected"], rejected, strict=True)],
    }  # fmt: skip
    session.execute(
        update(SpolisBatch)
        .where(SpolisBatch.id == batch_id)
        .values(state="ANSWERED", answered_at=at, spolis_batch_id=str(answer.get("batchId")),
                answer=stored, error=None)
    )  # fmt: skip
    return [str(a["rid"]) for a in accepted], out


def mark_sent(session: Session, batch_id: int, at: datetime) -> None:
    """Remember when a batch was (last) handed to the connector."""
    session.execute(update(SpolisBatch).where(SpolisBatch.id == batch_id).values(sent_at=at))


def fail_batch(session: Session, batch_id: int, error: str, at: datetime) -> int:
    """SPOLIS refused a whole batch (nothing processed): its records go again next run."""
    session.execute(
        update(SpolisBatch)
        .where(SpolisBatch.id == batch_id)
        .values(state="FAILED", answered_at=at, error=scrub(error)[:200])
    )
    result = session.execute(
        update(SpolisSubmission)
        .where(SpolisSubmission.batch_id == batch_id)
        .values(
            state="REJECTED",
            answered_at=at,
            errors=[{"field": "batch", "code": "BATCH_FAILED", "message": scrub(error)[:300]}],
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def accepted_ids(
    session: Session, municipality_id: int, kind: str, record_ids: Sequence[str]
) -> set[str]:
    """The records SPOLIS holds an accepted version of."""
    s = SpolisSubmission
    out: set[str] = set()
    unique = sorted(set(record_ids))
    for start in range(0, len(unique), _IN):
        out.update(
            session.scalars(
                select(s.record_id).where(
                    s.municipality_id == municipality_id,
                    s.kind == kind,
                    s.state == "ACCEPTED",
                    s.record_id.in_(unique[start : start + _IN]),
                )
            )
        )
    return out


def quarantine_once(
    session: Session,
    service: str,
    record_kind: str,
    items: Sequence[tuple[str, dict[str, Any], str]],
    run_id: str | None,
    at: datetime,
) -> int:
    """Quarantine (ref, record, reason) items unless the same ref and reason is open already."""
    refs = sorted({ref for ref, _, _ in items})
    q = Quarantine
    open_now: set[tuple[str, str]] = set()
    for start in range(0, len(refs), _IN):
        open_now.update(
            session.execute(
                select(q.record_ref, q.reason).where(
                    q.service == service,
                    q.record_kind == record_kind,
                    q.status == "OPEN",
                    q.record_ref.in_(refs[start : start + _IN]),
                )
            ).tuples()
        )
    rows = [
        {"created_at": at, "run_id": run_id, "service": service, "record_kind": record_kind,
         "record_ref": ref, "record": record, "reason": reason, "status": "OPEN"}
        for ref, record, reason in items
        if (ref, reason) not in open_now
    ]  # fmt: skip
    if rows:
        session.execute(insert(Quarantine), rows)
    return len(rows)


def settle_quarantine(
    session: Session, service: str, record_kind: str, refs: Sequence[str], at: datetime
) -> int:
    """Mark open quarantine rows of records SPOLIS has now accepted as ``RETRIED``."""
    q = Quarantine
    done = 0
    unique = sorted(set(refs))
    for start in range(0, len(unique), _IN):
        result = session.execute(
            update(q)
            .where(
                q.service == service,
                q.record_kind == record_kind,
                q.status == "OPEN",
                q.record_ref.in_(unique[start : start + _IN]),
            )
            .values(status="RETRIED", resolved_at=at)
        )
        done += int(getattr(result, "rowcount", 0) or 0)
    return done


def claim(
    session: Session, municipality_id: int, kind: str, holder: str, until: datetime, at: datetime
) -> bool:
    """Take the municipality's submission lease for ``kind`` unless another run holds it.

    The conditional ``UPDATE`` is the arbiter (one row; the database serialises it), the
    equivalent of ``SELECT … FOR UPDATE SKIP LOCKED`` for a single job.
    """
    upsert(session, SpolisLease.__table__, [{"municipality_id": municipality_id, "kind": kind,
                                              "holder": None, "expires_at": None}],
           ["municipality_id", "kind"])  # fmt: skip
    lease = SpolisLease
    result = session.execute(
        update(lease)
        .where(
            lease.municipality_id == municipality_id,
            lease.kind == kind,
            or_(lease.holder.is_(None), lease.holder == holder, lease.expires_at < at),
        )
        .values(holder=holder, expires_at=until)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def release(session: Session, municipality_id: int, kind: str, holder: str) -> None:
    """Give the lease back (only if still ours)."""
    lease = SpolisLease
    session.execute(
        update(lease)
        .where(lease.municipality_id == municipality_id, lease.kind == kind, lease.holder == holder)
        .values(holder=None, expires_at=None)
    )
