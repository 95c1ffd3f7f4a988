"""``tilts config example``: the commented configuration, generated from the settings model.

Every field of :class:`~tilts.kernel.config.TiltsSettings` is written with its default (or its
``examples`` value where it has no default), its ``description`` as a comment and each model's
docstring above its table, so the example cannot drift from what ``tilts config check`` reads.
A field whose default is "not set" (``None``) is written commented out with its example.
``tests/cli/test_config_example.py`` reads the output back through the settings loader and
checks that every field of the model appears in it.
"""

from __future__ import annotations

import json
import re
import textwrap
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tilts.kernel.config import GatewaySettings, StoreSettings, TiltsSettings

WIDTH = 96
HEADER = """\
Tilts configuration (docs/operations.md), generated from the settings model by
`tilts config example`. Every value can be overridden by an environment variable
TILTS_<SECTION>__<KEY>, e.g. TILTS_GATEWAY__BASE_URL. Unknown keys are errors.
Secrets never go here: set TILTS_SECRET_<CLIENT_ID> (e.g. TILTS_SECRET_OGRE_SOC) or create a
Prefect Secret block named tilts-<client-id>."""


def example() -> str:
    """The example configuration as TOML text."""
    lines = _comment(HEADER, wrap=False)
    sections: dict[str, Any] = {
        "store": StoreSettings(),
        "gateway": GatewaySettings(),
        "municipalities": _examples(TiltsSettings.model_fields["municipalities"]),
    }
    for name, info in TiltsSettings.model_fields.items():
        lines.append("")
        lines += _entry(name, info, sections[name], name)
    return "\n".join(lines) + "\n"


def _examples(info: FieldInfo) -> dict[str, Any]:
    """A dict-of-models field's first example, validated into its models."""
    model = _dict_model(info)
    assert model is not None and info.examples, "a table of models needs an example"
    return {key: model.model_validate(value) for key, value in info.examples[0].items()}


def _section(obj: BaseModel, table: str, *, bare: bool = False) -> list[str]:
    """``[table]``, the model's docstring, its scalar keys, then its sub-tables (``bare``: an
    entry of a table of models, described once above the first)."""
    lines = [f"[{table}]", *([] if bare else _comment(_doc(type(obj))))]
    tables: list[str] = []
    for name, info in type(obj).model_fields.items():
        value = getattr(obj, name)
        if isinstance(value, BaseModel) or _dict_model(info) is not None:
            tables += ["", *_entry(name, info, value, f"{table}.{_key(name)}")]
        else:
            lines += _scalar(name, info, value, bare)
    return lines + tables


def _entry(name: str, info: FieldInfo, value: Any, table: str) -> list[str]:
    """A field holding a model (one table) or a dict of models (one table per key)."""
    if isinstance(value, BaseModel):
        return _section(value, table)
    model = _dict_model(info)
    assert model is not None
    lines = _comment(info.description or "") + _comment(f"[{table}.<name>]: {_doc(model)}")
    for field, sub in model.model_fields.items():
        described = f"{field}: {sub.description}" if sub.description else field
        lines += _comment(described, indent="    ")
    for key, item in value.items():
        lines += ["", *_section(item, f"{table}.{_key(key)}", bare=True)]
    return lines


def _scalar(name: str, info: FieldInfo, value: Any, bare: bool = False) -> list[str]:
    lines = [] if bare else _comment(info.description or "")
    if value is None:
        shown = _toml(info.examples[0]) if info.examples else "..."
        return [*lines, f"# {_key(name)} = {shown}    # not set by default"]
    if info.examples and not bare:
        lines += _comment("e.g. " + ", ".join(_toml(e) for e in info.examples))
    return [*lines, f"{_key(name)} = {_toml(value)}"]


def _dict_model(info: FieldInfo) -> type[BaseModel] | None:
    """The value model of a ``dict[str, Model]`` field, else ``None``."""
    if get_origin(info.annotation) is not dict:
        return None
    value = get_args(info.annotation)[1]
    return value if isinstance(value, type) and issubclass(value, BaseModel) else None


def _doc(model: type[BaseModel]) -> str:
    """The first paragraph of a model's docstring, on one line."""
    return " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())


def _comment(text: str, *, wrap: bool = True, indent: str = "") -> list[str]:
    if not text:
        return []
    if not wrap:
        return [f"# {line}" for line in text.splitlines()]
    wrapped = textwrap.wrap(text, WIDTH - 2, initial_indent=indent, subsequent_indent=indent * 2)
    return ["# " + line for line in wrapped]


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _toml(value: Any) -> str:
    """A TOML value: strings JSON-quoted (a subset of TOML's basic strings), amounts as
    strings (exact), dates bare, lists and models inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _toml(value.value)
    if isinstance(value, str | Path | Decimal):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, BaseModel):
        return _toml(value.model_dump(exclude_none=True))
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")
