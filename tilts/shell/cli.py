"""The ``tilts`` command line (operations.md §3).

Exit codes, the same on every verb: 0 ok; 1 the job ran but some records failed; 2 bad usage
or bad input; 3 a dependency was unreachable. Each verb is thin: it parses options, loads the
settings once and calls into ``flows/``, ``store/``, ``mocks/`` or ``assessment/``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tilts import __version__
from tilts.flows.work.batching import DEFAULT_CHUNK
from tilts.kernel.clock import riga_today
from tilts.kernel.errors import TiltsError
from tilts.shell.cli_cases import cases_app
from tilts.shell.cli_common import (
    CONTEXT,
    ConfigOpt,
    JsonOpt,
    MunicipalityOpt,
    group,
    preflight,
)
from tilts.shell.cli_common import guard as _guard
from tilts.shell.cli_ops import cursor_app, register_db
from tilts.shell.cli_quarantine import quarantine_app
from tilts.shell.cli_spolis import spolis_app

app = typer.Typer(
    no_args_is_help=True,
    context_settings=CONTEXT,
    pretty_exceptions_enable=False,
    help="Tilts: registry sync, household assessment and SPOLIS reporting (see README.md and "
    "docs/operations.md).",
)
db_app = group("The case store and its migrations.")
mocks_app = group("Mock registry, SPOLIS and recipient servers.")
config_app = group("Check or print the configuration.")
app.add_typer(db_app, name="db")
app.add_typer(mocks_app, name="mocks")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(config_app, name="config")
app.add_typer(spolis_app, name="spolis")
app.add_typer(cases_app, name="cases")
app.add_typer(cursor_app, name="cursor")
register_db(db_app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tilts {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Tilts: registry sync, household assessment and SPOLIS reporting (see README.md and
    docs/operations.md)."""


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Apply the store's migrations (creates the SQLite file on first use)."""
    from tilts.kernel.config import load_settings
    from tilts.store.db import make_engine
    from tilts.store.migrate import upgrade

    settings = _guard(load_settings, config)
    engine = _guard(make_engine, settings.store.url)
    try:
        upgrade(engine)
    except TiltsError as exc:  # an unreachable store names its host and port
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except Exception as exc:  # the database itself is a dependency
        typer.echo(f"error: store.url: cannot migrate ({type(exc).__name__})", err=True)
        raise typer.Exit(3) from None
    typer.echo("store is at the latest migration")


@config_app.command("check")
def config_check(
    config: ConfigOpt = None,
    offline: Annotated[bool, typer.Option("--offline", help="Validate only; no calls.")] = False,
) -> None:
    """Validate the configuration and try each gateway's token endpoint."""
    from tilts.shell.config_cli import check

    def run() -> None:
        for line in check(config, offline):
            typer.echo(line)

    _guard(run)


@config_app.command("example")
def config_example() -> None:
    """Print a commented example configuration for a municipality."""
    from tilts.shell.config_cli import EXAMPLE

    typer.echo(EXAMPLE, nl=False)


@mocks_app.command("serve")
def mocks_serve(
    host: str = "127.0.0.1",
    port: int = 8700,
    seed: int = 42,
    persons: int = 20000,
    admin: Annotated[bool, typer.Option("--admin/--no-admin")] = True,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    tls_ca: Path | None = None,
    require_client_cert: bool = False,
    no_rate_limits: bool = False,
    config_file: Annotated[
        Path | None, typer.Option("--config-file", help="Mock clients (TOML).")
    ] = None,
) -> None:
    """Serve every mock service until stopped."""
    from tilts.mocks import serve_command

    _guard(
        serve_command,
        host=host,
        port=port,
        seed=seed,
        persons=persons,
        admin=admin,
        tls_cert=tls_cert,
        tls_key=tls_key,
        tls_ca=tls_ca,
        require_client_cert=require_client_cert,
        no_rate_limits=no_rate_limits,
        config_file=config_file,
    )


