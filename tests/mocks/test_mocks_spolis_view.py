"""The ministry's SPOLIS view over HTTP (a real mock server on loopback): access (401/403), the
grid's states and filters, rejected records per municipality, what a correction changed, CSV
downloads, Latvian/English labels, the respondent's contact, ``Cache-Control: no-store``, and no
personal data anywhere. The browser, accessibility and HTML-validator checks are in
``test_mocks_spolis_view_browser.py``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.mocks.test_mocks_spolis import OGRE, TUKUMS, Spolis, decision, gmi, monthly_body, payment
from tests.mocks.test_mocks_spolis_reports import annual_body
from tilts.mocks.harness import MockHandle

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 600, "rate_limits": False}
MINISTRY = ("demo-ministry", "demo-ministry-secret")
HEAD = "Ilze Kalniņa"  # the respondent's head in monthly_body(): a name, never shown
# 11 digits not inside a longer run of digits or hex (a receipt UUID may hold long digit runs)
CODE_LIKE = re.compile(r"(?<![0-9a-f])\d{6}-?\d{5}(?![0-9a-f])")


@pytest.fixture(scope="module")
def world(mock_server: MockHandle) -> Iterator[dict[str, Any]]:
    """Two municipalities' submissions over several months (built once for the module)."""
    m = mock_server
    m.reset()
    ogre, tukums = Spolis(m), Spolis(m, "demo-tukums")
    codes = [p["personCode"] for p in m.sample(OGRE, 6)] + [
        p["personCode"] for p in m.sample(TUKUMS, 3)
    ]
    m.set_today("2026-10-12")
    ogre.decisions(gmi("G1", codes[0]), decision("S1", codes[1]), decision("S2", codes[2]))
    tukums.decisions(gmi("G1", codes[6]), decision("bad", codes[7], requestDate="2026-10-10"))
    # rejected records: a bad personal code, a decision in the future (twice, two batches) …
    bad_code = codes[3][:-1] + str((int(codes[3][-1]) + 1) % 10)
    ogre.decisions(decision("X1", bad_code), decision("X2", codes[3], decisionDate="2026-12-01"))
    ogre.decisions(decision("X3", codes[3], decisionDate="2026-12-02", requestDate="2026-12-03"))
    m.set_today("2026-11-12")
    ogre.payments(payment("P1", "G1", amount="200.00"))
    ogre.payments(payment("P2", "G1", month="2026-11", amount="200.00"))
    ogre.payments(payment("Q1", "nope"))  # … and a payment of an unknown decision
    tukums.payments(payment("P1", "G1", amount="150.00"))
    m.set_today("2026-09-14")
    ogre.monthly("2026-08", monthly_body(GMI_EUR="900.00", GMI_HOUSEHOLDS="4", GMI_PERSONS="9"))
    m.set_today("2026-10-20")
    tukums.monthly("2026-09", monthly_body(GMI_EUR="700.00"))  # late
    m.set_today("2026-11-14")
    ogre.monthly(
        "2026-10", monthly_body(GMI_EUR="200.00", POOR_HOUSEHOLDS_END="1", POOR_PERSONS_END="2")
    )  # on time
    tukums.monthly("2026-10", monthly_body(GMI_EUR="150.00"))
    tukums.monthly("2026-10", monthly_body(2, GMI_EUR="150.001"))  # rejected correction
    tukums.monthly("2026-10", monthly_body(3, GMI_EUR="155.00"))  # corrected
    ogre.monthly("2026-09", monthly_body(GMI_EUR="-5"))  # rejected only
    ogre.call("PUT", f"/reports/annual/{OGRE}/2025", annual_body())
    smuggled = monthly_body(POOR_PERSONS_END=codes[4])  # a code where a figure belongs …
    smuggled["indicators"].append(
        {"code": codes[5], "unit": "persons", "value": "1"}
    )  # … or a code
    assert ogre.monthly("2026-06", smuggled).json()["status"] == "REJECTED"
    m.set_today("2026-11-26")
    yield {"codes": [*codes, bad_code]}


