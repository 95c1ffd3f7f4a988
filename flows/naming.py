"""Flow-run and task-run names that say what a run does (operations.md §7).

``nightly 0740000 2026-12-07``, ``vsaa 0740000 ids 1-5000``: the work, the municipality (its
ATVK; every configured one joined by ``+`` when the run is for all), the Riga date the run
means or the span of internal subject ids a chunk covers. Never a personal code or name — the
ids are the store's internal ones, as in the task parameters.

Flow names are callables (Prefect calls them at the start of the run and reads the
parameters from ``prefect.runtime``); task names receive the task's resolved parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tilts.kernel.clock import riga_today


def municipalities(params: Mapping[str, Any]) -> str:
    """The run's municipality, or every configured ATVK joined by ``+`` (``all`` when the
    configuration cannot be read: the run itself will say why)."""
    if params.get("municipality"):
        return str(params["municipality"])
    try:
        from tilts.kernel.config import load_settings

        config = params.get("config_path")
        settings = load_settings(Path(config) if config else None)
        return "+".join(m.atvk for m in settings.municipalities.values()) or "all"
    except Exception:  # naming must never fail a run
        return "all"


def _day(params: Mapping[str, Any]) -> str:
    return str(params.get("as_of") or riga_today().isoformat())


def flow_run_name(
    label: str, period: Callable[[Mapping[str, Any]], str] = _day
) -> Callable[[], str]:
    """A ``flow_run_name`` callable: ``<label> <municipalities> <period>`` (period: the day
    the run means, unless another ``period`` reads it from the parameters)."""

    def name() -> str:
        from prefect.runtime import flow_run

        params: Mapping[str, Any] = flow_run.parameters or {}
        return f"{label} {municipalities(params)} {period(params)}"

    name.__name__ = f"{label.replace(' ', '_')}_run_name"
    return name


def span(chunk: Any) -> str:
    """``ids 1-5000`` for a span chunk, ``12 listed ids 40-977`` for listed ids."""
    if hasattr(chunk, "unquote"):  # a ``quote``d parameter not yet unwrapped
        chunk = chunk.unquote()
    ids = getattr(chunk, "ids", ())
    if ids:
        return f"{len(ids)} listed ids {min(ids)}-{max(ids)}"
    return f"ids {getattr(chunk, 'after', 0) + 1}-{getattr(chunk, 'upto', 0)}"


def _atvk(parameters: Mapping[str, Any]) -> str:
    """The task's ``atvk`` parameter, or its night context's."""
    night: Any = parameters.get("night")
    if hasattr(night, "unquote"):
        night = night.unquote()
    return str(parameters.get("atvk") or getattr(night, "atvk", ""))


def chunk_task_name(service: str | None = None) -> Callable[..., str]:
    """A ``task_run_name`` callable: ``<service> <atvk> ids <a>-<b>`` (``service`` fixed, or
    the task's own ``service`` parameter)."""

    def name(parameters: dict[str, Any]) -> str:
        which = service or str(parameters.get("service", "task"))
        return f"{which} {_atvk(parameters)} {span(parameters.get('chunk'))}"

    return name


def atvk_task_name(label: str) -> Callable[..., str]:
    """A ``task_run_name`` callable: ``<label> <atvk>``."""

    def name(parameters: dict[str, Any]) -> str:
        return f"{label} {_atvk(parameters)}"

    return name
