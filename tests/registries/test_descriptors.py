"""One descriptor per registry (issue 14): the table in ``registries/`` is the only list of
registries, every reference a descriptor makes resolves, and what the mocks and the clients
declare agrees with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandera.pandas as pa
import pytest

from tilts.connectors.base import RegistryClient
from tilts.connectors.batch import batch_fetch, client_class
from tilts.connectors.registry import REGISTRIES as CLIENTS
from tilts.connectors.soap import WSDL_DIR
from tilts.flows.work.registry_syncs import SYNCS
from tilts.kernel.config import GatewaySettings
from tilts.mocks.services import SERVICES as MOUNTED
from tilts.registries import REGISTRIES, Registry, by_service, per_person, scopes, services
from tilts.registries.loading import UnresolvedReference, resolve

from .scan import offenders_in, python_files, scan

ROOT = Path(__file__).resolve().parents[2]
IDS = [r.service for r in REGISTRIES]
# Displays that name registries but are not a list of them, with the reason (path → names).
ALLOWED = {
    # the assessment rules' [income] table keys (assessment.md §2): the calculator's income
    # sources, named like the registries they come from; the calculator has its own contract
    "assessment/rules/loading.py": ("nva", "vid", "vsaa"),
    # ``tilts assess``'s property input (property.md §8): a vehicle's ``source`` is CSDD or
    # VTUA, each with its own categories — the calculator's input contract, not a lane list
    "assessment/property_parsing.py": ("csdd", "vtua"),
}


def test_no_registry_is_listed_by_hand_outside_the_descriptors() -> None:
    found = [o for o in scan(ROOT) if ALLOWED.get(o.path) != o.registries]
    assert not found, "derive these from tilts.registries.REGISTRIES:\n" + "\n".join(
        map(str, found)
    )


def test_the_scanner_catches_a_planted_list(tmp_path: Path) -> None:
    planted = tmp_path / "flows" / "planted.py"
    planted.parent.mkdir()
    planted.write_text(
        'LANES = ("vdeavk", "nva")\n'
        'SCOPES = {"vsaa.payments": 1, "vid.income": 2}\n'
        "SOURCES = ['PMLP', 'NVA', 'SPOLIS']\n"
        'ONE = ("nva", "spolis")  # one registry is no list of registries\n'
        'CALL = sorted({"x", "vid"} | {"vsaa"})\n',
        encoding="utf-8",
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text('X = ("pmlp", "vid")\n', encoding="utf-8")
    found = scan(tmp_path)
    assert [(o.path, o.line, o.registries) for o in found] == [
        ("flows/planted.py", 1, ("nva", "vdeavk")),
        ("flows/planted.py", 2, ("vid", "vsaa")),
        ("flows/planted.py", 3, ("nva", "pmlp")),
    ]
    assert [p.name for p in python_files(tmp_path)] == ["planted.py"]


def test_the_scanner_reads_the_real_tree() -> None:
    files = {p.relative_to(ROOT).as_posix() for p in python_files(ROOT)}
    assert {"flows/nightly.py", "tilts/kernel/config.py", "bench/load.py"} <= files
    assert not any(f.startswith(("registries/", "tests/", "tilts/registries/")) for f in files)
    assert offenders_in('X = ["nva.status", "pmlp.fpr"]', "x.py")


def test_the_table_has_one_descriptor_per_service_scope_and_source() -> None:
    for attribute in ("service", "scope", "source", "path", "xroad"):
        values = [getattr(r, attribute) for r in REGISTRIES]
        assert len(set(values)) == len(values), attribute
    families = [lim.name for r in REGISTRIES for lim in r.limits]
    assert len(set(families)) == len(families)
    assert by_service("nva").scope == "nva.status"
    with pytest.raises(KeyError):
        by_service("spolis")


@pytest.mark.parametrize("registry", REGISTRIES, ids=IDS)
def test_every_reference_resolves_within_its_layer(registry: Registry) -> None:
    assert issubclass(client_class(registry), RegistryClient)
    assert callable(batch_fetch(registry))
    assert client_class(registry).SPEC.name == registry.service
    if registry.per_person:
        assert registry.schema is not None
        assert issubclass(resolve(registry.schema, "tilts.schemas."), pa.DataFrameModel)
        for ref in (registry.rows, registry.facts, registry.natural_key):
            if ref is not None:
                assert callable(resolve(ref, "tilts.schemas."))
    mock = resolve(registry.mock, "tilts.mocks.")
    assert callable(mock.routes)


def test_a_reference_outside_its_layer_or_to_nothing_is_refused() -> None:
    with pytest.raises(UnresolvedReference, match=r"not within tilts\.connectors"):
        resolve("tilts.flows.nightly:SERVICES", "tilts.connectors.")
    with pytest.raises(UnresolvedReference, match="no attribute"):
        resolve("tilts.connectors.nva:NoSuchClient", "tilts.connectors.")
    with pytest.raises(UnresolvedReference):
        resolve("tilts.connectors.no_such_module:X", "tilts.connectors.")


@pytest.mark.parametrize("registry", REGISTRIES, ids=IDS)
def test_the_client_speaks_as_the_descriptor_says(registry: Registry) -> None:
    spec = client_class(registry).SPEC
    assert (spec.name, spec.scope, spec.path, spec.style) == (
        registry.service, registry.scope, registry.path, registry.family,
    )  # fmt: skip
    xroad = spec.xroad
    assert (xroad.member_class, xroad.member_code, xroad.subsystem_code) == registry.xroad_parts
    if registry.family == "soap":
        assert (WSDL_DIR / registry.wsdl).is_file()
        assert registry.namespace in (WSDL_DIR / registry.wsdl).read_text(encoding="utf-8")


@pytest.mark.parametrize("registry", REGISTRIES, ids=IDS)
def test_the_mock_serves_what_the_descriptor_says(registry: Registry) -> None:
    mounted = {m.spec.name: m.spec for m in MOUNTED}
    spec = mounted[registry.service]
    assert (spec.scope, spec.path, spec.protocol, spec.xroad) == (
        registry.scope, registry.path, registry.family, registry.xroad_parts,
    )  # fmt: skip
    name = registry.operation if registry.family == "soap" else registry.operation_path[1:]
    operation = spec.operation(name)
    assert operation is not None, name
    assert operation.max_batch == registry.limits[0].contract_batch
    assert operation.rate_per_s == registry.limits[0].rate_per_s
    if registry.family == "soap":
        assert spec.namespace == registry.namespace
    else:
        doc = ROOT / "mocks" / "openapi" / f"{registry.service}.json"
        assert registry.operation_path in json.dumps(json.loads(doc.read_text(encoding="utf-8")))


def test_every_list_is_derived_from_the_table() -> None:
    from bench.load import INBOUND
    from tilts.flows.nightly import SERVICES as LANES
    from tilts.flows.work.fanout import SERVICES as PARTS
    from tilts.mocks.config import INBOUND_SCOPES
    from tilts.store.reassess import ASSESSED_FACTS

    assert list(CLIENTS) == list(services()) == list(INBOUND)
    assert list(SYNCS) == list(per_person()) == list(LANES) == list(PARTS)
    assert scopes() == INBOUND_SCOPES
    assert scopes(frozenset({"ur"})) == tuple(s for s in scopes() if s != "ur.persons")
    assert {source for source, _ in ASSESSED_FACTS} == {
        r.source for r in REGISTRIES if r.assessed_kinds
    }
    defaults = GatewaySettings().services
    for r in REGISTRIES:
        for lim in r.limits:
            got = defaults[lim.name]
            assert (got.batch_size, got.rate_per_s, got.concurrency, got.refresh_days) == (
                lim.batch_size, lim.rate_per_s, lim.concurrency, lim.refresh_days,
            )  # fmt: skip


def test_every_flow_a_descriptor_names_exists() -> None:
    from prefect import Flow

    from tilts.flows import fanout, nightly, sync_population, sync_registries

    flows = {
        obj.name
        for module in (fanout, nightly, sync_population, sync_registries)
        for obj in vars(module).values()
        if isinstance(obj, Flow)
    }
    assert {f for r in REGISTRIES for f in r.flows} <= flows


def test_a_descriptor_that_misses_what_its_family_needs_is_refused() -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="WSDL"):
        replace(by_service("vdeavk"), wsdl="")
    with pytest.raises(ValueError, match="operation path"):
        replace(by_service("nva"), operation_path="")
    with pytest.raises(ValueError, match="rows, schema, facts"):
        replace(by_service("nva"), facts=None)
    with pytest.raises(ValueError, match="service name"):
        replace(by_service("nva"), limits=(replace(by_service("nva").limits[0], name="n" * 21),))
    with pytest.raises(ValueError, match="fact source"):
        replace(by_service("nva"), source="NVA-STATUS-X")
    with pytest.raises(ValueError, match="first limits entry"):
        replace(by_service("nva"), limits=by_service("vid").limits)
