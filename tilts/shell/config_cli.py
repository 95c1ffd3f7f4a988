"""``tilts config check`` and ``tilts config example`` (operations.md §4)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import requests

from tilts.kernel.config import GatewaySettings, TiltsSettings, config_path, load_settings
from tilts.kernel.errors import ConfigError, UnreachableError
from tilts.registries import limits as registry_limits

EXAMPLE = """\
# Tilts configuration (docs/operations.md). Every value can be overridden by an environment
# variable TILTS_<SECTION>__<KEY>, e.g. TILTS_GATEWAY__BASE_URL. Unknown keys are errors.
# Secrets never go here: set TILTS_SECRET_<CLIENT_ID> (e.g. TILTS_SECRET_OGRE_SOC) or create a
# Prefect Secret block named tilts-<client-id>.

[store]
# SQLite by default; PostgreSQL for a shared service centre or several workers.
url = "postgresql://tilts@db.internal/tilts"

[gateway]
base_url = "https://gateway.example.lv"     # the state API gateway (or a mock for testing)
# token_url = "https://gateway.example.lv/token"   # default: <base_url>/token
cert_file = "/etc/tilts/client.pem"         # client certificate (mutual TLS)
key_file = "/etc/tilts/client.key"
ca_file = "/etc/tilts/gateway-ca.pem"       # CA that signed the gateway's certificate
connect_timeout_s = 5
read_timeout_s = 30
max_response_bytes = 20971520
max_attempts = 5                            # the connector is the only layer that retries
user_id = "LVsvc-nightly"                   # the scheduled job's identity in X-Road userId
# per-service batch size, rate limit and concurrency (docs/contracts/registries.md §1.4)
services.pmlp = { batch_size = 100, rate_per_s = 20, concurrency = 8 }
services.vsaa = { batch_size = 500, rate_per_s = 10, concurrency = 4 }

[municipalities.ogre]
atvk = "0040000"                            # check against the statistics office's classifier
name = "Ogres novads"
member_code = "90000000040"                 # X-Road member code (registration number)
client_id = "ogre-soc"                      # OAuth client of this municipality
issue = "MK809-monitoring"                  # legal basis sent as X-Road issue
# the municipality's own low-income thresholds (docs/contracts/assessment.md §3), EUR/month
low_income_thresholds = [
  { valid_from = 2026-01-01, first = "595.00", other = "416.00" },
]
respondent = { name = "Ogres novada Sociālais dienests", email = "sd@example.lv" }

[municipalities.ogre.recipients.nino]
statuses = ["POOR", "LOW_INCOME"]
events = ["GRANTED", "EXTENDED", "REVOKED", "EXPIRED"]

[municipalities.ogre.recipients.jpa]
statuses = ["POOR"]                         # e.g. no low-income statuses to JPA
"""


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
    secret = settings.client_secret(client_id).get_secret_value()
    gw = settings.gateway
    session = requests.Session()
    session.trust_env = False
    if gw.cert_file:
        session.cert = (str(gw.cert_file), str(gw.key_file)) if gw.key_file else str(gw.cert_file)
    if gw.ca_file:
        session.verify = str(gw.ca_file)
    try:
        resp = session.post(
            gw.resolved_token_url,
            data={"grant_type": "client_credentials", "scope": "pmlp.fpr"},
            auth=(client_id, secret),
            timeout=(gw.connect_timeout_s, gw.read_timeout_s),
        )
    except requests.RequestException as exc:
        raise UnreachableError(
            f"municipalities.{key}: token endpoint {gw.resolved_token_url} unreachable "
            f"({type(exc).__name__})"
        ) from None
    if resp.status_code != 200:
        raise ConfigError(
            f"municipalities.{key}.client_id: token endpoint refused client {client_id!r} "
            f"(HTTP {resp.status_code})"
        )
    return f"municipalities.{key}: token endpoint accepted client {client_id!r}"
