"""SPOLIS mock over a real socket: decision batches (every §1 code), versions, idempotency,
the municipality check, the gateway rules and request validation against the OpenAPI document.

The helpers here (:class:`Spolis`, :func:`decision`, :func:`payment`, :func:`monthly_body`) are
used by the other ``test_mocks_spolis_*`` modules too.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tilts.kernel.spolis_indicators import INDICATORS
from tilts.mocks.harness import MockHandle

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 600, "rate_limits": False}
API = "/spolis/api/v1"
OGRE, TUKUMS = "0040000", "0051000"
MEMBER = {"demo-ogre": "90000000040", "demo-tukums": "90000000051"}


class Spolis:
    """A municipality's SPOLIS client for tests (token, X-Road headers, Idempotency-Key)."""

    def __init__(self, mocks: MockHandle, client: str = "demo-ogre") -> None:
        self.mocks, self.client = mocks, client
        self.token = mocks.token(client)

    def headers(self, **extra: str) -> dict[str, str]:
        h = {
            "Authorization": f"Bearer {self.token}",
            "X-Road-Client": f"LV/GOV/{MEMBER.get(self.client, '0')}/SOC",
            "X-Road-Id": "msg-1",
            "X-Road-UserId": "LVsvc-test",
            "X-Road-Issue": "SD-2026-1",
        }
        h.update(extra)
        return {k: v for k, v in h.items() if v}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
        return requests.request(
            method,
            self.mocks.url(API + path),
            json=body,
            headers=self.headers(**headers),
            timeout=30,
        )

    def batch(
        self,
        what: str,
        records: list[dict[str, Any]],
        key: str | None = None,
        atvk: str | None = None,
    ) -> requests.Response:
        body = {"municipality": atvk or self.atvk, "records": records}
        return self.call(
            "POST", f"/{what}/batch", body, **{"Idempotency-Key": key or str(uuid.uuid4())}
        )

    def decisions(self, *records: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        r = self.batch("decisions", list(records), key)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    def payments(self, *records: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        r = self.batch("payments", list(records), key)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    def monthly(
        self, month: str, body: dict[str, Any], atvk: str | None = None
    ) -> requests.Response:
        return self.call("PUT", f"/reports/monthly/{atvk or self.atvk}/{month}", body)

    @property
    def atvk(self) -> str:
        return OGRE if self.client == "demo-ogre" else TUKUMS


def decision(record_id: str, code: str | int, **over: Any) -> dict[str, Any]:
    """A valid granted poor status decided 2026-10-09 (household of two), with ``over``."""
    rec = {
        "recordId": record_id,
        "version": 1,
        "personCode": code,
        "householdId": "H-1",
        "householdSize": 2,
        "requestDate": "2026-10-02",
        "decisionDate": "2026-10-09",
        "kind": "STATUS_POOR",
        "outcome": "GRANTED",
        "refusalReason": None,
        "validFrom": "2026-10-01",
        "validTo": "2027-03-31",
        "monthlyAmount": None,
        "personCategory": "PENSION_AGE",
    }
    rec.update(over)
    return rec


def gmi(
    record_id: str, code: str | int, amount: str | None = "200.00", **over: Any
) -> dict[str, Any]:
    return decision(record_id, code, **{"kind": "BENEFIT_GMI", "monthlyAmount": amount, **over})


def payment(record_id: str, decision_id: str, **over: Any) -> dict[str, Any]:
    rec = {
        "recordId": record_id,
        "version": 1,
        "decisionRecordId": decision_id,
        "month": "2026-10",
        "amount": "100.00",
        "form": "CASH",
    }
    rec.update(over)
    return rec


def monthly_body(version: int = 1, **values: str) -> dict[str, Any]:
    """A complete monthly report: every indicator 0 except ``values``."""
    return {
        "version": version,
        "preparedAt": "2026-11-05T02:10:00+02:00",
        "respondent": {
            "name": "Ogres novada Sociālais dienests",
            "address": "Brīvības iela 33, Ogre",
            "phone": "+37165000000",
            "email": "sd@example.lv",
            "head": "Ilze Kalniņa",
        },
        "indicators": [
            {"code": c, "unit": u, "value": values.get(c, "0.00" if u == "EUR" else "0")}
            for c, u in INDICATORS.items()
        ],
    }


def codes_of(answer: dict[str, Any]) -> dict[str, list[str]]:
    return {r["recordId"]: [e["code"] for e in r["errors"]] for r in answer["rejected"]}


@pytest.fixture
def mocks(mock_server: MockHandle) -> MockHandle:
    mock_server.reset()  # today 2026-11-26
    return mock_server


@pytest.fixture
def ogre(mocks: MockHandle) -> Spolis:
    return Spolis(mocks)


@pytest.fixture(scope="module")
def people(mock_server: MockHandle) -> list[str]:
    return [p["personCode"] for p in mock_server.sample(OGRE, 40)]


# ---------------------------------------------------------------------------- §1 decisions
BAD_DECISIONS: dict[str, dict[str, Any]] = {
    "INVALID_PERSON_CODE": {"personCode": "01019012340"},
    "UNKNOWN_KIND": {"kind": "BENEFIT_CAR"},
    "DECISION_IN_FUTURE": {"decisionDate": "2026-11-27", "requestDate": "2026-11-20"},
    "REQUEST_AFTER_DECISION": {"requestDate": "2026-10-10"},
    "INVALID_VALIDITY": {"validTo": "2026-09-30"},
    "AMOUNT_NOT_ALLOWED": {"monthlyAmount": "10.00"},
    "AMOUNT_REQUIRED": {"kind": "BENEFIT_HOUSING"},
    "AMOUNT_ABOVE_RULES": {"kind": "BENEFIT_GMI", "monthlyAmount": "318.01"},
    "REFUSAL_REASON_REQUIRED": {"outcome": "REFUSED", "validFrom": None, "validTo": None},
}


@pytest.mark.parametrize("code", sorted(BAD_DECISIONS))
def test_each_decision_code_rejects_only_its_record(
    ogre: Spolis, people: list[str], code: str
) -> None:
    answer = ogre.decisions(
        decision("good-1", people[0]),
        decision("bad", people[1], **BAD_DECISIONS[code]),
        decision("good-2", people[2]),
    )
    assert [a["recordId"] for a in answer["accepted"]] == ["good-1", "good-2"]
    assert codes_of(answer) == {"bad": [code]}
    error = answer["rejected"][0]["errors"][0]
    assert error["field"] and error["message"] and people[1] not in error["message"]


def test_validity_and_gmi_limits_follow_the_rules(ogre: Spolis, people: list[str]) -> None:
    answer = ogre.decisions(
        decision("status-6m", people[0]),  # 2026-10-01 .. 2027-03-31: 6 months
        decision("status-7m", people[1], validTo="2027-04-01"),
        gmi("gmi-at-level", people[2], "318.00"),  # 187 + 131 for two on 2026-10-09
        gmi(
            "gmi-2025",
            people[3],
            "300.00",
            requestDate="2025-10-01",
            decisionDate="2025-10-02",
            validFrom="2025-10-01",
            validTo="2026-03-31",
        ),  # 166 + 116 = 282 in 2025
        gmi("gmi-4", people[4], "580.00", householdSize=4),  # 187 + 3 × 131 = 580
        decision("crisis-12m", people[5], kind="BENEFIT_CRISIS", validTo="2027-09-30"),
        decision("crisis-13m", people[6], kind="BENEFIT_CRISIS", validTo="2027-10-01"),
        decision(
            "refused",
            people[7],
            outcome="REFUSED",
            refusalReason="INCOME_ABOVE_THRESHOLD",
            validFrom=None,
            validTo=None,
        ),
        decision("granted-open", people[8], validTo=None),
        decision("display-form", people[9][:6] + "-" + people[9][6:]),
    )
    assert codes_of(answer) == {
        "status-7m": ["INVALID_VALIDITY"],
        "gmi-2025": ["AMOUNT_ABOVE_RULES"],
        "crisis-13m": ["INVALID_VALIDITY"],
        "granted-open": ["INVALID_VALIDITY"],
    }
    assert "282.00" in answer["rejected"][1]["errors"][0]["message"]


def test_several_errors_of_one_record_are_all_reported(ogre: Spolis) -> None:
    answer = ogre.decisions(
        decision(
            "x",
            "123",
            kind="STATUS_RICH",
            requestDate="2026-12-01",
            decisionDate="2026-11-30",
            outcome="REFUSED",
        )
    )
    assert set(codes_of(answer)["x"]) == {
        "INVALID_PERSON_CODE",
        "UNKNOWN_KIND",
        "DECISION_IN_FUTURE",
        "REQUEST_AFTER_DECISION",
        "REFUSAL_REASON_REQUIRED",
    }


def test_versions_and_corrections(mocks: MockHandle, ogre: Spolis, people: list[str]) -> None:
    first = ogre.decisions(decision("D1", people[0]))["accepted"][0]
    again = ogre.decisions(decision("D1", people[0]))["accepted"][0]
    assert again == first  # same version, same content: same receipt
    conflict = ogre.decisions(decision("D1", people[0], householdSize=3))
    assert codes_of(conflict) == {"D1": ["VERSION_CONFLICT"]}
    corrected = ogre.decisions(decision("D1", people[0], version=2, householdSize=3))
    v2 = corrected["accepted"][0]
    assert v2["version"] == 2 and v2["receiptId"] != first["receiptId"]
    stale = ogre.decisions(decision("D1", people[0]))
    assert codes_of(stale) == {"D1": ["STALE_VERSION"]}
    # Tukums has its own record ids
    assert Spolis(mocks, "demo-tukums").decisions(decision("D1", people[0]))["accepted"]
    stored = mocks.admin_get("spolis/decisions", atvk=OGRE)["records"]
    assert [(r["recordId"], r["version"], r["versions"]) for r in stored] == [("D1", 2, [1, 2])]
    assert stored[0]["record"]["householdSize"] == 3


def test_idempotency_replay_and_conflict(
    mocks: MockHandle, ogre: Spolis, people: list[str]
) -> None:
    key = str(uuid.uuid4())
    body = [decision("D1", people[0]), decision("bad", "1")]
    first = ogre.batch("decisions", body, key)
    replay = ogre.batch("decisions", body, key)
    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json()  # the same batchId and receipts
    assert len(mocks.admin_get("spolis/batches")["batches"]) == 1
    other = ogre.batch("decisions", [decision("D2", people[1])], key)
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_CONFLICT"
    assert other.headers["content-type"].startswith("application/problem+json")
    for bad_key in ("", "not-a-uuid"):
        r = ogre.call(
            "POST",
            "/decisions/batch",
            {"municipality": OGRE, "records": body},
            **{"Idempotency-Key": bad_key},
        )
        assert r.status_code == 400 and "Idempotency-Key" in r.json()["detail"]
    # keys are per client: Tukums may use the same key for its own batch
    tukums = Spolis(mocks, "demo-tukums")
    assert tukums.batch("decisions", [decision("T1", people[2])], key).status_code == 200


# ---------------------------------------------------------------------------- gateway, contract
def test_wrong_municipality_and_scope(mocks: MockHandle, ogre: Spolis, people: list[str]) -> None:
    def code(r: requests.Response) -> tuple[int, str]:
        return r.status_code, r.json()["code"]

    assert code(ogre.batch("decisions", [decision("D1", people[0])], atvk=TUKUMS)) == (
        403,
        "WRONG_MUNICIPALITY",
    )
    assert (
        code(ogre.batch("payments", [payment("P1", "D1")], atvk=TUKUMS))[1] == "WRONG_MUNICIPALITY"
    )
    assert code(ogre.monthly("2026-10", monthly_body(), atvk=TUKUMS))[1] == "WRONG_MUNICIPALITY"
    for path in (
        f"/reports/monthly/{TUKUMS}/2026-10",
        f"/reports/annual/{TUKUMS}/2026",
        f"/cofinancing/{TUKUMS}/2026-10",
    ):
        assert code(ogre.call("GET", path)) == (403, "WRONG_MUNICIPALITY")
    ministry = requests.get(
        mocks.url(f"{API}/reports/monthly/{OGRE}/2026-10"),
        headers={**ogre.headers(), "Authorization": f"Bearer {mocks.token('demo-ministry')}"},
        timeout=10,
    )
    assert code(ministry) == (403, "FORBIDDEN")
    assert code(ogre.call("GET", f"/cofinancing/{OGRE}/2026-10", **{"X-Road-Issue": ""})) == (
        400,
        "MISSING_PURPOSE",
    )
    assert (
        requests.get(mocks.url(f"{API}/cofinancing/{OGRE}/2026-10"), timeout=10).status_code == 401
    )
    r = ogre.call("GET", f"/cofinancing/{OGRE}/2026-10", **{"X-Road-Id": "echo-me"})
    assert r.status_code == 200 and r.headers["x-road-id"] == "echo-me"
    entries = mocks.journal(service="spolis")
    assert {e["outcome"] for e in entries} >= {"OK", "WRONG_MUNICIPALITY", "MISSING_PURPOSE"}
    assert {e["operation"] for e in entries} >= {"submitDecisions", "getCofinancing"}


def test_bodies_are_validated_against_the_openapi_document(
    mocks: MockHandle, ogre: Spolis, people: list[str]
) -> None:
    doc = requests.get(mocks.url(f"{API}/openapi.json"), timeout=10).json()
    assert doc["openapi"].startswith("3.1") and "/spolis/api/v1/decisions/batch" in doc["paths"]

    def detail(records: list[dict[str, Any]]) -> str:
        r = ogre.batch("decisions", records)
        assert r.status_code == 400 and r.json()["code"] == "INVALID_REQUEST", r.text
        text: str = r.json()["detail"]
        return text

    assert detail([decision("D1", people[0], version="1")]).startswith("$.records[0].version")
    assert detail(
        [decision("D1", people[0]), decision("D2", people[1], decisionDate="2026-02-30")]
    ).startswith("$.records[1].decisionDate")
    rec = decision("D1", people[0])
    del rec["kind"]
    assert detail([rec]).startswith("$.records[0].kind")
    as_number = detail([decision("D1", int("9" + people[0][1:]))])
    assert as_number.startswith("$.records[0].personCode") and people[0][1:] not in as_number
    assert detail([decision("D1", people[0], outcome="MAYBE")]).startswith("$.records[0].outcome")
    r = ogre.monthly("2026-10", {**monthly_body(), "version": 0})
    assert r.status_code == 400 and r.json()["detail"].startswith("$.version")
    r = ogre.batch("decisions", [decision(f"D{i}", people[0]) for i in range(501)])
    assert r.status_code == 413 and r.json()["code"] == "BATCH_TOO_LARGE"
    r = ogre.batch("payments", [payment(f"P{i}", "D1") for i in range(1001)])
    assert r.status_code == 413
    r = ogre.call("GET", f"/cofinancing/{OGRE}/2026-13")
    assert r.status_code == 400 and r.json()["detail"].startswith("month")
