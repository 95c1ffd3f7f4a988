"""``tilts config check`` and ``tilts config example`` (operations.md §4)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import requests

from tilts.kernel.config import GatewaySettings, TiltsSettings, config_path, load_settings
from tilts.kernel.errors import ConfigError, RetriableError, TiltsError, UnreachableError
from tilts.registries import limits as registry_limits
from tilts.shell.config_example import example

#: ``tilts config example``: generated from the settings model (``tilts/shell/config_example.py``)
EXAMPLE = example()


# docs/contracts/registries.md §1.4, spolis.md §1-§2: the most items one call may carry (the
# registries' from their descriptors, registries/<name>.py)
BATCH_LIMITS = {
    **{lim.name: lim.contract_batch for lim in registry_limits()},
    "spolis": 500,
    "spolis_payments": 1000,
}


def check(path: Path | None, offline: bool) -> Iterator[str]:
    """Validate the file and the batch sizes; unless ``offline``, check the certificate, key
    and CA files, try the store and each gateway's token endpoint.

    Yields:
        Human-readable lines of what was checked, the file read first (each as soon as it
        is checked, so what passed is shown before what failed).

    Raises:
        ConfigError: a bad key or value (names the key and the file), a batch size above the
            service's limit, a missing or mismatched certificate, key or CA file, a missing
            secret, a refused client.
        StoreError: the store is unreachable (names host and port).
        UnreachableError: a token endpoint did not answer.
    """
    chosen = path or config_path()
    settings = load_settings(path)
    read = f"read {chosen}" if chosen.is_file() else f"no {chosen}: the embedded defaults"
    yield f"configuration: {read}"
    yield f"configuration valid: {len(settings.municipalities)} municipalities"
    for service, limit in BATCH_LIMITS.items():
        size = settings.gateway.services[service].batch_size
        if size > limit:
            raise ConfigError(
                f"{chosen}: gateway.services.{service}.batch_size: {size} is above the "
                f"service's limit of {limit} per call"
            )
    yield "batch sizes within the services' limits"
    if offline:
        return
    yield from _tls_files(settings.gateway)
    yield _try_store(settings.store.url)
    for key, muni in settings.municipalities.items():
        yield _try_token(settings, key, muni.client_id)


def _tls_files(gw: GatewaySettings) -> list[str]:
    """The certificate, key and CA exist and load; the key belongs to the certificate."""
    gw.check_files()
    if gw.cert_file is None and gw.ca_file is None:
        return ["TLS: no client certificate or CA configured"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    lines = []
    if gw.cert_file is not None:
        try:
            # an encrypted key is refused (no prompt): requests cannot use one either
            ctx.load_cert_chain(gw.cert_file, gw.key_file, password="")
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(
                f"gateway.key_file: the key does not load with gateway.cert_file "
                f"(not its key, encrypted, or not PEM: {type(exc).__name__})"
            ) from None
        lines.append("TLS: client certificate and key match")
    if gw.ca_file is not None:
        try:
            ctx.load_verify_locations(cafile=gw.ca_file)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(
                f"gateway.ca_file: not a PEM CA certificate ({type(exc).__name__})"
            ) from None
        lines.append("TLS: CA file loads")
    return lines


def _try_store(url: str) -> str:
    """Connect to the store (StoreError naming host and port when it does not answer)."""
    from alembic.runtime.migration import MigrationContext

    from tilts.store.db import describe, make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    engine.dispose()
    state = f"at migration {', '.join(heads)}" if heads else "not migrated yet (tilts db upgrade)"
    return f"store: reachable at {describe(engine.url)}, {state}"


def _try_token(settings: TiltsSettings, key: str, client_id: str) -> str:
    """Ask the token endpoint once, as the connectors do (``connectors/auth.py``: its status
    table, timeouts and call deadline), without the retry loop: a refusal is configuration."""
    from tilts.connectors.auth import TokenCache
    from tilts.connectors.base import make_session

    secret = settings.client_secret(client_id).get_secret_value()
    gw = settings.gateway
    tokens = TokenCache(make_session(gw, pool_size=1), gw, client_id, secret, ["pmlp.fpr"])
    try:
        tokens.get()
    except RetriableError as exc:
        raise UnreachableError(
            f"municipalities.{key}: token endpoint {gw.resolved_token_url} unreachable ({exc})"
        ) from None
    except TiltsError as exc:
        if isinstance(exc.__cause__, requests.exceptions.SSLError):  # the certificates' fault
            raise ConfigError(
                f"municipalities.{key}: {exc}: check gateway.cert_file, key_file and ca_file"
            ) from None
        raise ConfigError(f"municipalities.{key}.client_id: {exc}") from None
    return f"municipalities.{key}: token endpoint accepted client {client_id!r}"
