"""Settings: one TOML file plus environment overrides, validated once on start (operations.md §4).

The file is ``$TILTS_CONFIG`` or ``./tilts.toml``; every value can be overridden by an
environment variable ``TILTS_<SECTION>__<KEY>`` (e.g. ``TILTS_GATEWAY__BASE_URL``). Secrets
(OAuth client secrets, key passwords) never come from the file: they are read from
``TILTS_SECRET_<CLIENT_ID>`` (upper-cased, ``-`` → ``_``) or, when Prefect is configured, a
Prefect Secret block named ``tilts-<client-id>``. Unknown keys are errors: a typo is never
silently ignored. Settings are read once into :class:`TiltsSettings` and passed in; nothing
reads the environment at import time.
"""

from __future__ import annotations

import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tilts.kernel.errors import ConfigError
from tilts.registries import limits as registry_limits

DEFAULT_CONFIG_PATH = Path("tilts.toml")
DEFAULT_STORE_URL = "sqlite:///.tilts/tilts.db"


class _Strict(BaseModel):
    # inf and nan are never a setting: a timeout of inf is no timeout (issue 18)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Upper bounds of the numbers in the settings: beyond them a value is a typo or an attack.
MAX_SECONDS = 3600.0
USER_ID_MAX = 100  # the audit column (store/models.py AuditLog.user_id) holds 100


class ServiceLimits(_Strict):
    """Batch size and client-side rate limit of one registry operation family; for the
    per-person registries also how often each person is asked (``store/fetches.py``)."""

    batch_size: int = Field(
        gt=0, le=100_000, description="persons (items) per call, at most the contract's limit"
    )
    rate_per_s: float = Field(
        gt=0, le=100_000, description="calls per second the client keeps to (registries.md §1.4)"
    )
    concurrency: int = Field(default=4, gt=0, le=64, description="calls in flight at once")
    enabled: bool = Field(
        default=True,
        description="false: a per-person registry the municipality has no agreement with; its "
        "lane is left out of every sync (the nightly, the fan-out, the per-topic flows); PMLP's "
        "population lane always runs",
    )
    refresh_days: int = Field(
        default=1, gt=0, le=366, description="days before a person is asked again without a change"
    )
    budget_s: float | None = Field(
        default=None,
        gt=0,
        le=7 * 86_400,
        description="the run's budget for this service, seconds from its first call (per "
        "municipality); spent: further calls are refused, its lane stops and will retry",
    )
    night_minutes: float | None = Field(
        default=None,
        gt=0,
        le=24 * 60,
        description="a per-person registry's night budget: at most as many persons as this many "
        "minutes of calls at rate_per_s carry (never-fetched first); the rest are due tomorrow",
    )
    night_calls: int | None = Field(
        default=None,
        gt=0,
        le=100_000_000,
        description="a per-person registry's night budget in calls (with night_minutes: the "
        "smaller of the two); persons not reached are due the next night",
    )

    def persons_per_night(self) -> int | None:
        """The most persons one night asks (``None``: no budget): calls × persons per call,
        the calls being ``night_calls`` or ``night_minutes`` at ``rate_per_s``, the smaller."""
        calls = [self.night_calls] if self.night_calls is not None else []
        if self.night_minutes is not None:
            calls.append(int(self.night_minutes * 60 * self.rate_per_s))
        return min(calls) * self.batch_size if calls else None


def _default_services() -> dict[str, ServiceLimits]:
    # registries.md §1.4; the connector keeps under these on its own. The registries' families
    # come from their descriptors (registries/<name>.py; refresh_days: docs/decisions.md
    # "Registries without a change feed"); SPOLIS and the recipients are not registries.
    return {
        **{
            lim.name: ServiceLimits(
                batch_size=lim.batch_size,
                rate_per_s=lim.rate_per_s,
                concurrency=lim.concurrency,
                refresh_days=lim.refresh_days,
                night_minutes=lim.night_minutes,
                night_calls=lim.night_calls,
            )
            for lim in registry_limits()
        },
        "spolis": ServiceLimits(batch_size=500, rate_per_s=10, concurrency=2),
        "spolis_payments": ServiceLimits(batch_size=1000, rate_per_s=10, concurrency=2),
        "recipients": ServiceLimits(batch_size=1, rate_per_s=20, concurrency=4),
    }


