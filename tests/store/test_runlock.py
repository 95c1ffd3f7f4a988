"""store/runlock.py in one process, on SQLite and PostgreSQL (the two-process proof, with a
SIGKILL, is tests/deploy/test_run_truth.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tilts.kernel.errors import RunLocked
from tilts.shell.status_runs import CRASHED, shown_outcome
from tilts.store.db import make_engine
from tilts.store.runlock import acquire, lock_is_free


@pytest.mark.postgres
def test_one_holder_at_a_time_and_the_refusal_names_it(store_url: str) -> None:
    engine, other = make_engine(store_url), make_engine(store_url)
    try:
        assert lock_is_free(engine)
        held = acquire(engine, "nightly_sync")
        assert not lock_is_free(other)
        with pytest.raises(RunLocked, match=r"run lock: nightly_sync \(pid \d+ on ") as refused:
            acquire(other, "sync_population")
        assert refused.value.exit_code == 3
        held.release()
        held.release()  # idempotent
        assert lock_is_free(other)
        with acquire(other, "sync_population"):
            assert not lock_is_free(engine)
        assert lock_is_free(engine)
    finally:
        engine.dispose()
        other.dispose()


def test_a_running_row_whose_process_is_gone_is_shown_crashed() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    import socket

    from tilts.store.ops import process_identity

    dead = {"process": {"pid": gone.pid, "host": socket.gethostname(), "start": None}}
    assert shown_outcome("notify", "RUNNING", dead, lambda: False) == CRASHED
    mine = {"process": process_identity()}
    assert shown_outcome("nightly_sync", "RUNNING", mine, lambda: False) == "RUNNING"
    # a sync from another host: dead when nobody holds the store's lock
    elsewhere = {"process": {"pid": 1, "host": "elsewhere", "start": 1}}
    assert shown_outcome("nightly_sync", "RUNNING", elsewhere, lambda: True) == CRASHED
    assert shown_outcome("nightly_sync", "RUNNING", elsewhere, lambda: False) == "RUNNING"
    assert shown_outcome("notify", "RUNNING", elsewhere, lambda: True) == "RUNNING"  # no lock
    assert shown_outcome("nightly_sync", "COMPLETED", dead, lambda: True) == "COMPLETED"
    reused = {"process": {**mine["process"], "start": -1}}  # same pid, another process
    assert shown_outcome("notify", "RUNNING", reused, lambda: False) == CRASHED
