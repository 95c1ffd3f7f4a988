"""The ``tilts`` command line (operations.md §3).

Exit codes, the same on every verb: 0 ok; 1 the job ran but some records failed; 2 bad usage
or bad input; 3 a dependency was unreachable. Each verb is thin: it parses options, loads the
settings once and calls into ``flows/``, ``store/``, ``mocks/`` or ``assessment/``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.work.batching import DEFAULT_CHUNK
from tilts.cli_spolis import spolis_app
from tilts.errors import TiltsError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Tilts: registry sync, household assessment and SPOLIS reporting.",
)
db_app = typer.Typer(no_args_is_help=True, help="The case store.")
mocks_app = typer.Typer(no_args_is_help=True, help="Mock registry, SPOLIS and recipient servers.")
quarantine_app = typer.Typer(
    no_args_is_help=True, help="Records that failed validation or were rejected."
)
config_app = typer.Typer(no_args_is_help=True, help="Check or print the configuration.")
app.add_typer(db_app, name="db")
app.add_typer(mocks_app, name="mocks")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(config_app, name="config")
app.add_typer(spolis_app, name="spolis")

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML configuration (default $TILTS_CONFIG or ./tilts.toml)."),
]


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn``; a TiltsError becomes its message on stderr and its exit code."""
    try:
        return fn(*args, **kwargs)
    except TiltsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Apply the store's migrations (creates the SQLite file on first use)."""
    from store.db import make_engine
    from store.migrate import upgrade
    from tilts.config import load_settings

    settings = _guard(load_settings, config)
    engine = _guard(make_engine, settings.store.url)
    try:
        upgrade(engine)
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
    from tilts.config_cli import check

    for line in _guard(check, config, offline):
        typer.echo(line)


@config_app.command("example")
def config_example() -> None:
    """Print a commented example configuration for a municipality."""
    from tilts.config_cli import EXAMPLE

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
    from mocks import serve_command

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
        str, typer.Argument(help="population | disability | income | employment | all")
    ] = "all",
    municipality: Annotated[
        str | None, typer.Option(help="ATVK; default every configured one.")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore cursors; re-fetch everyone.")
    ] = False,
    chunk_size: Annotated[int, typer.Option(min=1, help="Persons per Prefect task.")] = (
        DEFAULT_CHUNK
    ),
    config: ConfigOpt = None,
) -> None:
    """One sync run for the configured municipalities."""
    from flows.catalogue import sync_flow

    flow = _guard(sync_flow, service)
    figures = _guard(
        flow,
        municipality=municipality,
        full=full,
        chunk_size=chunk_size,
        config_path=str(config) if config else None,
    )
    _print_figures(figures)
    raise typer.Exit(_exit_code(figures))


