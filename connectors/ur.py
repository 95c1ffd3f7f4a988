"""UR Enterprise Register client: a person's roles in enterprises (property.md §4).

``GET /ur/api/v1/natural-person/{personCode}`` answers one person per call: 200
``{"personCode", "roles"}``, 404 problem+json ``NOT_FOUND`` for a person without a record, 400
``INVALID_CODE``. Both error statuses are rows :data:`Action.ANSWER` of the client's status
table: read as that person's ``NOT_FOUND`` / ``INVALID_CODE`` result (and audited with their
code); any other 400 (``INVALID_REQUEST``, ``MISSING_PURPOSE``) or 404 is refused as usual.
The code is in the URL path, so messages name the path template (``PERSONAL_PATH``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from tilts.connectors.base import Action, RawResponse, ServiceSpec
from tilts.connectors.batch import Batch, Query, spec_of
from tilts.connectors.each import ask_each
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.statuses import DEFAULT_STATUS_ACTIONS, StatusTable
from tilts.connectors.xroad import CallHeaders
from tilts.kernel import logsafe
from tilts.kernel.errors import ContractError
from tilts.registries.ur import UR

# urllib3 logs each request line at DEBUG, and UR's holds the personal code
logsafe.guard("urllib3.connectionpool")

#: the problem codes that are a person's result rather than a refusal (property.md §4)
PERSON_OUTCOMES = {"NOT_FOUND": "NOT_FOUND", "INVALID_CODE": "INVALID_CODE"}


class UrClient(RestRegistryClient):
    """natural-person/{personCode}."""

    SPEC: ClassVar[ServiceSpec] = spec_of(UR)
    OPERATION_PATHS: ClassVar[dict[str, str]] = {UR.operation: UR.operation_path}
    STATUS_ACTIONS: ClassVar[StatusTable] = DEFAULT_STATUS_ACTIONS.merged(
        {400: Action.ANSWER, 404: Action.ANSWER}
    )
    PERSONAL_PATH: ClassVar[bool] = True

    def person_roles(self, code: str) -> dict[str, Any]:
        """One person's result: ``{"personCode", "status", "roles"}`` (status ``FOUND``,
        ``NOT_FOUND`` or ``INVALID_CODE``), as a batch service's per-person result."""
        answer = self.request_json(
            UR.operation, UR.service, 1, None, method="GET", path_params={"personCode": code}
        )
        if answer.get("_row") is Action.ANSWER:  # no JSON answer can hold an Action
            return {"personCode": code, "status": answer["_outcome"]}
        if answer.get("personCode") != code:
            raise ContractError(f"{UR.service}: answer is about another person")
        roles = answer.get("roles")
        if not isinstance(roles, list):
            raise ContractError(f"{UR.service}: answer has no list of roles")
        return {"personCode": code, "status": "FOUND", "roles": roles}

    def contract_answer(
        self, operation: str, raw: RawResponse, headers: CallHeaders, answer: dict[str, Any]
    ) -> dict[str, Any]:
        """404 ``NOT_FOUND`` and 400 ``INVALID_CODE`` are the person's result; any other code
        under those statuses is refused as the default table refuses it."""
        outcome = PERSON_OUTCOMES.get(str(answer.get("code")))
        if outcome is None or answer.get("status") != raw.status:
            raise self.refusal(operation, Action.FATAL, raw, headers)
        return {"_row": Action.ANSWER, "_outcome": outcome}


def fetch(client: UrClient, codes: list[str], query: Query) -> Batch:
    """The batch query of the syncs (``registries/ur.py``): one GET per code, run concurrently
    (``gateway.services.ur.concurrency``) within the shared rate limiter; as of today (UR
    answers the present, ``query`` has no day for it)."""
    return ask_each(codes, client.gateway.concurrency(UR.service), client.person_roles)
