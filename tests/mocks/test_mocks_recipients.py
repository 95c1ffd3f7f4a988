"""The mock status recipients (spec/outbound.md; BRIDZIS and KIM: property.md §9) over a real
mock server."""

from __future__ import annotations

import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tilts.mocks import openapi
from tilts.mocks.harness import MockHandle
from tilts.mocks.recipients.rules import age_on, is_working_age

MOCK_SERVER_OPTIONS = {"persons": 2000}
DECISION = dt.date(2026, 10, 9)
OGRE = "0040000"
UNKNOWN_CODE = "39999999990"
TOKENS: dict[str, str] = {}  # demo-ogre's token per server (tokens survive an admin reset)


@pytest.fixture
def mocks(mock_server: MockHandle) -> MockHandle:
    mock_server.reset()
    return mock_server


@pytest.fixture(scope="module")
def people(mock_server: MockHandle) -> dict[str, list[str]]:
    """Codes by age group on DECISION: working-age adults, seniors (70+), children (< 15)."""
    groups: dict[str, list[str]] = {"adult": [], "senior": [], "child": []}
    households = sorted({p["householdId"] for p in mock_server.sample(OGRE, 400)})
    for hid in households:
        if all(len(v) >= 3 for v in groups.values()):
            break
        for m in mock_server.admin_get(f"households/{hid}")["members"]:
            if m["registerStatus"] != "ACTIVE":
                continue
            age = age_on(dt.date.fromisoformat(m["birthDate"]), DECISION)
            group = "child" if age < 15 else "senior" if age >= 70 else None
            if 25 <= age <= 60:
                group = "adult"
            if group is not None:
                groups[group].append(m["personCode"])
    assert all(len(v) >= 3 for v in groups.values()), {k: len(v) for k, v in groups.items()}
    return groups


def body(
    persons: list[tuple[str, str]], sequence: int = 1, event: str = "GRANTED", **extra: Any
) -> dict[str, Any]:
    return {
        "notificationId": str(uuid.uuid4()),
        "sequence": sequence,
        "municipality": OGRE,
        "event": event,
        "status": "POOR",
        "decisionDate": DECISION.isoformat(),
        "validFrom": "2026-10-01",
        "validTo": "2027-03-31",
        "persons": [{"personCode": c, "role": r} for c, r in persons],
        **extra,
    }


def notify(
    mocks: MockHandle,
    recipient: str,
    payload: dict[str, Any],
    token: str | None = None,
    key: str | None = None,
    **headers: str,
) -> requests.Response:
    if token is None:
        token = TOKENS.get(mocks.base_url) or TOKENS.setdefault(mocks.base_url, mocks.token())
    h = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key if key is not None else payload["notificationId"],
        "X-Road-Client": "LV/GOV/90000000040/SOC",
        "X-Road-Id": "msg-1",
        "X-Road-UserId": "LVsvc-notify",
        "X-Road-Issue": "SD-2026-17",
    }
    h.update(headers)
    return requests.post(
        mocks.url(f"/recipients/{recipient}/api/v1/status-notifications"),
        json=payload,
        headers={k: v for k, v in h.items() if v},
        timeout=10,
    )


def problem(r: requests.Response) -> tuple[int, str, str | None]:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    p = r.json()
    assert {"type", "title", "status", "detail", "code"} <= set(p)
    return r.status_code, p["code"], p.get("field")


def valid(recipient: str, g: dict[str, list[str]]) -> dict[str, Any]:
    """A notification each recipient accepts."""
    adult, child = g["adult"][0], g["child"][0]
    if recipient == "nino":
        return body([(adult, "OWNER")], addressCode="100012345")
    if recipient == "bvkb":
        return body([(adult, "CONTRACT_HOLDER")])
    if recipient == "baris":
        return body([(child, "CHILD"), (adult, "LEGAL_REPRESENTATIVE")])
    if recipient == "bridzis":
        return body([(adult, "MEMBER"), (child, "CHILD")])
    return body([(adult, "MEMBER"), (g["adult"][1], "MEMBER")])


