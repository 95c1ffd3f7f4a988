"""``tilts cases import FILE`` / ``tilts cases export [FILE]``: the caseload from and to the
municipality's case application (docs/caseload-format.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tilts.kernel.clock import riga_today
from tilts.kernel.config import MunicipalitySettings, TiltsSettings, load_settings
from tilts.kernel.errors import ConfigError
from tilts.shell.cli_common import ConfigOpt, JsonOpt, MunicipalityOpt, echo_json, group, guard

cases_app = group(
    "The caseload: households, members, cases (docs/caseload-format.md); property overrides."
)

FormatOpt = Annotated[
    str | None, typer.Option("--format", help="csv or jsonl (default: from the file's name).")
]


def pick(settings: TiltsSettings, value: str | None) -> MunicipalitySettings:
    """``--municipality`` (key or ATVK), or the only configured one."""
    if value is not None:
        return settings.municipality(value)
    if len(settings.municipalities) == 1:
        return next(iter(settings.municipalities.values()))
    valid = ", ".join(f"{k} ({m.atvk})" for k, m in settings.municipalities.items())
    raise ConfigError(f"--municipality: name the municipality of the file; valid: {valid}")


def import_file(
    config: Path | None,
    path: Path,
    fmt: str | None = None,
    municipality: str | None = None,
    close_missing: bool = False,
    today: date | None = None,
) -> dict[str, Any]:
    """Import one caseload file into the configured store; the figures of what changed."""
    from tilts.flows.runtime import open_store
    from tilts.shell.caseload import file_format, import_rows, read_rows
    from tilts.store.db import transaction

    settings = load_settings(config)
    muni = pick(settings, municipality)
    rows, unreadable = read_rows(path, file_format(path, fmt))
    _, factory = open_store(settings.store.url)
    with transaction(factory) as s:
        return import_rows(s, muni, rows, unreadable, today or riga_today(), close_missing)


def export_file(
    config: Path | None, path: Path | None, fmt: str | None = None, municipality: str | None = None
) -> dict[str, Any]:
    """Write the caseload of one municipality to ``path`` (standard output when ``None``)."""
    from tilts.flows.runtime import open_store
    from tilts.shell.caseload import export_rows, file_format, opened, write_rows
    from tilts.store.db import transaction

    settings = load_settings(config)
    muni = pick(settings, municipality)
    chosen = file_format(path, fmt if fmt or path else "csv")
    _, factory = open_store(settings.store.url)
    with transaction(factory) as s:
        rows = export_rows(s, muni)
    with opened(path) as out:
        write_rows(rows, out, chosen)
    return {
        "municipality": muni.atvk,
        "file": str(path) if path else "-",
        "format": chosen,
        "rows": len(rows),
        "cases": len({r.case_number for r in rows}),
        "open_cases": len({r.case_number for r in rows if r.closed_on is None}),
        "households": len({r.household for r in rows}),
        "persons": len({r.code for r in rows}),
    }


def _echo_figures(figures: dict[str, Any], err: bool = False) -> None:
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        if key != "bad_rows":
            typer.echo(f"{key:<{width}}  {value}", err=err)
    for line in figures.get("bad_rows") or []:
        typer.echo(f"quarantined: {line}", err=err)


@cases_app.command("import")
def cases_import(
    file: Annotated[Path, typer.Argument(help="The case application's export (.csv, .jsonl).")],
    municipality: MunicipalityOpt = None,
    file_format: FormatOpt = None,
    close_missing: Annotated[
        bool,
        typer.Option("--close-missing", help="A full export: close open cases it does not name."),
    ] = False,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load or update the caseload (docs/caseload-format.md); bad rows are quarantined
    naming the field (exit 1)."""
    figures = guard(import_file, config, file, file_format, municipality, close_missing)
    echo_json(figures) if as_json else _echo_figures(figures)
    raise typer.Exit(1 if figures["quarantined"] else 0)


@cases_app.command("export")
def cases_export(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write (default: standard output, CSV).")
    ] = None,
    municipality: MunicipalityOpt = None,
    file_format: FormatOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the caseload in the import's format (docs/caseload-format.md); the summary goes
    to standard error when the rows go to standard output."""
    summary = guard(export_file, config, file, file_format, municipality)
    if as_json:
        import json

        typer.echo(json.dumps(summary, indent=2), err=file is None)
    else:
        _echo_figures(summary, err=file is None)


def record_property_override(
    config: Path | None,
    household: str,
    result: str,
    reason: str,
    decided_on: date | None = None,
    municipality: str | None = None,
) -> dict[str, Any]:
    """Store the social worker's property override with its reason (``property.md`` §8)."""
    from tilts.flows.runtime import open_store
    from tilts.store.db import transaction
    from tilts.store.ops import ensure_municipality, now
    from tilts.store.property_overrides import record_override

    settings = load_settings(config)
    if municipality is None and len(settings.municipalities) > 1:
        valid = ", ".join(f"{k} ({m.atvk})" for k, m in settings.municipalities.items())
        raise ConfigError(f"--municipality: name the household's municipality; valid: {valid}")
    muni = pick(settings, municipality)
    day = decided_on or riga_today()
    _, factory = open_store(settings.store.url)
    with transaction(factory) as s:
        mid = ensure_municipality(s, muni.atvk, muni.name)
        row = record_override(s, mid, household, result, reason, day, now())
    return {
        "municipality": muni.atvk,
        "household": household,
        "result": result,
        "decided_on": day.isoformat(),
        "override": row,
    }


@cases_app.command("property-override")
def cases_property_override(
    household: Annotated[str, typer.Argument(help="The household's id in the caseload.")],
    result: Annotated[str, typer.Option("--result", help="MET or NOT_MET: the worker's decision.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the case).")],
    decided_on: Annotated[
        str | None, typer.Option("--decided-on", help="YYYY-MM-DD (default: today).")
    ] = None,
    municipality: MunicipalityOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Override a household's property test, with the reason (docs/contracts/property.md §8).

    The override beats the computed result for the property held on the day decided;
    property acquired later is tested again. The latest override of a household is in force.
    """
    day = guard(_day, decided_on)
    figures = guard(record_property_override, config, household, result, reason, day, municipality)
    echo_json(figures) if as_json else _echo_figures(figures)


def _day(value: str | None) -> date | None:
    from tilts.kernel.errors import InputError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("--decided-on: must be a date YYYY-MM-DD") from None
