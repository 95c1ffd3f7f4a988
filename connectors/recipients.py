"""Status-notification clients of the recipients (outbound.md: NINO, JPA, BVKB, NVA, BARIS;
property.md §9: BRIDZIS, KIM).

``POST /recipients/<recipient>/api/v1/status-notifications`` on the shared REST base: gateway
token with scope ``recipients.notify``, ``X-Road-*`` headers (service
``LV/GOV/<RECIPIENT>/NOTIFY``, operation ``status-notifications``) and ``Idempotency-Key`` =
the notification id, so a re-sent notification is recognised, never applied twice.

What an answer means, as data (:data:`RECIPIENT_STATUS_ACTIONS`, derived from the base's table
in ``connectors/statuses.py``):

* 202 → :class:`Receipt`. The same key and body replay the first receipt, so a notification
  re-sent after a crash is simply delivered.
* 429, 502, 503, 504, 500 and transport errors → retried by the one retry layer
  (``connectors/retry.py``); when it gives up,
  :class:`~tilts.kernel.errors.UnreachableError`. A 500 is
  retried here (unlike for registries) because the idempotency key makes a re-send harmless.
* 409 ``IDEMPOTENCY_CONFLICT`` → :class:`IdempotencyConflictError`: the recipient already holds
  a notification under this id with another body. It is not a rejection of the news (outbound.md
  parks only 4xx other than 409/429) and re-sending can never succeed; the caller decides.
* any other 4xx (401 after one token refresh aside) → :class:`RecipientRejectedError`: refused
  for good (422 ``NOT_ALLOWED``, 400, 403, 413 …), carrying the status, the problem ``code`` and
  the ``field`` it names. The caller parks the notification with that reason.

Messages carry the problem's code, field and a scrubbed, shortened detail — never the body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from tilts.connectors.base import RawResponse, ServiceSpec
from tilts.connectors.rest import RestRegistryClient
from tilts.connectors.statuses import DEFAULT_STATUS_ACTIONS, Action, StatusTable
from tilts.connectors.xroad import CallHeaders, ServiceId, rest_headers
from tilts.kernel.errors import ContractError, FatalError, TiltsError
from tilts.kernel.logsafe import scrub

OPERATION = "status-notifications"
FAMILY = "recipients"
SCOPE = "recipients.notify"


class RecipientRejectedError(FatalError):
    """The recipient refused the notification for good (4xx other than 401, 409, 429)."""

    def __init__(self, message: str, status: int, code: str | None, field: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field


class IdempotencyConflictError(RecipientRejectedError):
    """409: the recipient holds another body under this ``Idempotency-Key``."""


@dataclass(frozen=True)
class Receipt:
    """A recipient's acknowledgement of one notification."""

    receipt_id: str


def _problem(raw: RawResponse) -> tuple[str | None, str | None, str]:
    """(code, field, detail) of a problem+json body; detail scrubbed and shortened."""
    try:
        body = json.loads(raw.body)
    except (ValueError, UnicodeDecodeError):
        return None, None, ""
    if not isinstance(body, dict):
        return None, None, ""
    code, field, detail = body.get("code"), body.get("field"), body.get("detail")
    return (
        code if isinstance(code, str) else None,
        field if isinstance(field, str) else None,
        scrub(detail)[:160] if isinstance(detail, str) else "",
    )


#: Every refusal of the 4xx class (401 and 429 keep their rows) is a FAULT the problem body
#: explains, 409 a CONFLICT; a 500 is retried: the idempotency key makes a re-send harmless.
RECIPIENT_STATUS_ACTIONS = DEFAULT_STATUS_ACTIONS.recast(4, Action.FATAL, Action.FAULT).merged(
    {409: Action.CONFLICT, 500: Action.RETRY}
)