@pytest.mark.parametrize("recipient", ["nino", "jpa", "bvkb", "nva", "baris", "bridzis"])
def test_valid_notification_is_accepted_and_held(
    mocks: MockHandle, people: dict[str, list[str]], recipient: str
) -> None:
    payload = valid(recipient, people)
    r = notify(mocks, recipient, payload)
    assert r.status_code == 202, r.text
    assert set(r.json()) == {"receiptId"} and r.headers["x-road-id"] == "msg-1"
    held = mocks.admin_get(f"recipients/{recipient}")
    [n] = held["notifications"]
    assert n["notificationId"] == payload["notificationId"] and n["applied"] is True
    assert n["receiptId"] == r.json()["receiptId"] and n["sequence"] == 1
    assert held["state"]["applied"] == 1 and held["state"]["ignored"] == 0
    code = payload["persons"][0]["personCode"]
    seen = mocks.admin_get(f"recipients/{recipient}/persons/{code}")
    assert seen["status"] == "POOR" and seen["current"]["role"] == payload["persons"][0]["role"]
    [entry] = mocks.journal(service=f"recipient-{recipient}")
    assert (entry["status"], entry["outcome"], entry["operation"]) == (
        202,
        "OK",
        "status-notifications",
    )
    assert entry["batchSize"] == len(payload["persons"])


REFUSALS = [
    # (recipient, persons as (group, index, role), extra fields, expected (status, field))
    ("nino", [("adult", 0, "MEMBER")], {"addressCode": "100012345"}, (422, "$.persons[0].role")),
    ("nino", [("adult", 0, "OWNER")], {}, (400, "$.addressCode")),
    ("nino", [("adult", 0, "OWNER")], {"addressCode": "12345"}, (400, "$.addressCode")),
    ("jpa", [("adult", 0, "MEMBER"), ("child", 0, "MEMBER")], {}, (422, "$.persons[1]")),
    ("jpa", [("adult", 0, "OWNER")], {}, (422, "$.persons[0].role")),
    ("jpa", [("adult", 0, "MEMBER")], {"addressCode": "100012345"}, (422, "$.addressCode")),
    ("jpa", [("unknown", 0, "MEMBER")], {}, (422, "$.persons[0]")),
    ("bvkb", [("child", 0, "MEMBER")], {}, (422, "$.persons[0]")),
    (
        "bvkb",
        [("adult", 0, "CONTRACT_HOLDER"), ("adult", 1, "MEMBER")],
        {},
        (422, "$.persons[1].role"),
    ),
    ("bvkb", [("adult", 0, "CHILD")], {}, (422, "$.persons[0].role")),
    ("nva", [("senior", 0, "MEMBER")], {}, (422, "$.persons[0]")),
    ("nva", [("child", 0, "MEMBER")], {}, (422, "$.persons[0]")),
    ("nva", [("adult", 0, "MEMBER")], {"householdIncome": "300.00"}, (422, "$.householdIncome")),
    ("baris", [("adult", 0, "CHILD")], {}, (422, "$.persons[0]")),
    ("baris", [("adult", 0, "LEGAL_REPRESENTATIVE")], {}, (422, "$.persons")),
    ("baris", [("child", 0, "CHILD"), ("adult", 0, "MEMBER")], {}, (422, "$.persons[1].role")),
    ("bridzis", [("child", 0, "MEMBER")], {}, (422, "$.persons[0]")),
    ("bridzis", [("adult", 0, "MEMBER"), ("adult", 1, "CHILD")], {}, (422, "$.persons[1]")),
    ("bridzis", [("adult", 0, "OWNER")], {}, (422, "$.persons[0].role")),
    ("bridzis", [("adult", 0, "MEMBER")], {"addressCode": "100012345"}, (422, "$.addressCode")),
]


@pytest.mark.parametrize(("recipient", "persons", "extra", "expected"), REFUSALS)
def test_minimisation_refusals(
    mocks: MockHandle,
    people: dict[str, list[str]],
    recipient: str,
    persons: list[tuple[str, int, str]],
    extra: dict[str, Any],
    expected: tuple[int, str],
) -> None:
    codes = {**people, "unknown": [UNKNOWN_CODE]}
    payload = body([(codes[g][i], role) for g, i, role in persons], **extra)
    r = notify(mocks, recipient, payload)
    status, code, field = problem(r)
    assert (status, field) == expected
    assert code == ("NOT_ALLOWED" if status == 422 else "INVALID_REQUEST")
    assert field in r.json()["detail"]
    assert not any(c in r.text for c in codes["adult"] + codes["child"] + codes["senior"])
    assert mocks.admin_get(f"recipients/{recipient}")["notifications"] == []


