"""The ministry's SPOLIS view: access, the grid's states, report pages, no personal data, and
what a ministry user sees in a real (headless Chromium) browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mocks.harness import MockHandle
from tests.mocks.test_mocks_spolis import OGRE, TUKUMS, Spolis, decision, gmi, monthly_body, payment
from tests.mocks.test_mocks_spolis_reports import annual_body

pytest_plugins = ["mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 600, "rate_limits": False}
MINISTRY = ("demo-ministry", "demo-ministry-secret")
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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
    m.set_today("2026-11-12")
    ogre.payments(payment("P1", "G1", amount="200.00"))
    ogre.payments(payment("P2", "G1", month="2026-11", amount="200.00"))
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
    yield {"codes": codes}


def view(mocks: MockHandle, path: str = "/spolis/", **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", MINISTRY)
    return requests.get(mocks.url(path), timeout=10, **kwargs)


def cell(page: str, atvk: str, month: str) -> str:
    """The data-state of a grid cell (the row of ``atvk``, the column of ``month``)."""
    header = re.search(r'<table id="grid">(?:<tbody>)?<tr>(.*?)</tr>', page)
    assert header is not None
    months = re.findall(r"<th>(\d{4}-\d{2})</th>", header.group(1))
    row = re.search(rf"<tr><td>[^<]*<span class=.muted.>{atvk}</span></td>(.*?)</tr>", page)
    assert row is not None, atvk
    states = re.findall(r'data-state="([\w-]+)"', row.group(1))
    return str(states[months.index(month)])


def test_view_needs_a_ministry_credential(mock_server: MockHandle, world: dict[str, Any]) -> None:
    for kwargs in (
        {"auth": None},
        {"auth": ("demo-ministry", "wrong")},
        {"auth": ("demo-ogre", "demo-ogre-secret")},
        {"auth": None, "headers": {"Authorization": f"Bearer {mock_server.token('demo-ogre')}"}},
        {"auth": None, "headers": {"Authorization": "Bearer nope"}},
        {"auth": None, "headers": {"Authorization": "Basic !!!"}},
    ):
        for path in ("/spolis/", f"/spolis/reports/monthly/{OGRE}/2026-10"):
            r = view(mock_server, path, **kwargs)
            assert r.status_code == 401, (kwargs, path)
            assert r.headers["www-authenticate"].startswith('Basic realm="SPOLIS"')
    bearer = {"Authorization": f"Bearer {mock_server.token('demo-ministry')}"}
    assert view(mock_server, auth=None, headers=bearer).status_code == 200
    r = view(mock_server)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert view(mock_server, "/spolis", allow_redirects=False).status_code == 308


def test_grid_states_and_report_pages(mock_server: MockHandle, world: dict[str, Any]) -> None:
    page = view(mock_server).text
    assert "Ogres novads" in page and "Tukuma novads" in page
    assert cell(page, OGRE, "2026-08") == "ok"
    assert cell(page, OGRE, "2026-09") == "rejected"
    assert cell(page, OGRE, "2026-10") == "ok"
    assert cell(page, TUKUMS, "2026-09") == "late"
    assert cell(page, TUKUMS, "2026-10") == "corrected" and "3 versions" in page
    assert cell(page, OGRE, "2026-07") == "missing"
    early = view(mock_server, "/spolis/?to=2026-10", params=None).text
    assert cell(early, TUKUMS, "2026-08") == "missing"
    not_due = view(mock_server, "/spolis/", params={"to": "2026-11"}).text
    assert cell(not_due, OGRE, "2026-11") == "not-due"
    assert "<svg" in page and "National totals of GMI_EUR" in page
    assert re.search(r"<title>2026-10: 355\.00</title>", page)  # 200.00 + 155.00 (latest)
    persons = view(mock_server, "/spolis/", params={"indicator": "GMI_PERSONS"}).text
    assert "<title>2026-08: 9</title>" in persons
    report = view(mock_server, f"/spolis/reports/monthly/{TUKUMS}/2026-10").text
    assert "Version 3 — ACCEPTED (latest)" in report and "Version 2 — REJECTED" in report
    assert "TOO_MANY_DECIMALS" in report and "EUR_DIFFERS_FROM_PAYMENTS" in report
    batches = re.search(
        r"payments for the period</td><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">(\d+)</td><td class=\"num\">([\d.]+)</td>",
        report,
    )
    assert batches is not None and batches.groups() == ("1", "1", "150.00")
    decided = re.search(
        r"decisions dated in the period</td><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">(\d+)</td>",
        report,
    )
    assert decided is not None and decided.groups() == ("1", "1")  # the bad record is not stored
    annual = view(mock_server, f"/spolis/reports/annual/{OGRE}/2025").text
    assert "BENEFIT_GMI" in annual and "childrenWithDisability" in annual
    assert view(mock_server, f"/spolis/reports/monthly/{OGRE}/2020-01").status_code == 404


def _pages(mocks: MockHandle) -> dict[str, str]:
    """The home page in three variants and every report page linked from them."""
    seen: dict[str, str] = {}
    todo = ["/spolis/", "/spolis/?indicator=POOR_PERSONS_END", "/spolis/?to=2026-12"]
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        r = view(mocks, path)
        assert r.status_code == 200, path
        seen[path] = r.text
        todo.extend(re.findall(r'href="(/spolis/reports/[^"]+)"', r.text))
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
        assert HEAD not in text and "Kalniņa" not in text and "sd@example.lv" not in text, path


def test_a_ministry_user_sees_the_grid_in_chromium(
    mock_server: MockHandle, world: dict[str, Any]
) -> None:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed (Debian package 'chromium'; CI installs it)")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "spolis-view.png"
    shot.unlink(missing_ok=True)
    user, secret = MINISTRY
    url = mock_server.base_url.replace("://", f"://{user}:{secret}@") + "/spolis/"
    with tempfile.TemporaryDirectory() as profile:
        flags = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
        ]
        dom = subprocess.run(
            [*flags, "--dump-dom", url], capture_output=True, text=True, timeout=60, check=False
        )
        assert dom.returncode == 0, dom.stderr[-2000:]
        subprocess.run(
            [*flags, "--screenshot=" + str(shot), "--window-size=1280,900", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    page = dom.stdout
    assert "SPOLIS — monthly reports by municipality" in page  # the credential was accepted
    assert cell(page, OGRE, "2026-10") == "ok"
    assert cell(page, TUKUMS, "2026-10") == "corrected"
    assert "<svg" in page
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