@app.command()
def sync(
    service: Annotated[
        str, typer.Argument(help="population | disability | income | employment | property | all")
    ] = "all",
    municipality: MunicipalityOpt = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore cursors; re-fetch everyone.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="A backfill: everyone's facts as the registries knew them on this date "
            "(YYYY-MM-DD; see docs/operations.md).",
        ),
    ] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Persons per Prefect task.")] = (
        DEFAULT_CHUNK
    ),
    config: ConfigOpt = None,
) -> None:
    """One sync run for the configured municipalities."""
    from tilts.flows.catalogue import check_service, sync_flow

    _guard(check_service, service)
    atvk = preflight(config, municipality)  # a bad configuration or store: exit before Prefect
    backfill: dict[str, Any] = {}
    if as_of is not None:  # a backfill asks about everyone: --as-of implies --full
        full = True
        backfill = {"as_of": _past_day(as_of)}
        if service in ("population", "all"):
            backfill["backfill"] = True
    from tilts.flows.reporting import figures_of

    flow = sync_flow(service)
    # another sync on the store: RunLocked, exit 3 (store/runlock.py); a Failed run's figures
    # say what and why (figures_of)
    figures = _guard(
        figures_of,
        flow,
        municipality=atvk,
        full=full,
        chunk_size=chunk_size,
        config_path=str(config) if config else None,
        **backfill,
    )
    _print_figures(figures)
    _finish(figures)


def _past_day(value: str) -> str:
    """``--as-of``: a real date, not in the future (exit 2 otherwise)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        typer.echo(f"error: --as-of: {value!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    if day > riga_today():
        typer.echo(f"error: --as-of: {value} is in the future", err=True)
        raise typer.Exit(2)
    return day.isoformat()


@app.command()
def notify(
    municipality: MunicipalityOpt = None,
    retry_parked: Annotated[
        list[str] | None,
        typer.Option("--retry-parked", help="Put a parked notification (id) back in line first."),
    ] = None,
    discard: Annotated[
        list[str] | None,
        typer.Option("--discard", help="Discard a parked notification (id) first."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Streams per Prefect task.")
    ] = 200,
    lease: Annotated[
        float,
        typer.Option(min=1, max=86_400, help="Seconds a claim holds a notification (≤ a day)."),
    ] = 600.0,
    config: ConfigOpt = None,
) -> None:
    """Deliver the notification outbox; parked ones are shown with reasons (docs/operations.md)."""
    if lease != lease:  # nan passes click's range check
        typer.echo("error: --lease: must be a number of seconds", err=True)
        raise typer.Exit(2)

    atvk = preflight(config, municipality)  # a bad configuration or file: exit 2 first
    from tilts.flows.notify import deliver_notifications
    from tilts.shell.status_outbox import resolve_parked

    if retry_parked or discard:
        for line in _guard(resolve_parked, config, retry_parked or [], discard or []):
            typer.echo(line)
    figures = _guard(
        deliver_notifications,
        municipality=atvk,
        chunk_size=chunk_size,
        lease_s=lease,
        config_path=str(config) if config else None,
    )
    _print_figures(figures)
    _finish(figures)


@app.command()
def assess(
    case: Annotated[
        Path,
        typer.Option("--case", help="Household case as JSON (docs/contracts/assessment.md §7)."),
    ],
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Print the computation as a social worker writes it, not JSON."
        ),
    ] = False,
) -> None:
    """Assess one household case and print the result as JSON."""
    from tilts.assessment.command import run

    raise typer.Exit(run(case, sys.stdout, sys.stderr, explain=explain))


@app.command()
def status(config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Last runs, cursors, quarantined records, flagged households (no personal codes)."""
    from tilts.shell.status import collect, render

    report = _guard(collect, config)
    typer.echo(json.dumps(report, indent=2, default=str) if as_json else render(report))


automation_app = group("Prefect automations for operators.")
app.add_typer(automation_app, name="automation")


