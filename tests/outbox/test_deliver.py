"""Delivering the outbox to the mock recipients: minimisation as the recipients see it, order,
idempotency, parking, retries (real server, SQLite and PostgreSQL, Prefect under its harness)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from tests.outbox.conftest import OGRE, World, granted, revoked
from tilts.connectors.base import Gateway
from tilts.connectors.recipients import IdempotencyConflictError, JpaClient
from tilts.connectors.xroad import Purpose
from tilts.flows.notify import deliver_notifications, expire_statuses
from tilts.kernel.personal_code import mask
from tilts.mocks.world.population import Population
from tilts.shell.cli import app
from tilts.shell.status import collect, render
from tilts.store.db import transaction
from tilts.store.models_outbox import Notification

RECIPIENTS = ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim")


def _history(world: World) -> None:
    """Every household granted; the first half extended, every third one revoked."""
    first: list[Any] = []
    second: list[Any] = []
    for n, hid in enumerate(world.households):
        first.append(
            granted(hid, f"{hid}-1", kind="STATUS_LOW_INCOME" if n % 4 == 3 else "STATUS_POOR")
        )
        if n % 2 == 0:
            second.append(granted(hid, f"{hid}-2", decided=date(2027, 3, 20),
                                  valid=(date(2027, 4, 1), date(2027, 9, 30))))  # fmt: skip
        if n % 3 == 0:
            second.append(revoked(hid, f"{hid}-R", f"{hid}-1", date(2026, 12, 1)))
    world.record(first)
    world.record(second)


def _deliver(world: World) -> dict[str, Any]:
    return deliver_notifications(config_path=str(world.config))


def _streams_in_order(world: World) -> None:
    """Each recipient got every notification once, and each household's in sequence order."""
    rows = world.rows()
    for recipient in RECIPIENTS:
        mine = {r.notification_id: r for r in rows if r.recipient == recipient}
        got = [n["notificationId"] for n in world.received(recipient)]
        assert len(got) == len(set(got)) and set(got) == set(mine), recipient
        seen: dict[int, list[int]] = defaultdict(list)
        for nid in got:
            seen[mine[nid].household_id].append(mine[nid].sequence)
        assert all(s == sorted(s) for s in seen.values()), recipient


