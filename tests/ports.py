"""Loopback ports for the servers a test starts, from a range of this pytest-xdist worker's own.

A port the kernel hands out for ``bind(0)`` is free when asked, but another worker may take it
before the server is up; a range per worker (gw0: 20000–21999, gw1: 22000–23999, …, below the
kernel's ephemeral range) means two workers never pick the same port.
"""

from __future__ import annotations

import os
import random
import socket

BASE, SPAN = 20000, 2000


def worker_index() -> int:
    """0 for ``gw0`` (and for a run without xdist), 1 for ``gw1``, …"""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw") or 0)


def free_port() -> int:
    """A loopback port of this worker's range that nothing listens on now."""
    first = BASE + SPAN * worker_index()
    candidates = list(range(first, first + SPAN))
    random.shuffle(candidates)  # a module that asks twice does not get the port it just freed
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in {first}-{first + SPAN - 1}")