@automation_app.command("create")
def automation_create(
    block: Annotated[
        str, typer.Option(help="Notification block, <type-slug>/<name>, e.g. slack-webhook/ops.")
    ],
    tag: Annotated[
        str | None,
        typer.Option(help="Only runs with this tag (every Tilts deployment has `tilts`)."),
    ] = None,
) -> None:
    """Notify through a Prefect notification block when a flow run fails or crashes."""
    from tilts.shell.automation import create_failure_automation

    automation_id = _guard(create_failure_automation, block, tag=tag)
    typer.echo(f"automation {automation_id} notifies through {block} on failed or crashed runs")


@app.command()
def demo(
    persons: Annotated[int, typer.Option(help="Size of the mock population.")] = 20000,
    households: Annotated[
        int,
        typer.Option(min=1, max=1_000_000, help="Households with an open case per municipality."),
    ] = 600,
    workdir: Annotated[
        Path, typer.Option(help="Where the demo keeps its store and config.")
    ] = Path(".tilts/demo"),
    keep_serving: Annotated[
        bool,
        typer.Option("--keep-serving", help="Keep the mocks and ministry view up until Ctrl-C."),
    ] = False,
) -> None:
    """Start the mocks, seed a store, sync twice with a clock advance, print the figures."""
    from tilts.shell.demo import run_demo

    code = _guard(
        run_demo, persons=persons, households=households, workdir=workdir, keep_serving=keep_serving
    )
    raise typer.Exit(code)


def _print_figures(figures: dict[str, Any]) -> None:
    keys = [
        k for k in figures if k not in ("failures", "will_retry", "parked", "parts", "deferred")
    ]
    width = max(len(k) for k in keys)
    for k in keys:
        typer.echo(f"{k:<{width}}  {figures[k]}")
    for label in ("failures", "will_retry", "parked"):
        for line in figures.get(label) or []:
            typer.echo(f"{label}: {line}")
    for part, persons in sorted((figures.get("deferred") or {}).items()):
        typer.echo(f"deferred by the night budget: {part} {persons} (due the next night)")


def _finish(figures: dict[str, Any]) -> None:
    """Exit with the run's code; a dependency that never answered is also one line on stderr
    naming it (the figures above say what else happened)."""
    code = _exit_code(figures)
    if code == 3:
        for line in dict.fromkeys(figures.get("failures") or []):
            typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def _exit_code(figures: dict[str, Any]) -> int:
    failures = figures.get("failures") or []
    if failures and all("Unreachable" in f for f in failures):
        return 3
    return 1 if failures or figures.get("quarantined") or figures.get("notifications_parked") else 0


class _ExpectedError(logging.Filter):
    """On the terminal, a task or flow that failed on an expected error (a registry that did
    not answer, bad input) is the one line Prefect logs with the error's message; its
    traceback is for bugs only (operations.md §3: no traceback for an expected error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], TiltsError):
            record.exc_info, record.exc_text = None, None
        return True


def _quiet_expected_tracebacks() -> None:
    for name in ("prefect.task_runs", "prefect.flow_runs", "prefect.task_engine",
                 "prefect.flow_engine"):  # fmt: skip
        logging.getLogger(name).addFilter(_ExpectedError())


def main() -> None:
    """Console entry point: an expected error anywhere is one line and its exit code."""
    import httpx

    _quiet_expected_tracebacks()
    try:
        app()
    except TiltsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (httpx.TransportError, RuntimeError) as exc:
        # Prefect's API (a server at PREFECT_API_URL, or the ephemeral one it starts) did
        # not answer: a dependency, so one line and exit 3; any other RuntimeError is a bug
        if isinstance(exc, RuntimeError) and "Prefect API" not in str(exc):
            raise
        import os

        where = os.environ.get("PREFECT_API_URL") or "Prefect's ephemeral API"
        typer.echo(f"error: the Prefect API ({where}) is unreachable: {exc}", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
