"""PMLP over a real socket: X-Road headers, schema, outcomes, monitoring and the change feed."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from lxml import etree

from tilts.mocks.harness import MockHandle
from tilts.mocks.testing import SAFE_PARSER, SOAP_ENV, XRD, SoapReply, SoapTestClient, codes_xml
from tilts.mocks.world.population import Population

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 2000, "rate_limits": False}
NS = "urn:lv:pmlp:fpr:v1"
F = f"{{{NS}}}"
WSDL = Path(__file__).resolve().parents[2] / "connectors" / "wsdl"
SCHEMA = etree.XMLSchema(etree.parse(str(WSDL / "pmlp_fpr_v1.xsd")))


@pytest.fixture
def mocks(mock_server: MockHandle) -> MockHandle:
    mock_server.reset()
    return mock_server


@pytest.fixture
def client(mocks: MockHandle) -> SoapTestClient:
    return SoapTestClient(mocks)


@pytest.fixture(scope="module")
def local() -> Population:
    """The same population the server generated (same seed and size)."""
    return Population(42, 2000)


def _ok(reply: SoapReply) -> etree._Element:
    assert reply.status == 200, reply.response.text[:500]
    body = reply.body()
    assert SCHEMA.validate(body), SCHEMA.error_log
    return body


def test_purpose_headers_are_required(client: SoapTestClient) -> None:
    for kwargs in ({"issue": None}, {"user_id": None}, {"issue": ""}):
        reply = client.call("getPersons", codes_xml(["01019012345"]), **kwargs)  # type: ignore[arg-type]
        assert reply.status == 500 and reply.fault_code == "Client.MissingPurpose"
        assert reply.root.findtext(f".//{F}faultId")
    reply = client.call("getPersons", codes_xml(["01019012345"]), omit=("id",))
    assert reply.fault_code == "Client.InvalidRequest"
    reply = client.call("getPersons", codes_xml(["01019012345"]), user_id="svc-nightly")
    assert reply.fault_code == "Client.InvalidRequest"


def test_headers_are_echoed_unchanged(client: SoapTestClient) -> None:
    text = client.envelope("getPersons", codes_xml(["01019012345"]), message_id="msg-42")
    reply = client.post(text)
    sent = etree.fromstring(text.encode(), SAFE_PARSER).find(f"{{{SOAP_ENV}}}Header")
    got = etree.fromstring(reply.content, SAFE_PARSER).find(f"{{{SOAP_ENV}}}Header")
    assert sent is not None and got is not None

    def canon(header: etree._Element) -> list[bytes]:
        return [etree.tostring(h, method="c14n", exclusive=True) for h in header]

    assert canon(sent) == canon(got)
    assert got.findtext(f"{{{XRD}}}id") == "msg-42"


def test_client_must_belong_to_the_oauth_client(client: SoapTestClient) -> None:
    reply = client.call("getPersons", codes_xml(["01019012345"]), member_code="90000000051")
    assert reply.status == 500 and reply.fault_code == "Client.AccessDenied"
    assert reply.header("id") is not None  # headers are echoed in faults too


def test_schema_violations_are_invalid_request(client: SoapTestClient) -> None:
    for op, body in (
        ("getPersons", "<ns:unknown>1</ns:unknown>"),
        ("getPersons", ""),
        ("getChanges", "<ns:maxRecords>5000</ns:maxRecords>"),
        ("getPersons", codes_xml(["1" * 40])),
    ):
        reply = client.call(op, body)
        assert reply.fault_code == "Client.InvalidRequest", (op, body)
        assert "1111111" not in (reply.root.findtext(".//faultstring") or "")
    reply = client.call("getPersons", codes_xml(["01019012345"]), omit=("service",))
    assert reply.fault_code == "Client.InvalidRequest"
    r = client.post("<not-xml")
    assert r.status_code == 500 and b"Client.InvalidRequest" in r.content


def test_dtd_in_request_is_refused(client: SoapTestClient) -> None:
    prolog = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    r = client.post(client.envelope("getPersons", codes_xml(["&e;"]), prolog=prolog))
    assert r.status_code == 500 and b"Client.InvalidRequest" in r.content
    assert b"root:" not in r.content


def test_batch_limit(client: SoapTestClient) -> None:
    reply = client.call("getPersons", codes_xml(["01019012345"] * 101))
    assert reply.fault_code == "Client.BatchTooLarge"
    assert _ok(client.call("getPersons", codes_xml(["01019012345"] * 100))) is not None
    assert (
        client.call("registerMonitoring", codes_xml(["01019012345"] * 1001)).fault_code
        == "Client.BatchTooLarge"
    )


def test_get_persons_outcomes_in_request_order(
    client: SoapTestClient, mocks: MockHandle, local: Population
) -> None:
    found = [p["personCode"] for p in mocks.sample("0040000", 3)]
    changed = next(v for s in range(local.size) if (v := local.person(s)) and v.previous_codes)
    unknown = "32000000000"
    assert local.resolve(unknown) is None
    requested = [
        found[0],
        "123",
        unknown,
        found[1],
        "01019012346",
        changed.previous_codes[0],
        found[2],
    ]
    body = _ok(client.call("getPersons", codes_xml(requested)))
    persons = body.findall(f"{F}person")
    assert [p.findtext(f"{F}requestedCode") for p in persons] == requested
    assert [p.findtext(f"{F}result") for p in persons] == [
        "FOUND",
        "INVALID_CODE",
        "NOT_FOUND",
        "FOUND",
        "INVALID_CODE",
        "FOUND",
        "FOUND",
    ]
    first = persons[0]
    v = local.lookup(found[0])
    assert v is not None
    assert first.findtext(f"{F}personCode") == found[0]
    assert first.findtext(f"{F}givenName") == v.given_name
    assert first.findtext(f"{F}declaredAddress/{F}atvk") == "0040000"
    old = persons[5]
    assert old.findtext(f"{F}personCode") == changed.person_code
    assert old.findtext(f"{F}previousPersonCode") == changed.previous_codes[0]
    assert persons[2].find(f"{F}personCode") is None


def test_data_groups_filter(client: SoapTestClient, mocks: MockHandle) -> None:
    code = mocks.sample("0051000", 1)[0]["personCode"]
    body = _ok(
        client.call("getPersons", codes_xml([code]) + "<ns:dataGroup>ADDRESS</ns:dataGroup>")
    )
    person = body.find(f"{F}person")
    assert person is not None
    assert person.find(f"{F}declaredAddress") is not None
    assert person.find(f"{F}givenName") is None and person.find(f"{F}relation") is None


def test_code_change_death_and_move_after_the_clock(
    client: SoapTestClient, mocks: MockHandle
) -> None:
    mocks.advance(15, change_rate=0.02)
    changes = mocks.admin_get("changes", after=0)["changes"]
    code_change = next(c for c in changes if c["kind"] == "CODE")
    death = next(c for c in changes if c["kind"] == "DEATH")
    move = next(c for c in changes if c["kind"] == "ADDRESS")
    body = _ok(
        client.call(
            "getPersons",
            codes_xml([code_change["personCode"], death["personCode"], move["personCode"]]),
        )
    )
    p_code, p_death, p_move = body.findall(f"{F}person")
    assert p_code.findtext(f"{F}personCode") == code_change["currentPersonCode"]
    assert p_code.findtext(f"{F}previousPersonCode") == code_change["personCode"]
    assert p_death.findtext(f"{F}registerStatus") == "PASSIVE"
    assert p_death.findtext(f"{F}deathDate") == death["changedAt"][:10]
    assert p_move.findtext(f"{F}declaredAddress/{F}validFrom") <= move["changedAt"][:10]
    # asOfDate before the changes answers the old state
    before = _ok(
        client.call(
            "getPersons", codes_xml([death["personCode"]]) + "<ns:asOfDate>2026-11-26</ns:asOfDate>"
        )
    )
    assert before.findtext(f"{F}person/{F}registerStatus") == "ACTIVE"
    assert before.find(f"{F}person/{F}deathDate") is None


def _all_changes(client: SoapTestClient, page_size: int) -> tuple[list[tuple[str, str]], int]:
    seen: list[tuple[str, str]] = []
    cursor, pages = None, 0
    while True:
        body = "" if cursor is None else f"<ns:cursor>{cursor}</ns:cursor>"
        page = _ok(client.call("getChanges", body + f"<ns:maxRecords>{page_size}</ns:maxRecords>"))
        pages += 1
        changes = page.findall(f"{F}change")
        assert len(changes) <= page_size
        seen += [
            (c.findtext(f"{F}personCode") or "", c.findtext(f"{F}kind") or "") for c in changes
        ]
        new_cursor = page.findtext(f"{F}nextCursor")
        if page.findtext(f"{F}hasMore") == "false":
            return seen, pages
        assert new_cursor != cursor
        cursor = new_cursor


def test_monitoring_and_change_feed_paging(client: SoapTestClient, mocks: MockHandle) -> None:
    subjects = [p["personCode"] for p in mocks.sample("0040000", 400)]
    reply = _ok(client.call("registerMonitoring", codes_xml([*subjects, "bad", "32000000000"])))
    assert reply.findtext(f"{F}accepted") == str(len(subjects))
    rejected = {
        r.findtext(f"{F}personCode"): r.findtext(f"{F}reason")
        for r in reply.findall(f"{F}rejected")
    }
    assert rejected == {"bad": "INVALID_CODE", "32000000000": "NOT_FOUND"}
    again = _ok(client.call("registerMonitoring", codes_xml(subjects[:10])))  # idempotent
    assert again.findtext(f"{F}accepted") == "10"
    empty, _ = _all_changes(client, 50)
    assert empty == []
    mocks.advance(30, change_rate=0.02)
    seen, pages = _all_changes(client, 7)
    log = mocks.admin_get("changes", after=0, limit=100000)["changes"]
    registered = set(subjects)
    expected = [
        (code, c["kind"]) for c in log for code in c["allPersonCodes"] if code in registered
    ]
    assert seen == expected and len(expected) > 7 and pages > 1
    assert any(not set(c["allPersonCodes"]) & registered for c in log)
    # another client monitors nobody: sees nothing
    tukums = SoapTestClient(mocks, client_id="demo-tukums", member_code="90000000051")
    assert _all_changes(tukums, 100)[0] == []
    # a cursor the server never issued
    assert (
        client.call("getChanges", "<ns:cursor>bm9wZQ</ns:cursor>").fault_code
        == "Client.InvalidRequest"
    )


def test_feed_keeps_the_registered_code_after_a_code_change(
    client: SoapTestClient, mocks: MockHandle
) -> None:
    subjects = [p["personCode"] for p in mocks.sample(None, 2000)]
    for i in range(0, len(subjects), 1000):
        _ok(client.call("registerMonitoring", codes_xml(subjects[i : i + 1000])))
    mocks.advance(10, change_rate=0.02)
    log = mocks.admin_get("changes", after=0, limit=100000)["changes"]
    changed = next(c for c in log if c["kind"] == "CODE" and c["personCode"] in set(subjects))
    old, new = changed["personCode"], changed["currentPersonCode"]
    seen, _ = _all_changes(client, 1000)
    assert (old, "CODE") in seen and all(code != new for code, _ in seen)
    # register the new code, drop the old: later changes come with the new code
    _ok(client.call("registerMonitoring", codes_xml([new])))
    unreg = _ok(client.call("unregisterMonitoring", codes_xml([old, "bad"])))
    assert unreg.findtext(f"{F}accepted") == "1"
    seen_before = len(_all_changes(client, 1000)[0])
    mocks.advance(30, change_rate=0.05)
    later = _all_changes(client, 1000)[0][seen_before:]
    assert later and all(code != old for code, _ in later)


def test_wsdl_and_xsd_are_served_with_absolute_locations(mocks: MockHandle) -> None:
    r = requests.get(mocks.url("/pmlp/fpr/v1?wsdl"), timeout=10)
    assert r.status_code == 200
    wsdl = etree.fromstring(r.content, SAFE_PARSER)
    loc = wsdl.find(".//{http://www.w3.org/2001/XMLSchema}import").get("schemaLocation")
    assert loc == mocks.url("/pmlp/fpr/v1?xsd=pmlp_fpr_v1.xsd")
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None and address.get("location") == mocks.url("/pmlp/fpr/v1")
    xsd = requests.get(loc, timeout=10)
    assert xsd.status_code == 200
    assert etree.fromstring(xsd.content, SAFE_PARSER).get("targetNamespace") == NS
    assert requests.get(mocks.url("/pmlp/fpr/v1?xsd=xroad.xsd"), timeout=10).status_code == 200
    assert requests.get(mocks.url("/pmlp/fpr/v1?xsd=../x.xsd"), timeout=10).status_code == 404


def test_zeep_loads_the_served_wsdl(mocks: MockHandle) -> None:
    import zeep

    client = zeep.Client(mocks.url("/pmlp/fpr/v1?wsdl"))  # type: ignore[no-untyped-call]
    operations = set(client.service._binding._operations)
    assert {"getPersons", "registerMonitoring", "unregisterMonitoring", "getChanges"} <= operations
