"""One contract test for every registry client, parametrised over ``connectors.registry``.

Real mock server on loopback; faults injected through its admin API; no patching.
"""

from __future__ import annotations

import logging
import time

import pytest

from tilts.connectors.registry import REGISTRIES, RegistryEntry
from tilts.connectors.xroad import Purpose
from tilts.kernel.audit import MemoryAuditSink
from tilts.kernel.errors import ContractError, FatalError, MissingPurposeError, UnreachableError
from tilts.mocks.harness import MockHandle

from .conftest import OGRE, make_gateway

PURPOSE = Purpose("svc-test", "MK809-test")
NAMES = sorted(REGISTRIES)


def _client(entry: RegistryEntry, gateway):  # type: ignore[no-untyped-def]
    return entry.client(gateway, PURPOSE)


def _codes(mock: MockHandle, n: int) -> list[str]:
    codes = [p["personCode"] for p in mock.sample(OGRE.atvk, n * 3 + 10)][:n]
    assert len(codes) == n
    return codes


def _fault(mock: MockHandle, name: str, **rule: object) -> None:
    mock.admin_post("faults", {"service": name, **rule})


@pytest.mark.parametrize("name", NAMES)
def test_batches_answer_every_code_in_order(
    name: str, gateway, clean_mock: MockHandle, audit: MemoryAuditSink
) -> None:
    entry = REGISTRIES[name]
    codes = _codes(clean_mock, 5) + ["12345678901", "abc"]
    records = entry.batch_query(_client(entry, gateway), codes)
    assert len(records) == len(codes)
    outcomes = [r[entry.status_key] for r in records]
    assert outcomes[:5] == ["FOUND"] * 5
    assert outcomes[-1] == "INVALID_CODE"
    assert len(audit.records) == 1
    row = audit.records[0]
    assert (row.service, row.batch_size, row.outcome, row.purpose) == (name, 7, "OK", "MK809-test")
    assert row.user_id == "LVsvc-test"


@pytest.mark.parametrize("name", NAMES)
def test_over_the_batch_limit_is_refused_locally(
    name: str, gateway, clean_mock: MockHandle
) -> None:
    entry = REGISTRIES[name]
    limit = gateway.batch_size(entry.family)
    with pytest.raises(FatalError, match="over limit"):
        entry.batch_query(_client(entry, gateway), ["32123456789"] * (limit + 1))


@pytest.mark.parametrize("name", NAMES)
def test_503_is_retried(name: str, gateway, clean_mock: MockHandle) -> None:
    _fault(clean_mock, name, kind="http_status", status=503, count=2)
    entry = REGISTRIES[name]
    assert len(entry.batch_query(_client(entry, gateway), _codes(clean_mock, 3))) == 3
    assert gateway.stats.retries == 2


@pytest.mark.parametrize("name", NAMES)
def test_429_honours_retry_after(name: str, gateway, clean_mock: MockHandle) -> None:
    _fault(clean_mock, name, kind="http_status", status=429, retryAfter=1, count=1)
    entry = REGISTRIES[name]
    started = time.monotonic()
    entry.batch_query(_client(entry, gateway), _codes(clean_mock, 2))
    assert time.monotonic() - started >= 0.95
    assert gateway.stats.rate_limited == 1


@pytest.mark.parametrize("name", NAMES)
def test_403_is_fatal_and_not_retried(
    name: str, gateway, clean_mock: MockHandle, audit: MemoryAuditSink
) -> None:
    _fault(clean_mock, name, kind="http_status", status=403, count=5)
    entry = REGISTRIES[name]
    with pytest.raises(FatalError):
        entry.batch_query(_client(entry, gateway), _codes(clean_mock, 2))
    assert len(audit.records) == 1


@pytest.mark.parametrize("name", NAMES)
def test_token_refreshed_once_on_401(name: str, gateway, clean_mock: MockHandle) -> None:
    entry = REGISTRIES[name]
    client = _client(entry, gateway)
    entry.batch_query(client, _codes(clean_mock, 1))
    clean_mock.admin_post("tokens/expire", {})
    entry.batch_query(client, _codes(clean_mock, 1))
    assert gateway.tokens.fetches == 2


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["wrong_message_id", "malformed", "entity_bomb", "dtd"])
def test_contract_errors(name: str, kind: str, gateway, clean_mock: MockHandle) -> None:
    _fault(clean_mock, name, kind=kind, count=1)
    entry = REGISTRIES[name]
    started = time.monotonic()
    with pytest.raises(ContractError):
        entry.batch_query(_client(entry, gateway), _codes(clean_mock, 2))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("name", NAMES)
def test_oversized_body_refused(name: str, clean_mock: MockHandle) -> None:
    gateway = make_gateway(clean_mock.base_url, max_response_bytes=256 * 1024)
    _fault(clean_mock, name, kind="oversized", sizeBytes=2 * 1024 * 1024, count=1)
    entry = REGISTRIES[name]
    with pytest.raises(ContractError, match="cap"):
        entry.batch_query(_client(entry, gateway), _codes(clean_mock, 2))


@pytest.mark.parametrize("name", NAMES)
def test_read_timeout_retried_then_gives_up(name: str, gateway, clean_mock: MockHandle) -> None:
    _fault(clean_mock, name, kind="delay", delaySeconds=3, count=1)
    entry = REGISTRIES[name]
    assert len(entry.batch_query(_client(entry, gateway), _codes(clean_mock, 1))) == 1
    assert gateway.stats.retries == 1
    _fault(clean_mock, name, kind="http_status", status=503, count=10)
    with pytest.raises(UnreachableError):
        entry.batch_query(_client(entry, gateway), _codes(clean_mock, 1))


@pytest.mark.parametrize("name", NAMES)
def test_query_without_purpose_never_leaves_the_process(
    name: str, gateway, clean_mock: MockHandle
) -> None:
    entry = REGISTRIES[name]
    with pytest.raises(MissingPurposeError):
        entry.client(gateway, Purpose("svc-test", ""))
    journal = clean_mock.admin_get("journal")
    assert not [e for e in journal["entries"] if e.get("service") == name]


@pytest.mark.parametrize("name", NAMES)
def test_no_personal_code_in_errors_or_logs(
    name: str, gateway, clean_mock: MockHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = REGISTRIES[name]
    codes = _codes(clean_mock, 3)
    messages: list[str] = []
    for kind, extra in (
        ("http_status", {"status": 403}),
        ("malformed", {}),
        ("wrong_message_id", {}),
    ):
        clean_mock.reset()
        _fault(clean_mock, name, kind=kind, count=1, **extra)
        try:
            entry.batch_query(_client(entry, gateway), codes)
        except Exception as exc:  # every error path is examined
            messages.append(str(exc))
            cause = exc.__cause__
            while cause is not None:
                messages.append(str(cause))
                cause = cause.__cause__
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    assert messages
    for code in codes:
        assert code not in text
