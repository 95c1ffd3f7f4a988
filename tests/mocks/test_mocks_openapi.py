"""The OpenAPI 3.1 documents of the REST mocks (VSAA, VID, NVA, CSDD, VTUA) and the checks derived from them.

Also holds the small REST helpers the REST registry test modules share (:func:`post`,
:func:`query_all`, :func:`check_answer`).
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core import NOT_SET

from tilts.mocks import openapi
from tilts.mocks.harness import MockHandle
from tilts.mocks.registries import csdd, lad, nva, ugfa, vid, vsaa, vtua

pytest_plugins = ["tilts.mocks.pytest_plugin"]
MOCK_SERVER_OPTIONS = {"persons": 500}

SERVICES = {m.DOC: m for m in (vsaa, vid, nva, csdd, vtua, lad, ugfa)}
PATHS = {name: f"{m.PATH}/{m.OPERATION}" for name, m in SERVICES.items()}
MEMBER = {"demo-ogre": "90000000040", "demo-tukums": "90000000051"}


# ------------------------------------------------------------------------- shared helpers
def post(
    mocks: MockHandle,
    service: str,
    body: Any,
    token: str | None = None,
    client: str = "demo-ogre",
    patient: bool = True,
    **headers: str,
) -> requests.Response:
    """POST ``body`` to the service's query with valid X-Road headers (``headers`` override;
    an empty value drops the header). ``patient`` waits out a 429 as a well-behaved client
    would, so that only the rate-limit tests (``patient=False``) depend on timing."""
    h = {
        "Authorization": f"Bearer {token or mocks.token(client)}",
        "X-Road-Client": f"LV/GOV/{MEMBER[client]}/SOC",
        "X-Road-Id": str(uuid.uuid4()),
        "X-Road-UserId": "LVsvc-test",
        "X-Road-Issue": "SD-TEST/1",
    }
    h.update(headers)
    for _ in range(20):
        answer = requests.post(
            mocks.url(PATHS[service]),
            json=body,
            headers={k: v for k, v in h.items() if v},
            timeout=30,
        )
        if answer.status_code != 429 or not patient:
            return answer
        time.sleep(float(answer.headers.get("Retry-After", "1")))
        h["X-Road-Id"] = str(uuid.uuid4())
    return answer


@functools.cache
def served_validator(base_url: str, service: str, status: str) -> Draft202012Validator:
    """A validator for the answer with ``status`` from the document the mock serves."""
    doc = requests.get(f"{base_url}{SERVICES[service].PATH}/openapi.json", timeout=10).json()
    uri = f"urn:test:{service}"
    registry: Registry[Any] = Registry().with_resource(
        uri, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    response = doc["paths"][PATHS[service]]["post"]["responses"][status]
    if "$ref" in response:
        response = registry.resolver().lookup(f"{uri}{response['$ref']}").contents
    (schema,) = (m["schema"] for m in response["content"].values())
    return Draft202012Validator(
        {"$ref": f"{uri}{schema['$ref']}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def check_answer(service: str, r: requests.Response) -> dict[str, Any]:
    """Validate an answer (200 body or problem+json) against the served document → JSON."""
    media = "application/json" if r.status_code == 200 else "application/problem+json"
    assert r.headers["content-type"].startswith(media), r.text[:200]
    base_url = r.url.split(SERVICES[service].PATH)[0]
    body: dict[str, Any] = r.json()
    errors = list(served_validator(base_url, service, str(r.status_code)).iter_errors(body))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors[:5]]
    return body


def query_all(
    mocks: MockHandle, service: str, codes: list[str], client: str = "demo-ogre", **body: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Query ``codes`` in batches of the service's limit, honouring 429 ``Retry-After``.

    Returns the last answer's top level and all results, each answer schema-checked.
    """
    size = SERVICES[service].SPEC.operations[0].max_batch or 100
    token = mocks.token(client)
    top: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    for i in range(0, len(codes), size):
        batch = codes[i : i + size]
        for _ in range(5):
            r = post(mocks, service, {"personCodes": batch, **body}, token=token, client=client)
            if r.status_code != 429:
                break
            time.sleep(int(r.headers["retry-after"]))
        assert r.status_code == 200, r.text[:300]
        top = check_answer(service, r)
        assert [x["personCode"] for x in top["results"]] == batch
        results.extend(top["results"])
    return top, results


def problem_code(service: str, r: requests.Response) -> tuple[int, str, str]:
    """(status, code, detail) of a schema-checked problem answer."""
    body = check_answer(service, r)
    return r.status_code, body["code"], body["detail"]


