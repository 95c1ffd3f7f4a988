"""Crash convergence of every flow: the flow runs as a process of its own and is killed
(SIGKILL, by a crash point: ``TILTS_CRASH_AT``) mid-batch, after a remote call answered but
before the commit, or after the commit but before the cursor / outbox / ledger update; the
re-run converges to exactly the end state of an uninterrupted run of the same flow on an
identical store against the same mock world, and nothing reached a recipient or SPOLIS twice.
Right after the kill, whatever the dead run committed from remote answers must already have
the audit rows of those calls.

The uninterrupted run is computed once per flow; every case starts from a copy of the flow's
template store with the mock reset to its seeded state.
"""

from __future__ import annotations

import pytest

from tests.reliability_crash.crash import case, converges, reference, templates  # noqa: F401

pytestmark = pytest.mark.slow  # a flow process per case, each importing Prefect: minutes

CASES = [
    case("sync_population", "pmlp.monitored:2"),  # Ogre synced; Tukums registered at PMLP only
    case("sync_population", "pmlp.committed:3"),  # Ogre's chunks committed, its cursor not
    case("sync_disability", "registry.fetched:3"),  # mid-run: a chunk's answers not committed
    case("sync_income", "registry.fetched:2"),  # mid-run, both sources under way
    case("sync_income", "registry.committed:20"),  # all committed (4 sources), no month stored
    case("sync_employment", "registry.committed:2"),  # mid-run, committed
    case("nightly_sync", "registry.fetched:1"),  # population under way, registries starting
    case("reassess", "reassess.committed:2"),  # flags of two chunks committed, no cursor
    case("deliver_notifications", "outbox.sent:3"),  # the recipient holds it, the row unmarked
    case("deliver_notifications", "outbox.marked:5"),  # marked, the stream's next one not sent
    case("spolis_daily", "spolis.sent:2"),  # SPOLIS processed a batch, the answer not stored
    case("spolis_daily", "spolis.prepared:5"),  # decisions done; a payment batch stored, unsent
]


test_killed_at_a_crash_point_then_rerun_converges = converges(CASES)
