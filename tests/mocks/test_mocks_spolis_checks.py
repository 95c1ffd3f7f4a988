"""SPOLIS mock: payments (§2), the benefit cross-check across two municipalities (§5),
co-financing (§6), the admin views and reset."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.mocks.test_mocks_spolis import (
    OGRE,
    TUKUMS,
    Spolis,
    codes_of,
    decision,
    gmi,
    monthly_body,
    payment,
)
from tilts.mocks.harness import MockHandle, running_mocks

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 600, "rate_limits": False}


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


# ---------------------------------------------------------------------------- §2 payments
def test_payments_checks_and_versions(ogre: Spolis, people: list[str]) -> None:
    ogre.decisions(
        gmi("G1", people[0]),  # valid 2026-10 .. 2027-03
        decision("S1", people[1]),
        gmi(
            "R1",
            people[2],
            None,
            outcome="REFUSED",
            refusalReason="OTHER",
            validFrom=None,
            validTo=None,
        ),
    )
    answer = ogre.payments(
        payment("P1", "G1"),
        payment("P-unknown", "nope"),
        payment("P-status", "S1"),
        payment("P-refused", "R1"),
        payment("P-before", "G1", month="2026-09"),
        payment("P-future", "G1", month="2026-12"),
        payment("P-kind", "G1", form="IN_KIND", month="2026-11", amount="12.50"),
    )
    assert [a["recordId"] for a in answer["accepted"]] == ["P1", "P-kind"]
    assert codes_of(answer) == {
        "P-unknown": ["UNKNOWN_DECISION"],
        "P-status": ["NOT_A_BENEFIT"],
        "P-refused": ["DECISION_NOT_GRANTED"],
        "P-before": ["MONTH_OUTSIDE_VALIDITY"],
        "P-future": ["PAYMENT_IN_FUTURE"],
    }
    receipt = answer["accepted"][0]["receiptId"]
    assert ogre.payments(payment("P1", "G1"))["accepted"][0]["receiptId"] == receipt
    assert codes_of(ogre.payments(payment("P1", "G1", amount="90.00"))) == {
        "P1": ["VERSION_CONFLICT"]
    }
    v2 = ogre.payments(payment("P1", "G1", version=2, amount="0.00"))["accepted"][0]
    assert v2["version"] == 2 and v2["receiptId"] != receipt
    assert codes_of(ogre.payments(payment("P1", "G1"))) == {"P1": ["STALE_VERSION"]}


# ---------------------------------------------------------------------------- §5 cross-check
def test_benefit_check_across_two_municipalities(
    mocks: MockHandle, ogre: Spolis, people: list[str]
) -> None:
    tukums = Spolis(mocks, "demo-tukums")
    shared, only_ogre = people[0], people[1]
    tukums.decisions(
        gmi("T-G", shared),
        decision(
            "T-H",
            shared,
            kind="BENEFIT_HOUSING",
            monthlyAmount="50.00",
            validFrom="2026-01-01",
            validTo="2026-06-30",
            requestDate="2025-12-20",
            decisionDate="2025-12-28",
        ),
        decision("T-S", shared),  # a status, not asked for
    )
    ogre.decisions(
        decision("O-H", shared, kind="BENEFIT_HOUSING", monthlyAmount="40.00"),
        gmi("O-G", only_ogre),
    )

    def check(client: Spolis, month: str, kinds: list[str], codes: list[str]) -> list[Any]:
        r = client.call(
            "POST", "/benefit-checks/query", {"personCodes": codes, "month": month, "kinds": kinds}
        )
        assert r.status_code == 200, r.text
        assert r.json()["month"] == month
        return [
            (x["personCode"], x["status"], x["otherMunicipalities"]) for x in r.json()["results"]
        ]

    both = ["BENEFIT_GMI", "BENEFIT_HOUSING"]
    display = shared[:6] + "-" + shared[6:]
    assert check(ogre, "2026-11", both, [shared, only_ogre, "123", display]) == [
        (
            shared,
            "CHECKED",
            [
                {
                    "atvk": TUKUMS,
                    "kind": "BENEFIT_GMI",
                    "validFrom": "2026-10-01",
                    "validTo": "2027-03-31",
                }
            ],
        ),
        (only_ogre, "CHECKED", []),  # its own decisions are not "other"
        ("123", "INVALID_CODE", []),
        (
            display,
            "CHECKED",
            [
                {
                    "atvk": TUKUMS,
                    "kind": "BENEFIT_GMI",
                    "validFrom": "2026-10-01",
                    "validTo": "2027-03-31",
                }
            ],
        ),
    ]
    march = check(ogre, "2026-03", both, [shared])[0][2]
    assert [(o["atvk"], o["kind"]) for o in march] == [(TUKUMS, "BENEFIT_HOUSING")]
    assert check(ogre, "2027-04", both, [shared])[0][2] == []
    assert check(ogre, "2026-11", ["BENEFIT_HOUSING"], [shared])[0][2] == []
    assert [o["atvk"] for o in check(tukums, "2026-11", both, [shared])[0][2]] == [OGRE]
    # Tukums revokes its GMI decision (a correction): the check no longer finds it
    tukums.decisions(gmi("T-G", shared, version=2, outcome="REVOKED"))
    assert check(ogre, "2026-11", both, [shared])[0][2] == []
    r = ogre.call(
        "POST",
        "/benefit-checks/query",
        {"personCodes": ["1"] * 501, "month": "2026-11", "kinds": both},
    )
    assert r.status_code == 413


# ---------------------------------------------------------------------------- §6 co-financing
def test_cofinancing_from_the_accepted_report(mocks: MockHandle, ogre: Spolis) -> None:
    path = f"/cofinancing/{OGRE}/2026-10"
    assert ogre.call("GET", path).json() == {
        "month": "2026-10",
        "gmiEurReported": None,
        "stateSharePercent": 30,
        "stateAmount": None,
        "status": "PENDING",
    }
    assert ogre.monthly("2026-10", monthly_body(GMI_EUR="1234.56")).json()["status"] == "ACCEPTED"
    assert ogre.call("GET", path).json() == {
        "month": "2026-10",
        "gmiEurReported": "1234.56",
        "stateSharePercent": 30,
        "stateAmount": "370.37",
        "status": "CALCULATED",
    }
    rejected = ogre.monthly("2026-10", monthly_body(2, GMI_EUR="999.999"))
    assert rejected.json()["status"] == "REJECTED"
    assert ogre.call("GET", path).json()["gmiEurReported"] == "1234.56"
    ogre.monthly("2026-10", monthly_body(3, GMI_EUR="1000"))
    mocks.admin_post("spolis/config", {"stateSharePercent": 45.5})
    answer = ogre.call("GET", path).json()
    assert (answer["gmiEurReported"], answer["stateSharePercent"], answer["stateAmount"]) == (
        "1000.00",
        45.5,
        "455.00",
    )
    assert ogre.call("GET", f"/cofinancing/{OGRE}/2026-09").json()["status"] == "PENDING"


# ---------------------------------------------------------------------------- admin, reset
def test_admin_views_and_reset(mocks: MockHandle, ogre: Spolis, people: list[str]) -> None:
    mocks.admin_post("spolis/config", {"stateSharePercent": 50, "timeOfDay": "12:00:00"})
    ogre.decisions(gmi("G1", people[0]))
    ogre.payments(payment("P1", "G1"))
    ogre.monthly("2026-10", monthly_body())
    assert mocks.admin_get("spolis/summary")["municipalities"] == {
        OGRE: {
            "decisions": 1,
            "payments": 1,
            "monthlyReports": 1,
            "annualReports": 0,
            "batches": 2,
        },
    }
    assert mocks.admin_get("spolis/payments")["records"][0]["record"]["amount"] == "100.00"
    reports = mocks.admin_get("spolis/reports", kind="monthly")["reports"]
    assert [(r["atvk"], r["period"], len(r["versions"])) for r in reports] == [(OGRE, "2026-10", 1)]
    assert reports[0]["versions"][0]["receipt"]["receivedAt"] == "2026-11-26T12:00:00+02:00"
    batches = mocks.admin_get("spolis/batches", atvk=OGRE)["batches"]
    assert [(b["kind"], b["accepted"], b["months"]) for b in batches] == [
        ("decisions", 1, ["2026-10"]),
        ("payments", 1, ["2026-10"]),
    ]
    r = requests.post(
        mocks.url("/_admin/spolis/config"), json={"stateSharePercent": 101}, timeout=10
    )
    assert r.status_code == 400
    mocks.reset()
    assert mocks.admin_get("spolis/summary")["municipalities"] == {}
    assert mocks.admin_get("spolis/config") == {"stateSharePercent": 30, "timeOfDay": None}
    assert ogre.decisions(gmi("G1", people[0], amount="100.00"))["accepted"]  # no conflict left


def test_faults_rate_limit_and_no_admin() -> None:
    with running_mocks(persons=100, admin=False) as m:  # rate limits on
        ogre = Spolis(m)
        statuses = [ogre.call("GET", f"/cofinancing/{OGRE}/2026-10").status_code for _ in range(15)]
        assert 429 in statuses and statuses[0] == 200
        limited = ogre.call("GET", f"/cofinancing/{OGRE}/2026-10")
        if limited.status_code == 429:
            assert int(limited.headers["retry-after"]) >= 1
        assert requests.get(m.url("/_admin/spolis/summary"), timeout=10).status_code == 404


def test_injected_fault_then_retry_with_the_same_key(
    mocks: MockHandle, ogre: Spolis, people: list[str]
) -> None:
    mocks.add_fault(
        service="spolis",
        operation="submitDecisions",
        kind="http_status",
        status=503,
        retryAfter=1,
        count=1,
    )
    key = "6f1c7a52-8d1e-4f4e-9a43-7d1a2b3c4d5e"
    first = ogre.batch("decisions", [decision("D1", people[0])], key)
    assert first.status_code == 503 and first.headers["retry-after"] == "1"
    again = ogre.batch("decisions", [decision("D1", people[0])], key)
    assert again.status_code == 200 and again.json()["accepted"][0]["version"] == 1
    assert ogre.batch("decisions", [decision("D1", people[0])], key).json() == again.json()
    outcomes = [e["outcome"] for e in mocks.journal(service="spolis", operation="submitDecisions")]
    assert outcomes == ["INJECTED", "OK", "OK"]
