"""What every ``tilts`` verb shares: options, the error guard, municipality resolution.

Every expected error (a :class:`~tilts.kernel.errors.TiltsError`) becomes one line on stderr and its
exit code (operations.md §3): never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from tilts.kernel.errors import RunFailed, TiltsError

if TYPE_CHECKING:
    from tilts.kernel.config import TiltsSettings

T = TypeVar("T")

# ``-h`` as well as ``--help`` on every verb and group
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def group(help_text: str) -> typer.Typer:
    """A verb group with the shared settings (``-h``, no pretty tracebacks)."""
    return typer.Typer(
        no_args_is_help=True,
        context_settings=CONTEXT,
        pretty_exceptions_enable=False,
        help=help_text,
    )


ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML configuration (default $TILTS_CONFIG or ./tilts.toml)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MunicipalityOpt = Annotated[
    str | None,
    typer.Option(
        "--municipality", help="Configuration key or ATVK (e.g. ogre or 0040000); default all."
    ),
]


def guard(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn``; a TiltsError becomes its message on stderr and its exit code (a failed
    run's :class:`~tilts.kernel.errors.RunFailed` passes through: the caller prints its figures)."""
    try:
        return fn(*args, **kwargs)
    except RunFailed:
        raise
    except TiltsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


def settings(config: Path | None) -> TiltsSettings:
    """The validated settings (exit 2 naming the key and the file when they are not)."""
    from tilts.kernel.config import load_settings

    return guard(load_settings, config)


def preflight(config: Path | None, value: str | None) -> str | None:
    """Before a verb that calls the gateway starts a flow: the settings, the certificate,
    key and CA files, the store, and ``--municipality`` (its ATVK is returned)."""
    atvk = resolve_municipality(config, value)
    loaded = settings(config)
    guard(loaded.gateway.check_files)
    guard(_ping, loaded.store.url)  # an unreachable store: one line, before Prefect starts
    return atvk


def _ping(url: str) -> None:
    from tilts.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def resolve_municipality(config: Path | None, value: str | None) -> str | None:
    """The ATVK of ``--municipality`` (a configuration key or an ATVK); exit 2 listing the
    valid ones when it is not configured. Resolved before any flow starts, so a typo never
    reaches Prefect (which would log a traceback)."""
    loaded = settings(config)
    if value is None:
        return None
    return guard(loaded.municipality, value).atvk


def echo_json(data: Any) -> None:
    """``--json`` output: indented, dates and decimals as strings."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def echo_table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain table with a header row, columns as wide as their widest cell."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for r in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
