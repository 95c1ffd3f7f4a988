"""``sync_property`` (``tilts sync property``): the registries whose descriptors name it (VZD,
CSDD, VTUA, UR) and no other, and a registry switched off
(``gateway.services.<name>.enabled = false``) left out as in the nightly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tilts.flows.sync_registries import sync_property
from tilts.mocks.harness import MockHandle
from tilts.registries import per_person

from .test_nightly import _facts_by_source

PROPERTY = {"vzd", "csdd", "vtua", "ur"}


def test_the_property_flow_asks_its_registries_and_leaves_a_switched_off_one_out(
    config: Path, flow_mock: MockHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(per_person("sync_property")) == PROPERTY
    today = flow_mock.admin_get("clock")["today"]
    monkeypatch.setenv("TILTS_GATEWAY__SERVICES__UR__ENABLED", "false")
    flow_mock.admin_delete("journal")
    first = sync_property(config_path=str(config), as_of=today)
    assert first["failures"] == [], first["failures"]
    asked = {e["service"] for e in flow_mock.journal()} - {"gateway"}  # the token
    assert asked == PROPERTY - {"ur"}, asked  # no population, no income: the property lanes
    held = {key.split(".")[0] for key in _facts_by_source(config)}
    assert held == {"VZD", "CSDD", "VTUA"}, held
    assert not any(p.endswith(" ur") for p in first["parts"]), first["parts"]

    monkeypatch.delenv("TILTS_GATEWAY__SERVICES__UR__ENABLED")  # the agreement signed
    flow_mock.admin_delete("journal")
    second = sync_property(config_path=str(config), as_of=today)
    assert second["failures"] == [], second["failures"]
    asked = {e["service"] for e in flow_mock.journal()} - {"gateway"}  # the token
    assert asked == {"ur"}, asked  # the others asked today: not due again for 28 days
    assert _facts_by_source(config).get("UR.ENTERPRISE_ROLE", 0) > 0