@app.command()
def notify(
    municipality: Annotated[
        str | None, typer.Option(help="ATVK; default every configured one.")
    ] = None,
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
    """Deliver the notification outbox (outbound.md); parked ones are shown with reasons."""
    from flows.notify import deliver_notifications
    from tilts.status_outbox import resolve_parked

    if lease != lease:  # nan passes click's range check
        typer.echo("error: --lease: must be a number of seconds", err=True)
        raise typer.Exit(2)

    if retry_parked or discard:
        for line in _guard(resolve_parked, config, retry_parked or [], discard or []):
            typer.echo(line)
    figures = _guard(
        deliver_notifications,
        municipality=municipality,
        chunk_size=chunk_size,
        lease_s=lease,
        config_path=str(config) if config else None,
    )
    _print_figures(figures)
    raise typer.Exit(_exit_code(figures))


@app.command()
def assess(
    case: Annotated[
        Path, typer.Option("--case", help="Household case as JSON (assessment.md §7).")
    ],
) -> None:
    """Assess one household case and print the result as JSON."""
    from assessment.command import run

    raise typer.Exit(run(case, sys.stdout, sys.stderr))


@app.command()
def status(
    config: ConfigOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Last runs, cursors, quarantined records, flagged households (no personal codes)."""
    from tilts.status import collect, render

    report = _guard(collect, config)
    typer.echo(json.dumps(report, indent=2, default=str) if as_json else render(report))


@quarantine_app.command("list")
def quarantine_list(
    config: ConfigOpt = None,
    service: str | None = None,
    run: str | None = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
) -> None:
    """Open quarantined records with their reasons (codes masked)."""
    from tilts.status import quarantine_rows

    for row in _guard(quarantine_rows, config, service, run, limit):
        typer.echo(
            f"{row['id']:>6}  {row['service']:<7} {row['kind']:<8} {row['ref']:<13} {row['reason']}"
        )


def _quarantine_action(
    action: str, config: Path | None, ids: list[int], run: str | None, service: str | None,
    reason: str | None,
) -> None:  # fmt: skip
    from store.db import make_engine, session_factory, transaction
    from store.quarantine import QuarantineFilter, discard, retry
    from tilts.config import load_settings

    chosen = QuarantineFilter(tuple(ids), run, service, reason)
    if chosen.is_empty():
        typer.echo("error: name the records: IDs, --run, --service or --reason", err=True)
        raise typer.Exit(2)
    settings = _guard(load_settings, config)
    factory = session_factory(_guard(make_engine, settings.store.url))
    with transaction(factory) as s:
        count = (retry if action == "retry" else discard)(s, chosen)
    done = "will be fetched again by the next sync" if action == "retry" else "discarded"
    typer.echo(f"{count} record(s) {done}")


QuarantineIds = Annotated[list[int] | None, typer.Argument(help="Quarantine ids (see list).")]


@quarantine_app.command("retry")
def quarantine_retry(
    ids: QuarantineIds = None, config: ConfigOpt = None, run: str | None = None,
    service: str | None = None, reason: str | None = None,
) -> None:  # fmt: skip
    """Retry records (by id, run, service or reason): the next sync fetches them again."""
    _quarantine_action("retry", config, ids or [], run, service, reason)


@quarantine_app.command("discard")
def quarantine_discard(
    ids: QuarantineIds = None, config: ConfigOpt = None, run: str | None = None,
    service: str | None = None, reason: str | None = None,
) -> None:  # fmt: skip
    """Discard records (by id, run, service or reason); they stay in the audit trail."""
    _quarantine_action("discard", config, ids or [], run, service, reason)


automation_app = typer.Typer(no_args_is_help=True, help="Prefect automations for operators.")
app.add_typer(automation_app, name="automation")


@automation_app.command("create")
def automation_create(
    block: Annotated[
        str, typer.Option(help="Notification block, <type-slug>/<name>, e.g. slack-webhook/ops.")
    ],
) -> None:
    """Notify through a Prefect notification block when a flow run fails or crashes."""
    from tilts.automation import create_failure_automation

    automation_id = _guard(create_failure_automation, block)
    typer.echo(f"automation {automation_id} notifies through {block} on failed or crashed runs")


@app.command()
def demo(
    persons: Annotated[int, typer.Option(help="Size of the mock population.")] = 20000,
    households: Annotated[
        int, typer.Option(help="Households with an open case per municipality.")
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
    from tilts.demo import run_demo

    code = _guard(
        run_demo, persons=persons, households=households, workdir=workdir, keep_serving=keep_serving
    )
    raise typer.Exit(code)


def _print_figures(figures: dict[str, Any]) -> None:
    keys = [k for k in figures if k not in ("failures", "will_retry", "parked")]
    width = max(len(k) for k in keys)
    for k in keys:
        typer.echo(f"{k:<{width}}  {figures[k]}")
    for label in ("failures", "will_retry", "parked"):
        for line in figures.get(label) or []:
            typer.echo(f"{label}: {line}")


def _exit_code(figures: dict[str, Any]) -> int:
    failures = figures.get("failures") or []
    if failures and all("Unreachable" in f for f in failures):
        return 3
    return 1 if failures or figures.get("quarantined") or figures.get("notifications_parked") else 0


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
