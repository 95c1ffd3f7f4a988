"""``tilts cases import`` / ``export``: the caseload file (docs/caseload-format.md).

Read (CSV or JSON Lines) → per-row checks (unknown columns, the pandera schema of
``schemas/caseload.py`` through ``schemas/validate.py``) → the rows of one case must agree on
the case's fields → bad rows quarantined (service ``caseload``, reason naming the field and
the line, never the personal code) → the rest applied by ``store/caseload.py``, touching only
what differs. The demo seeds its store through :func:`import_file` too.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilts.kernel.config import MunicipalitySettings
from tilts.kernel.errors import InputError
from tilts.kernel.personal_code import mask
from tilts.schemas.caseload import COLUMNS, REQUIRED, CaseloadRowSchema
from tilts.schemas.validate import validate_records
from tilts.store.caseload import CaseRow, apply_caseload, caseload_rows
from tilts.store.models import Quarantine
from tilts.store.ops import ensure_municipality, now, quarantine

SERVICE = "caseload"
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CASE_FIELDS = ("householdId", "caseOpenedOn", "caseClosedOn", "ukrainianCivilian")
Bad = tuple[int, dict[str, Any], str]  # (line, record, reason)


def file_format(path: Path | None, given: str | None) -> str:
    """``csv`` or ``jsonl``: ``--format``, else the file's extension (exit 2 when neither)."""
    if given:
        if given not in ("csv", "jsonl"):
            raise InputError(f"--format: {given!r} is not csv or jsonl")
        return given
    fmt = FORMATS.get(path.suffix.lower()) if path else None
    if fmt is None:
        raise InputError(
            f"{path or 'standard output'}: cannot tell the format from the name; "
            "use --format csv or --format jsonl"
        )
    return fmt


def read_rows(path: Path, fmt: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Bad]]:
    """The file's rows with their line numbers, and the lines that are not rows at all."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the caseload file ({type(exc).__name__})") from None
    return _read_csv(path, text) if fmt == "csv" else _read_jsonl(text)


def _read_csv(path: Path, text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Bad]]:
    reader = csv.DictReader(io.StringIO(text), restkey="_extra")
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        what = [f"unknown column {h!r}" for h in unknown] + [f"missing column {c}" for c in missing]
        raise InputError(f"{path}: header: {'; '.join(what)} (docs/caseload-format.md)")
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[Bad] = []
    for raw in reader:
        line = reader.line_num
        if raw.get("_extra"):
            bad.append((line, {}, "record: more cells than columns"))
            continue
        row = {k.strip(): _cell(v) for k, v in raw.items() if k is not None}
        rows.append((line, row))
    return rows, bad


def _cell(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _read_jsonl(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Bad]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[Bad] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            bad.append((line, {}, "record: not a JSON object"))
            continue
        unknown = sorted(k for k in obj if k not in COLUMNS)
        if unknown:
            bad.append((line, obj, "; ".join(f"{k}: unknown column" for k in unknown)))
            continue
        row = {k: obj.get(k) for k in COLUMNS}
        row["ukrainianCivilian"] = _flag(row["ukrainianCivilian"])
        rows.append((line, {k: (None if v == "" else v) for k, v in row.items()}))
    return rows, bad


def _flag(value: Any) -> Any:
    """JSON ``true``/``false`` as the CSV's ``true``/``false`` (anything else is checked)."""
    return str(value).lower() if isinstance(value, bool) else value


def check_rows(rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[CaseRow], list[Bad]]:
    """Schema checks per row, then agreement of each case's rows (all of a case's rows are
    quarantined when they disagree: which one is right is the case worker's call)."""
    for _line, row in rows:
        if isinstance(row.get("ukrainianCivilian"), str):
            row["ukrainianCivilian"] = row["ukrainianCivilian"].lower()
    strip = [{k: row.get(k) for k in COLUMNS} for _line, row in rows]
    valid, invalid = validate_records(strip, CaseloadRowSchema)
    line_of = {id(r): line for r, (line, _row) in zip(strip, rows, strict=True)}
    bad: list[Bad] = [(line_of[id(r)], r, reason) for r, reason in invalid]
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in valid:
        by_case[r["caseNumber"]].append(r)
    good: list[CaseRow] = []
    for number, members in by_case.items():
        reason = _disagreement(members)
        if reason:
            bad += [(line_of[id(r)], r, reason) for r in members]
            continue
        seen: set[str] = set()
        for r in members:
            if r["personCode"] in seen:
                bad.append((line_of[id(r)], r, f"personCode: listed twice in case {number}"))
                continue
            seen.add(r["personCode"])
            good.append(_case_row(r))
    return good, sorted(bad, key=lambda b: b[0])


