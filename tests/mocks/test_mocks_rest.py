"""The REST pipeline (mocks.gateway.rest) with a small service mounted the way VSAA/VID/NVA are."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from starlette.routing import BaseRoute

from tilts.mocks.gateway.rest import RestCall, RestError, rest_route
from tilts.mocks.gateway.specs import OperationSpec, ServiceSpec
from tilts.mocks.gateway.state import MockState
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.mocks.services import SERVICES, MountedService

SPEC = ServiceSpec(
    "demo",
    "vsaa.payments",
    "/demo/api/v1",
    "rest",
    ("GOV", "VSAA", "PAYMENTS"),
    (OperationSpec("people/query", max_batch=3, rate_per_s=3, batch_field="personCodes"),),
)


def _routes(state: MockState) -> list[BaseRoute]:
    def query(call: RestCall) -> dict[str, Any]:
        if call.body.get("explode"):
            raise RestError(503, "UNAVAILABLE", "the back end is down")
        pop = state.population
        return {
            "dataCompleteThrough": pop.data_complete_through("vsaa"),
            "results": [
                {"personCode": c, "status": pop.check(c)} for c in call.body["personCodes"]
            ],
        }

    def validate(body: dict[str, Any]) -> str | None:
        return (
            None
            if all(isinstance(c, str) for c in body.get("personCodes", []))
            else "personCodes must be strings"
        )

    return [rest_route(state, SPEC, "people/query", query, validate)]


@pytest.fixture(scope="module")
def server() -> Iterator[MockHandle]:
    with running_mocks(persons=500, services=(*SERVICES, MountedService(SPEC, _routes))) as m:
        yield m


@pytest.fixture
def mocks(server: MockHandle) -> MockHandle:
    server.reset()
    return server


def _post(
    mocks: MockHandle, body: Any, token: str | None = None, **headers: str
) -> requests.Response:
    h = {
        "Authorization": f"Bearer {token or mocks.token()}",
        "X-Road-Client": "LV/GOV/90000000040/SOC",
        "X-Road-Id": "id-1",
        "X-Road-UserId": "LVsvc-test",
        "X-Road-Issue": "SD-1",
    }
    h.update(headers)
    return requests.post(
        mocks.url("/demo/api/v1/people/query"),
        json=body,
        headers={k: v for k, v in h.items() if v},
        timeout=10,
    )


def test_rest_answer_and_message_id_echo(mocks: MockHandle) -> None:
    code = mocks.sample(limit=1)[0]["personCode"]
    r = _post(mocks, {"personCodes": [code, "bad", "32000000000"]})
    assert r.status_code == 200 and r.headers["x-road-id"] == "id-1"
    assert [x["status"] for x in r.json()["results"]] == ["FOUND", "INVALID_CODE", "NOT_FOUND"]
    assert r.json()["dataCompleteThrough"] == "2026-10"


def test_rest_refusals(mocks: MockHandle) -> None:
    def problem(r: requests.Response) -> tuple[int, str]:
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert {"type", "title", "status", "detail", "code"} <= set(body)
        return r.status_code, body["code"]

    body = {"personCodes": ["01019012345"]}
    assert problem(_post(mocks, body, token="nope")) == (401, "INVALID_TOKEN")
    pmlp_only = mocks.token(scope="pmlp.fpr")
    assert problem(_post(mocks, body, token=pmlp_only)) == (403, "FORBIDDEN")
    assert problem(_post(mocks, body, **{"X-Road-Issue": ""})) == (400, "MISSING_PURPOSE")
    assert problem(_post(mocks, body, **{"X-Road-UserId": ""})) == (400, "MISSING_PURPOSE")
    assert problem(_post(mocks, body, **{"X-Road-Client": "LV/GOV/90000000051/SOC"})) == (
        403,
        "FORBIDDEN",
    )
    time.sleep(1.1)  # three calls a second
    assert problem(_post(mocks, {"personCodes": [1]})) == (400, "INVALID_REQUEST")
    assert problem(_post(mocks, {"personCodes": ["1"] * 4})) == (413, "BATCH_TOO_LARGE")
    assert problem(_post(mocks, {"explode": True, "personCodes": ["1"]})) == (503, "UNAVAILABLE")
    time.sleep(1.1)
    r = requests.post(
        mocks.url("/demo/api/v1/people/query"),
        data=b"{nope",
        headers={"Authorization": f"Bearer {mocks.token()}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert problem(r) == (400, "INVALID_REQUEST")


def test_rest_rate_limit_and_faults(mocks: MockHandle) -> None:
    body = {"personCodes": ["01019012345"]}
    statuses = [_post(mocks, body) for _ in range(6)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and int(limited[0].headers["retry-after"]) >= 1
    time.sleep(1.1)
    mocks.add_fault(service="demo", kind="wrong_message_id", count=1)
    r = _post(mocks, body)
    assert r.status_code == 200 and r.headers["x-road-id"] != "id-1"
    mocks.add_fault(service="demo", kind="malformed", count=1)
    r = _post(mocks, body)
    with pytest.raises(ValueError):
        r.json()
    r = requests.post(
        mocks.url("/_admin/faults"), json={"service": "demo", "kind": "soap_fault"}, timeout=10
    )
    assert r.status_code == 400
    entries = mocks.journal(service="demo")
    assert {e["outcome"] for e in entries} >= {"OK", "RATE_LIMITED", "MALFORMED"}
