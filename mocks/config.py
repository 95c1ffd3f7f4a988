"""Configuration of the mock server: network, population, demo OAuth clients.

The defaults are the demo world of ``spec/README.md``. A TOML mock config file may add clients
or override any option::

    [mock]
    seed = 7
    persons = 5000

    [[clients]]
    client_id = "demo-riga"
    secret = "demo-riga-secret"
    member_code = "90000000010"
    atvk = "0010000"
    scopes = ["pmlp.fpr", "vdeavk.disability"]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilts.kernel.errors import ConfigError
from tilts.registries import scopes

INBOUND_SCOPES = scopes()  # every registry's (registries/)
MUNICIPALITY_SCOPES = (*INBOUND_SCOPES, "spolis.submit", "recipients.notify")


@dataclass(frozen=True)
class ClientSpec:
    """One OAuth client the mock gateway knows.

    ``member_code`` is the X-Road member code the client's headers must carry; ``None`` means
    the client may not call X-Road services at all (the ministry's read-only client).
    """

    client_id: str
    secret: str
    scopes: tuple[str, ...]
    member_code: str | None = None
    atvk: str | None = None
    name: str = ""


DEFAULT_CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec(
        "demo-ogre",
        "demo-ogre-secret",
        MUNICIPALITY_SCOPES,
        "90000000040",
        "0040000",
        "Ogres novads",
    ),
    ClientSpec(
        "demo-tukums",
        "demo-tukums-secret",
        MUNICIPALITY_SCOPES,
        "90000000051",
        "0051000",
        "Tukuma novads",
    ),
    ClientSpec(
        "demo-ministry",
        "demo-ministry-secret",
        ("spolis.read-all",),
        None,
        None,
        "Labklājības ministrija",
    ),
)


# The world's slots are 25 bits (mocks/world/population.py ``_SLOT_BITS``).
MAX_PERSONS = (1 << 25) - 1


@dataclass(frozen=True)
class MockConfig:
    """Everything the mock server needs; immutable, passed to
    :func:`mocks.gateway.server.build_app`."""

    host: str = "127.0.0.1"
    port: int = 8700
    seed: int = 42
    persons: int = 20000
    today: dt.date = dt.date(2026, 11, 26)
    admin: bool = True
    rate_limits: bool = True
    token_ttl_s: int = 3600
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    require_client_cert: bool = False
    clients: tuple[ClientSpec, ...] = field(default=DEFAULT_CLIENTS)
    journal_max: int = 100_000
    # Regenerated households (and their facts) kept in memory: ~1.5 KB + ~2 KB each.
    cache_households: int = 16_384

    def replace(self, **changes: Any) -> MockConfig:
        """A copy with ``changes`` applied (unknown names raise :class:`ConfigError`)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown mock option(s): {', '.join(unknown)}")
        if isinstance(changes.get("today"), str):
            try:
                changes["today"] = dt.date.fromisoformat(changes["today"])
            except ValueError:
                raise ConfigError(f"today: {changes['today']!r} is not a date YYYY-MM-DD") from None
        persons = changes.get("persons", self.persons)
        if isinstance(persons, bool) or not isinstance(persons, int):
            raise ConfigError("persons: must be a whole number")
        if not 1 <= persons <= MAX_PERSONS:
            raise ConfigError(f"persons: must be from 1 to {MAX_PERSONS:,} (got {persons:,})")
        return dataclasses.replace(self, **changes)

    def client(self, client_id: str) -> ClientSpec | None:
        """The client with this id, or ``None``."""
        for c in self.clients:
            if c.client_id == client_id:
                return c
        return None


_CLIENT_KEYS = {"client_id", "secret", "scopes", "member_code", "atvk", "name"}


def load_config_file(path: str | Path, base: MockConfig | None = None) -> MockConfig:
    """Read a TOML mock config file over ``base`` (default: the demo defaults).

    Clients of the file are added to the base clients; a client with an existing id replaces it.
    Unknown keys are errors that name the key and the file.
    """
    path = Path(path)
    base = base or MockConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read mock config: {exc}") from exc
    unknown_top = sorted(set(data) - {"mock", "clients"})
    if unknown_top:
        raise ConfigError(f"{path}: unknown section(s): {', '.join(unknown_top)}")
    options = dict(data.get("mock", {}))
    options.pop("clients", None)
    try:
        config = base.replace(**options)
    except (ConfigError, ValueError) as exc:
        raise ConfigError(f"{path}: [mock]: {exc}") from exc
    clients = {c.client_id: c for c in config.clients}
    for i, raw in enumerate(data.get("clients", [])):
        unknown = sorted(set(raw) - _CLIENT_KEYS)
        if unknown:
            raise ConfigError(f"{path}: clients[{i}]: unknown key(s): {', '.join(unknown)}")
        try:
            spec = ClientSpec(
                client_id=str(raw["client_id"]),
                secret=str(raw["secret"]),
                scopes=tuple(str(s) for s in raw.get("scopes", INBOUND_SCOPES)),
                member_code=raw.get("member_code"),
                atvk=raw.get("atvk"),
                name=str(raw.get("name", "")),
            )
        except KeyError as exc:
            raise ConfigError(f"{path}: clients[{i}]: missing key {exc}") from exc
        clients[spec.client_id] = spec
    return config.replace(clients=tuple(clients.values()))