def _disagreement(members: list[dict[str, Any]]) -> str | None:
    for field in CASE_FIELDS:
        if len({m.get(field) for m in members}) > 1:
            return f"{field}: differs between the rows of case {members[0]['caseNumber']}"
    return None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _case_row(r: dict[str, Any]) -> CaseRow:
    roles = ",".join(p.strip() for p in r["roles"].split(";")) if r.get("roles") else "MEMBER"
    opened = _day(r["caseOpenedOn"])
    assert opened is not None  # required by the schema
    return CaseRow(
        case_number=r["caseNumber"],
        household=r["householdId"],
        code=r["personCode"],
        roles=roles,
        member_from=_day(r.get("memberFrom")),
        member_to=_day(r.get("memberTo")),
        opened_on=opened,
        closed_on=_day(r.get("caseClosedOn")),
        ukrainian_civilian=r.get("ukrainianCivilian") == "true",
    )


def import_rows(
    session: Session,
    muni: MunicipalitySettings,
    rows: list[tuple[int, dict[str, Any]]],
    unreadable: list[Bad],
    today: date,
    close_missing: bool = False,
) -> dict[str, Any]:
    """Check and apply one file's rows in ``session``; the figures of what changed."""
    good, bad = check_rows(rows)
    bad = sorted(unreadable + bad, key=lambda b: b[0])
    if close_missing and not good:
        raise InputError("--close-missing: the file names no case it could load; nothing closed")
    # a case whose rows were refused is not "missing": it stays as it is
    refused = {str(r["caseNumber"]) for _l, r, _w in bad if isinstance(r.get("caseNumber"), str)}
    mid = ensure_municipality(session, muni.atvk, muni.name)
    fig = apply_caseload(session, mid, good, today, close_missing, refused)
    new_bad = _quarantine_new(session, muni.atvk, bad)
    resolved = _resolve_now_clean(session, muni.atvk, good)
    return {
        "municipality": muni.atvk,
        "rows": len(rows) + len(unreadable),
        "rows_imported": len(good),
        "quarantined": len(bad),
        "quarantined_new": new_bad,
        "quarantine_resolved": resolved,
        **asdict(fig),
        "bad_rows": [f"line {line}: {reason}" for line, _r, reason in bad],
    }


def _open_caseload(session: Session, atvk: str) -> list[Quarantine]:
    return [
        q
        for q in session.scalars(
            select(Quarantine).where(Quarantine.service == SERVICE, Quarantine.status == "OPEN")
        )
        if (q.record or {}).get("municipality") == atvk
    ]


def _quarantine_new(session: Session, atvk: str, bad: list[Bad]) -> int:
    """Quarantine the bad rows not already open (the same file twice adds nothing)."""
    known = {(q.record_ref, q.reason, json.dumps(q.record, sort_keys=True, default=str))
             for q in _open_caseload(session, atvk)}  # fmt: skip
    run = f"cases-import-{uuid.uuid4().hex[:12]}"
    items = []
    for line, record, reason in bad:
        kept = {**record, "municipality": atvk}
        code = record.get("personCode")
        ref = mask(code) if isinstance(code, str) else f"line {line}"
        key = (ref, f"line {line}: {reason}", json.dumps(kept, sort_keys=True, default=str))
        if key not in known:
            known.add(key)
            items.append((ref, kept, key[1]))
    return quarantine(session, SERVICE, "caseload-row", items, run)


def _resolve_now_clean(session: Session, atvk: str, good: list[CaseRow]) -> int:
    """Open caseload quarantines whose case and person this import took cleanly."""
    clean = {(r.case_number, r.code) for r in good}
    at, count = now(), 0
    for q in _open_caseload(session, atvk):
        if (q.record.get("caseNumber"), q.record.get("personCode")) in clean:
            q.status, q.resolved_at = "RESOLVED", at
            count += 1
    return count


def write_rows(rows: list[CaseRow], out: IO[str], fmt: str) -> None:
    """The caseload in the file format :func:`read_rows` reads."""
    dicts = [_as_dict(r) for r in rows]
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(dicts)
        return
    for d in dicts:
        d["ukrainianCivilian"] = d["ukrainianCivilian"] == "true"
        out.write(json.dumps({k: v for k, v in d.items() if v != ""}, ensure_ascii=False) + "\n")


def _as_dict(r: CaseRow) -> dict[str, Any]:
    def iso(d: date | None) -> str:
        return d.isoformat() if d else ""

    return {
        "caseNumber": r.case_number,
        "householdId": r.household,
        "personCode": r.code,
        "roles": r.roles.replace(",", ";"),
        "memberFrom": iso(r.member_from),
        "memberTo": iso(r.member_to),
        "caseOpenedOn": iso(r.opened_on),
        "caseClosedOn": iso(r.closed_on),
        "ukrainianCivilian": "true" if r.ukrainian_civilian else "false",
    }


def export_rows(session: Session, muni: MunicipalitySettings) -> list[CaseRow]:
    """The municipality's caseload (nothing when it has none yet)."""
    mid = ensure_municipality(session, muni.atvk, muni.name)
    return caseload_rows(session, mid)


@contextmanager
def opened(path: Path | None) -> Iterator[IO[str]]:
    """``path`` for writing, or standard output."""
    import sys

    if path is None:
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({type(exc).__name__})") from None
    with handle:
        yield handle
