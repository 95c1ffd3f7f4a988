"""``sync_population``: keep PMLP facts of every open-case subject current (registries.md §2).

register monitoring → read the change feed from the stored cursor → fetch full records of the
changed persons in chunks → validate, quarantine, upsert → advance the cursor only after every
chunk's data is committed. ``full`` re-fetches everyone. The night is the nightly engine's
(``flows/lanes.py`` ``run_night``) with the population lane alone.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow

from tilts.flows.context import night_context
from tilts.flows.lanes import run_night
from tilts.flows.naming import flow_run_name
from tilts.flows.reporting import begin, publish, refused
from tilts.flows.runtime import close_runtime, open_runtime
from tilts.flows.work.chunks import DEFAULT_CHUNK
from tilts.flows.work.tonight import POPULATION
from tilts.kernel.clock import day_or_today
from tilts.kernel.errors import RunLocked, TiltsError


@flow(name="sync_population", flow_run_name=flow_run_name("population"))
def sync_population(
    municipality: str | None = None,
    full: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    config_path: str | None = None,
    as_of: str | None = None,
    backfill: bool = False,
) -> dict[str, Any]:
    """Sync the population register for one or every configured municipality; ``as_of``
    (a backfill) asks PMLP for everyone as it knew them on that date."""
    started = time.monotonic()
    try:
        rt = open_runtime("sync_population", config_path, lock=True)
    except RunLocked as exc:  # another sync on this store: this one does not start
        return refused(exc)
    back = as_of if backfill and as_of else None
    try:
        begin(rt, municipality)
        day = day_or_today(as_of)
        for muni in rt.municipalities(municipality):
            try:
                night = night_context(rt, muni.atvk, day, full or bool(back), chunk_size, back)
                run_night(rt, night, (POPULATION,))
            except TiltsError as exc:
                retry = f"{muni.atvk} pmlp: the whole sync"
                rt.figures.failed(f"{muni.atvk} pmlp", exc, retry=retry)
        publish(rt, time.monotonic() - started)
        return rt.figures.as_dict()
    finally:
        close_runtime(rt)