class RecipientClient(RestRegistryClient):
    """One recipient's ``status-notifications`` (subclasses set :attr:`SPEC`)."""

    RECIPIENT: ClassVar[str]
    OPERATION_PATHS: ClassVar[dict[str, str]] = {OPERATION: f"/{OPERATION}"}
    STATUS_ACTIONS: ClassVar[StatusTable] = RECIPIENT_STATUS_ACTIONS

    def fault_error(self, raw: RawResponse, headers: CallHeaders, action: Action) -> TiltsError:
        """A 4xx answer: a rejection naming the problem's code and field."""
        code, field, detail = _problem(raw)
        where = f" {field}" if field else ""
        message = f"{self.SPEC.name}: HTTP {raw.status} {code or ''}{where}: {detail}".strip()
        cls = IdempotencyConflictError if action is Action.CONFLICT else RecipientRejectedError
        return cls(message, raw.status, code, field)

    def notify(self, payload: dict[str, Any]) -> Receipt:
        """Send one notification (``payload`` is the stored body, sent as it is).

        Raises:
            RecipientRejectedError: refused for good (its subclass IdempotencyConflictError
                for 409).
            UnreachableError: retriable failures outlasted the retry policy.
            AuthError, ContractError: the gateway refused the credentials; the answer broke
                the contract (the notification may have arrived: re-send it later).
        """
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        key = str(payload["notificationId"])

        def build(headers: CallHeaders) -> tuple[bytes, dict[str, str]]:
            return body, {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": key,
                **rest_headers(headers),
            }

        def read(raw: RawResponse, headers: CallHeaders) -> Receipt:
            if raw.headers.get("X-Road-Id") != headers.message_id:
                raise ContractError(f"{self.SPEC.name}: answer carries another message id")
            try:
                answer = json.loads(raw.body)
            except (ValueError, UnicodeDecodeError):
                raise ContractError(f"{self.SPEC.name}: answer is not JSON") from None
            receipt = answer.get("receiptId") if isinstance(answer, dict) else None
            if not isinstance(receipt, str) or not receipt:
                raise ContractError(f"{self.SPEC.name}: answer has no receiptId")
            return Receipt(receipt)

        url = self.url + self.OPERATION_PATHS[OPERATION]
        return self.execute(OPERATION, FAMILY, 1, build, read, url=url)


def _spec(recipient: str, xroad: str | None = None) -> ServiceSpec:
    return ServiceSpec(
        name=f"recipient-{recipient}",
        scope=SCOPE,
        path=f"/recipients/{recipient}/api/v1",
        xroad=ServiceId.parse(xroad or f"LV/GOV/{recipient.upper()}/NOTIFY"),
        style="rest",
    )


class NinoClient(RecipientClient):
    """Municipal real-estate tax relief (NINO)."""

    RECIPIENT = "nino"
    SPEC: ClassVar[ServiceSpec] = _spec("nino")


class JpaClient(RecipientClient):
    """State legal aid administration (JPA)."""

    RECIPIENT = "jpa"
    SPEC: ClassVar[ServiceSpec] = _spec("jpa")


class BvkbClient(RecipientClient):
    """The protected electricity user register (BVKB)."""

    RECIPIENT = "bvkb"
    SPEC: ClassVar[ServiceSpec] = _spec("bvkb")


class NvaRecipientClient(RecipientClient):
    """The employment agency as a recipient (not the NVA registry of ``connectors/nva.py``)."""

    RECIPIENT = "nva"
    SPEC: ClassVar[ServiceSpec] = _spec("nva")


class BarisClient(RecipientClient):
    """The orphans' courts' information system (BARIS)."""

    RECIPIENT = "baris"
    SPEC: ClassVar[ServiceSpec] = _spec("baris")


class BridzisClient(RecipientClient):
    """The municipal housing register (BRIDZIS, property.md §9): X-Road service
    ``LV/GOV/<municipality>/BRIDZIS``, the member being the sending municipality itself."""

    RECIPIENT = "bridzis"
    SPEC: ClassVar[ServiceSpec] = _spec("bridzis", "LV/GOV/MUNICIPALITY/BRIDZIS")

    def _headers(self, operation: str) -> CallHeaders:
        own = self.gateway.municipality.member_code
        service = replace(self.SPEC.xroad, member_code=own)
        return CallHeaders.new(own, service, operation, self.purpose)


class KimClient(RecipientClient):
    """The package distribution of the food and basic-goods aid programme (KIM, property.md
    §9): ``LV/GOV/LM/KIM``."""

    RECIPIENT = "kim"
    SPEC: ClassVar[ServiceSpec] = _spec("kim", "LV/GOV/LM/KIM")


#: The explicit table of recipients (no discovery), as outbound.md and property.md §9 list them.
RECIPIENT_CLIENTS: dict[str, type[RecipientClient]] = {
    c.RECIPIENT: c
    for c in (
        NinoClient, JpaClient, BvkbClient, NvaRecipientClient, BarisClient, BridzisClient,
        KimClient,
    )
}  # fmt: skip
