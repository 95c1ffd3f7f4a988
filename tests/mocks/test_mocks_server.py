"""Server start-up: mutual TLS, the subprocess harness, the mock config file, the CLI helper."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import trustme

from tilts.kernel.errors import ConfigError
from tilts.mocks.command import build_config
from tilts.mocks.config import MockConfig, load_config_file
from tilts.mocks.harness import running_mocks
from tilts.mocks.testing import SoapTestClient, codes_xml


def test_mutual_tls(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    client_cert = ca.issue_cert("demo-ogre.example")
    ca_pem, cert_pem, key_pem = (
        tmp_path / "ca.pem",
        tmp_path / "server.pem",
        tmp_path / "server.key",
    )
    client_pem = tmp_path / "client.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    server_cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    server_cert.private_key_pem.write_to_path(str(key_pem))
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(client_pem))
    with running_mocks(
        persons=200,
        tls_cert=str(cert_pem),
        tls_key=str(key_pem),
        tls_ca=str(ca_pem),
        require_client_cert=True,
        cert=(str(client_pem), str(client_pem)),
    ) as mocks:
        assert mocks.base_url.startswith("https://")
        with pytest.raises((requests.exceptions.SSLError, requests.ConnectionError)):
            requests.get(mocks.url("/health"), verify=str(ca_pem), timeout=10)
        r = requests.get(mocks.url("/health"), verify=str(ca_pem), cert=str(client_pem), timeout=10)
        assert r.status_code == 200
        client = SoapTestClient(mocks)
        client.session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify
        client.session.verify, client.session.cert = str(ca_pem), str(client_pem)
        assert client.call("getPersons", codes_xml(["01019012345"])).status == 200


def test_subprocess_harness() -> None:
    with running_mocks(subprocess=True, persons=300, seed=3, rate_limits=False) as mocks:
        info = mocks.admin_get("info")
        assert info["persons"] == 300 and info["seed"] == 3 and info["rateLimits"] is False
        client = SoapTestClient(mocks)
        code = mocks.sample(limit=1)[0]["personCode"]
        assert client.call("getPersons", codes_xml([code])).status == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(mocks.url("/health"), timeout=2)


def test_config_file_adds_clients(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_text(
        '[mock]\nseed = 9\npersons = 300\n\n[[clients]]\nclient_id = "demo-riga"\n'
        'secret = "s3"\nmember_code = "90000000010"\natvk = "0010000"\n'
        'scopes = ["pmlp.fpr"]\n',
        encoding="utf-8",
    )
    config = load_config_file(path)
    assert config.seed == 9 and config.client("demo-riga") is not None
    assert config.client("demo-ogre") is not None
    cli = build_config(persons=100, config_file=path, no_rate_limits=True)
    assert cli.persons == 100 and cli.seed == 9 and cli.rate_limits is False
    with running_mocks(persons=200, clients=config.clients) as mocks:
        riga = SoapTestClient(mocks, client_id="demo-riga", member_code="90000000010")
        assert riga.call("getPersons", codes_xml(["01019012345"])).status == 200
    path.write_text("[mock]\ncolour = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="colour"):
        load_config_file(path)
    with pytest.raises(ConfigError):
        MockConfig().replace(colour=1)
