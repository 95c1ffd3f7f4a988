"""Crash convergence of ``tilts sync property`` (VZD, CSDD, VTUA, UR): the whole flow, and
each lane alone (the other property registries switched off), killed mid-batch or after a
commit; the re-run converges to the uninterrupted run's end state, nothing twice. The
machinery and the rest of the flows: ``test_crash_convergence.py``, ``crash.py`` (two files,
so the two halves run on two test workers)."""

from __future__ import annotations

import pytest

from tests.reliability_crash.crash import case, converges, reference, templates  # noqa: F401

pytestmark = pytest.mark.slow  # a flow process per case, each importing Prefect: minutes

CASES = [
    case("sync_property", "registry.committed:6"),  # the four lanes under way, some committed
    case("sync_property_vzd", "registry.fetched:2"),  # mid-run: a chunk's answers not committed
    case("sync_property_csdd", "registry.fetched:2"),  # mid-run: a chunk's answers not committed
    case("sync_property_csdd", "registry.committed:2"),  # two of Ogre's chunks committed
    case("sync_property_vtua", "registry.fetched:1"),  # nothing committed yet
    case("sync_property_vtua", "registry.committed:1"),  # one chunk committed, Ogre's last not
    case("sync_property_ur", "registry.fetched:2"),  # mid-run: one GET per person
    case("sync_property_ur", "registry.committed:3"),  # Ogre's chunks committed, Tukums' not
]


test_killed_at_a_crash_point_then_rerun_converges = converges(CASES)