@pytest.mark.postgres
def test_delivery_minimised_in_order_once(
    world: World, population: Population, prefect_harness: None
) -> None:
    _history(world)
    rows = world.rows()
    figures = _deliver(world)
    assert figures["failures"] == [] and figures["notifications_parked"] == 0
    assert figures["notifications_delivered"] == len(rows) > 0
    stored = {r.notification_id: r for r in world.rows()}
    assert {r.state for r in stored.values()} == {"DELIVERED"}
    _streams_in_order(world)
    members = {hid: [population.lookup(c) for c in codes] for hid, codes in world.codes.items()}
    for recipient in RECIPIENTS:
        for got in world.received(recipient):
            row = stored[got["notificationId"]]
            assert got["applied"] and got["receiptId"] == row.receipt_id
            sent = row.payload.get("persons", [])
            assert got["persons"] == [mask(p["personCode"]) for p in sent]
            assert got["roles"] == [p["role"] for p in sent]
            assert ("addressCode" in got) == (recipient == "nino")
            day = date.fromisoformat(got["decisionDate"])
            ages = {
                mask(v.person_code): _age(v.birth_date, day)
                for v in members[row.household_id]
                if v is not None
            }
            if recipient == "jpa":  # every adult, nobody else
                assert set(got["persons"]) == {c for c, a in ages.items() if a >= 18}
            if recipient == "nva":  # every member of working age, nobody else
                assert set(got["persons"]) == {c for c, a in ages.items() if 18 <= a < 65}
            if recipient == "baris":  # every child, and the case's representative
                children = {c for c, a in ages.items() if a < 18}
                assert children and children <= set(got["persons"])
                assert set(got["roles"]) <= {"CHILD", "LEGAL_REPRESENTATIVE"}
            if recipient in ("nino", "bvkb"):
                assert set(got["roles"]) <= {"OWNER", "CONTRACT_HOLDER", "MEMBER"}
            if recipient == "bridzis":  # property.md §9: the whole household
                assert set(got["persons"]) == set(ages)
                assert got["roles"] == [
                    "MEMBER" if ages[c] >= 18 else "CHILD" for c in got["persons"]
                ]
            if recipient == "kim":  # the household's size and ages: no person, no name
                assert got["persons"] == [] and "persons" not in row.payload
                assert got["household"] == {
                    "reference": str(row.household_id), "size": len(ages),
                    "memberAges": sorted(ages.values(), reverse=True),
                }  # fmt: skip
            else:
                assert "household" not in got
    # nothing left to do: a second run delivers nothing and sends nothing again
    again = _deliver(world)
    assert again["notifications_delivered"] == 0 and again["registry_calls"] == 0


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.mark.postgres
def test_idempotency_key_replays_the_receipt_and_refuses_another_body(
    world: World, prefect_harness: None
) -> None:
    world.record([granted(world.households[0], "D-1")])
    row = world.rows(recipient="jpa")[0]
    muni = world.settings.municipality(OGRE)
    gateway = Gateway(world.settings.gateway, muni, "demo-ogre-secret", ["recipients.notify"])
    client = JpaClient(gateway, Purpose("svc-test", "MK809-test"))
    first = client.notify(row.payload)
    assert client.notify(row.payload) == first  # same key and body: the same receipt
    with pytest.raises(IdempotencyConflictError, match="409 IDEMPOTENCY_CONFLICT"):
        client.notify({**row.payload, "validTo": "2027-01-31"})
    outcomes = [e["outcome"] for e in world.mock.journal(service="recipient-jpa")]
    assert outcomes == ["OK", "REPLAYED", "IDEMPOTENCY_CONFLICT"]
    # the outbox delivers it again: the recipient replays, the receipt is kept, nothing doubles
    _deliver(world)
    delivered = world.rows(recipient="jpa")[0]
    assert (delivered.state, delivered.receipt_id) == ("DELIVERED", first.receipt_id)
    assert len(world.received("jpa")) == 1


@pytest.mark.postgres
def test_a_rejected_notification_parks_and_holds_back_its_stream(
    world: World, prefect_harness: None
) -> None:
    _history(world)
    world.mock.add_fault(service="recipient-jpa", kind="http_status", status=422, count=1)
    figures = _deliver(world)
    assert figures["notifications_parked"] == 1 and len(figures["parked"]) == 1
    assert "HTTP 422" in figures["parked"][0]
    [parked] = world.rows(state="PARKED")
    assert parked.recipient == "jpa" and "HTTP 422" in (parked.last_error or "")
    behind = world.rows(household_id=parked.household_id, recipient="jpa", state="PENDING")
    assert all(r.sequence > parked.sequence for r in behind)
    held = {parked.id} | {r.id for r in behind}
    assert {r.state for r in world.rows() if r.id not in held} == {"DELIVERED"}
    # tilts status shows it with its reason; nothing personal
    report = collect(world.config)
    assert [p["id"] for p in report["outbox"]["parked"]] == [parked.id]
    text = render(report)
    assert "parked" in text and "HTTP 422" in text
    assert not any(c in text for codes in world.codes.values() for c in codes)
    # still parked on the next run; the stream keeps waiting
    assert _deliver(world)["notifications_delivered"] == 0
    # the operator retries it: it and everything behind it go, in order
    result = CliRunner().invoke(
        app, ["notify", "--config", str(world.config), "--retry-parked", str(parked.id)]
    )
    assert result.exit_code == 0, result.output
    assert f"notification {parked.id}: back in line" in result.output
    assert {r.state for r in world.rows()} == {"DELIVERED"}
    _streams_in_order(world)


