"""The one place records are validated: connector dicts → frame → lazy pandera → split.

Every bad row is reported (``lazy=True``) and goes to quarantine with the failing checks; the
valid rows go on. Reasons name the column and the check, never the offending value (it may be
a personal code).
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.errors import SchemaErrors

from tilts.schemas.common import checking_as_of

Flatten = Callable[[dict[str, Any]], dict[str, Any]]


def _not_geopandas(pd_dtype: Any) -> bool:
    """No dtype is a geopandas one where geopandas is not installed."""
    return False


def _remember_geopandas_absent() -> None:
    """pandera asks of every column of every frame whether its dtype is a geopandas one by
    importing geopandas (``pandas_engine.is_geopandas_dtype``); where geopandas is not
    installed the import fails, and Python searches for it again on every call (a third of
    pandera's dtype checks, issue 17). Where it is not installed, say so at once; where it is,
    pandera's own test runs unchanged (a successful import is remembered)."""
    if importlib.util.find_spec("geopandas") is None:
        pandas_engine.is_geopandas_dtype = _not_geopandas


_remember_geopandas_absent()


def _register_backends() -> None:
    """Register pandera's pandas backends now, at import, not in the first chunk a night
    validates: the registration imports pandera's check and strategy modules (and, where
    hypothesis is installed, hypothesis and its plugins), about a second of CPU once per
    process that a night's first chunks paid for, in whichever lane's thread came first
    (issue 17). pandera registers once per process (it caches the call)."""
    pa.DataFrameSchema.register_default_backends(pd.DataFrame)


_register_backends()


@cache
def _prepared(
    model: type[pa.DataFrameModel],
) -> tuple[pa.DataFrameSchema, list[str], list[str]]:
    """The model's schema as :func:`validate_records` runs it, its columns and its text columns.

    The text columns' values are checked row by row before pandera runs (each a ``str`` or
    ``None``), so the schema run leaves out pandera's dtype check of them, which tested every
    value again (a third of pandera's time on a chunk, issue 17); every other check, and the
    dtype of every other column, is the model's.
    """
    schema = model.to_schema()
    text = [c for c, col in schema.columns.items() if str(col.dtype).startswith("str")]
    return schema.update_columns({c: {"dtype": None} for c in text}), list(schema.columns), text


def validate_records(
    records: Sequence[dict[str, Any]],
    model: type[pa.DataFrameModel],
    flatten: Flatten | None = None,
    as_of: date | None = None,
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], str]]]:
    """Split ``records`` into (valid, [(invalid, reason)]) by ``model``.

    ``as_of``: the run's as-of day, which the date-range checks measure against
    (``schemas/common.py`` ``dates_in_range``; ``None``: today, with a year's horizon).

    A value of the wrong type in a text column is found row by row before pandera runs: pandera
    reports a column's dtype failure for the whole column, which would take every row of the
    batch with the one bad record.
    """
    if not records:
        return [], []
    rows = [flatten(r) if flatten else r for r in records]
    schema, columns, text = _prepared(model)
    reasons: dict[int, list[str]] = defaultdict(list)
    for i, row in enumerate(rows):
        for c in text:
            value = row.get(c)
            if value is not None and not isinstance(value, str):
                reasons[i].append(f"{c}: dtype('str')")
    kept = [i for i in range(len(rows)) if i not in reasons]
    if kept:
        frame = pd.DataFrame.from_records([rows[i] for i in kept])
        for col in columns:
            if col not in frame.columns:
                frame[col] = None
        frame = frame[columns].astype(object).where(frame[columns].notna(), None)
        try:
            with checking_as_of(as_of):
                schema.validate(frame, lazy=True)
        except SchemaErrors as exc:
            _collect(exc, kept, reasons)
    bad = {i: "; ".join(sorted(set(r))) for i, r in reasons.items()}
    valid = [rec for i, rec in enumerate(records) if i not in bad]
    invalid = [(records[i], reason) for i, reason in sorted(bad.items())]
    return valid, invalid


def _collect(exc: SchemaErrors, kept: list[int], reasons: dict[int, list[str]]) -> None:
    """Each failure case's reason onto the row it names (``kept`` maps frame rows back)."""
    for case in exc.failure_cases.itertuples(index=False):
        idx = getattr(case, "index", None)
        column = getattr(case, "column", None) or "record"
        if getattr(case, "schema_context", "") == "DataFrameSchema":
            column = "record"  # a whole-row check names the rule, not every column
        check = str(getattr(case, "check", "check"))
        if idx is None or pd.isna(idx):
            # a schema-level failure (missing column, wrong dtype): every row fails
            for i in kept:
                reasons[i].append(f"{column}: {check}")
        else:
            reasons[kept[int(idx)]].append(f"{column}: {check}")
