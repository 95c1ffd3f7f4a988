"""The HTTP and SOAP conformance rows (issue 18) that ``docs/fault-matrix.md`` lists beside the
matrix: what a client that gets the protocol wrong receives; each row's tests are named in it."""

from __future__ import annotations

SECTION = """\
## HTTP and SOAP conformance (issue 18)

What a client that gets the protocol wrong receives from every mock service
(`tests/mocks/test_mocks_http_conformance.py`, `tests/connectors/test_wsdl_xroad.py`,
`tests/mocks/test_mocks_openapi.py::test_every_status_and_header_sent_is_documented`).

| request | answer |
|---|---|
| a method the path does not have (`DELETE …/reports/monthly/{atvk}/{month}`) | 405 problem+json `METHOD_NOT_ALLOWED`, `Allow: GET, HEAD, PUT` (every method of the path) |
| a path no service has | 404 problem+json `NOT_FOUND` (the path is not echoed) |
| a JSON body sent as `text/plain`, a form, or without `Content-Type` | 415 problem+json `UNSUPPORTED_MEDIA_TYPE` |
| a SOAP body sent as anything but `text/xml` (or `application/soap+xml`) | 415 with a `Client.InvalidRequest` fault |
| a SOAP 1.2 envelope | 500 with a `SOAP-ENV:VersionMismatch` fault in a SOAP 1.1 envelope |
| `POST /token` without `grant_type` / with another grant type / as JSON | 400 `invalid_request` / 400 `unsupported_grant_type` / 415 `invalid_request` |
| Arabic-Indic or full-width digits (`"month": "٢٠٢٦-10"`), or a trailing newline, in a month, date, ATVK or amount | 400 `INVALID_REQUEST` naming the field (mocks); exit 2 naming the field (`tilts assess`) |
| a WSDL-driven client (suds-community) building the request from `?wsdl` alone | `FOUND`, headers echoed |
| every answer class of the REST services (401, 403, 415, 429, 500, 502, 503, 504) | documented in the service's OpenAPI document with the headers it carries (`WWW-Authenticate`, `Retry-After`, `X-Road-Id`) |
"""
