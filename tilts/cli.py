"""The ``tilts`` command line (operations.md §3).

Exit codes, the same on every verb: 0 ok; 1 the job ran but some records failed; 2 bad usage
or bad input; 3 a dependency was unreachable. Each verb is thin: it parses options, loads the
settings once and calls into ``flows/``, ``store/``, ``mocks/`` or ``assessment/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tilts.errors import TiltsError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Tilts: registry sync, assessment and SPOLIS reporting.")
db_app = typer.Typer(no_args_is_help=True, help="The case store.")
mocks_app = typer.Typer(no_args_is_help=True, help="Mock registry, SPOLIS and recipient servers.")
app.add_typer(db_app, name="db")
app.add_typer(mocks_app, name="mocks")


def _fail(exc: TiltsError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(exc.exit_code)


@app.command()
def assess(
    case: Annotated[Path, typer.Option("--case", help="Household case as JSON (assessment.md §7).")],
) -> None:
    """Assess one household case and print the result as JSON."""
    from assessment.command import run

    raise typer.Exit(run(case, sys.stdout, sys.stderr))


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
