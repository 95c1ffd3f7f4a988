"""SPOLIS monthly and annual reports: receipts, rejection rules, warnings, versions, lateness."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mocks.test_mocks_spolis import OGRE, Spolis, decision, gmi, monthly_body, payment
from tilts.mocks.harness import MockHandle
from tilts.mocks.spolis.annual import AVERAGE_FIELDS, COUNT_FIELDS, STATUS_ROWS
from tilts.mocks.spolis.rules import BENEFIT_KINDS

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
    return [p["personCode"] for p in mock_server.sample(OGRE, 10)]


def put(ogre: Spolis, month: str, body: dict[str, Any]) -> dict[str, Any]:
    r = ogre.monthly(month, body)
    assert r.status_code == 200, r.text
    receipt: dict[str, Any] = r.json()
    return receipt


def codes(items: list[dict[str, Any]]) -> list[str]:
    return [i["code"] for i in items]


# ---------------------------------------------------------------------------- monthly
def test_monthly_receipt_versions_and_get(ogre: Spolis) -> None:
    v1 = put(ogre, "2026-11", monthly_body(GMI_EUR="10.00"))
    assert set(v1) == {"receiptId", "status", "version", "receivedAt", "late", "errors", "warnings"}
    assert (v1["status"], v1["version"], v1["late"], v1["errors"]) == ("ACCEPTED", 1, False, [])
    assert v1["receivedAt"].startswith("2026-11-26T") and v1["receivedAt"].endswith("+02:00")
    v2 = put(ogre, "2026-11", monthly_body(2, GMI_EUR="0.00"))
    assert v2["status"] == "ACCEPTED" and v2["receiptId"] != v1["receiptId"]
    assert put(ogre, "2026-11", monthly_body(2, GMI_EUR="0.00")) == v2  # the same PUT again
    stale = put(ogre, "2026-11", monthly_body(2, GMI_EUR="5.00"))
    assert stale["status"] == "REJECTED" and codes(stale["errors"]) == ["STALE_VERSION"]
    versions = ogre.call("GET", f"/reports/monthly/{OGRE}/2026-11").json()["versions"]
    assert [(v["version"], v["receipt"]["status"]) for v in versions] == [
        (1, "ACCEPTED"),
        (2, "ACCEPTED"),
        (2, "REJECTED"),
    ]
    assert versions[0]["receipt"] == v1
    gmi_values = [
        next(i["value"] for i in v["indicators"] if i["code"] == "GMI_EUR") for v in versions
    ]
    assert gmi_values == ["10.00", "0.00", "5.00"]  # nothing overwritten
    assert ogre.call("GET", f"/reports/monthly/{OGRE}/2026-09").json() == {"versions": []}


def _without(code: str) -> dict[str, Any]:
    body = monthly_body()
    body["indicators"] = [i for i in body["indicators"] if i["code"] != code]
    return body


def _with(code: str, **change: str) -> dict[str, Any]:
    body = monthly_body()
    for i in body["indicators"]:
        if i["code"] == code:
            i.update(change)
    return body


REJECTIONS = {
    "MISSING_INDICATOR": ("2026-10", _without("HEALTH_EUR")),
    "UNKNOWN_INDICATOR": (
        "2026-10",
        {
            **monthly_body(),
            "indicators": [
                *monthly_body()["indicators"],
                {"code": "PETS_EUR", "unit": "EUR", "value": "1.00"},
            ],
        },
    ),
    "NEGATIVE_VALUE": ("2026-10", _with("OTHER_EUR", value="-1.00")),
    "WRONG_UNIT": ("2026-10", _with("GMI_PERSONS", unit="households")),
    "PERSONS_FEWER_THAN_HOUSEHOLDS": (
        "2026-10",
        monthly_body(POOR_HOUSEHOLDS_END="5", POOR_PERSONS_END="4"),
    ),
    "TOO_MANY_DECIMALS": ("2026-10", monthly_body(HOUSING_EUR="1.005")),
    "NOT_WHOLE_NUMBER": ("2026-10", monthly_body(HEALTH_PERSONS="1.5")),
    "MONTH_IN_FUTURE": ("2026-12", monthly_body()),
}


@pytest.mark.parametrize("code", sorted(REJECTIONS))
def test_monthly_rejection_rules(ogre: Spolis, code: str) -> None:
    month, body = REJECTIONS[code]
    receipt = put(ogre, month, body)
    assert receipt["status"] == "REJECTED"
    assert codes(receipt["errors"]) == [code]
    assert all(e["field"] and e["message"] for e in receipt["errors"])
    versions = ogre.call("GET", f"/reports/monthly/{OGRE}/{month}").json()["versions"]
    assert [v["receipt"]["status"] for v in versions] == ["REJECTED"]
    # a rejected version does not block the same version number
    assert put(ogre, month, monthly_body())["status"] == (
        "REJECTED" if month == "2026-12" else "ACCEPTED"
    )


def test_monthly_current_month_is_not_future(ogre: Spolis) -> None:
    assert put(ogre, "2026-11", monthly_body())["status"] == "ACCEPTED"


def test_monthly_warnings_against_payments_and_decisions(ogre: Spolis, people: list[str]) -> None:
    a, b, c = people[:3]
    ogre.decisions(
        decision("S-a", a, householdId="H-1"),
        decision("S-b", b, householdId="H-1"),
        decision("L-c", c, householdId="H-2", kind="STATUS_LOW_INCOME", householdSize=1),
        decision(
            "S-old",
            people[3],
            householdId="H-3",
            validFrom="2026-04-01",
            validTo="2026-09-30",
            requestDate="2026-04-02",
            decisionDate="2026-04-03",
        ),
        gmi("G-a", a),
        decision("H-c", c, kind="BENEFIT_HOUSING", monthlyAmount="80.00", householdSize=1),
    )
    ogre.payments(
        payment("P1", "G-a", amount="150.00"),
        payment("P2", "G-a", form="IN_KIND", amount="10.50"),
        payment("P3", "H-c", amount="80.00"),
    )
    ok = monthly_body(
        POOR_HOUSEHOLDS_END="1",
        POOR_PERSONS_END="2",
        LOW_INCOME_HOUSEHOLDS_END="1",
        LOW_INCOME_PERSONS_END="1",
        GMI_EUR="160.50",
        HOUSING_EUR="80",
    )
    receipt = put(ogre, "2026-10", ok)
    assert (receipt["status"], receipt["warnings"]) == ("ACCEPTED", [])
    off = monthly_body(
        2,
        POOR_HOUSEHOLDS_END="1",
        POOR_PERSONS_END="3",
        LOW_INCOME_HOUSEHOLDS_END="1",
        LOW_INCOME_PERSONS_END="1",
        GMI_EUR="160.00",
        HOUSING_EUR="80.00",
    )
    receipt = put(ogre, "2026-10", off)
    assert receipt["status"] == "ACCEPTED" and receipt["errors"] == []
    assert [(w["field"], w["code"]) for w in receipt["warnings"]] == [
        ("indicators[GMI_EUR]", "EUR_DIFFERS_FROM_PAYMENTS"),
        ("indicators[POOR_PERSONS_END]", "END_COUNT_DIFFERS_FROM_DECISIONS"),
    ]
    assert "160.50" in receipt["warnings"][0]["message"]
    assert a not in str(receipt)


@pytest.mark.parametrize(
    ("today", "time_of_day", "late", "offset"),
    [
        ("2026-11-15", "23:59:59", False, "+02:00"),  # the deadline minute is on time
        ("2026-11-16", "00:00:00", True, "+02:00"),
        ("2026-11-10", None, False, "+02:00"),  # the wall clock's time of day
        ("2026-11-26", None, True, "+02:00"),
    ],
)
def test_monthly_late_at_the_boundary(
    mocks: MockHandle, ogre: Spolis, today: str, time_of_day: str | None, late: bool, offset: str
) -> None:
    mocks.set_today(today)
    mocks.admin_post("spolis/config", {"timeOfDay": time_of_day})
    receipt = put(ogre, "2026-10", monthly_body())
    assert receipt["late"] is late
    assert receipt["receivedAt"].startswith(today) and receipt["receivedAt"].endswith(offset)
    if time_of_day:
        assert receipt["receivedAt"] == f"{today}T{time_of_day}{offset}"


def test_summer_deadline_uses_riga_summer_time(mocks: MockHandle, ogre: Spolis) -> None:
    mocks.admin_post("spolis/config", {"timeOfDay": "23:59:00"})
    mocks.set_today("2026-07-15")
    receipt = put(ogre, "2026-06", monthly_body())
    assert (receipt["late"], receipt["receivedAt"]) == (False, "2026-07-15T23:59:00+03:00")
    mocks.set_today("2026-07-16")
    mocks.admin_post("spolis/config", {"timeOfDay": "00:00:01"})
    assert put(ogre, "2026-06", monthly_body(2))["late"] is True


# ---------------------------------------------------------------------------- annual
def row(kind: str, **over: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
    r.update(kind=kind, eurCash="0.00", eurInKind="0.00", **dict.fromkeys(AVERAGE_FIELDS, "0.00"))
    r.update(over)
    return r


def annual_body(version: int = 1, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    gmi_row = row(
        "BENEFIT_GMI", households=2, persons=3, children=1, childrenWithDisability=1, pensionAge=2,
        women=1, men=1,
    )  # fmt: skip
    all_row = row(
        "ALL",
        households=3,
        persons=5,
        children=1,
        childrenWithDisability=1,
        pensionAge=2,
        workingAgeEmployed=1,
        adultsWithDisability=1,
        women=2,
        men=2,
    )
    poor = row("STATUS_POOR", households=1, persons=2, workingAgeNotEmployed=1, publicWorks=1,
               children=1, men=1, ukrainianCivilians=2)  # fmt: skip
    default = [gmi_row, *[row(k) for k in BENEFIT_KINDS[1:]], all_row, poor,
               row(STATUS_ROWS[1])]  # fmt: skip
    return {
        "version": version,
        "preparedAt": "2027-02-01T10:00:00+02:00",
        "respondent": {"name": "Ogres novada Sociālais dienests", "head": "Ilze Kalniņa"},
        "rows": default if rows is None else rows,
    }


def put_annual(ogre: Spolis, year: str, body: dict[str, Any]) -> dict[str, Any]:
    r = ogre.call("PUT", f"/reports/annual/{OGRE}/{year}", body)
    assert r.status_code == 200, r.text
    receipt: dict[str, Any] = r.json()
    return receipt


def test_annual_report_versions_and_late(mocks: MockHandle, ogre: Spolis) -> None:
    mocks.admin_post("spolis/config", {"timeOfDay": "23:59:59"})
    mocks.set_today("2027-02-15")
    v1 = put_annual(ogre, "2026", annual_body())
    assert (v1["status"], v1["late"], v1["errors"], v1["warnings"]) == ("ACCEPTED", False, [], [])
    mocks.set_today("2027-02-16")
    mocks.admin_post("spolis/config", {"timeOfDay": "00:00:00"})
    v2 = put_annual(ogre, "2026", annual_body(2))
    assert (v2["status"], v2["late"]) == ("ACCEPTED", True)
    stale = put_annual(ogre, "2026", annual_body(1, annual_body()["rows"][::-1]))
    assert codes(stale["errors"]) == ["STALE_VERSION"]
    versions = ogre.call("GET", f"/reports/annual/{OGRE}/2026").json()["versions"]
    assert [v["version"] for v in versions] == [1, 2, 1]
    assert versions[0]["rows"][0]["kind"] == "BENEFIT_GMI"


def _annual_with(kind: str, **over: Any) -> dict[str, Any]:
    body = annual_body()
    body["rows"] = [{**r, **over} if r["kind"] == kind else r for r in body["rows"]]
    return body


ANNUAL_REJECTIONS = {
    "MISSING_ROW": annual_body(rows=annual_body()["rows"][1:]),
    "UNKNOWN_ROW": annual_body(rows=[*annual_body()["rows"], row("BENEFIT_PETS")]),
    "NEGATIVE_VALUE": _annual_with("BENEFIT_CRISIS", eurCash="-1.00"),
    "TOO_MANY_DECIMALS": _annual_with("BENEFIT_CRISIS", eurInKind="0.001"),
    "CATEGORIES_DO_NOT_ADD_UP": _annual_with("BENEFIT_GMI", pensionAge=1),
    "CHILDREN_WITH_DISABILITY_ABOVE_CHILDREN": _annual_with(
        "BENEFIT_GMI", childrenWithDisability=2
    ),
    "ALL_BELOW_KIND": _annual_with("ALL", households=1),
    "SEXES_DO_NOT_ADD_UP": _annual_with("BENEFIT_GMI", women=2),
    "PUBLIC_WORKS_ABOVE_WORKING_AGE": _annual_with("ALL", publicWorks=2),
    "UKRAINIAN_CIVILIANS_ABOVE_PERSONS": _annual_with("STATUS_POOR", ukrainianCivilians=3),
    "STATUS_ROW_WITH_EUR": _annual_with("STATUS_LOW_INCOME", averageMonthsPerPerson="1.00"),
}


@pytest.mark.parametrize("code", sorted(ANNUAL_REJECTIONS))
def test_annual_rejection_rules(ogre: Spolis, code: str) -> None:
    receipt = put_annual(ogre, "2025", ANNUAL_REJECTIONS[code])
    assert receipt["status"] == "REJECTED"
    assert code in codes(receipt["errors"])


def test_annual_year_in_future_and_warnings(ogre: Spolis, people: list[str]) -> None:
    assert codes(put_annual(ogre, "2027", annual_body())["errors"]) == ["YEAR_IN_FUTURE"]
    ogre.decisions(gmi("G", people[0]))
    ogre.payments(payment("P", "G", amount="99.00"))
    body = _annual_with("BENEFIT_GMI", eurCash="99.00")
    receipt = put_annual(ogre, "2026", body)
    assert receipt["status"] == "ACCEPTED"
    assert [(w["field"], w["code"]) for w in receipt["warnings"]] == [
        ("rows[ALL].eurCash", "ALL_EUR_DIFFERS_FROM_KINDS")
    ]
    body = _annual_with("BENEFIT_GMI", eurCash="99.00", eurInKind="5.00")
    body["version"] = 2
    receipt = put_annual(ogre, "2026", body)
    assert [(w["field"], w["code"]) for w in receipt["warnings"]] == [
        ("rows[ALL].eurCash", "ALL_EUR_DIFFERS_FROM_KINDS"),
        ("rows[ALL].eurInKind", "ALL_EUR_DIFFERS_FROM_KINDS"),
        ("rows[BENEFIT_GMI].eurInKind", "EUR_DIFFERS_FROM_PAYMENTS"),
    ]
