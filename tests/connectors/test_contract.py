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
from tilts.mocks.world import enterprises
from tilts.mocks.world.population import Population

from .conftest import OGRE, make_gateway

PURPOSE = Purpose("svc-test", "MK809-test")
NAMES = sorted(REGISTRIES)


def _client(entry: RegistryEntry, gateway):  # type: ignore[no-untyped-def]
    return entry.client(gateway, PURPOSE)


def _codes(mock: MockHandle, n: int) -> list[str]:
    codes = [p["personCode"] for p in mock.sample(OGRE.atvk, n * 3 + 10)][:n]
    assert len(codes) == n
    return codes


def _found(mock: MockHandle, name: str, n: int) -> list[str]:
    """``n`` codes the registry has a record of: any person for a batch service; for UR (one
    person per call, most persons have no record) persons the mock's world gives a role."""
    if not REGISTRIES[name].one_per_call:
        return _codes(mock, n)
    world = Population(7, 2000)  # the package's mock (conftest.py)
    codes = [
        p["personCode"]
        for p in mock.sample(None, 2000)
        if (slot := world.resolve(p["personCode"])) is not None and enterprises.roles(world, slot)
    ][:n]
    assert len(codes) == n
    return codes


def _fault(mock: MockHandle, name: str, **rule: object) -> None:
    mock.admin_post("faults", {"service": name, **rule})


@pytest.mark.parametrize("name", NAMES)
def test_batches_answer_every_code_in_order(
    name: str, gateway, clean_mock: MockHandle, audit: MemoryAuditSink
) -> None:
    entry = REGISTRIES[name]
    codes = _found(clean_mock, name, 5) + ["12345678901", "abc"]
    records = entry.batch_query(_client(entry, gateway), codes)
    assert len(records) == len(codes)
    outcomes = [r[entry.status_key] for r in records]
    assert outcomes[:5] == ["FOUND"] * 5
    assert outcomes[-1] == "INVALID_CODE"
    if entry.one_per_call:  # a call, and an audit row, per person; its answer is the outcome
        assert outcomes[5] == "INVALID_CODE"  # its check digit fails: 400 INVALID_CODE
        assert sorted(r.batch_size for r in audit.records) == [1] * len(codes)
        assert (
            sorted(r.outcome for r in audit.records) == ["HTTP 400 INVALID_CODE"] * 2 + ["OK"] * 5
        )
    else:
        assert len(audit.records) == 1
        assert (audit.records[0].batch_size, audit.records[0].outcome) == (7, "OK")
    for row in audit.records:
        assert (row.service, row.purpose, row.user_id) == (name, "MK809-test", "LVsvc-test")


@pytest.mark.parametrize("name", NAMES)
def test_over_the_batch_limit_is_refused_locally(
    name: str, gateway, clean_mock: MockHandle
) -> None:
    entry = REGISTRIES[name]
    limit = gateway.batch_size(entry.family)
    if entry.one_per_call:  # limit + 1 codes are limit + 1 calls of one, none over the limit
        entry.batch_query(_client(entry, gateway), ["32123456789"] * (limit + 1))
        sizes = [e["batchSize"] for e in clean_mock.journal() if e.get("service") == name]
        assert sizes == [1] * (limit + 1)
        client = _client(entry, gateway)  # the base still refuses a call over the limit
        with pytest.raises(FatalError, match="over limit"):
            client.execute("getNaturalPerson", name, limit + 1, lambda h: (b"", {}), print)
        return
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
    # one call (a batch), or at most the calls already in flight (one per person): none retried
    assert 1 <= len(audit.records) <= (2 if entry.one_per_call else 1)
    assert [r.attempt for r in audit.records] == [1] * len(audit.records)


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
