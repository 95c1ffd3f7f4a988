"""Bulk statements with plain tuples (store/bulk.py) store exactly what SQLAlchemy's own
statements store, on SQLite and PostgreSQL, and fail as any statement fails."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from tilts.kernel.errors import StoreError
from tilts.store.bulk import insert_rows, update_rows, upsert
from tilts.store.db import transaction
from tilts.store.facts import encode
from tilts.store.models import Person, PersonCode, RegistryFact, RegistryFetch

AT = datetime(2026, 11, 26, 3, 4, 5, 678901, tzinfo=UTC)
ON_THE_SECOND = datetime(2026, 11, 26, 3, 4, 5, tzinfo=UTC)  # no microseconds: SQLite's text
FACT_COLUMNS = (
    "person_id", "source", "kind", "fact_key", "valid_from", "valid_to", "period", "payload",
    "content_hash", "fetched_at", "superseded_at", "run_id",
)  # fmt: skip


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _persons(factory: Any, n: int) -> list[int]:
    with transaction(factory) as s:
        s.execute(
            insert(_table(Person)),
            [{"person_code": f"{32000000000 + i}", "updated_at": AT} for i in range(n)],
        )
    with factory() as s:
        return list(s.scalars(select(Person.id).order_by(Person.id)))


def _raw(s: Session, sql: str) -> list[tuple[Any, ...]]:
    """Rows as the database holds them (on SQLite: the text SQLAlchemy would parse)."""
    return [tuple(r) for r in s.connection().exec_driver_sql(sql)]


@pytest.mark.postgres
def test_inserted_tuples_are_stored_as_sqlalchemy_stores_them(factory: Any) -> None:
    pid = _persons(factory, 1)[0]
    payload, digest = encode({"amount": "12.50", "month": "2026-10", "nested": {"b": [1, None]}})
    values = {
        "person_id": pid, "source": "VSAA", "kind": "PAYMENT", "valid_from": date(2026, 10, 15),
        "valid_to": None, "period": "2026-10", "content_hash": digest, "superseded_at": None,
        "run_id": "run",
    }  # fmt: skip
    with transaction(factory) as s:
        for key, at in (("sa", AT), ("sa-second", ON_THE_SECOND)):
            s.execute(
                insert(_table(RegistryFact)),
                [values | {"fact_key": key, "fetched_at": at, "payload": {"x": 1}}],
            )
        ours = [
            tuple((values | {"fact_key": key, "fetched_at": at, "payload": payload})[c]
                  for c in FACT_COLUMNS)
            for key, at in (("ours", AT), ("ours-second", ON_THE_SECOND))
        ]  # fmt: skip
        insert_rows(s, _table(RegistryFact), FACT_COLUMNS, ours, encoded=("payload",))
    with factory() as s:
        cols = "fact_key, valid_from, valid_to, period, fetched_at, superseded_at, run_id"
        raw = {r[0]: r[1:] for r in _raw(s, f"SELECT {cols} FROM registry_fact")}
        assert raw["ours"] == raw["sa"]
        assert raw["ours-second"] == raw["sa-second"]
        facts = {f.fact_key: f for f in s.scalars(select(RegistryFact))}
    ours_fact = facts["ours"]
    assert ours_fact.payload == {"amount": "12.50", "month": "2026-10", "nested": {"b": [1, None]}}
    assert ours_fact.fetched_at.replace(tzinfo=UTC) == AT
    assert ours_fact.valid_from == date(2026, 10, 15) and ours_fact.valid_to is None


@pytest.mark.postgres
def test_upsert_inserts_updates_or_leaves_alone(factory: Any) -> None:
    a, b = _persons(factory, 2)
    fetch = _table(RegistryFetch)
    with transaction(factory) as s:
        upsert(s, fetch, [{"person_id": a, "source": "VID", "fetched_on": date(2026, 11, 1)}],
               ["person_id", "source"], ["fetched_on"])  # fmt: skip
    with transaction(factory) as s:
        rows = [
            {"person_id": a, "source": "VID", "fetched_on": date(2026, 11, 2)},
            {"fetched_on": date(2026, 11, 1), "source": "VID", "person_id": b},  # another order
            {"person_id": b, "source": "VID", "fetched_on": date(2026, 11, 3)},  # last wins
        ]
        upsert(s, fetch, rows, ["person_id", "source"], ["fetched_on"])
        upsert(s, fetch, [{"person_id": a, "source": "VID", "fetched_on": date(2027, 1, 1)}],
               ["person_id", "source"])  # fmt: skip  # nothing to update: left alone
    with factory() as s:
        got = dict(s.execute(select(RegistryFetch.person_id, RegistryFetch.fetched_on)).all())
    assert got == {a: date(2026, 11, 2), b: date(2026, 11, 3)}


@pytest.mark.postgres
def test_a_python_default_of_a_column_left_out_is_applied(factory: Any) -> None:
    (pid,) = _persons(factory, 1)
    with transaction(factory) as s:
        # person_code.is_current has a Python-side default: SQLAlchemy's path applies it
        upsert(s, _table(PersonCode), [{"code": "32000000099", "person_id": pid,
                                        "recorded_at": AT}], ["code"])  # fmt: skip
    with factory() as s:
        assert s.scalar(select(PersonCode.is_current).where(PersonCode.code == "32000000099"))
    with pytest.raises(ValueError, match="Python-side default"), transaction(factory) as s:
        insert_rows(s, _table(PersonCode), ("code", "person_id", "recorded_at"),
                    [("32000000098", pid, AT)])  # fmt: skip


@pytest.mark.postgres
def test_update_rows_sets_each_rows_values(factory: Any) -> None:
    a, b, c = _persons(factory, 3)
    rows = [("Anna", date(1990, 1, 2), AT, a), ("Jānis", None, AT, b)]
    with transaction(factory) as s:
        update_rows(s, _table(Person), "id", ("given_name", "birth_date", "updated_at"), rows)
    with factory() as s:
        got = {
            p.id: (p.given_name, p.birth_date, p.updated_at.replace(tzinfo=UTC))
            for p in s.scalars(select(Person))
        }
    assert got[a] == ("Anna", date(1990, 1, 2), AT)
    assert got[b] == ("Jānis", None, AT)
    assert got[c][:2] == (None, None)


@pytest.mark.postgres
def test_a_refused_row_rolls_back_the_unit_of_work_with_a_store_error(factory: Any) -> None:
    (pid,) = _persons(factory, 1)
    payload, digest = encode({"a": 1})
    row = (pid, "VSAA", "PAYMENT", "k", None, None, None, payload, digest, AT, None, "run")
    missing = (pid + 1000, *row[1:])  # no such person: the foreign key refuses it
    with pytest.raises(StoreError) as caught, transaction(factory) as s:
        insert_rows(s, _table(RegistryFact), FACT_COLUMNS, [row, missing], encoded=("payload",))
    assert str(pid + 1000) not in str(caught.value)  # parameters are never in the message
    with factory() as s:
        assert s.execute(text("SELECT count(*) FROM registry_fact")).scalar() == 0


def test_a_facts_content_is_encoded_and_hashed_as_before() -> None:
    """The stored JSON and its hash (what a new answer is compared with) are the same text as
    ``json.dumps`` with sorted keys and compact separators has always written."""
    payload = {"z": "Bērziņa", "a": [1, None, {"y": date(2026, 1, 2)}], "m": "12.50", "b": True}
    raw = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    assert raw == '{"a":[1,null,{"y":"2026-01-02"}],"b":true,"m":"12.50","z":"B\\u0113rzi\\u0146a"}'
    assert encode(payload) == (raw, hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest())