def test_person_field_beyond_code_and_role_is_refused(
    mocks: MockHandle, people: dict[str, list[str]]
) -> None:
    payload = body([(people["adult"][0], "MEMBER")])
    payload["persons"][0]["givenName"] = "Jānis"
    assert problem(notify(mocks, "jpa", payload)) == (
        422,
        "NOT_ALLOWED",
        "$.persons[0].givenName",
    )


def test_working_age_rule() -> None:
    assert [is_working_age(a) for a in (17, 18, 64, 65)] == [False, True, True, False]
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


def test_idempotent_replay_and_conflict(mocks: MockHandle, people: dict[str, list[str]]) -> None:
    payload = valid("jpa", people)
    first = notify(mocks, "jpa", payload)
    again = notify(mocks, "jpa", dict(reversed(payload.items())))  # same body, other key order
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    changed = {**payload, "status": "LOW_INCOME"}
    assert problem(notify(mocks, "jpa", changed)) == (
        409,
        "IDEMPOTENCY_CONFLICT",
        "Idempotency-Key",
    )
    assert len(mocks.admin_get("recipients/jpa")["notifications"]) == 1
    outcomes = [e["outcome"] for e in mocks.journal(service="recipient-jpa")]
    assert outcomes == ["OK", "REPLAYED", "IDEMPOTENCY_CONFLICT"]
    # keys are per recipient: the same notification to another recipient is its own
    assert notify(mocks, "nva", payload).status_code == 202


def test_key_must_be_present_and_equal_the_notification_id(
    mocks: MockHandle, people: dict[str, list[str]]
) -> None:
    payload = valid("jpa", people)
    assert problem(notify(mocks, "jpa", payload, key="")) == (
        400,
        "INVALID_REQUEST",
        "Idempotency-Key",
    )
    assert problem(notify(mocks, "jpa", payload, key=str(uuid.uuid4())))[2] == "Idempotency-Key"


def test_stale_sequence_is_acknowledged_but_ignored(
    mocks: MockHandle, people: dict[str, list[str]]
) -> None:
    a, b, c = people["adult"][:3]
    assert notify(mocks, "jpa", body([(a, "MEMBER"), (b, "MEMBER")], 5)).status_code == 202
    late = notify(mocks, "jpa", body([(a, "MEMBER"), (b, "MEMBER")], 3, "REVOKED"))
    equal = notify(mocks, "jpa", body([(a, "MEMBER")], 5, "REVOKED"))
    # c is new, but a's last applied sequence is 5: the whole notification is stale
    mixed = notify(mocks, "jpa", body([(a, "MEMBER"), (c, "MEMBER")], 4, "REVOKED"))
    assert [r.status_code for r in (late, equal, mixed)] == [202, 202, 202]
    assert "receiptId" in late.json()
    held = mocks.admin_get("recipients/jpa")
    assert [n["applied"] for n in held["notifications"]] == [True, False, False, False]
    assert held["state"]["ignored"] == 3
    assert mocks.admin_get(f"recipients/jpa/persons/{a}")["status"] == "POOR"
    assert mocks.admin_get(f"recipients/jpa/persons/{c}")["current"] is None
    newer = notify(mocks, "jpa", body([(a, "MEMBER")], 6, "REVOKED"))
    assert newer.status_code == 202
    seen = mocks.admin_get(f"recipients/jpa/persons/{a}")
    assert seen["status"] is None and seen["current"]["event"] == "REVOKED"
    assert mocks.admin_get(f"recipients/jpa/persons/{b}")["status"] == "POOR"
    outcomes = [e["outcome"] for e in mocks.journal(service="recipient-jpa")]
    assert outcomes == ["OK", "STALE", "STALE", "STALE", "OK"]