class GatewaySettings(_Strict):
    """The state API gateway (or the local mock) and how to talk to it.

    Its timeout, retry, token and rate-limiter fields are the one place of the connectors'
    generic defaults (ARCHITECTURE.md "Which layer retries"): ``connectors/retry.py``,
    ``auth.py``, ``ratelimit.py`` and ``base.py`` read them from here and keep none of their own.
    """

    base_url: str = Field(
        default="http://127.0.0.1:8700",
        description="the state API gateway (or a mock for testing)",
        examples=["https://gateway.example.lv"],
    )
    token_url: str | None = Field(
        default=None,
        description="the OAuth token endpoint; not set: <base_url>/token",
        examples=["https://gateway.example.lv/token"],
    )
    cert_file: Path | None = Field(
        default=None,
        description="client certificate (mutual TLS), PEM",
        examples=["/etc/tilts/client.pem"],
    )
    key_file: Path | None = Field(
        default=None,
        description="the client certificate's key, PEM, not encrypted",
        examples=["/etc/tilts/client.key"],
    )
    ca_file: Path | None = Field(
        default=None,
        description="CA that signed the gateway's certificate",
        examples=["/etc/tilts/gateway-ca.pem"],
    )
    # -- generic timeouts, retry policy, token and rate-limiter defaults (the one place) ------
    connect_timeout_s: float = Field(
        default=5.0, gt=0, le=MAX_SECONDS, description="each wait for a connection, seconds"
    )
    read_timeout_s: float = Field(
        default=30.0, gt=0, le=MAX_SECONDS, description="each wait for a byte, seconds"
    )
    call_deadline_s: float = Field(
        default=120.0,
        gt=0,
        le=MAX_SECONDS,
        description="the whole of one HTTP exchange (token or service call), however slowly "
        "bytes arrive, seconds",
    )
    max_response_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, le=1024**3, description="the largest answer read"
    )
    max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="attempts of one call, the first included (the connector is the only "
        "layer that retries)",
    )
    backoff_base_s: float = Field(
        default=0.2,
        ge=0,
        le=MAX_SECONDS,
        description="first retry's backoff ceiling, seconds; doubles per attempt, full jitter",
    )
    backoff_max_s: float = Field(
        default=10.0, ge=0, le=MAX_SECONDS, description="the largest backoff ceiling, seconds"
    )
    retry_after_max_s: float = Field(
        default=60.0,
        ge=0,
        le=MAX_SECONDS,
        description="the longest Retry-After of a 429 honoured (at least backoff_max_s), seconds",
    )
    token_refresh_margin_s: float = Field(
        default=30.0,
        ge=0,
        le=MAX_SECONDS,
        description="a cached token is refreshed this long before it expires, seconds",
    )
    token_lifetime_s: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="a token's lifetime when the endpoint does not say (expires_in), seconds",
    )
    rate_burst_s: float = Field(
        default=0.25,
        gt=0,
        le=MAX_SECONDS,
        description="a service's rate limiter lets this many seconds' worth of its rate_per_s "
        "go at once (at least one call)",
    )
    # at most what the audit column holds; an empty one is refused by the connector before any
    # call leaves the process (MissingPurposeError, like an empty ``issue``)
    user_id: str = Field(
        default="LVsvc-nightly",
        max_length=USER_ID_MAX,
        description="the scheduled job's identity in X-Road userId (at most 100 characters)",
    )
    services: dict[str, ServiceLimits] = Field(
        default_factory=_default_services,
        description="per-service batch size, rate, concurrency, refresh days and budget; the "
        "registries' defaults come from their descriptors (registries/<name>.py)",
    )

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("services", mode="before")
    @classmethod
    def _merge_defaults(cls, value: Any) -> Any:
        merged: dict[str, Any] = {k: v.model_dump() for k, v in _default_services().items()}
        for key, override in (value or {}).items():
            if key not in merged:
                raise ValueError(f"unknown service {key!r}; known: {', '.join(sorted(merged))}")
            merged[key] = {**merged[key], **dict(override)}
        return merged

    def check_files(self) -> None:
        """Each configured certificate, key and CA file exists (a :class:`ConfigError` naming
        the key otherwise): checked before any call, so a typo'd path is exit 2, not a TLS
        error deep in a run."""
        for key in ("cert_file", "key_file", "ca_file"):
            path = getattr(self, key)
            if path is not None and not Path(path).is_file():
                raise ConfigError(f"gateway.{key}: {path} does not exist or is not a file")

    @property
    def resolved_token_url(self) -> str:
        """The token endpoint: ``token_url`` or ``<base_url>/token``."""
        return self.token_url or f"{self.base_url}/token"


