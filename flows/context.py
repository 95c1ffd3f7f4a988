"""A night's context: who the night is for, resolved once at the top of a flow.

A flow turns ``--municipality`` (a key or an ATVK) into a :class:`NightContext` once — the
municipality's ATVK and store id, the day, the purpose sent with every query, the run key,
the night's options — and passes that one frozen object down: to the plan, to the
settlement, as a parameter of every chunk task. Nothing below the flow looks the municipality
up again. It holds a few plain values (no personal codes, no connections), so it is a small,
printable task parameter; what a process shares (engine, sessions, gateways, audit sink,
figures) stays in :class:`~tilts.flows.runtime.Runtime`, which a task finds by ``key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tilts.connectors.xroad import Purpose
from tilts.flows.runtime import Runtime
from tilts.flows.work.batching import DEFAULT_CHUNK


@dataclass(frozen=True)
class NightContext:
    """One municipality's night in one flow run."""

    key: str  # the run key: the runtime's, and the run id of audit and quarantine rows
    atvk: str
    municipality_id: int  # the store's id of the municipality
    day: date  # the Riga day the night means
    purpose: Purpose  # who asks and why, with every registry query
    full: bool = False  # everyone is asked (``--full``), not just who is due
    chunk_size: int = DEFAULT_CHUNK
    backfill: str | None = None  # ``--as-of`` backfill: PMLP asked as of this date, cursor kept

    @property
    def as_of(self) -> str:
        """The day as the registries are asked about it (ISO)."""
        return self.day.isoformat()


def night_context(
    rt: Runtime, atvk: str, day: date, full: bool = False, chunk_size: int = DEFAULT_CHUNK,
    backfill: str | None = None,
) -> NightContext:  # fmt: skip
    """Resolve the context of ``atvk``'s night (the store id is created on first use)."""
    muni = rt.settings.municipality(atvk)
    mid = rt.municipality_id(muni.atvk)
    purpose = rt.purpose(muni.atvk)
    return NightContext(rt.key, muni.atvk, mid, day, purpose, full, chunk_size, backfill)
