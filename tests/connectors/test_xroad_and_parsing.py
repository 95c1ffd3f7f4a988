"""X-Road headers against the standard's schema; hardened parsing; retry and rate limiter."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from tilts.connectors.ratelimit import RateLimiter
from tilts.connectors.retry import RetryPolicy, RetryStats, call_with_retry
from tilts.connectors.soap import WSDL_DIR, zeep_client
from tilts.connectors.xmlsafe import parse
from tilts.connectors.xroad import (
    XRD,
    CallHeaders,
    Purpose,
    ServiceId,
    header_elements,
    reset_current,
    set_current,
)
from tilts.kernel.errors import (
    ContractError,
    FatalError,
    MissingPurposeError,
    RateLimitedError,
    RetriableError,
    UnreachableError,
)

HEADERS = CallHeaders.new(
    "90000000040", ServiceId.parse("LV/GOV/PMLP/FPR"), "getPersons", Purpose("svc-nightly", "MK809")
)


def test_headers_validate_against_the_xroad_schema() -> None:
    schema = etree.XMLSchema(etree.parse(str(WSDL_DIR / "xroad" / "xroad.xsd")))
    for element in header_elements(HEADERS):
        assert schema.validate(element), schema.error_log


def test_zeep_plugin_puts_headers_into_the_envelope() -> None:
    client = zeep_client("pmlp_fpr_v1.wsdl")
    token = set_current(HEADERS)
    try:
        envelope = client.create_message(client.service, "getPersons", personCode=["32123456789"])
    finally:
        reset_current(token)
    assert envelope.findtext(f".//{{{XRD}}}id") == HEADERS.message_id
    assert envelope.findtext(f".//{{{XRD}}}userId") == "LVsvc-nightly"
    assert envelope.findtext(f".//{{{XRD}}}issue") == "MK809"


def test_envelope_without_headers_is_refused() -> None:
    client = zeep_client("pmlp_fpr_v1.wsdl")
    with pytest.raises(MissingPurposeError):
        client.create_message(client.service, "getPersons", personCode=["32123456789"])


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>',
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b"<a><unclosed></a>",
        b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></a>',
    ],
)
def test_hostile_xml_is_refused_or_inert(body: bytes) -> None:
    try:
        root = parse(body)
    except ContractError:
        return
    assert b"root:" not in etree.tostring(root)  # XInclude is never processed


def test_retry_honours_retry_after_and_gives_up() -> None:
    waits: list[float] = []
    stats = RetryStats()

    def flaky(attempt: int) -> str:
        if attempt == 1:
            raise RateLimitedError("slow down", retry_after=2)
        if attempt == 2:
            raise RetriableError("503")
        return "ok"

    assert (
        call_with_retry(flaky, RetryPolicy(max_attempts=3, base_s=0.01), stats, sleep=waits.append)
        == "ok"
    )
    assert waits[0] == 2 and waits[1] <= 0.02
    assert (stats.retries, stats.rate_limited) == (2, 1)
    with pytest.raises(UnreachableError):
        call_with_retry(
            lambda a: (_ for _ in ()).throw(RetriableError("x")),
            RetryPolicy(2, 0),
            sleep=waits.append,
        )
    with pytest.raises(FatalError):
        call_with_retry(
            lambda a: (_ for _ in ()).throw(FatalError("403")),
            RetryPolicy(5, 0),
            sleep=waits.append,
        )


def test_rate_limiter_keeps_under_the_rate() -> None:
    limiter = RateLimiter(50, burst=1)
    started = time.monotonic()
    for _ in range(26):
        limiter.acquire()
    assert time.monotonic() - started >= 0.45