class ThresholdRow(_Strict):
    """A municipality's low-income threshold in force from a date (assessment.md §3)."""

    valid_from: date = Field(description="the first day this row is in force")
    first: Decimal = Field(description="EUR/month for the first (or only) person")
    other: Decimal = Field(description="EUR/month for each other person of the household")


RecipientName = Literal["nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim"]
StatusName = Literal["POOR", "LOW_INCOME"]
EventName = Literal["GRANTED", "EXTENDED", "REVOKED", "EXPIRED"]


def _all_statuses() -> list[StatusName]:
    return ["POOR", "LOW_INCOME"]


def _all_events() -> list[EventName]:
    return ["GRANTED", "EXTENDED", "REVOKED", "EXPIRED"]


class RecipientRule(_Strict):
    """Which statuses and events one recipient gets (outbound.md); unknown names are errors."""

    statuses: list[StatusName] = Field(
        default_factory=_all_statuses, description="the statuses it is told about"
    )
    events: list[EventName] = Field(
        default_factory=_all_events, description="the events it is told about"
    )


class MunicipalitySettings(_Strict):
    """One municipality served by this installation."""

    atvk: str = Field(description="7 digits; check against the statistics office's classifier")
    name: str = Field(description="the municipality's name, as reports print it")
    member_code: str = Field(description="X-Road member code (registration number, 11 digits)")
    client_id: str = Field(description="OAuth client of this municipality")
    issue: str = Field(default="MK809-monitoring", description="legal basis sent as X-Road issue")
    low_income_thresholds: list[ThresholdRow] = Field(
        default_factory=list,
        description="the municipality's own low-income thresholds "
        "(docs/contracts/assessment.md §3), EUR/month, each from a date",
    )
    property_rules: dict[str, Any] = Field(
        default_factory=dict,
        description="the municipality's own property-test rows (docs/contracts/property.md §8): "
        "arrays dwelling, other_real_estate, vehicles, enterprises shaped as in "
        "tilts/assessment/rules/property.toml, each row from a date with its source",
    )
    # not given: every recipient (store/outbox_rules.py); given, even empty: exactly these
    recipients: dict[RecipientName, RecipientRule] = Field(
        default_factory=dict,
        description="which recipients are told what (outbound.md); not given: every "
        "recipient everything; given, even empty: exactly these",
    )
    respondent: dict[str, str] = Field(
        default_factory=dict,
        description="who answers for the SPOLIS reports: name, address, phone, email, head",
    )

    @field_validator("atvk")
    @classmethod
    def _atvk(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{7}", value):
            raise ValueError("ATVK must be 7 digits")
        return value

    @field_validator("member_code")
    @classmethod
    def _member(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{11}", value):
            raise ValueError("member code must be 11 digits")
        return value


class StoreSettings(_Strict):
    """Where the case store lives."""

    url: str = Field(
        default=DEFAULT_STORE_URL,
        description="SQLite for one machine; PostgreSQL for a shared service centre or several "
        "workers",
        examples=["postgresql://tilts@db.internal/tilts"],
    )

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].split("+", 1)[0].lower() if ":" in value else ""
        if scheme not in ("sqlite", "postgresql", "postgres"):
            # the URL itself is not repeated: it may hold a password
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value


class TiltsSettings(BaseSettings):
    """Everything Tilts reads from its configuration file and environment."""

    model_config = SettingsConfigDict(
        env_prefix="TILTS_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    store: StoreSettings = Field(default_factory=StoreSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    municipalities: dict[str, MunicipalitySettings] = Field(
        default_factory=dict,
        description="the municipalities this installation serves, by a key of your choosing "
        "(--municipality takes the key or the ATVK); none: the two demo municipalities",
        examples=[
            {
                "ogre": {
                    "atvk": "0040000",
                    "name": "Ogres novads",
                    "member_code": "90000000040",
                    "client_id": "ogre-soc",
                    "low_income_thresholds": [
                        {"valid_from": "2026-01-01", "first": "595.00", "other": "416.00"}
                    ],
                    "respondent": {
                        "name": "Ogres novada Sociālais dienests",
                        "email": "sd@example.lv",
                    },
                    "recipients": {"nino": {}, "jpa": {"statuses": ["POOR"]}},
                }
            }
        ],
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _current_toml_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    def municipality(self, atvk: str) -> MunicipalitySettings:
        """The configured municipality with this ATVK or configuration key (``ogre``), or a
        :class:`ConfigError` listing the valid ones."""
        if atvk in self.municipalities:
            return self.municipalities[atvk]
        for muni in self.municipalities.values():
            if muni.atvk == atvk:
                return muni
        valid = ", ".join(f"{k} ({m.atvk})" for k, m in self.municipalities.items())
        raise ConfigError(f"--municipality: {atvk!r} is not configured; valid: {valid}")

    def client_secret(self, client_id: str) -> SecretStr:
        """The OAuth secret of ``client_id`` from the environment or a Prefect Secret block."""
        env_key = "TILTS_SECRET_" + re.sub(r"[^A-Z0-9]", "_", client_id.upper())
        value = os.environ.get(env_key)
        if value:
            return SecretStr(value)
        try:
            from prefect.blocks.system import Secret

            block = Secret.load(f"tilts-{client_id}")
            return SecretStr(str(block.get()))  # type: ignore[union-attr]
        except Exception as exc:
            raise ConfigError(
                f"no secret for client {client_id!r}: set {env_key} or a Prefect Secret "
                f"block 'tilts-{client_id}'"
            ) from exc


_TOML_PATH: list[Path | None] = [None]


def _current_toml_path() -> Path | None:
    return _TOML_PATH[0]


def config_path() -> Path:
    """The configuration file path: ``$TILTS_CONFIG`` or ``./tilts.toml``."""
    return Path(os.environ.get("TILTS_CONFIG", str(DEFAULT_CONFIG_PATH)))


def load_settings(path: Path | None = None, *, required: bool = False) -> TiltsSettings:
    """Load and validate the settings once.

    Args:
        path: the TOML file; defaults to :func:`config_path`.
        required: raise when the file does not exist. A path given here or by
            ``$TILTS_CONFIG`` is always required; only an absent ``./tilts.toml`` means the
            embedded defaults.

    Raises:
        ConfigError: naming the key and the file for every problem found.
    """
    # a file named by --config or $TILTS_CONFIG must exist: never a silent fall back to the
    # embedded defaults (only the implicit ./tilts.toml may be absent)
    required = required or path is not None or "TILTS_CONFIG" in os.environ
    path = path or config_path()
    exists = path.is_file()
    if required and not exists:
        source = "TILTS_CONFIG" if "TILTS_CONFIG" in os.environ else "--config"
        raise ConfigError(f"{path}: configuration file not found (named by {source})")
    _TOML_PATH[0] = path if exists else None
    try:
        import tomllib

        if exists:
            tomllib.loads(path.read_text(encoding="utf-8"))
        settings = TiltsSettings()
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a configuration") from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            raise ConfigError(_describe(exc, path if exists else None)) from None
        if "max_str_digits" in str(exc):  # Python's int max-str-digits (4300)
            raise ConfigError(f"{path}: a number has too many digits") from None
        raise ConfigError(f"{path}: {exc}") from None
    finally:
        _TOML_PATH[0] = None
    if not settings.municipalities:
        settings = settings.model_copy(update={"municipalities": demo_municipalities()})
    return settings


def _describe(exc: ValidationError, path: Path | None) -> str:
    where = str(path) if path else "environment"
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        lines.append(f"{where}: {key}: {msg}")
    return "\n".join(lines)


def demo_municipalities() -> dict[str, MunicipalitySettings]:
    """The demo world's two municipalities (spec README), used when none are configured."""
    return {
        "ogre": MunicipalitySettings(
            atvk="0040000", name="Ogres novads", member_code="90000000040", client_id="demo-ogre"
        ),
        "tukums": MunicipalitySettings(
            atvk="0051000",
            name="Tukuma novads",
            member_code="90000000051",
            client_id="demo-tukums",
        ),
    }