# ------------------------------------------------------------------------- documents
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_document_is_served_without_a_token(mocks: MockHandle, service: str) -> None:
    r = requests.get(mocks.url(f"{SERVICES[service].PATH}/openapi.json"), timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.content == (openapi.DIR / f"{service}.json").read_bytes()
    assert r.json()["openapi"] == "3.1.0"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for x in node:
            yield from _refs(x)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_document_matches_the_contract(service: str) -> None:
    doc = openapi.document(service)
    module = SERVICES[service]
    for ref in set(_refs(doc)):  # every reference resolves
        assert isinstance(openapi.resolve(service, ref), dict), ref
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    op = doc["paths"][PATHS[service]]["post"]
    assert doc["security"] == [{"gateway": [module.SPEC.scope]}]
    headers = {openapi.resolve(service, p["$ref"])["name"] for p in op["parameters"]}
    assert headers == {"X-Road-Client", "X-Road-Id", "X-Road-UserId", "X-Road-Issue"}
    assert {"200", "400", "401", "403", "413", "429", "503"} <= set(op["responses"])
    # registries.md §1.4, taken from the document by the gateway
    limits = {
        "vsaa": (500, 10.0), "vid": (200, 10.0), "nva": (500, 10.0),
        "csdd": (200, 10.0), "vtua": (200, 5.0), "lad": (500, 5.0), "ugfa": (500, 5.0),
    }[service]  # fmt: skip
    spec_op = module.SPEC.operations[0]
    assert (spec_op.max_batch, spec_op.rate_per_s, spec_op.batch_field) == (*limits, "personCodes")
    assert doc["paths"][f"{module.PATH}/openapi.json"]["get"]["security"] == []


def test_validation_follows_the_document() -> None:
    check = openapi.request_validator("vsaa", PATHS["vsaa"], "personCodes")
    good: dict[str, Any] = {
        "personCodes": ["01019012345"],
        "fromMonth": "2026-01",
        "toMonth": "2026-12",
    }
    assert check(good) is None
    assert check({**good, "personCodes": ["1"] * 501}) is None  # left to the 413 check
    cases: dict[str, dict[str, Any]] = {
        "$.personCodes: must hold at least 1 item(s)": {**good, "personCodes": []},
        "$.personCodes[1]: must be of type string": {**good, "personCodes": ["1", 2]},
        "$.personCodes[0]: must be at most 32 characters long": {**good, "personCodes": ["1" * 33]},
        "$.fromMonth: is required": {"personCodes": ["1"], "toMonth": "2026-01"},
        "$.toMonth: must be of type string": {**good, "toMonth": 202601},
        "$.extra: is not allowed": {**good, "extra": True},
        '$["odd key"]: is not allowed': {**good, "odd key": 1},
        "$.toMonth: must not be before $.fromMonth": {**good, "toMonth": "2025-12"},
        "$.toMonth: at most 12 months from $.fromMonth (inclusive)": {**good, "toMonth": "2027-01"},
    }
    for detail, body in cases.items():
        assert check(body) == detail
    assert (check({**good, "fromMonth": "2026-13"}) or "").startswith("$.fromMonth: must match")
    nva_check = openapi.request_validator("nva", PATHS["nva"], "personCodes")
    assert nva_check({"personCodes": ["1"], "asOfDate": "2026-11-26"}) is None
    assert nva_check({"personCodes": ["1"], "asOfDate": "2026-02-30"}) == (
        "$.asOfDate: must be a valid date"
    )
    # the cross-field rule JSON Schema cannot state is read from the document too
    schema = openapi.resolve("vsaa", openapi.request_schema_ref("vsaa", PATHS["vsaa"]))
    assert schema["x-tilts-monthRange"] == {"from": "fromMonth", "to": "toMonth", "maxMonths": 12}


def test_inline_keeps_the_schema_meaning() -> None:
    ref = openapi.response_schema_ref("nva", PATHS["nva"])
    inlined = openapi.inline("nva", {"$ref": ref})
    assert "$ref" not in json.dumps(inlined)
    answer = {
        "asOfDate": "2026-11-26",
        "results": [
            {"personCode": "x", "status": "INVALID_CODE"},
            {
                "personCode": "01019012345",
                "status": "FOUND",
                "registration": {"kind": "UNEMPLOYED", "since": "2026-01-02"},
            },
        ],
    }
    bad = {**answer, "results": [{"personCode": "x", "status": "FOUND"}]}
    for validator in (
        Draft202012Validator(inlined, format_checker=Draft202012Validator.FORMAT_CHECKER),
        openapi.schema_validator("nva", ref),
    ):
        assert validator.is_valid(answer)
        assert not validator.is_valid(bad)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_problems_match_the_problem_schema(mocks: MockHandle, service: str) -> None:
    body = {"personCodes": ["01019012345"]}
    assert problem_code(service, post(mocks, service, body, token="nope"))[:2] == (
        401,
        "INVALID_TOKEN",
    )
    pmlp_only = mocks.token(scope="pmlp.fpr")
    assert problem_code(service, post(mocks, service, body, token=pmlp_only))[:2] == (
        403,
        "FORBIDDEN",
    )
    status, code, detail = problem_code(service, post(mocks, service, body))
    assert (status, code) == (400, "INVALID_REQUEST") and detail.startswith("$.")


# ------------------------------------------- what the services send against what is documented
ALL_DOCS = ("vsaa", "vid", "nva", "csdd", "vtua", "lad", "ugfa", "spolis", "recipients")
WATCHED = ("WWW-Authenticate", "Retry-After", "X-Road-Id", "Allow")
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# (name, how the call is made): every answer class a service gives, faults by the admin API
CONDITIONS = ("as-is", "no-token", "expired", "scope", "media", 429, 500, 502, 503, 504)


@pytest.mark.parametrize("doc", ALL_DOCS)
def test_documents_validate_as_openapi_31(doc: str) -> None:
    validate_openapi(openapi.document(doc))  # raises naming the first error


def _doc_operations() -> Iterator[Any]:
    for doc in ALL_DOCS:
        schema = schemathesis.openapi.from_path(openapi.DIR / f"{doc}.json")
        for result in schema.get_all_operations():
            op = result.ok()
            if not op.path.endswith("openapi.json"):
                yield pytest.param(doc, op, id=f"{doc}:{op.label}")


def _documented(doc: str, path: str, method: str, status: int) -> dict[str, Any] | None:
    response = openapi.document(doc)["paths"][path][method.lower()]["responses"].get(str(status))
    if response is not None and "$ref" in response:
        response = openapi.resolve(doc, response["$ref"])
    return response


def _fault_service(doc: str, path: str) -> str:
    return f"recipient-{path.split('/')[2]}" if doc == "recipients" else doc


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize(("doc", "operation"), list(_doc_operations()))
def test_every_status_and_header_sent_is_documented(
    mocks: MockHandle, doc: str, operation: Any
) -> None:
    """A schema-valid request of each operation (schemathesis) is sent as it is, without a
    token, with an expired one, with a token of another scope, as ``text/plain``, and under each
    gateway fault; every answer passes schemathesis' conformance checks and every watched header
    it carries is documented for its status."""
    token = mocks.token()
    observed: dict[int, set[str]] = {}
    # a slow service (VTUA, 5 calls/s) would answer 429 before the condition under test
    rate = openapi.document(doc)["paths"][operation.path][operation.method.lower()].get(
        "x-tilts-rateLimitPerSecond", 10
    )
    pause = 1.0 / rate if rate < 10 else 0.0

    @settings(max_examples=2, deadline=None, database=None, phases=[Phase.generate])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(GenerationMode.POSITIVE))
        if case.path_parameters and "atvk" in case.path_parameters:
            case.path_parameters = {**case.path_parameters, "atvk": "0040000"}
        for condition in CONDITIONS:
            time.sleep(pause)
            headers = {
                "Authorization": f"Bearer {token}",
                "X-Road-Client": "LV/GOV/90000000040/SOC",
                "X-Road-Id": str(uuid.uuid4()),
                "X-Road-UserId": "LVsvc-test",
                "X-Road-Issue": "SD-TEST/1",
                "Idempotency-Key": str(uuid.uuid4()),
            }
            if condition == "no-token":
                del headers["Authorization"]
            elif condition == "expired":
                headers["Authorization"] = "Bearer not-a-token"
            elif condition == "scope":
                headers["Authorization"] = f"Bearer {mocks.token(scope='pmlp.fpr')}"
            elif isinstance(condition, int):
                mocks.add_fault(
                    service=_fault_service(doc, operation.path),
                    kind="http_status",
                    status=condition,
                    count=1,
                    **({"retryAfter": 1} if condition in (429, 503) else {}),
                )
            if condition == "media":
                if case.body is NOT_SET:
                    continue
                answer: Any = requests.request(
                    case.method,
                    mocks.url(case.formatted_path),
                    data=json.dumps(case.body).encode(),
                    headers={**headers, "Content-Type": "text/plain"},
                    timeout=30,
                )
            else:
                answer = case.call(base_url=mocks.base_url, headers=headers)
                for _ in range(3):  # a 5 calls/s service (LAD, UGFA) limits the run of conditions
                    if answer.status_code != 429 or condition == 429:
                        break
                    time.sleep(float(answer.headers.get("Retry-After", "1")))
                    headers["X-Road-Id"] = str(uuid.uuid4())
                    answer = case.call(base_url=mocks.base_url, headers=headers)
            mocks.clear_faults()
            case.validate_response(answer, checks=CONFORMANCE)
            documented = _documented(doc, operation.path, case.method, answer.status_code)
            assert documented is not None, (condition, answer.status_code)
            names = {h.lower() for h in documented.get("headers", {})}
            sent = {h for h in WATCHED if h.lower() in {k.lower() for k in answer.headers}}
            assert {h.lower() for h in sent} <= names, (condition, answer.status_code, sent)
            observed.setdefault(answer.status_code, set()).update(sent)

    check()
    # the conditions really produced each answer class, with its headers
    assert {401, 429, 500, 502, 503, 504} <= set(observed), sorted(observed)
    assert "WWW-Authenticate" in observed[401] and "Retry-After" in observed[429]
    assert "Retry-After" in observed[503]
    if operation.body:
        assert 415 in observed, sorted(observed)
