"""``tilts config example`` is generated from the settings model: it reads back through the
settings loader and ``config check`` as the model's defaults and example, names every field of
every settings model, and no document embeds a hand-written copy of it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from tilts.kernel.config import (
    GatewaySettings,
    MunicipalitySettings,
    StoreSettings,
    TiltsSettings,
    load_settings,
)
from tilts.shell.config_cli import EXAMPLE, check
from tilts.shell.config_example import example

from .test_cli import tilts

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "operations.md"]


def _models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type]:
    """Every settings model reachable from ``model`` (fields, dict values, list items)."""
    seen = seen if seen is not None else set()
    seen.add(model)
    for info in model.model_fields.values():
        for arg in (info.annotation, *get_args(info.annotation)):
            for inner in (arg, *get_args(arg)):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in seen:
                    _models(inner, seen)
    return seen


PER_SERVICE: set[tuple[type[BaseModel], str]] = set()
MODELS = sorted(_models(TiltsSettings), key=lambda m: m.__name__)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TiltsSettings]:
    path = tmp_path_factory.mktemp("example") / "tilts.toml"
    path.write_text(example(), encoding="utf-8")
    return path, load_settings(path)


def test_the_command_prints_the_generated_example(tmp_path: Path) -> None:
    proc = tilts("config", "example", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == example() == EXAMPLE


def test_the_example_reads_back_as_the_models_defaults(
    loaded: tuple[Path, TiltsSettings],
) -> None:
    _, settings = loaded
    assert settings.store == StoreSettings()
    assert settings.gateway == GatewaySettings()
    examples: dict[str, Any] = TiltsSettings.model_fields["municipalities"].examples[0]  # type: ignore[index]
    assert settings.municipalities == {
        key: MunicipalitySettings.model_validate(value) for key, value in examples.items()
    }


def test_the_example_passes_config_check(loaded: tuple[Path, TiltsSettings]) -> None:
    path, _ = loaded
    lines = list(check(path, offline=True))
    assert any("configuration valid: 1 municipalities" in line for line in lines), lines


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_appears(model: type[BaseModel]) -> None:
    text = example()
    for name, info in model.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            pattern = rf"^\[(?:[\w.]+\.)?{name}\]$"  # its own table
        elif get_origin(info.annotation) is dict and _is_model_dict(info.annotation):
            pattern = rf"^\[(?:[\w.]+\.)?{name}\.\w+\]$"  # a table per entry
        else:
            pattern = rf"(?:^|^# |\{{ |, ){name} = "  # a key, set or commented out, or inline
        assert re.search(pattern, text, re.M), f"{model.__name__}.{name} is not in the example"


def _is_model_dict(annotation: Any) -> bool:
    value = get_args(annotation)[1]
    return isinstance(value, type) and issubclass(value, BaseModel)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_says_what_it_means(model: type[BaseModel]) -> None:
    """The example's comments are the fields' descriptions (the models' docstrings for tables).
    The per-service limits (``ServiceLimits``, ``gateway.services``) are the registry
    descriptors' (issue 14): their descriptions show up in the example once they are given."""
    plain = [
        name
        for name, info in model.model_fields.items()
        if not info.description
        and not (isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel))
        and (model, name) not in PER_SERVICE
    ]
    assert not plain, f"{model.__name__}: fields without a description: {plain}"


def test_the_example_is_valid_toml_with_comments_for_unset_keys() -> None:
    text = example()
    tomllib.loads(text)
    assert '# cert_file = "/etc/tilts/client.pem"' in text


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_document_embeds_a_copy_of_the_example(doc: Path) -> None:
    """A copy drifts: the documents show the command instead."""
    text = doc.read_text(encoding="utf-8")
    copies = re.findall(r"^ {4}\[(?:store|gateway|municipalities)[\].]", text, re.M)
    assert not copies, f"{doc.name} embeds a configuration example: use `tilts config example`"
    assert "tilts config example" in text
