"""UR natural-person/{personCode} (property.md §4) over a real socket: checked against its
OpenAPI document and the synthetic world, one person per GET through the gateway pipeline."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import requests
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from tests.connectors.conftest import OGRE, make_gateway
from tilts.connectors.batch import Query
from tilts.connectors.ur import UrClient, fetch
from tilts.connectors.xroad import Purpose
from tilts.kernel.audit import MemoryAuditSink
from tilts.mocks import openapi
from tilts.mocks.harness import MockHandle
from tilts.mocks.registries import ur
from tilts.mocks.world import enterprises
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}
PATH = f"{ur.PATH}/natural-person"
MEMBER = "90000000040"


def get(mocks: MockHandle, code: str, token: str | None = None, **headers: str) -> Any:
    h = {
        "Authorization": f"Bearer {token or mocks.token('demo-ogre')}",
        "X-Road-Client": f"LV/GOV/{MEMBER}/SOC",
        "X-Road-Id": str(uuid.uuid4()),
        "X-Road-UserId": "LVsvc-test",
        "X-Road-Issue": "SD-TEST/1",
        **headers,
    }
    return requests.get(
        mocks.url(f"{PATH}/{code}"), headers={k: v for k, v in h.items() if v}, timeout=30
    )


def checked(r: requests.Response) -> dict[str, Any]:
    """The answer, validated against the document's schema for its status."""
    media = "application/json" if r.status_code == 200 else "application/problem+json"
    assert r.headers["content-type"].startswith(media), r.text[:200]
    ref = "#/components/schemas/" + ("PersonAnswer" if r.status_code == 200 else "Problem")
    body: dict[str, Any] = r.json()
    assert not list(openapi.schema_validator("ur", ref).iter_errors(body)), body
    return body


def with_roles(pop: Population, n: int, keep: Any = bool) -> list[tuple[str, list[Any]]]:
    out = []
    for slot in range(pop.size):
        roles = enterprises.roles(pop, slot)
        if roles and keep(roles):
            out.append((pop.base_code(slot), roles))
            if len(out) == n:
                break
    return out


def test_the_document_is_a_valid_openapi_3_1_contract() -> None:
    doc = openapi.document("ur")
    validate_openapi(doc)
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    op = doc["paths"][f"{PATH}/{{personCode}}"]["get"]
    assert doc["security"] == [{"gateway": ["ur.persons"]}]
    assert {"200", "400", "404", "429"} <= set(op["responses"])
    spec = ur.SPEC.operations[0]
    assert (spec.max_batch, spec.rate_per_s, spec.batch_field) == (1, 20.0, None)
    assert ur.SPEC.xroad == ("GOV", "UR", "PERSONS")


def test_a_person_with_roles_gets_them_as_the_world_holds_them(
    mocks: MockHandle, local: Population
) -> None:
    [(code, roles)] = with_roles(local, 1)
    r = get(mocks, code, **{"X-Road-Id": "ur-1"})
    assert r.status_code == 200 and r.headers["x-road-id"] == "ur-1"
    assert checked(r) == {"personCode": code, "roles": roles}
    display = f"{code[:6]}-{code[6:]}"  # the display form finds the same person
    assert checked(get(mocks, display))["roles"] == roles


def test_no_record_is_404_and_a_bad_code_400(mocks: MockHandle, local: Population) -> None:
    nobody = next(
        local.base_code(s) for s in range(local.size) if enterprises.roles(local, s) is None
    )
    for code in (nobody, "32000000000"):  # no role; a valid code the population never held
        r = get(mocks, code)
        assert (r.status_code, checked(r)["code"]) == (404, "NOT_FOUND")
        assert r.headers["x-road-id"]
    for code in ("12345678901", "abc", "0101901234５", "010190--12345", "1" * 40):
        r = get(mocks, code)
        body = checked(r)
        assert (r.status_code, body["code"]) == (400, "INVALID_CODE"), code
        assert code not in body["detail"]
    journal = [(e["batchSize"], e["status"], e["outcome"]) for e in mocks.journal(service="ur")]
    assert journal == [(1, 404, "NOT_FOUND")] * 2 + [(1, 400, "INVALID_CODE")] * 5