def view(mocks: MockHandle, path: str = "/spolis/", **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", MINISTRY)
    return requests.get(mocks.url(path), timeout=10, **kwargs)


def cell(page: str, atvk: str, month: str) -> str:
    """The data-state of a grid cell (the row of ``atvk``, the column of ``month``)."""
    header = re.search(r'<table id="grid">.*?<thead><tr>(.*?)</tr>', page)
    assert header is not None
    months = re.findall(r'<th scope="col">(\d{4}-\d{2})</th>', header.group(1))
    row = re.search(
        rf'<tr><th scope="row">[^<]*<span class="muted">{atvk}</span></th>(.*?)</tr>', page
    )
    assert row is not None, atvk
    states = re.findall(r'data-state="([\w-]+)"', row.group(1))
    return str(states[months.index(month)])


def test_view_needs_a_ministry_credential(mock_server: MockHandle, world: dict[str, Any]) -> None:
    paths = (
        "/spolis/",
        f"/spolis/reports/monthly/{OGRE}/2026-10",
        f"/spolis/reports/monthly/{OGRE}/2026-10/versions.csv",
        f"/spolis/municipalities/{OGRE}",
        "/spolis/grid.csv",
        "/spolis/totals.csv",
    )
    ogre_token = mock_server.token("demo-ogre")
    for status, kwargs in (
        (401, {"auth": None}),
        (401, {"auth": ("demo-ministry", "wrong")}),
        (401, {"auth": ("nobody", "demo-ministry-secret")}),
        (401, {"auth": None, "headers": {"Authorization": "Bearer nope"}}),
        (401, {"auth": None, "headers": {"Authorization": "Basic !!!"}}),
        # valid credentials of a municipality: who they are is known, the scope is missing
        (403, {"auth": ("demo-ogre", "demo-ogre-secret")}),
        (403, {"auth": None, "headers": {"Authorization": f"Bearer {ogre_token}"}}),
    ):
        for path in paths:
            r = view(mock_server, path, **kwargs)
            assert r.status_code == status, (kwargs, path)
            assert r.headers["cache-control"] == "no-store", path
            if status == 401:
                assert r.headers["www-authenticate"].startswith('Basic realm="SPOLIS"')
            else:
                assert "www-authenticate" not in r.headers
                assert "spolis.read-all" in r.text and '<html lang="lv">' in r.text
    bearer = {"Authorization": f"Bearer {mock_server.token('demo-ministry')}"}
    assert view(mock_server, auth=None, headers=bearer).status_code == 200
    for path in paths:
        r = view(mock_server, path)
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == "no-store", path
    assert view(mock_server).headers["content-type"].startswith("text/html")
    bare = view(mock_server, "/spolis", allow_redirects=False)
    assert bare.status_code == 308 and bare.headers["cache-control"] == "no-store"


def test_the_read_api_is_not_cached(mock_server: MockHandle, world: dict[str, Any]) -> None:
    ogre = Spolis(mock_server)
    accepted = ogre.call("GET", f"/reports/monthly/{OGRE}/2026-10")
    assert [v["version"] for v in accepted.json()["versions"]] == [1]
    for r in (
        accepted,
        ogre.call("GET", f"/reports/annual/{OGRE}/2025"),
        ogre.call("GET", f"/reports/monthly/{TUKUMS}/2026-10"),  # 403 WRONG_MUNICIPALITY
        ogre.call("GET", f"/cofinancing/{OGRE}/2026-10"),
    ):
        assert r.status_code in (200, 403), r.text
        assert r.headers["cache-control"] == "no-store", r.url
    assert ogre.call("GET", f"/reports/monthly/{TUKUMS}/2026-10").status_code == 403
    anonymous = requests.get(
        mock_server.url(f"/spolis/api/v1/reports/monthly/{OGRE}/2026-10"), timeout=10
    )
    assert anonymous.status_code == 401 and anonymous.headers["cache-control"] == "no-store"


def test_grid_states_and_report_pages(mock_server: MockHandle, world: dict[str, Any]) -> None:
    page = view(mock_server).text
    assert "Ogres novads" in page and "Tukuma novads" in page
    assert cell(page, OGRE, "2026-08") == "ok"
    assert cell(page, OGRE, "2026-09") == "rejected"
    assert cell(page, OGRE, "2026-10") == "ok"
    assert cell(page, TUKUMS, "2026-09") == "late"
    assert cell(page, TUKUMS, "2026-10") == "corrected" and "labots · 3 versijas" in page
    assert cell(page, OGRE, "2026-07") == "missing"
    early = view(mock_server, "/spolis/?to=2026-10", params=None).text
    assert cell(early, TUKUMS, "2026-08") == "missing"
    not_due = view(mock_server, "/spolis/", params={"to": "2026-11"}).text
    assert cell(not_due, OGRE, "2026-11") == "not-due"
    assert "<svg" in page and "Valsts kopsummas GMI_EUR" in page
    assert re.search(r"<title>2026-10: 355\.00</title>", page)  # 200.00 + 155.00 (latest)
    persons = view(mock_server, "/spolis/", params={"indicator": "GMI_PERSONS"}).text
    assert "<title>2026-08: 9</title>" in persons
    report = view(mock_server, f"/spolis/reports/monthly/{TUKUMS}/2026-10").text
    assert "Versija 3 — ACCEPTED (pēdējā)" in report and "Versija 2 — REJECTED" in report
    assert "TOO_MANY_DECIMALS" in report and "EUR_DIFFERS_FROM_PAYMENTS" in report
    batches = re.search(
        r"izmaksas par periodu</th><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">(\d+)</td><td class=\"num\">([\d.]+)</td>",
        report,
    )
    assert batches is not None and batches.groups() == ("1", "1", "150.00")
    decided = re.search(
        r"lēmumi ar datumu periodā</th><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">(\d+)</td>",
        report,
    )
    assert decided is not None and decided.groups() == ("1", "1")  # the bad record is not stored
    annual = view(mock_server, f"/spolis/reports/annual/{OGRE}/2025").text
    assert "BENEFIT_GMI" in annual and "childrenWithDisability" in annual
    assert view(mock_server, f"/spolis/reports/monthly/{OGRE}/2020-01").status_code == 404


def rows_of(page: str) -> list[str]:
    """The ATVKs of the grid's rows, in order."""
    return re.findall(r'<tr><th scope="row">[^<]*<span class="muted">(\d{7})</span>', page)


def months_of(page: str) -> list[str]:
    header = re.search(r'<table id="grid">.*?<thead><tr>(.*?)</tr>', page)
    assert header is not None
    return re.findall(r'<th scope="col">(\d{4}-\d{2})</th>', header.group(1))


def test_filter_the_grid(mock_server: MockHandle, world: dict[str, Any]) -> None:
    everyone = view(mock_server).text
    assert rows_of(everyone) == [OGRE, TUKUMS]
    assert months_of(everyone)[0] == "2025-11" and months_of(everyone)[-1] == "2026-10"
    assert rows_of(view(mock_server, params={"atvk": TUKUMS}).text) == [TUKUMS]
    # Ogre has rejected-only months (2026-06, 2026-09); Tukums's rejected version was corrected
    assert rows_of(view(mock_server, params={"state": "rejected"}).text) == [OGRE]
    assert rows_of(view(mock_server, params={"state": "late"}).text) == [TUKUMS]
    assert rows_of(view(mock_server, params={"state": "corrected"}).text) == [TUKUMS]
    narrow = view(mock_server, params={"from": "2026-08", "to": "2026-10"}).text
    assert months_of(narrow) == ["2026-08", "2026-09", "2026-10"]
    # the state filter looks only at the months shown: 2026-10 alone has nothing rejected
    none = view(mock_server, params={"state": "rejected", "from": "2026-10", "to": "2026-10"})
    assert rows_of(none.text) == [] and "Nekas neatbilst." in none.text
    both = view(mock_server, params={"state": "ok", "atvk": OGRE, "from": "2026-08"}).text
    assert rows_of(both) == [OGRE] and months_of(both)[0] == "2026-08"
    assert 'value="2026-08"' in both and f'<option value="{OGRE}" selected>' in both
    for params, what in (
        ({"from": "2026-11", "to": "2026-10"}, "from…to"),
        ({"from": "2020-01", "to": "2026-10"}, "from…to"),
        ({"to": "2026-13"}, "to: YYYY-MM"),
        ({"state": "lost"}, "state: one of"),
        ({"atvk": "9999999"}, "atvk:"),
    ):
        r = view(mock_server, params=params)
        assert r.status_code == 400 and what in r.text, params
        assert r.headers["cache-control"] == "no-store"


def counts_in(page: str, kind: str) -> dict[tuple[str, str], int]:
    """(code, field) → records of the table of rejected ``kind`` records."""
    found = re.search(rf'<table id="rejected-{kind}">(.*?)</table>', page)
    if found is None:
        return {}
    rows = re.findall(
        r'<tr><th scope="row"><code>(\w+)</code>[^<]*</th><td>(\w+)</td><td class="num">(\d+)</td>',
        found.group(1),
    )
    return {(code, field): int(n) for code, field, n in rows}


def test_rejected_records_per_municipality(mock_server: MockHandle, world: dict[str, Any]) -> None:
    ogre = view(mock_server, f"/spolis/municipalities/{OGRE}").text
    assert counts_in(ogre, "decisions") == {
        ("DECISION_IN_FUTURE", "decisionDate"): 2,
        ("INVALID_PERSON_CODE", "personCode"): 1,
        ("REQUEST_AFTER_DECISION", "requestDate"): 1,
    }
    assert '<span data-total="decisions">3</span>' in ogre  # three records, four codes
    assert counts_in(ogre, "payments") == {("UNKNOWN_DECISION", "decisionRecordId"): 1}
    assert "nederīgs personas kods" in ogre  # the Latvian label beside the code
    tukums = view(mock_server, f"/spolis/municipalities/{TUKUMS}").text
    assert counts_in(tukums, "decisions") == {("REQUEST_AFTER_DECISION", "requestDate"): 1}
    assert counts_in(tukums, "payments") == {} and '<span data-total="payments">0</span>' in tukums
    grid = view(mock_server).text
    assert re.search(rf'data-rejected="{OGRE}">4</a>', grid)
    assert re.search(rf'data-rejected="{TUKUMS}">1</a>', grid)
    assert view(mock_server, "/spolis/municipalities/9999999").status_code == 404
    admin = mock_server.admin_get("spolis/batches", atvk=OGRE)["batches"]
    assert sorted((e["code"], e["field"]) for b in admin for e in b["rejectedCodes"]) == sorted(
        [(c, f) for (c, f), n in counts_in(ogre, "decisions").items() for _ in range(n)]
        + [("UNKNOWN_DECISION", "decisionRecordId")]
    )
    for page in (ogre, tukums):  # counts and codes only: no record id, no personal code
        assert "X1" not in page and "Q1" not in page and "bad" not in page
        for code in world["codes"]:
            assert code not in page


def test_what_a_correction_changed(mock_server: MockHandle, world: dict[str, Any]) -> None:
    page = view(mock_server, f"/spolis/reports/monthly/{TUKUMS}/2026-10").text

    def changed(version: int) -> list[tuple[str, str, str]]:
        table = re.search(rf'<table id="changes-{version}">(.*?)</table>', page)
        assert table is not None, version
        return re.findall(
            r'<tr><th scope="row"><code>(\w+)</code>[^<]*</th>'
            r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>',
            table.group(1),
        )

    assert changed(2) == [("GMI_EUR", "150.00", "150.001")]
    assert changed(3) == [("GMI_EUR", "150.001", "155.00")]
    assert 'id="changes-1"' not in page  # the first version changed nothing
    assert "Versija 3: kas mainīts salīdzinājumā ar versiju 2" in page


def read_csv(r: requests.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    assert r.headers["cache-control"] == "no-store"
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))


