"""Every fault kind, observed from a client over a real socket."""

from __future__ import annotations

import time

import pytest
import requests
from lxml import etree

from tilts.mocks.harness import MockHandle
from tilts.mocks.testing import SAFE_PARSER, XRD, SoapTestClient, codes_xml

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 1000, "rate_limits": False}
F = "{urn:lv:pmlp:fpr:v1}"


@pytest.fixture
def mocks(mock_server: MockHandle) -> MockHandle:
    mock_server.reset()
    return mock_server


@pytest.fixture
def client(mocks: MockHandle) -> SoapTestClient:
    return SoapTestClient(mocks)


def _get_persons(client: SoapTestClient, timeout: float = 30.0, **kw: object) -> requests.Response:
    return client.post(
        client.envelope("getPersons", codes_xml(["01019012345"])), timeout=timeout, **kw
    )  # type: ignore[arg-type]


def test_http_status_with_retry_after_then_normal(
    mocks: MockHandle, client: SoapTestClient
) -> None:
    mocks.add_fault(
        service="pmlp",
        operation="getPersons",
        kind="http_status",
        status=503,
        retryAfter=2,
        count=1,
    )
    r = _get_persons(client)
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json()["code"] == "UNAVAILABLE"
    assert _get_persons(client).status_code == 200
    rule = mocks.admin_get("faults")["rules"][0]
    assert rule["applied"] == 1 and rule["matched"] == 2


def test_soap_fault(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="soap_fault", count=1)
    reply = client.call("getPersons", codes_xml(["01019012345"]))
    assert reply.status == 500 and reply.fault_code == "Server.Unavailable"
    mocks.add_fault(service="pmlp", kind="soap_fault", faultCode="Server.InternalError", count=1)
    assert client.call("getChanges", "").fault_code == "Server.InternalError"


def test_fault_only_for_its_operation(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", operation="getChanges", kind="http_status", status=502)
    assert _get_persons(client).status_code == 200
    assert client.post(client.envelope("getChanges", "")).status_code == 502


def test_delay(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="delay", delaySeconds=0.4, count=1)
    started = time.monotonic()
    assert _get_persons(client).status_code == 200
    assert time.monotonic() - started >= 0.4


def test_timeout_holds_the_connection(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="timeout", delaySeconds=30, count=1)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        _get_persons(client, timeout=0.5)
    assert time.monotonic() - started < 5
    assert _get_persons(client).status_code == 200


def test_reset_closes_the_connection(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="reset", count=1)
    with pytest.raises(requests.ConnectionError) as info:
        _get_persons(client)
    assert "reset" in str(info.value).lower() or "aborted" in str(info.value).lower()
    assert _get_persons(client).status_code == 200
    assert mocks.journal(service="pmlp")[0]["outcome"] == "RESET"


def test_malformed_body(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="malformed", count=1)
    r = _get_persons(client)
    assert r.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(r.content, SAFE_PARSER)


def test_dtd_and_entity_bomb(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="dtd", count=1)
    mocks.add_fault(service="pmlp", kind="entity_bomb", count=1)
    dtd = _get_persons(client)
    assert dtd.status_code == 200 and b"<!DOCTYPE" in dtd.content and b"SYSTEM" in dtd.content
    root = etree.fromstring(dtd.content, SAFE_PARSER)  # the safe parser does not resolve it
    assert b"root:" not in etree.tostring(root)
    bomb = _get_persons(client)
    assert bomb.status_code == 200 and b"<!ENTITY lol9" in bomb.content
    assert len(bomb.content) < 10_000  # small on the wire, a billion laughs when expanded


def test_oversized_is_streamed(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="oversized", sizeBytes=3_000_000, count=1)
    r = _get_persons(client, stream=True)
    assert r.status_code == 200 and "content-length" not in r.headers
    total = sum(len(chunk) for chunk in r.iter_content(65536))
    assert total == 3_000_000


def test_wrong_message_id(mocks: MockHandle, client: SoapTestClient) -> None:
    mocks.add_fault(service="pmlp", kind="wrong_message_id", count=1)
    reply = client.call("getPersons", codes_xml(["01019012345"]), message_id="mine")
    assert reply.status == 200
    echoed = reply.root.findtext(f".//{{{XRD}}}id")
    assert echoed and echoed != "mine"
    again = client.call("getPersons", codes_xml(["01019012345"]), message_id="mine")
    assert again.root.findtext(f".//{{{XRD}}}id") == "mine"


def test_duplicate_changes(mocks: MockHandle, client: SoapTestClient) -> None:
    subjects = [p["personCode"] for p in mocks.sample(None, 1000)]
    client.call("registerMonitoring", codes_xml(subjects))
    mocks.advance(10, change_rate=0.03)
    mocks.add_fault(service="pmlp", operation="getChanges", kind="duplicate_changes", count=1)
    body = client.call("getChanges", "<ns:maxRecords>20</ns:maxRecords>").body()
    items = [
        (c.findtext(f"{F}personCode"), c.findtext(f"{F}changedAt"))
        for c in body.findall(f"{F}change")
    ]
    assert len(items) == 20 and len(set(items)) == 10
    assert all(items[i] == items[i + 1] for i in range(0, 20, 2))


def test_expire_tokens_refuses_the_call_and_expires_its_token(
    mocks: MockHandle, client: SoapTestClient
) -> None:
    other = SoapTestClient(mocks, client_id="demo-tukums", member_code="90000000051")
    mocks.add_fault(service="pmlp", kind="expire_tokens", count=1)
    r = _get_persons(client)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    assert _get_persons(client).status_code == 401  # the rule is spent; the token stays expired
    assert _get_persons(other).status_code == 200  # another client's token lives on
    client.token = mocks.token("demo-ogre")
    assert _get_persons(client).status_code == 200


def test_rate_is_deterministic(mocks: MockHandle, client: SoapTestClient) -> None:
    def run() -> list[int]:
        mocks.reset()
        mocks.add_fault(service="pmlp", kind="http_status", status=500, rate=0.5)
        return [_get_persons(client).status_code for _ in range(20)]

    first = run()
    assert first == run() and 500 in first and 200 in first
    entries = mocks.journal(service="pmlp")
    assert {e["injectedFault"] for e in entries} == {"http_status", None}


def test_fault_rules_admin(mocks: MockHandle) -> None:
    rule = mocks.add_fault(service="vdeavk", kind="reset", rate=0.1)
    assert rule["id"] >= 1 and rule["kind"] == "reset"
    bad = [
        {"service": "pmlp", "kind": "explode"},
        {"service": "pmlp", "kind": "reset", "operation": "nope"},
        {"service": "pmlp", "kind": "reset", "rate": 2},
        {"service": "pmlp", "kind": "reset", "colour": "red"},
    ]
    for body in bad:
        assert requests.post(mocks.url("/_admin/faults"), json=body, timeout=10).status_code == 400
    assert requests.delete(mocks.url(f"/_admin/faults/{rule['id']}"), timeout=10).json() == {
        "deleted": 1
    }
    mocks.add_fault(service="pmlp", kind="reset")
    mocks.clear_faults()
    assert mocks.admin_get("faults") == {"rules": []}