def test_gateway_and_shape_refusals(mocks: MockHandle, people: dict[str, list[str]]) -> None:
    payload = valid("nva", people)
    assert problem(notify(mocks, "nva", payload, **{"X-Road-Issue": ""}))[:2] == (
        400,
        "MISSING_PURPOSE",
    )
    assert problem(notify(mocks, "nva", payload, **{"X-Road-UserId": ""}))[:2] == (
        400,
        "MISSING_PURPOSE",
    )
    ministry = mocks.token("demo-ministry")
    r = notify(mocks, "nva", payload, token=ministry)
    assert problem(r)[:2] == (403, "FORBIDDEN")
    assert "insufficient_scope" in r.headers["www-authenticate"]
    assert problem(notify(mocks, "nva", payload, token="nope"))[:2] == (401, "INVALID_TOKEN")
    tukums = mocks.token("demo-tukums")
    other = notify(
        mocks, "nva", payload, token=tukums, **{"X-Road-Client": "LV/GOV/90000000051/SOC"}
    )
    assert problem(other) == (403, "FORBIDDEN", "$.municipality")
    assert problem(notify(mocks, "nva", {**payload, "event": "PAUSED"})) == (
        400,
        "INVALID_REQUEST",
        "$.event",
    )
    missing = {k: v for k, v in payload.items() if k != "sequence"}
    assert problem(notify(mocks, "nva", missing))[2] == "$.sequence"
    bad_code = {**payload, "persons": [{"personCode": "0101901234X", "role": "MEMBER"}]}
    r = notify(mocks, "nva", bad_code)
    assert problem(r)[2] == "$.persons[0].personCode" and "0101901234X" not in r.text
    bad_date = {**payload, "validTo": "2027-02-30"}
    assert problem(notify(mocks, "nva", bad_date))[2] == "$.validTo"
    backwards = {**payload, "validTo": "2026-09-30"}
    assert problem(notify(mocks, "nva", backwards))[2] == "$.validTo"
    assert mocks.admin_get("recipients/nva")["notifications"] == []


def test_admin_view_masks_codes_and_reset_clears(
    mocks: MockHandle, people: dict[str, list[str]]
) -> None:
    payload = valid("baris", people)
    assert notify(mocks, "baris", payload).status_code == 202
    r = requests.get(mocks.url("/_admin/recipients/baris"), timeout=10)
    codes = [p["personCode"] for p in payload["persons"]]
    assert not any(c in r.text for c in codes)
    [n] = r.json()["notifications"]
    assert n["persons"] == [f"{c[:6]}-{c[6]}****" for c in codes]
    assert n["roles"] == ["CHILD", "LEGAL_REPRESENTATIVE"]
    assert {x["personCode"] for x in r.json()["state"]["lastSequence"]} == set(n["persons"])
    seen = mocks.admin_get(f"recipients/baris/persons/{codes[0]}")
    assert seen["personCode"] == codes[0] and seen["recipient"] == "baris"
    gone = requests.get(mocks.url(f"/_admin/recipients/baris/persons/{UNKNOWN_CODE}"), timeout=10)
    assert gone.status_code == 404
    mocks.reset()
    assert mocks.admin_get("recipients/baris")["notifications"] == []
    assert mocks.admin_get(f"recipients/baris/persons/{codes[0]}")["current"] is None


def test_faults_apply_per_recipient(mocks: MockHandle, people: dict[str, list[str]]) -> None:
    mocks.add_fault(service="recipient-nino", kind="http_status", status=503, retryAfter=2, count=1)
    mocks.add_fault(service="recipient-bvkb", kind="http_status", status=422, count=1)
    nino, bvkb = valid("nino", people), valid("bvkb", people)
    down = notify(mocks, "nino", nino)
    assert down.status_code == 503 and down.headers["retry-after"] == "2"
    assert notify(mocks, "jpa", valid("jpa", people)).status_code == 202  # not affected
    assert notify(mocks, "nino", nino).status_code == 202  # the retry goes through
    assert problem(notify(mocks, "bvkb", bvkb))[0] == 422
    assert mocks.admin_get("recipients/bvkb")["notifications"] == []
    assert notify(mocks, "bvkb", bvkb).status_code == 202
    injected = [e for e in mocks.journal() if e["injectedFault"]]
    assert [(e["service"], e["status"]) for e in injected] == [
        ("recipient-nino", 503),
        ("recipient-bvkb", 422),
    ]


def test_rate_limit(mocks: MockHandle, people: dict[str, list[str]]) -> None:
    payloads = [valid("nva", people) for _ in range(40)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda b: notify(mocks, "nva", b).status_code, payloads))
    assert 429 in statuses and 202 in statuses


def test_openapi_document_is_served_and_answers_match_it(
    mocks: MockHandle, people: dict[str, list[str]]
) -> None:
    r = requests.get(mocks.url("/recipients/nino/api/v1/openapi.json"), timeout=10)
    assert r.status_code == 200 and r.content == openapi.document_bytes("recipients")
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    op = doc["paths"]["/recipients/nino/api/v1/status-notifications"]["post"]
    assert "LV/GOV/NINO/NOTIFY" in op["description"]
    receipt = openapi.schema_validator("recipients", "#/components/schemas/Receipt")
    problem_schema = openapi.schema_validator("recipients", "#/components/schemas/Problem")
    ok = notify(mocks, "nino", valid("nino", people))
    receipt.validate(ok.json())
    refused = notify(mocks, "jpa", body([(people["child"][0], "MEMBER")]))
    problem_schema.validate(refused.json())


