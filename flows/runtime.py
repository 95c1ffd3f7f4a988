"""What a flow run shares with its tasks: settings, store, gateways, audit sink, figures.

What a night is about (municipality, day, purpose, ...) is not here: it is resolved once per
flow into a ``NightContext`` (``flows/context.py``) and passed down. Tasks receive that
context or the run key, and internal person ids (never personal codes), and look the runtime
up here once.
"""

from __future__ import annotations

import gc
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tilts.connectors.base import Gateway, make_session
from tilts.connectors.xroad import Purpose
from tilts.kernel.config import MunicipalitySettings, TiltsSettings, load_settings
from tilts.kernel.figures import RunFigures
from tilts.kernel.logsafe import install as install_log_masking
from tilts.kernel.timing import BUSY
from tilts.registries import per_person, scopes
from tilts.store.db import make_engine, session_factory, transaction
from tilts.store.migrate import upgrade
from tilts.store.ops import StoreAuditSink, ensure_municipality
from tilts.store.runlock import RunLock, acquire

_RUNTIMES: dict[str, Runtime] = {}
_LOCK = threading.Lock()
# Python's cycle collector starts after 700 new container objects by default: a night's chunk
# work makes millions of short-lived dicts and tuples (freed by reference counting anyway), so
# it ran ~2,800 times in a 20,000-person night, and its full passes over a heap of Prefect,
# SQLAlchemy and pandas objects took a quarter of the night's CPU (issue 17). While a runtime
# is open it starts after 50,000; see docs/decisions.md "Garbage collection during a run".
GC_THRESHOLD = 50_000
_gc_saved: list[tuple[int, int, int]] = []  # the thresholds before the first open runtime
_MIGRATED: set[str] = set()
_MIGRATE_LOCK = threading.Lock()


@dataclass
class Runtime:
    """One flow run's shared objects."""

    key: str
    settings: TiltsSettings
    engine: Engine
    factory: sessionmaker[Session]
    audit: StoreAuditSink
    figures: RunFigures
    session: requests.Session
    gateways: dict[str, Gateway] = field(default_factory=dict)
    municipality_ids: dict[str, int] = field(default_factory=dict)
    progress_id: UUID | None = None  # the run's progress artifact (flows/reporting.py)
    # calls made on this run's behalf by its child flow runs (flows/fanout.py), by figure name
    child_calls: dict[str, int] = field(default_factory=dict)
    run_lock: RunLock | None = None  # a sync's hold on the store (store/runlock.py)

    def municipalities(self, atvk: str | None = None) -> list[MunicipalitySettings]:
        """The configured municipalities, or just the one asked for."""
        if atvk is not None:
            return [self.settings.municipality(atvk)]
        return list(self.settings.municipalities.values())

    def municipality_id(self, atvk: str) -> int:
        """The store id of a municipality, created on first use."""
        if atvk not in self.municipality_ids:
            muni = self.settings.municipality(atvk)
            with transaction(self.factory) as s:
                self.municipality_ids[atvk] = ensure_municipality(s, muni.atvk, muni.name)
        return self.municipality_ids[atvk]

    def gateway(self, atvk: str) -> Gateway:
        """The gateway of a municipality (one token cache and rate-limit set per run)."""
        with _LOCK:
            if atvk not in self.gateways:
                muni = self.settings.municipality(atvk)
                secret = self.settings.client_secret(muni.client_id).get_secret_value()
                self.gateways[atvk] = Gateway(
                    self.settings.gateway,
                    muni,
                    secret,
                    list(scopes(self.switched_off())),
                    session=self.session,
                    audit=self.audit,
                    run_id=self.key,
                )
            return self.gateways[atvk]

    def switched_off(self) -> frozenset[str]:
        """The registries this installation does not ask (``enabled = false``): per-person
        registries only — the population lane (PMLP) is every night's base and is always asked."""
        off = {k for k, v in self.settings.gateway.services.items() if not v.enabled}
        return frozenset(off & set(per_person()))

    def purpose(self, atvk: str) -> Purpose:
        """The scheduled job's identity and legal-basis reference."""
        return Purpose(self.settings.gateway.user_id, self.settings.municipality(atvk).issue)

    def collect_call_figures(self) -> None:
        """Copy the gateways' call and retry counters (and the child runs') into the figures."""
        extra = self.child_calls
        self.figures.registry_calls = extra.get("registry_calls", 0) + sum(
            g.calls for g in self.gateways.values()
        )
        self.figures.calls_retried = extra.get("calls_retried", 0) + sum(
            g.stats.retries for g in self.gateways.values()
        )
        self.figures.rate_limited_honoured = extra.get("rate_limited_honoured", 0) + sum(
            g.stats.rate_limited for g in self.gateways.values()
        )


def open_store(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for ``url``, migrated to head on first use in this process."""
    engine = make_engine(url)
    with _MIGRATE_LOCK:  # runtimes opened from several threads must not race the migration
        if url not in _MIGRATED:
            upgrade(engine)
            _MIGRATED.add(url)
    return engine, session_factory(engine)


def open_runtime(
    flow: str, config_path: str | None = None, key: str | None = None, lock: bool = False
) -> Runtime:
    """Create the runtime of a flow run and register it under a fresh key.

    ``lock``: take the store's run lock (a sync: one at a time per store) or raise
    :class:`~tilts.kernel.errors.RunLocked`; :func:`close_runtime` gives it back.
    """
    with BUSY.busy():
        rt = _open_runtime(flow, config_path, key)
    if lock:
        try:
            rt.run_lock = acquire(rt.engine, flow)
        except BaseException:
            close_runtime(rt)
            raise
    return rt


def _open_runtime(flow: str, config_path: str | None, key: str | None) -> Runtime:
    install_log_masking()
    settings = load_settings(Path(config_path) if config_path else None)
    engine, factory = open_store(settings.store.url)
    rt = Runtime(
        key=key or str(uuid.uuid4()),
        settings=settings,
        engine=engine,
        factory=factory,
        audit=StoreAuditSink(factory),
        figures=RunFigures(flow=flow),
        session=make_session(settings.gateway, pool_size=64),
    )
    with _LOCK:
        if not _RUNTIMES:
            _gc_saved[:] = [gc.get_threshold()]
            first, *older = _gc_saved[0]
            gc.set_threshold(max(first, GC_THRESHOLD), *older)
        _RUNTIMES[rt.key] = rt
    return rt


def get_runtime(key: str) -> Runtime:
    """The runtime registered under ``key``."""
    return _RUNTIMES[key]


def close_runtime(rt: Runtime) -> None:
    """Flush the audit sink and release connections."""
    with BUSY.busy():
        rt.audit.flush()
    rt.session.close()
    if rt.run_lock is not None:
        rt.run_lock.release()
        rt.run_lock = None
    rt.engine.dispose()
    with _LOCK:
        _RUNTIMES.pop(rt.key, None)
        if not _RUNTIMES and _gc_saved:
            gc.set_threshold(*_gc_saved.pop())
