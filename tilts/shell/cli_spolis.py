"""``tilts spolis …``: SPOLIS submissions and reports (operations.md §3, spolis.md).

``decisions`` / ``payments`` send what SPOLIS does not hold yet at its current version;
``monthly --month YYYY-MM`` / ``annual --year YYYY`` build, check and send a report. With
``--dry-run`` each builds and checks, writes what it would send (personal codes masked) and
the check's result to a file per municipality, and sends nothing.

Exit codes as everywhere: 0 ok; 1 the job ran but records or a report were rejected, failed
the local checks or could not be built; 2 bad usage or input; 3 SPOLIS was unreachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from tilts.kernel.errors import TiltsError

spolis_app = typer.Typer(
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="SPOLIS: decision and payment records, monthly and annual reports.",
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML configuration (default $TILTS_CONFIG or ./tilts.toml)."),
]
MunicipalityOpt = Annotated[
    str | None,
    typer.Option(
        "--municipality", help="Configuration key or ATVK (e.g. ogre or 0040000); default all."
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Build and check; write the payload to a file, send nothing."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Folder of the --dry-run files (./.tilts/spolis).")
]


SpolisFlow = Literal["submit_decisions", "submit_payments", "monthly_report", "annual_report"]


def _run(name: SpolisFlow, **kwargs: Any) -> dict[str, Any]:
    """Run the SPOLIS flow ``name`` of ``flows/spolis.py``, imported (with Prefect) only once
    the options, the configuration and the store have passed: a bad one exits at once."""
    from tilts.shell.cli_common import preflight

    config = kwargs.get("config_path")
    kwargs["municipality"] = preflight(Path(config) if config else None, kwargs["municipality"])
    from tilts.flows import spolis

    flow = getattr(spolis, name)
    try:
        figures: dict[str, Any] = flow(**kwargs)
    except TiltsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    return figures


def _print(figures: dict[str, Any]) -> None:
    shown = ("persons_considered", "records_changed", "submissions_accepted",
             "submissions_rejected", "quarantined", "households_flagged", "registry_calls",
             "calls_retried", "duration_s")  # fmt: skip
    for key in shown:
        typer.echo(f"{key:<22} {figures.get(key)}")
    for r in figures.get("reports") or []:
        line = f"report {r['municipality']} {r['kind'].lower()} {r['period']}: {r['status']}"
        if r.get("version") is not None:
            line += f" version {r['version']}"
        if r.get("receipt_id"):
            line += f" receipt {r['receipt_id']}" + (" (late)" if r.get("late") else "")
        typer.echo(line)
        for w in r.get("warnings") or []:
            typer.echo(f"  warning: {w}")
        for e in r.get("errors") or []:
            typer.echo(f"  error: {e}")
    for path in figures.get("files") or []:
        typer.echo(f"written: {path}")
    for label in ("failures", "will_retry"):
        for line in figures.get(label) or []:
            typer.echo(f"{label}: {line}")


def exit_code(figures: dict[str, Any]) -> int:
    """0 ok; 3 when every failure was SPOLIS being unreachable; else 1 on any failure,
    rejection or quarantined record."""
    failures = figures.get("failures") or []
    if failures and all("Unreachable" in f for f in failures):
        return 3
    bad = failures or figures.get("quarantined") or figures.get("submissions_rejected")
    return 1 if bad else 0


def _finish(figures: dict[str, Any]) -> None:
    _print(figures)
    code = exit_code(figures)
    if code == 3:  # SPOLIS never answered: one line naming it on stderr too
        for line in dict.fromkeys(figures.get("failures") or []):
            typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def _check_period(kind: str, period: str) -> None:
    """Refuse a malformed ``--month`` / ``--year`` before any flow runs (exit 2)."""
    from tilts.flows.work.spolis_reports import parse_period

    try:
        parse_period(kind, period)
    except TiltsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


def _common(config: Path | None, out: Path | None) -> dict[str, Any]:
    return {
        "config_path": str(config) if config else None,
        "out_dir": str(out) if out else None,
    }


@spolis_app.command("decisions")
def decisions(
    municipality: MunicipalityOpt = None,
    dry_run: DryRunOpt = False,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Send new and corrected decision records (one per person of the household)."""
    _finish(_run("submit_decisions", municipality=municipality, dry_run=dry_run,
                 **_common(config, out)))  # fmt: skip


@spolis_app.command("payments")
def payments(
    municipality: MunicipalityOpt = None,
    dry_run: DryRunOpt = False,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Send new and corrected benefit payments (those whose decision SPOLIS accepted)."""
    _finish(_run("submit_payments", municipality=municipality, dry_run=dry_run,
                 **_common(config, out)))  # fmt: skip


@spolis_app.command("monthly")
def monthly(
    month: Annotated[str, typer.Option("--month", help="The month reported, YYYY-MM.")],
    municipality: MunicipalityOpt = None,
    dry_run: DryRunOpt = False,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Build, check and send the monthly report (a re-run after a correction: next version)."""
    _check_period("MONTHLY", month)
    _finish(_run("monthly_report", month=month, municipality=municipality, dry_run=dry_run,
                 **_common(config, out)))  # fmt: skip


@spolis_app.command("annual")
def annual(
    year: Annotated[str, typer.Option("--year", help="The year reported, YYYY.")],
    municipality: MunicipalityOpt = None,
    dry_run: DryRunOpt = False,
    out: OutOpt = None,
    config: ConfigOpt = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="With --dry-run: 'table' prints each municipality's report as the annual "
            "report of a social service lays it out (default 'summary').",
        ),
    ] = "summary",
) -> None:
    """Build, check and send the annual report with the person breakdown."""
    _check_period("ANNUAL", year)
    if output_format not in ("summary", "table"):
        typer.echo("error: --format: expected summary or table", err=True)
        raise typer.Exit(2)
    if output_format == "table" and not dry_run:
        typer.echo("error: --format table: only with --dry-run", err=True)
        raise typer.Exit(2)
    figures = _run("annual_report", year=year, municipality=municipality, dry_run=dry_run,
                   **_common(config, out))  # fmt: skip
    if output_format == "table":
        _tables(figures)
    _finish(figures)


def _tables(figures: dict[str, Any]) -> None:
    """Print the table of each dry-run document the run wrote."""
    import json

    from tilts.shell.annual_table import render_annual

    for path in figures.get("files") or []:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        typer.echo(render_annual(document))
        typer.echo("")
