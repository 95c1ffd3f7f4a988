"""The two shortcuts of ``schemas/validate.py`` (issue 17) change no verdict: the text columns'
dtype test is ours, row by row, instead of pandera's again; pandera does not look for geopandas
on every column when it is not installed."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from datetime import date
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine
from pandera.errors import SchemaErrors

from tilts.schemas.common import checking_as_of
from tilts.schemas.nva import NvaRegistrationSchema
from tilts.schemas.validate import _collect, validate_records
from tilts.schemas.vsaa import VsaaPaymentSchema

AS_OF = date(2026, 11, 26)


def _reference(records: list[dict[str, Any]], model: type[pa.DataFrameModel]) -> Any:
    """validate_records as it was before the shortcuts: the model's whole schema, every dtype
    test pandera's."""
    schema = model.to_schema()
    columns = list(schema.columns)
    text = [c for c, col in schema.columns.items() if str(col.dtype).startswith("str")]
    reasons: dict[int, list[str]] = defaultdict(list)
    for i, row in enumerate(records):
        for c in text:
            if row.get(c) is not None and not isinstance(row.get(c), str):
                reasons[i].append(f"{c}: dtype('str')")
    kept = [i for i in range(len(records)) if i not in reasons]
    frame = pd.DataFrame.from_records([records[i] for i in kept])
    for col in columns:
        if col not in frame.columns:
            frame[col] = None
    frame = frame[columns].astype(object).where(frame[columns].notna(), None)
    try:
        with checking_as_of(AS_OF):
            model.validate(frame, lazy=True)
    except SchemaErrors as exc:
        _collect(exc, kept, reasons)
    bad = {i: "; ".join(sorted(set(r))) for i, r in reasons.items()}
    return [r for i, r in enumerate(records) if i not in bad], sorted(bad.items())


def _ours(records: list[dict[str, Any]], model: type[pa.DataFrameModel]) -> Any:
    valid, invalid = validate_records(records, model, as_of=AS_OF)
    return valid, sorted((records.index(r), why) for r, why in invalid)


PAYMENT = {
    "requestedCode": "32000000001", "month": "2026-10", "benefitType": "OLD_AGE_PENSION",
    "grossAmount": "512.34", "incomeTaxWithheld": "10.00", "paidAmount": "502.34",
    "paymentDate": "2026-10-15",
}  # fmt: skip
REGISTRATION = {
    "requestedCode": "32000000002", "kind": "UNEMPLOYED", "since": "2026-01-05",
    "endedOn": None, "endReason": None, "measureType": None, "measureFrom": None,
    "measureTo": None, "stipendPaid": True, "stipends": [{"month": "2026-10", "amount": "90.00"}],
}  # fmt: skip


def test_text_columns_keep_their_verdicts() -> None:
    records = [
        PAYMENT,
        PAYMENT | {"grossAmount": 512.34},  # not text: our row test, as pandera's was
        PAYMENT | {"month": "2026-13", "paidAmount": None},  # pattern; absent where required
        PAYMENT | {"benefitType": ["OLD_AGE_PENSION"]},
        PAYMENT | {"paymentDate": "2026-02-30"},
    ]
    ours, reference = _ours(records, VsaaPaymentSchema), _reference(records, VsaaPaymentSchema)
    assert ours == reference
    assert ours[0] == [PAYMENT]
    assert ours[1][0] == (1, "grossAmount: dtype('str')")
    assert {i for i, _ in ours[1]} == {1, 2, 3, 4}


def test_other_columns_keep_pandera_dtype_and_checks() -> None:
    records = [
        REGISTRATION,
        REGISTRATION | {"stipendPaid": "yes"},  # an object column: pandera's isin, as before
        REGISTRATION | {"stipends": [{"month": "2026-10"}]},
        REGISTRATION | {"kind": 7},
    ]
    ours = _ours(records, NvaRegistrationSchema)
    assert ours == _reference(records, NvaRegistrationSchema)
    assert [i for i, _ in ours[1]] == [1, 2, 3]


def test_pandera_does_not_look_for_an_absent_geopandas() -> None:
    if importlib.util.find_spec("geopandas") is None:
        assert pandas_engine.is_geopandas_dtype.__module__ == "tilts.schemas.validate"
        assert pandas_engine.is_geopandas_dtype("geometry") is False
    else:  # installed: pandera's own test, untouched
        assert pandas_engine.is_geopandas_dtype.__module__ == pandas_engine.__name__
