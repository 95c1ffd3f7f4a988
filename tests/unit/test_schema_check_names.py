"""A shared model's checks keep their names in every model built on it, whichever is built
first: a quarantine reason names the check (``firstRegistrationDate:
date_between_1900_and_the_as_of_day``), and pandera 0.35 took an inherited check's ``name=``
away when the first model of it was built (CI saw CSDD's reason as the method's name after
VTUA's model had been built). Each order runs in a fresh process: model building is per process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

MODELS = {
    "vehicles": ["tilts.schemas.csdd:CsddVehicleSchema", "tilts.schemas.vtua:VtuaMachineSchema"],
    "payments": [
        "tilts.schemas.vsaa:VsaaPaymentSchema",
        "tilts.schemas.lad:LadPaymentSchema",
        "tilts.schemas.ugfa:UgfaMaintenanceSchema",
    ],
}

SCRIPT = """
import importlib, json, sys
names = {}
for ref in sys.argv[1:]:
    module, _, name = ref.partition(":")
    schema = getattr(importlib.import_module(module), name).to_schema()
    names[ref] = {column: sorted(c.name for c in col.checks) for column, col in schema.columns.items()}
print(json.dumps(names))
"""


def _names(order: list[str]) -> dict[str, dict[str, list[str]]]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *order], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("family", sorted(MODELS))
def test_inherited_checks_keep_their_names_whichever_model_is_built_first(family: str) -> None:
    forward, backward = _names(MODELS[family]), _names(MODELS[family][::-1])
    assert forward == backward
    shared = {
        column: names
        for column, names in forward[MODELS[family][0]].items()
        if all(column in forward[ref] for ref in MODELS[family])
    }
    for ref in MODELS[family]:  # the columns the base model declares carry the same checks
        assert {c: forward[ref][c] for c in shared} == shared, ref
    if family == "vehicles":
        assert "date_between_1900_and_the_as_of_day" in shared["firstRegistrationDate"]
        assert "date_between_1900_and_2199" in shared["to"]
