"""``tilts assess --case FILE [--explain]``: the calculator as a command (``assessment.md`` §7).

Reads one household case as JSON, writes the result as JSON (with ``--explain``: the sums as a
social worker writes them, then the reasons, as plain text) and returns 0; on bad input
writes ``error: <field path>: <what is wrong>`` lines (one per problem) and returns 2
(``operations.md`` §3). Nothing from the case is ever echoed in an error: not the file name
(it may be named after a person), not a value, only field paths and what was expected.
"""

from __future__ import annotations

import json
import pathlib
import typing

from tilts.assessment.calculator import assess
from tilts.assessment.explain import render
from tilts.assessment.output import result_to_json
from tilts.assessment.parsing import parse_case
from tilts.assessment.rules import default_rules
from tilts.kernel.errors import InputError, TiltsError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


MAX_CASE_BYTES = 1024 * 1024  # a household case is a few KiB; /dev/zero is endless


def _read(case_file: pathlib.Path) -> str:
    try:
        with case_file.open("rb") as f:
            raw = f.read(MAX_CASE_BYTES + 1)
        if len(raw) > MAX_CASE_BYTES:
            raise InputError(f"--case: larger than {MAX_CASE_BYTES // (1024 * 1024)} MiB")
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError("--case: the file does not exist") from None
    except IsADirectoryError:
        raise InputError("--case: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputError("--case: the file is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(
            f"--case: the file cannot be read ({exc.strerror or 'I/O error'})"
        ) from None


def run(
    case_file: pathlib.Path, out: typing.TextIO, err: typing.TextIO, explain: bool = False
) -> int:
    """Assess the case in ``case_file`` and write the result JSON to ``out``.

    Args:
        case_file: the household case as JSON (``assessment.md`` §7).
        out: where the result JSON goes.
        err: where error lines go.
        explain: write the computation as a social worker writes it (plain text: the sums,
            then the reasons) instead of the JSON.

    Returns:
        0 on success; 2 on bad input (file, JSON, fields, or configuration); 1 if the
        calculator itself failed (a bug: only the exception's type is written, no data).
    """
    try:
        result = assess(parse_case(_read(case_file)), default_rules())
    except TiltsError as exc:
        for line in str(exc).splitlines():
            err.write(f"error: {line}\n")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a traceback could show the case's personal data
        err.write(f"error: internal error in the calculator ({type(exc).__name__})\n")
        return EXIT_FAILED
    if explain:
        text = render(result)
        try:
            out.write(text)
        except UnicodeEncodeError:
            out.write(text.encode("ascii", "backslashreplace").decode("ascii"))
        return EXIT_OK
    document = result_to_json(result)
    try:
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    except UnicodeEncodeError:
        # The reasons use "§", "×" and "−"; a terminal that cannot show them gets escapes.
        out.write(json.dumps(document, ensure_ascii=True, indent=2) + "\n")
    return EXIT_OK
