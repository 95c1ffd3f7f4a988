"""Found by attacking it (issue 18, items 7 and 8): the mock's start-up and its admin API."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme

from tests.cli.test_cli import tilts
from tilts.mocks.harness import MockHandle, running_mocks


def test_require_client_cert_without_a_ca_is_refused(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_pem, key_pem = tmp_path / "server.pem", tmp_path / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    proc = tilts(
        "mocks", "serve", "--persons", "100", "--port", "0", "--tls-cert", str(cert_pem),
        "--tls-key", str(key_pem), "--require-client-cert", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "--tls-ca" in proc.stderr and "Traceback" not in proc.stderr


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    proc = tilts("mocks", "serve", "--persons", "100", "--tls-cert", "missing", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "missing" in proc.stderr and "Traceback" not in proc.stderr


def test_a_port_in_use_exits_3_before_the_banner(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = tilts("mocks", "serve", "--persons", "100", "--port", str(port), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "tilts mocks:" not in proc.stderr + proc.stdout  # no banner for a server that is not
    assert f"127.0.0.1:{port}" in proc.stderr and "Traceback" not in proc.stderr


def test_serve_binds_prints_its_banner_and_answers(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tilts.shell.cli", "mocks", "serve", "--persons", "100", "--port",
         str(port)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("the mock did not answer")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in err


@pytest.fixture(scope="module")
def mock() -> Iterator[MockHandle]:
    with running_mocks(persons=200, seed=5, rate_limits=False) as handle:
        yield handle


def test_admin_refuses_a_text_plain_post(mock: MockHandle) -> None:
    r = requests.post(
        mock.url("/_admin/clock"),
        data='{"advanceDays": 3}',
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert r.status_code == 415, r.text
    assert mock.admin_get("clock")["today"] == "2026-11-26"


def test_admin_refuses_a_foreign_origin(mock: MockHandle) -> None:
    r = requests.post(
        mock.url("/_admin/clock"),
        json={"advanceDays": 3},
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert r.status_code == 403, r.text
    r = requests.get(
        mock.url("/_admin/clock"), headers={"Origin": "https://evil.example"}, timeout=10
    )
    assert r.status_code == 403, r.text
    assert mock.admin_get("clock")["today"] == "2026-11-26"


def test_admin_accepts_json_from_its_own_origin(mock: MockHandle) -> None:
    r = requests.post(
        mock.url("/_admin/tokens/expire"),
        json={},
        headers={"Origin": mock.base_url},
        timeout=10,
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("persons", ["0", "-5", "99999999999999999999"])
def test_a_population_the_world_cannot_have_is_refused(persons: str, tmp_path: Path) -> None:
    proc = tilts("mocks", "serve", "--persons", persons, "--port", "0", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "persons: must be from 1 to 33,554,431" in proc.stderr
    assert "Traceback" not in proc.stderr
    work = tmp_path / "demo"
    proc = tilts("demo", "--persons", persons, "--workdir", str(work), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and not work.exists()  # refused before anything


@pytest.mark.parametrize("households", ["0", "-5", "99999999999999999999"])
def test_a_demo_caseload_out_of_bounds_is_refused(households: str, tmp_path: Path) -> None:
    work = tmp_path / "demo"
    proc = tilts("demo", "--households", households, "--workdir", str(work), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--households" in proc.stderr and "Traceback" not in proc.stderr
    assert not work.exists()


@pytest.mark.parametrize(
    ("option", "named"), [("--persons=0", "persons"), ("--today=2026-13-01", "today")]
)
def test_python_m_mocks_refuses_a_bad_option_with_exit_2(
    option: str, named: str, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tilts.mocks", option, "--port", "0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {named}:") and "Traceback" not in proc.stderr


def test_the_persons_bound_is_the_worlds() -> None:
    from tilts.mocks.config import MAX_PERSONS, MockConfig
    from tilts.mocks.world.population import Population

    assert MockConfig().replace(persons=MAX_PERSONS).persons == MAX_PERSONS
    with pytest.raises(ValueError, match="population size"):
        Population(1, MAX_PERSONS + 1)
