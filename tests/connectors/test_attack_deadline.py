"""Found by attacking it (issue 18, item 4): every call has a total deadline, and a run a
budget per service. A tiny loopback server trickles its answer a byte at a time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tilts.connectors.nva import NvaClient
from tilts.connectors.xroad import Purpose
from tilts.kernel.errors import UnreachableError
from tilts.mocks.harness import MockHandle

from .conftest import make_gateway


@pytest.fixture
def trickler() -> Iterator[str]:
    """An HTTP server that answers every request one byte every 0.2 s, for ever."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
                for i in range(10_000):
                    if stop.is_set():
                        return
                    conn.sendall(head[i : i + 1] if i < len(head) else b"a")
                    time.sleep(0.2)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    server.close()


def _purpose() -> Purpose:
    return Purpose(user_id="LVsvc-test", issue="MK809-test")


def test_a_trickling_token_endpoint_cannot_outlive_the_call_deadline(
    trickler: str, clean_mock: MockHandle
) -> None:
    gw = make_gateway(
        clean_mock.base_url, token_url=f"{trickler}/token",
        call_deadline_s=1.0,
    )  # fmt: skip
    started = time.monotonic()
    with pytest.raises(UnreachableError, match="call deadline"):
        NvaClient(gw, _purpose()).query_status(["01019012345"], "2026-11-26")
    # three attempts of a second each, a short backoff: never as long as the trickle lasts
    assert time.monotonic() - started < 5.0


def test_a_trickling_service_cannot_outlive_the_call_deadline(
    trickler: str, clean_mock: MockHandle
) -> None:
    gw = make_gateway(trickler, token_url=f"{clean_mock.base_url}/token", call_deadline_s=1.0)
    started = time.monotonic()
    with pytest.raises(UnreachableError, match="call deadline"):
        NvaClient(gw, _purpose()).query_status(["01019012345"], "2026-11-26")
    assert time.monotonic() - started < 5.0


def test_a_spent_service_budget_refuses_further_calls(clean_mock: MockHandle) -> None:
    gw = make_gateway(clean_mock.base_url, services={"nva": {"budget_s": 0.5}})
    client = NvaClient(gw, _purpose())
    code = clean_mock.sample(limit=1)[0]["personCode"]
    assert client.query_status([code], "2026-11-26")  # within the budget
    time.sleep(0.6)
    calls = gw.calls
    with pytest.raises(UnreachableError, match=r"budget of 0\.5 s is spent"):
        client.query_status([code], "2026-11-26")
    assert gw.calls == calls  # refused before sending
