"""The mock gateway over a real socket: tokens, scopes, rate limits, admin switch, journal."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
import requests

from tilts.mocks.harness import MockHandle, running_mocks
from tilts.mocks.testing import SoapTestClient, codes_xml

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000}


@pytest.fixture
def mocks(mock_server: MockHandle) -> MockHandle:
    mock_server.reset()
    return mock_server


def _token(mocks: MockHandle, client: str, secret: str, **data: str) -> requests.Response:
    return requests.post(
        mocks.url("/token"),
        auth=(client, secret),
        data={"grant_type": "client_credentials", **data},
        timeout=10,
    )


def test_token_good_secret(mocks: MockHandle) -> None:
    r = _token(mocks, "demo-ogre", "demo-ogre-secret", scope="pmlp.fpr vdeavk.disability")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "pmlp.fpr vdeavk.disability" and body["access_token"]
    assert r.headers["cache-control"] == "no-store"


def test_token_bad_secret_and_unknown_client(mocks: MockHandle) -> None:
    for client, secret in (("demo-ogre", "wrong"), ("nobody", "x")):
        r = _token(mocks, client, secret)
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        assert r.headers["www-authenticate"].startswith("Basic")


def test_token_scopes_partially_granted_or_refused(mocks: MockHandle) -> None:
    r = _token(mocks, "demo-ministry", "demo-ministry-secret", scope="pmlp.fpr spolis.read-all")
    assert r.status_code == 200 and r.json()["scope"] == "spolis.read-all"
    r = _token(mocks, "demo-ministry", "demo-ministry-secret", scope="pmlp.fpr")
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    r = _token(mocks, "demo-ogre", "demo-ogre-secret")
    assert set(r.json()["scope"].split()) >= {"pmlp.fpr", "spolis.submit", "recipients.notify"}
    r = requests.post(
        mocks.url("/token"),
        auth=("demo-ogre", "demo-ogre-secret"),
        data={"grant_type": "password"},
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


def test_scope_not_granted_is_403(mocks: MockHandle) -> None:
    token = mocks.token("demo-ogre", scope="vdeavk.disability")
    client = SoapTestClient(mocks, token=token)
    r = client.post(client.envelope("getPersons", codes_xml(["01019012345"])))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "FORBIDDEN"
    ministry = SoapTestClient(mocks, token=mocks.token("demo-ministry"))
    assert ministry.post(ministry.envelope("getPersons", codes_xml(["x"]))).status_code == 403


def test_missing_unknown_and_expired_tokens_are_401(mocks: MockHandle) -> None:
    client = SoapTestClient(mocks)
    text = client.envelope("getPersons", codes_xml(["01019012345"]))
    assert client.post(text).status_code == 200
    r = requests.post(mocks.url("/pmlp/fpr/v1"), data=text, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"
    client.token = "not-a-token"
    r = client.post(text)
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    client.token = mocks.token()
    assert mocks.expire_tokens() >= 1
    r = client.post(text)
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    client.token = mocks.token()  # a fresh token works again
    assert client.post(text).status_code == 200


def test_rate_limit_gives_429_with_retry_after(mocks: MockHandle) -> None:
    client = SoapTestClient(mocks)
    text = client.envelope("registerMonitoring", codes_xml(["01019012345"]))
    statuses = [client.post(text) for _ in range(8)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused, [r.status_code for r in statuses]
    assert int(refused[0].headers["retry-after"]) >= 1
    assert refused[0].json()["code"] == "RATE_LIMITED"
    # another client has its own bucket
    other = SoapTestClient(mocks, client_id="demo-tukums", member_code="90000000051")
    assert (
        other.post(other.envelope("registerMonitoring", codes_xml(["01019012345"]))).status_code
        == 200
    )
    time.sleep(1.1)
    assert client.post(text).status_code == 200
    assert any(e["status"] == 429 for e in mocks.journal(service="pmlp"))


def test_rate_limits_can_be_switched_off() -> None:
    with running_mocks(persons=300, rate_limits=False) as mocks:
        client = SoapTestClient(mocks)
        text = client.envelope("getChanges", "")
        assert all(client.post(text).status_code == 200 for _ in range(12))


@pytest.fixture(scope="module")
def no_admin() -> Iterator[MockHandle]:
    with running_mocks(persons=300, admin=False) as handle:
        yield handle


def test_admin_disabled_is_404(no_admin: MockHandle) -> None:
    for method, path in (
        ("GET", "/_admin/journal"),
        ("POST", "/_admin/reset"),
        ("POST", "/_admin/faults"),
        ("GET", "/_admin/persons"),
        ("POST", "/_admin/clock"),
        ("POST", "/_admin/tokens/expire"),
    ):
        assert requests.request(method, no_admin.url(path), timeout=10).status_code == 404
    assert requests.get(no_admin.url("/health"), timeout=10).status_code == 200
    client = SoapTestClient(no_admin)
    assert client.call("getPersons", codes_xml(["01019012345"])).status == 200


def test_journal_masks_codes(mocks: MockHandle) -> None:
    client = SoapTestClient(mocks)
    code = mocks.sample(limit=1)[0]["personCode"]
    reply = client.call(
        "getPersons",
        codes_xml([code, "12345678901"]),
        user_id=f"LV{code}",
        issue=f"case of {code[:6]}-{code[6:]}",
    )
    assert reply.status == 200
    r = requests.get(mocks.url("/_admin/journal"), timeout=10)
    assert code not in r.text and code[6:] not in r.text and "12345678901" not in r.text
    entry = [e for e in r.json()["entries"] if e["service"] == "pmlp"][-1]
    assert entry["operation"] == "getPersons" and entry["client"] == "demo-ogre"
    assert entry["batchSize"] == 2 and entry["status"] == 200 and entry["outcome"] == "OK"
    assert entry["messageId"] and entry["durationMs"] >= 0
    assert entry["userId"].startswith("LV") and "****" in entry["userId"]
    assert requests.delete(mocks.url("/_admin/journal"), timeout=10).json()["deleted"] >= 1
    assert mocks.journal() == []


def test_admin_clock_persons_info_and_validation(mocks: MockHandle) -> None:
    assert mocks.admin_get("clock") == {"today": "2026-11-26", "lastSeq": 0}
    out = mocks.advance(5, change_rate=0.01)
    assert out["today"] == "2026-12-01" and out["lastSeq"] >= sum(out["changes"].values()) > 0
    changes = mocks.admin_get("changes", after=0)["changes"]
    assert len(changes) == out["lastSeq"] and changes[0]["seq"] == 1
    mocks.set_today("2027-01-01")
    assert mocks.admin_get("clock")["today"] == "2027-01-01"
    page = mocks.admin_get("persons", atvk="0051000", limit=10)
    assert 0 < len(page["persons"]) <= 10 and page["nextOffset"] == len(page["persons"])
    assert all(p["atvk"] == "0051000" for p in page["persons"])
    hh = mocks.admin_get(f"households/{page['persons'][0]['householdId']}")
    assert hh["incomeBand"] in ("POOR", "LOW", "MID") and hh["members"]
    assert mocks.admin_get("info")["persons"] == 2000
    r = requests.post(mocks.url("/_admin/clock"), json={"advanceDays": -1}, timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_REQUEST"
    r = requests.post(
        mocks.url("/_admin/faults"), json={"service": "nope", "kind": "reset"}, timeout=10
    )
    assert r.status_code == 400
    mocks.reset()
    assert mocks.admin_get("clock") == {"today": "2026-11-26", "lastSeq": 0}


def test_admin_sample_of_households_that_acquired_property_lately(mocks: MockHandle) -> None:
    """``acquiredSince``: only whole households whose first acquisition (a second car, a right
    besides the dwelling, an enterprise share) falls from that day to the mock's today."""
    everyone = {p["householdId"] for p in mocks.sample(limit=2000)}
    lately = mocks.sample(limit=2000, acquired_since=dt.date(2024, 11, 26))
    households = {p["householdId"] for p in lately}
    assert households and households < everyone  # some did, not all
    assert not mocks.sample(limit=2000, acquired_since=dt.date(2026, 11, 27))  # after today
    r = requests.get(mocks.url("/_admin/persons"), params={"acquiredSince": "2024-13-01"},
                     timeout=10)  # fmt: skip
    assert r.status_code == 400 and "acquiredSince" in r.json()["detail"]
