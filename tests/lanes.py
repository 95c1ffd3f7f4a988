"""A registry's nightly lane alone, as a flow: for the registries without a per-topic flow
(CSDD, VTUA: ``flows=NIGHTLY`` only), run the way the per-topic flows run theirs
(``flows/sync_registries.py`` ``run_services``)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tilts.flows.runtime import close_runtime, open_runtime
from tilts.flows.sync_registries import run_services
from tilts.flows.work.chunks import DEFAULT_CHUNK


@flow(name="sync_lane")
def sync_lane(
    service: str,
    config_path: str,
    municipality: str | None = None,
    as_of: str | None = None,
    full: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> dict[str, Any]:
    """Sync ``service``'s lane of every (or one) municipality, as of ``as_of``."""
    rt = open_runtime("sync_lane", config_path, lock=True)
    try:
        return run_services(rt, municipality, (service,), chunk_size, as_of, full)
    finally:
        close_runtime(rt)
