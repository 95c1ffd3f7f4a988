"""Mutual TLS: the mock gateway started with TLS refuses a client without a certificate from the
configured CA; the connector presents its certificate and verifies the server. The CA and the
certificates are made at run time (trustme)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme

from tilts.connectors.base import Gateway
from tilts.connectors.pmlp import PmlpClient
from tilts.connectors.xroad import Purpose
from tilts.kernel.audit import MemoryAuditSink
from tilts.kernel.config import GatewaySettings, demo_municipalities
from tilts.kernel.errors import FatalError, RetriableError, TiltsError
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.registries import scopes

ALL_SCOPES = list(scopes())  # every registry's scope, as the runtime asks with all enabled

OGRE = demo_municipalities()["ogre"]
PURPOSE = Purpose("svc-test", "MK809-test")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pki")
    ca, rogue = trustme.CA(), trustme.CA()
    files: dict[str, Path] = {"ca": d / "ca.pem", "rogue_ca": d / "rogue.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    rogue.cert_pem.write_to_path(str(files["rogue_ca"]))
    for name, issuer, ident in (
        ("server", ca, "127.0.0.1"),
        ("client", ca, "demo-ogre.soc.example"),
        ("stranger", rogue, "demo-ogre.soc.example"),
    ):
        leaf = issuer.issue_cert(ident)
        files[f"{name}_cert"] = d / f"{name}.pem"
        files[f"{name}_key"] = d / f"{name}.key"
        leaf.cert_chain_pems[0].write_to_path(str(files[f"{name}_cert"]))
        leaf.private_key_pem.write_to_path(str(files[f"{name}_key"]))
    return files


@pytest.fixture(scope="module")
def tls_mock(pki: dict[str, Path]) -> Iterator[MockHandle]:
    with running_mocks(
        persons=300,
        tls_cert=str(pki["server_cert"]),
        tls_key=str(pki["server_key"]),
        tls_ca=str(pki["ca"]),
        require_client_cert=True,
        verify=str(pki["ca"]),
        cert=(str(pki["client_cert"]), str(pki["client_key"])),
    ) as handle:
        yield handle


def _gateway(base_url: str, **tls: object) -> Gateway:
    settings = GatewaySettings(base_url=base_url, max_attempts=2, backoff_base_s=0.01, **tls)  # type: ignore[arg-type]
    return Gateway(settings, OGRE, "demo-ogre-secret", ALL_SCOPES, audit=MemoryAuditSink())


def _codes(mock: MockHandle) -> list[str]:
    return [p["personCode"] for p in mock.sample(OGRE.atvk, 10)][:3]


def test_connector_presents_its_certificate_and_verifies_the_server(
    tls_mock: MockHandle, pki: dict[str, Path]
) -> None:
    assert tls_mock.base_url.startswith("https://127.0.0.1:")
    gw = _gateway(
        tls_mock.base_url,
        cert_file=pki["client_cert"],
        key_file=pki["client_key"],
        ca_file=pki["ca"],
    )
    records = PmlpClient(gw, PURPOSE).get_persons(_codes(tls_mock))
    assert [r["result"] for r in records] == ["FOUND"] * len(records)


def test_client_without_a_certificate_is_refused(
    tls_mock: MockHandle, pki: dict[str, Path]
) -> None:
    gw = _gateway(tls_mock.base_url, ca_file=pki["ca"])
    with pytest.raises(TiltsError) as caught:
        PmlpClient(gw, PURPOSE).get_persons(_codes(tls_mock))
    assert isinstance(caught.value, RetriableError | FatalError)
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        requests.post(
            f"{tls_mock.base_url}/token",
            verify=str(pki["ca"]),
            timeout=10,
            data={"grant_type": "client_credentials"},
            auth=("demo-ogre", "demo-ogre-secret"),
        )


def test_client_certificate_from_another_ca_is_refused(
    tls_mock: MockHandle, pki: dict[str, Path]
) -> None:
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        requests.post(
            f"{tls_mock.base_url}/token",
            verify=str(pki["ca"]),
            timeout=10,
            cert=(str(pki["stranger_cert"]), str(pki["stranger_key"])),
            data={"grant_type": "client_credentials"},
            auth=("demo-ogre", "demo-ogre-secret"),
        )


def test_connector_refuses_a_server_it_cannot_verify(
    tls_mock: MockHandle, pki: dict[str, Path]
) -> None:
    gw = _gateway(
        tls_mock.base_url,
        cert_file=pki["client_cert"],
        key_file=pki["client_key"],
        ca_file=pki["rogue_ca"],
    )
    with pytest.raises(FatalError, match="TLS handshake failed"):
        PmlpClient(gw, PURPOSE).get_persons(_codes(tls_mock))
    assert gw.tokens.fetches == 0 and gw.stats.retries == 0  # refused at once, never retried