def test_csv_downloads(mock_server: MockHandle, world: dict[str, Any]) -> None:
    grid = read_csv(view(mock_server, "/spolis/grid.csv"))
    cells = {(r["atvk"], r["month"]): (r["state"], r["versions"]) for r in grid}
    assert len(grid) == 2 * 12 and cells[(TUKUMS, "2026-10")] == ("corrected", "3")
    assert cells[(OGRE, "2026-09")] == ("rejected", "1")
    assert cells[(OGRE, "2026-07")] == ("missing", "0")
    assert {r["municipality"] for r in grid} == {"Ogres novads", "Tukuma novads"}
    late = read_csv(view(mock_server, "/spolis/grid.csv", params={"state": "late"}))
    assert {r["atvk"] for r in late} == {TUKUMS}
    totals = read_csv(view(mock_server, "/spolis/totals.csv", params={"from": "2026-08"}))
    by = {(r["month"], r["indicator"]): r["value"] for r in totals}
    assert len(totals) == 3 * 22
    assert by[("2026-10", "GMI_EUR")] == "355.00"  # 200.00 (Ogre) + 155.00 (Tukums v3)
    assert by[("2026-09", "GMI_EUR")] == "700.00"  # Ogre's September was rejected
    assert by[("2026-08", "GMI_PERSONS")] == "9"
    versions = read_csv(view(mock_server, f"/spolis/reports/monthly/{TUKUMS}/2026-10/versions.csv"))
    gmi_eur = [
        (r["version"], r["status"], r["value"]) for r in versions if r["figure"] == "GMI_EUR"
    ]
    assert gmi_eur == [
        ("1", "ACCEPTED", "150.00"),
        ("2", "REJECTED", "150.001"),
        ("3", "ACCEPTED", "155.00"),
    ]
    assert len(versions) == 3 * 22
    annual = read_csv(view(mock_server, f"/spolis/reports/annual/{OGRE}/2025/versions.csv"))
    assert {r["figure"]: r["value"] for r in annual}["BENEFIT_GMI.persons"] == "3"
    assert (
        view(mock_server, f"/spolis/reports/monthly/{OGRE}/2020-01/versions.csv").status_code == 404
    )


