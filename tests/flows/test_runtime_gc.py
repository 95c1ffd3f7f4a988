"""While a runtime is open the cycle collector runs less often; the thresholds come back when
the last one closes (flows/runtime.py, issue 17)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from tilts.flows.runtime import GC_THRESHOLD, close_runtime, open_runtime
from tilts.shell.demo import DEMO_SECRETS, write_config


def test_collections_are_rarer_while_runtimes_are_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in DEMO_SECRETS.items():
        monkeypatch.setenv(key, value)
    config = tmp_path / "tilts.toml"
    write_config(config, "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'store.db'}")
    before = gc.get_threshold()
    outer = open_runtime("nightly_sync", str(config))
    try:
        assert gc.get_threshold() == (max(before[0], GC_THRESHOLD), *before[1:])
        inner = open_runtime("reassess", str(config))  # a subflow's runtime inside the night
        close_runtime(inner)
        assert gc.get_threshold()[0] == max(before[0], GC_THRESHOLD)  # the night goes on
    finally:
        close_runtime(outer)
    assert gc.get_threshold() == before