@pytest.mark.postgres
def test_a_discarded_notification_is_never_sent_and_frees_its_stream(
    world: World, prefect_harness: None
) -> None:
    hid = world.households[0]
    world.record([granted(hid, "D-1")])
    world.record([revoked(hid, "D-1R", "D-1", date(2026, 12, 1))])
    world.mock.add_fault(service="recipient-nva", kind="http_status", status=400, count=1)
    result = CliRunner().invoke(app, ["notify", "--config", str(world.config)])
    assert result.exit_code == 1, result.output  # a notification failed: details printed
    assert "parked:" in result.output
    [parked] = world.rows(state="PARKED")
    [behind] = world.rows(household_id=hid, recipient="nva", state="PENDING")
    wrong = CliRunner().invoke(
        app, ["notify", "--config", str(world.config), "--discard", "999999"]
    )
    assert wrong.exit_code == 2 and "no such notification" in wrong.output
    done = CliRunner().invoke(
        app, ["notify", "--config", str(world.config), "--discard", parked.notification_id]
    )
    assert done.exit_code == 0, done.output
    states = {r.id: r.state for r in world.rows(recipient="nva")}
    assert states == {parked.id: "DISCARDED", behind.id: "DELIVERED"}
    assert [n["notificationId"] for n in world.received("nva")] == [behind.notification_id]


@pytest.mark.postgres
def test_retriable_errors_are_retried_by_the_connector_then_wait_their_backoff(
    world: World, prefect_harness: None
) -> None:
    world.record([granted(world.households[0], "D-1")])
    world.mock.add_fault(service="recipient-nva", kind="http_status", status=503, count=2)
    world.mock.add_fault(service="recipient-jpa", kind="http_status", status=503, count=3)
    figures = _deliver(world)
    # nva: two 503s, then accepted within the same call; jpa: three attempts, all 503
    assert figures["calls_retried"] >= 2 + 2
    assert figures["notifications_retried"] == 1
    assert any("UnreachableError" in f for f in figures["failures"])
    [waiting] = world.rows(recipient="jpa")
    assert (waiting.state, waiting.attempts) == ("PENDING", 1)
    assert waiting.next_attempt_at is not None and "HTTP 503" in (waiting.last_error or "")
    assert {r.state for r in world.rows() if r.recipient != "jpa"} == {"DELIVERED"}
    # not due yet: the next run leaves it alone
    assert _deliver(world)["registry_calls"] == 0
    with transaction(world.factory) as s:  # its backoff has passed
        s.execute(
            update(Notification)
            .where(Notification.id == waiting.id)
            .values(next_attempt_at=waiting.next_attempt_at - timedelta(hours=2))
        )
    assert _deliver(world)["notifications_delivered"] == 1
    assert world.rows(recipient="jpa")[0].state == "DELIVERED"


@pytest.mark.postgres
def test_expire_statuses_flow_queues_expired_once_and_it_is_delivered(
    world: World, prefect_harness: None
) -> None:
    hid = world.households[0]
    world.record([granted(hid, "D-1", valid=(date(2026, 4, 1), date(2026, 9, 30)))])
    first = expire_statuses(config_path=str(world.config), as_of="2026-10-01")
    assert first["notifications_queued"] == len(world.rows(event="EXPIRED")) > 0
    again = expire_statuses(config_path=str(world.config), as_of="2026-10-02")
    assert again["notifications_queued"] == 0
    _deliver(world)
    for recipient in RECIPIENTS:
        events = [n["event"] for n in world.received(recipient)]
        assert events in ([], ["GRANTED", "EXPIRED"]), recipient
    adult = world.rows(recipient="jpa")[0].payload["persons"][0]["personCode"]
    got = world.mock.admin_get(f"recipients/jpa/persons/{adult}")  # what JPA now believes
    assert got["status"] is None and got["current"]["event"] == "EXPIRED"