def test_batch_limit(mocks: MockHandle, people: dict[str, list[str]]) -> None:
    many = body([(f"{i:011d}", "MEMBER") for i in range(101)])
    assert problem(notify(mocks, "jpa", many))[:2] == (413, "BATCH_TOO_LARGE")


def test_nino_schema_is_the_envelope_plus_address_code() -> None:
    schemas = openapi.document("recipients")["components"]["schemas"]
    base, nino = schemas["Notification"], schemas["NinoNotification"]
    assert nino["properties"] == {
        **base["properties"],
        "addressCode": nino["properties"]["addressCode"],
    }
    assert nino["required"] == [*base["required"], "addressCode"]


# ------------------------------------------------------------- KIM (property.md §9): no persons
def kim(reference: str = "17", sequence: int = 1, **household: Any) -> dict[str, Any]:
    payload = body([], sequence)
    del payload["persons"]
    payload["household"] = {"reference": reference, "size": 3, "memberAges": [41, 39, 7],
                            **household}  # fmt: skip
    return payload


def test_kim_receives_the_household_s_size_and_ages_and_no_person(mocks: MockHandle) -> None:
    payload = kim()
    r = notify(mocks, "kim", payload)
    assert r.status_code == 202, r.text
    held = mocks.admin_get("recipients/kim")
    [n] = held["notifications"]
    assert n["applied"] is True and n["persons"] == [] and n["roles"] == []
    assert n["household"] == {"reference": "17", "size": 3, "memberAges": [41, 39, 7]}
    assert held["state"]["persons"] == 0 and held["state"]["lastSequence"] == []
    [entry] = mocks.journal(service="recipient-kim")
    assert (entry["status"], entry["outcome"]) == (202, "OK")
    doc = openapi.document("recipients")["paths"]["/recipients/kim/api/v1/status-notifications"]
    assert "LV/GOV/LM/KIM" in doc["post"]["description"]


def test_kim_refuses_persons_and_anything_beyond_size_and_ages(
    mocks: MockHandle, people: dict[str, list[str]]
) -> None:
    adult = people["adult"][0]
    with_persons = {**kim(), "persons": [{"personCode": adult, "role": "MEMBER"}]}
    r = notify(mocks, "kim", with_persons)
    assert problem(r) == (422, "NOT_ALLOWED", "$.persons") and adult not in r.text
    names = kim(names=["Jānis"])
    assert problem(notify(mocks, "kim", names)) == (422, "NOT_ALLOWED", "$.household.names")
    no_household = {k: v for k, v in kim().items() if k != "household"}
    assert problem(notify(mocks, "kim", no_household))[:2] == (400, "INVALID_REQUEST")
    too_many = kim(size=2)
    assert problem(notify(mocks, "kim", too_many)) == (
        400, "INVALID_REQUEST", "$.household.memberAges",
    )  # fmt: skip
    assert problem(notify(mocks, "kim", kim(memberAges=[41, "39"])))[2] == (
        "$.household.memberAges[1]"
    )
    assert problem(notify(mocks, "kim", kim(reference="17 Main St")))[2] == (
        "$.household.reference"
    )
    assert mocks.admin_get("recipients/kim")["notifications"] == []
    # a person recipient still needs persons
    jpa = {k: v for k, v in body([(adult, "MEMBER")]).items() if k != "persons"}
    assert problem(notify(mocks, "jpa", jpa))[2] == "$.persons"


def test_kim_orders_by_household_reference(mocks: MockHandle) -> None:
    assert notify(mocks, "kim", kim("17", 5)).status_code == 202
    assert notify(mocks, "kim", kim("17", 3, memberAges=[41])).status_code == 202  # stale
    assert notify(mocks, "kim", kim("18", 3)).status_code == 202  # another household
    assert notify(mocks, "kim", kim("17", 6, size=4)).status_code == 202
    held = mocks.admin_get("recipients/kim")
    assert [n["applied"] for n in held["notifications"]] == [True, False, True, True]
    outcomes = [e["outcome"] for e in mocks.journal(service="recipient-kim")]
    assert outcomes == ["OK", "STALE", "OK", "OK"]