def test_latvian_by_default_english_on_request(
    mock_server: MockHandle, world: dict[str, Any]
) -> None:
    lv = view(mock_server).text
    assert lv.startswith('<!doctype html><html lang="lv">')
    assert "<code>GMI_EUR</code> izmaksātais GMI pabalsts, EUR" in lv
    assert "pieņemts laikā" in lv and 'href="/spolis/?' in lv and "lang=en" in lv  # the switch
    en = view(mock_server, params={"lang": "en"}).text
    assert en.startswith('<!doctype html><html lang="en">')
    assert "<code>GMI_EUR</code> GMI benefit paid, EUR" in en and "accepted on time" in en
    assert f'href="/spolis/reports/monthly/{OGRE}/2026-10?lang=en"' in en  # links keep the language
    assert f'href="/spolis/municipalities/{OGRE}?lang=en"' in en
    report = view(mock_server, f"/spolis/reports/monthly/{TUKUMS}/2026-10", params={"lang": "en"})
    assert (
        '<html lang="en">' in report.text
        and "Version 3: what changed from version 2" in report.text
    )
    assert "<code>TOO_MANY_DECIMALS</code> too many decimals" in report.text
    town = view(mock_server, f"/spolis/municipalities/{OGRE}", params={"lang": "en"}).text
    assert '<html lang="en">' in town and "invalid personal code" in town
    assert '<html lang="lv">' in view(mock_server, params={"lang": "de"}).text  # unknown → lv