def test_the_gateway_pipeline_guards_the_get(mocks: MockHandle, local: Population) -> None:
    [(code, _)] = with_roles(local, 1)
    assert get(mocks, code, token="forged").status_code == 401
    assert get(mocks, code, **{"X-Road-Issue": ""}).json()["code"] == "MISSING_PURPOSE"
    wrong = get(mocks, code, **{"X-Road-Client": "LV/GOV/90000000051/SOC"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "FORBIDDEN")
    mocks.add_fault(service="ur", kind="http_status", status=503, count=1)
    assert get(mocks, code).status_code == 503
    mocks.add_fault(service="ur", kind="record", records={code: {"roles": None}}, count=1)
    assert "roles" not in get(mocks, code).json()  # a person's answer overridden, as for batches
    assert get(mocks, code).status_code == 200


def test_rate_limit_is_20_calls_a_second_per_client(mocks: MockHandle, local: Population) -> None:
    [(code, _)] = with_roles(local, 1)
    token = mocks.token("demo-ogre")
    statuses = [get(mocks, code, token=token).status_code for _ in range(30)]
    assert 429 in statuses and statuses[:15] == [200] * 15


def test_variety_of_the_world(local: Population) -> None:
    """property.md §7: a few percent of working-age persons, some enterprises liquidated or
    excluded, officer-only persons, sole proprietors; the same seed gives the same roles."""
    everyone = with_roles(local, 10_000)
    share = len(everyone) / local.size
    assert 0.01 < share < 0.06
    roles = [r for _, rs in everyone for r in rs]
    assert {r["entityStatus"] for r in roles} == {"ACTIVE", "LIQUIDATION", "EXCLUDED", "INSOLVENT"}
    assert {r["role"] for r in roles} == {
        "MEMBER",
        "OFFICER",
        "BENEFICIAL_OWNER",
        "SOLE_PROPRIETOR",
    }
    assert any(all(r["role"] == "OFFICER" for r in rs) for _, rs in everyone)
    assert all(r["legalForm"] == "IK" for r in roles if r["role"] == "SOLE_PROPRIETOR")
    assert all((r["sharePercent"] is None) == (r["role"] != "MEMBER") for r in roles)
    assert all(r["to"] is not None for r in roles if r["entityStatus"] == "EXCLUDED")
    assert with_roles(Population(42, 2000), 10_000) == everyone


def test_advancing_the_clock_ends_roles(mocks: MockHandle, local: Population) -> None:
    ending = []
    for slot in range(local.size):
        h = local.household_of(slot)
        member = slot - local.household_slots(h).start
        person = local.base_household(h).members[member]
        for role in enterprises.member_roles(local.seed, h, member, person.birth_date, local.ref):
            if role.end is not None and role.end > local.today:
                ending.append((local.base_code(slot), role))
    code, role = min(ending, key=lambda e: e[1].end)
    before = {r["registrationNumber"]: r for r in checked(get(mocks, code))["roles"]}
    assert before[role.registration_number]["to"] is None
    mocks.advance((role.end - local.today).days)
    after = {r["registrationNumber"]: r for r in checked(get(mocks, code))["roles"]}
    assert after[role.registration_number]["to"] == role.end.isoformat()


def test_n_persons_are_asked_concurrently_within_20_calls_a_second(
    mocks: MockHandle, local: Population
) -> None:
    """The connector's fetch runs the GETs concurrently (8 in flight) through the shared rate
    limiter: the mock never refuses one (its own bucket is 20/s) and the observed rate over the
    run is at most 20/s beyond the client's burst. Each answer takes 0.2 s: one after another
    the 60 calls would take 12 s."""
    codes = [c for c, _ in with_roles(local, 20)] + [local.base_code(s) for s in range(0, 200, 5)]
    audit = MemoryAuditSink()
    gw = make_gateway(mocks.base_url, audit, rate_burst_s=0.25)
    client = UrClient(gw, Purpose("svc-test", "MK809-test"))
    mocks.add_fault(service="ur", kind="delay", delaySeconds=0.2, count=len(codes))
    started = time.monotonic()
    batch = fetch(client, codes, Query())
    elapsed = time.monotonic() - started
    assert [r["personCode"] for r in batch.results] == codes and not batch.failed
    assert [r["status"] for r in batch.results[:20]] == ["FOUND"] * 20
    journal = mocks.journal(service="ur")
    assert len(journal) == len(codes) and {e["status"] for e in journal} <= {200, 404}
    ats = sorted(dt.datetime.fromisoformat(e["at"]).timestamp() for e in journal)
    busiest = max(sum(1 for t in ats if a <= t < a + 1.0) for a in ats)
    assert busiest <= 20 + 5  # calls observed in any one second: the rate plus the burst
    burst = max(1.0, 20 * 0.25)
    assert elapsed >= (len(codes) - burst) / 20 * 0.95  # never faster than 20 calls/s
    assert elapsed < len(codes) * 0.2 / 2  # and concurrent: calls overlap
    assert gw.stats.rate_limited == 0 and len(audit.records) == len(codes)
    assert OGRE.member_code == MEMBER
