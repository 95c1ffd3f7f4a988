"""Found by attacking it (issue 18, item 5): a change-feed fault holds back PMLP only; the
registries without a change feed go on with their refresh turn the same night."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tilts.flows.nightly import SERVICES, nightly_sync
from tilts.kernel.errors import RunFailed
from tilts.mocks.harness import MockHandle


def _calls(mock: MockHandle, service: str) -> int:
    return len(mock.admin_get("journal", service=service)["entries"])


def test_a_dtd_in_the_change_feed_does_not_hold_back_the_registries(
    config: Path, registry_mock: MockHandle
) -> None:
    today = date.fromisoformat(registry_mock.admin_get("clock")["today"])
    first = nightly_sync(config_path=str(config), as_of=today.isoformat())
    assert first["failures"] == [], first["failures"]

    later = today + timedelta(days=29)  # every registry's refresh turn (7-28 days) has come
    registry_mock.set_today(later)
    registry_mock.add_fault(service="pmlp", operation="getChanges", kind="dtd")
    registry_mock.admin_delete("journal")
    with pytest.raises(RunFailed) as failed:  # the night is Failed (spec §7), figures kept
        nightly_sync(config_path=str(config), as_of=later.isoformat())
    second = failed.value.figures

    assert any("pmlp change feed: ContractError" in f for f in second["failures"]), second
    assert any("the change feed" in w for w in second["will_retry"]), second
    # every registry without a change feed went on with its refresh turn
    assert [s for s in SERVICES if _calls(registry_mock, s) == 0] == []
    assert not [
        e for e in registry_mock.admin_get("journal", service="pmlp")["entries"]
        if e["operation"] == "getPersons"
    ]  # PMLP waits for its feed  # fmt: skip
    retried = {word.rstrip(":,") for line in second["will_retry"] for word in line.split()}
    assert not retried & set(SERVICES), second["will_retry"]