def test_the_respondents_contact_on_a_rejected_report(
    mock_server: MockHandle, world: dict[str, Any]
) -> None:
    rejected = view(mock_server, f"/spolis/reports/monthly/{OGRE}/2026-09").text
    contact = re.search(r'<dl id="contact">(.*?)</dl>', rejected)
    assert contact is not None
    assert "sd@example.lv" in contact.group(1) and "+371 65000000" in contact.group(1)
    assert "Ogres novada Sociālais dienests" in contact.group(1)
    assert HEAD not in rejected  # the office, never the head's name
    # received after its due date, rejected: late, but never "accepted late"
    assert "<td>ar nokavējumu</td>" in rejected and "pieņemts ar nokavējumu" not in rejected
    accepted = view(mock_server, f"/spolis/reports/monthly/{TUKUMS}/2026-10").text
    assert 'id="contact"' not in accepted and "sd@example.lv" not in accepted


def _pages(mocks: MockHandle) -> dict[str, str]:
    """The home page in three variants and every report page linked from them."""
    seen: dict[str, str] = {}
    todo = [
        "/spolis/",
        "/spolis/?indicator=POOR_PERSONS_END",
        "/spolis/?to=2026-12",
        "/spolis/?lang=en&state=rejected",
    ]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        r = view(mocks, path)
        assert r.status_code == 200, path
        seen[path] = r.text
        todo.extend(
            href.replace("&amp;", "&")
            for href in re.findall(r'href="(/spolis/(?:reports|municipalities)/[^"]+)"', r.text)
            if not href.endswith(".csv")
        )
    return seen


def test_no_personal_code_or_name_on_any_page(
    mock_server: MockHandle, world: dict[str, Any]
) -> None:
    pages = _pages(mock_server)
    assert len(pages) >= 9 and any("/reports/annual/" in p for p in pages)
    assert "UNKNOWN_INDICATOR" in pages[f"/spolis/reports/monthly/{OGRE}/2026-06"]
    for path, text in pages.items():
        for code in world["codes"]:
            assert code not in text and f"{code[:6]}-{code[6:]}" not in text, path
        assert CODE_LIKE.search(text) is None, (path, CODE_LIKE.search(text))
        assert HEAD not in text and "Kalniņa" not in text, path
        # the office's contact only where the latest version is rejected
        assert ("sd@example.lv" in text) == ('id="contact"' in text), path
