"""REST registries: JSON bodies, X-Road facts as HTTP headers, problem+json errors."""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import quote

from tilts.connectors.base import Action, RawResponse, RegistryClient
from tilts.connectors.xroad import CallHeaders, rest_headers
from tilts.kernel.errors import ContractError


class RestRegistryClient(RegistryClient):
    """A registry spoken to in JSON over HTTPS with ``X-Road-*`` headers."""

    OPERATION_PATHS: ClassVar[dict[str, str]]
    #: the path parameters hold a personal code (UR): messages name the path template instead
    PERSONAL_PATH: ClassVar[bool] = False

    def post_json(
        self, operation: str, family: str, batch_size: int, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """POST ``payload`` to the operation's path and return the checked JSON answer."""
        return self.request_json(operation, family, batch_size, payload)

    def request_json(
        self,
        operation: str,
        family: str,
        batch_size: int,
        payload: dict[str, Any] | None,
        *,
        method: str = "POST",
        path_params: dict[str, str] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send ``payload`` (``None``: no body) with ``method`` to the operation's path, whose
        ``{name}`` placeholders ``path_params`` fill, and return the checked JSON answer."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        template = self.url + self.OPERATION_PATHS[operation]
        url = template.format(**{k: quote(v, safe="") for k, v in (path_params or {}).items()})

        def build(headers: CallHeaders) -> tuple[bytes, dict[str, str]]:
            return body, {
                **({"Content-Type": "application/json"} if payload is not None else {}),
                "Accept": "application/json",
                **rest_headers(headers),
                **(extra_headers or {}),
            }

        def read(raw: RawResponse, headers: CallHeaders) -> dict[str, Any]:
            if raw.headers.get("X-Road-Id") != headers.message_id:
                raise ContractError(
                    f"{self.SPEC.name}.{operation}: answer carries another message id"
                )
            try:
                answer = json.loads(raw.body)
            except (ValueError, UnicodeDecodeError):
                raise ContractError(f"{self.SPEC.name}.{operation}: answer is not JSON") from None
            if not isinstance(answer, dict):
                raise ContractError(f"{self.SPEC.name}.{operation}: answer is not a JSON object")
            if self.STATUS_ACTIONS.action(raw.status) is Action.ANSWER:
                return self.contract_answer(operation, raw, headers, answer)
            return answer

        where = template if self.PERSONAL_PATH else None  # a personal code is never in a message
        return self.execute(
            operation, family, batch_size, build, read, url=url, method=method, where=where
        )

    def contract_answer(
        self, operation: str, raw: RawResponse, headers: CallHeaders, answer: dict[str, Any]
    ) -> dict[str, Any]:
        """A problem+json answer whose status row is :data:`Action.ANSWER`: the client's reading
        (UR's NOT_FOUND and INVALID_CODE); by default refused like any error status."""
        raise self.refusal(operation, Action.FATAL, raw, headers)

    def problem_code(self, raw: RawResponse) -> str:
        """``HTTP <status> <code>`` from a problem+json body (``code`` only, never ``detail``)."""
        try:
            code = json.loads(raw.body).get("code")
        except (ValueError, AttributeError, UnicodeDecodeError):
            code = None
        return f"HTTP {raw.status} {code}" if isinstance(code, str) else f"HTTP {raw.status}"

    @staticmethod
    def results(
        answer: dict[str, Any], codes: list[str], service: str, key: str = "results"
    ) -> list[dict[str, Any]]:
        """Per-person results, checked to answer exactly the requested codes in order."""
        results = answer.get(key)
        if not isinstance(results, list) or [
            r.get("personCode") if isinstance(r, dict) else None for r in results
        ] != list(codes):
            raise ContractError(f"{service}: answer does not list the requested codes in order")
        return results
