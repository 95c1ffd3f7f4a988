"""Access control end to end through the connectors (and flows) against the mock gateway.

* an expired token is refused (401) and the connector refreshes it once; a token the gateway
  never issued (one from another issuer: forged as far as it knows) is refused again after the
  one refresh, and the call fails clearly (``AuthError``), never retried further;
* a client without a service's scope gets 403: fatal, not retried, nothing stored;
* a municipality cannot act as another: registries refuse an X-Road identity that is not the
  token's client's, SPOLIS refuses submitting or reading another ATVK, the recipients refuse a
  notification of another municipality (``spec/README.md``, ``spolis.md``, ``outbound.md``).

``tests/mocks/test_mocks_gateway.py`` covers the raw HTTP refusals and
``tests/connectors/test_contract.py`` the registries' refresh on an expired token and an
injected 403; this file covers what those leave open.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.outbox.conftest import build_world, granted
from tests.reliability_crash.conftest import NARROW, PERSONS, SEED, Store, migrated
from tilts.connectors.base import Gateway
from tilts.connectors.recipients import JpaClient
from tilts.connectors.registry import REGISTRIES
from tilts.connectors.spolis import SpolisClient
from tilts.connectors.xroad import Purpose
from tilts.flows.notify import deliver_notifications
from tilts.flows.spolis import submit_decisions
from tilts.flows.sync_population import sync_population
from tilts.flows.sync_registries import sync_disability, sync_income
from tilts.kernel.audit import MemoryAuditSink
from tilts.kernel.config import GatewaySettings, MunicipalitySettings, demo_municipalities
from tilts.kernel.errors import AuthError, FatalError
from tilts.mocks.harness import MockHandle, running_mocks
from tilts.mocks.world.population import Population
from tilts.registries import REGISTRIES as DESCRIPTORS
from tilts.registries import Registry, scopes
from tilts.shell.demo import seed_caseload, write_config
from tilts.store.models import RegistryFact, SyncCursor
from tilts.store.models_outbox import Notification
from tilts.store.models_spolis import SpolisSubmission

ALL_SCOPES = list(scopes())  # every registry's scope, as the runtime asks with all enabled

OGRE, TUKUMS = "0040000", "0051000"
MUNIS = demo_municipalities()
PURPOSE = Purpose("svc-test", "MK809-test")
SPOLIS_SCOPE, RECIPIENTS_SCOPE = "spolis.submit", "recipients.notify"


@pytest.fixture(scope="module")
def issuer() -> Iterator[MockHandle]:
    """Another gateway: its tokens mean nothing to ``rel_mock``'s (forged, as far as it knows)."""
    with running_mocks(persons=100, seed=3) as handle:
        yield handle


@pytest.fixture
def mock(rel_mock: MockHandle) -> MockHandle:
    rel_mock.reset()
    return rel_mock


def _gateway(mock: MockHandle, scopes: list[str], muni: MunicipalitySettings = MUNIS["ogre"],
             token_url: str | None = None) -> Gateway:  # fmt: skip
    settings = GatewaySettings(base_url=mock.base_url, token_url=token_url, max_attempts=3,
                               backoff_base_s=0.01, backoff_max_s=0.05)  # fmt: skip
    return Gateway(settings, muni, "demo-ogre-secret", scopes, audit=MemoryAuditSink())


def _audit(gw: Gateway) -> list[Any]:
    assert isinstance(gw.audit, MemoryAuditSink)
    return [(r.service, r.http_status) for r in gw.audit.records]


def _adults(mock: MockHandle, n: int) -> list[str]:
    """Active Ogre residents of working age on the decision day (JPA hears of adult members)."""
    out: list[str] = []
    for hid in sorted({p["householdId"] for p in mock.sample(OGRE, 200)}):
        for m in mock.admin_get(f"households/{hid}")["members"]:
            born = date.fromisoformat(m["birthDate"])
            if m["registerStatus"] == "ACTIVE" and 1961 < born.year < 2000:
                out.append(m["personCode"])
        if len(out) >= n:
            return out[:n]
    raise AssertionError("not enough adults in the sample")


def _jpa_body(codes: list[str], sequence: int, atvk: str = OGRE) -> dict[str, Any]:
    return {"notificationId": str(uuid.uuid4()), "sequence": sequence, "municipality": atvk,
            "event": "GRANTED", "status": "POOR", "decisionDate": "2026-10-09",
            "validFrom": "2026-10-01", "validTo": "2027-03-31",
            "persons": [{"personCode": c, "role": "MEMBER"} for c in codes]}  # fmt: skip


def _set(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")


# (journal service, scope the client needs, one call)
Call = Callable[[Gateway, MockHandle, int], object]


def _registry_call(registry: Registry) -> Call:
    """One call: two persons in one batch, or one person where a call asks one (UR's GET)."""
    entry, persons = REGISTRIES[registry.service], 1 if registry.one_per_call else 2
    return lambda gw, m, n: entry.batch_query(entry.client(gw, PURPOSE), _adults(m, persons))


CALLS: dict[str, tuple[str, str, Call]] = {
    # every registry of the table (registries/), the same one call each
    **{r.service: (r.service, r.scope, _registry_call(r)) for r in DESCRIPTORS},
    "spolis": ("spolis", SPOLIS_SCOPE,
               lambda gw, m, n: SpolisClient(gw, PURPOSE).cofinancing(OGRE, "2026-10")),
    "recipient": ("recipient-jpa", RECIPIENTS_SCOPE,
                  lambda gw, m, n: JpaClient(gw, PURPOSE).notify(_jpa_body(_adults(m, 2), n))),
}  # fmt: skip


@pytest.mark.parametrize("name", ["spolis", "recipient"])
def test_expired_token_is_refused_and_refreshed_once(name: str, mock: MockHandle) -> None:
    service, scope, call = CALLS[name]
    gw = _gateway(mock, [scope])
    call(gw, mock, 1)
    assert mock.expire_tokens() >= 1
    call(gw, mock, 2)  # 401, a fresh token, the same call again: it goes through
    assert gw.tokens.fetches == 2 and gw.stats.retries == 0
    seen = [(e["status"], e["outcome"]) for e in mock.journal(service=service)]
    assert [s for s, _ in seen] == [200 if name == "spolis" else 202, 401, seen[-1][0]]
    assert seen[1][1] == "INVALID_TOKEN" and seen[-1][0] in (200, 202)
    assert _audit(gw) == [(service, s) for s, _ in seen]  # the refused attempt is audited too


@pytest.mark.parametrize("name", list(CALLS))
def test_forged_token_is_refused_after_one_refresh_and_fails_clearly(
    name: str, mock: MockHandle, issuer: MockHandle
) -> None:
    service, scope, call = CALLS[name]
    issuer.reset()
    gw = _gateway(mock, [scope], token_url=issuer.url("/token"))
    with pytest.raises(AuthError, match="token refused after one refresh"):
        call(gw, mock, 1)
    assert [(e["status"], e["outcome"]) for e in mock.journal(service=service)] == [
        (401, "INVALID_TOKEN")] * 2  # fmt: skip
    assert len(issuer.journal(service="gateway")) == gw.tokens.fetches == 2
    assert gw.stats.retries == 0 and _audit(gw) == [(service, 401)] * 2


def test_forged_tokens_fail_a_sync_run_clearly_and_store_nothing(
    tmp_path: Path, mock: MockHandle, issuer: MockHandle, demo_secrets: None,
    prefect_harness: None,
) -> None:  # fmt: skip
    config = tmp_path / "tilts.toml"
    url = migrated(tmp_path / "store.db")
    write_config(config, mock.base_url, url)
    _set(
        config,
        f'base_url = "{mock.base_url}"',  # a token endpoint that is not the gateway's
        f'base_url = "{mock.base_url}"\ntoken_url = "{issuer.url("/token")}"',
    )
    seed_caseload(config, {a: mock.sample(a, 60) for a in (OGRE, TUKUMS)}, households=3)
    figures = sync_disability(config_path=str(config))
    assert figures["failures"] and all(
        "AuthError" in f and "token refused after one refresh" in f for f in figures["failures"]
    ), figures["failures"]
    calls = mock.journal(service="vdeavk")
    assert calls and {e["status"] for e in calls} == {401}
    assert len(calls) == 2 * len(figures["failures"])  # one refresh per chunk, no more
    store = Store(url)
    with store.factory() as s:
        assert s.scalar(select(func.count()).select_from(RegistryFact)) == 0
    store.close()


@pytest.mark.parametrize("name", list(CALLS))
def test_without_the_scope_the_call_is_refused_403_fatal_not_retried(
    name: str, mock: MockHandle
) -> None:
    service, scope, call = CALLS[name]
    others = [s for s in (*ALL_SCOPES, SPOLIS_SCOPE, RECIPIENTS_SCOPE) if s != scope]
    gw = _gateway(mock, others)  # the token is good, it only lacks this service's scope
    with pytest.raises(FatalError, match="403"):
        call(gw, mock, 1)
    assert [(e["status"], e["outcome"]) for e in mock.journal(service=service)] == [
        (403, "FORBIDDEN")]  # fmt: skip
    assert gw.stats.retries == 0 and gw.tokens.fetches == 1 and _audit(gw) == [(service, 403)]


def test_a_client_without_the_vid_scope_syncs_vsaa_and_never_vid(
    tmp_path: Path, mock: MockHandle, demo_secrets: None, prefect_harness: None
) -> None:
    config = tmp_path / "tilts.toml"
    url = migrated(tmp_path / "store.db")
    write_config(config, mock.base_url, url)
    _set(config, 'client_id = "demo-ogre"', f'client_id = "{NARROW.client_id}"')
    seed_caseload(config, {a: mock.sample(a, 60) for a in (OGRE, TUKUMS)}, households=3)
    figures = sync_income(municipality=OGRE, config_path=str(config))
    assert figures["failures"] and all(
        f.startswith(f"{OGRE} vid") and "403" in f for f in figures["failures"]
    ), figures["failures"]
    vid, vsaa = mock.journal(service="vid"), mock.journal(service="vsaa")
    assert {(e["status"], e["outcome"]) for e in vid} == {(403, "FORBIDDEN")}
    assert len(vid) == len(figures["failures"])  # one call a chunk: fatal, not retried
    assert vsaa and {e["status"] for e in vsaa} == {200}
    store = Store(url)
    with store.factory() as s:
        sources = dict(s.execute(select(RegistryFact.source, func.count())
                                 .group_by(RegistryFact.source)).tuples().all())  # fmt: skip
        cursors = set(s.scalars(select(SyncCursor.service)))
    store.close()
    assert sources.get("VSAA", 0) > 0 and "VID" not in sources
    assert "vsaa.complete_through" in cursors and "vid.complete_through" not in cursors


@pytest.mark.parametrize("name", sorted(REGISTRIES))
def test_a_registry_refuses_an_x_road_identity_not_the_token_s(name: str, mock: MockHandle) -> None:
    """Ogre's OAuth client speaking as Tukums's X-Road member (SOAP ``Client.AccessDenied``,
    REST 403): fatal, not retried."""
    impostor = MUNIS["tukums"].model_copy(update={"client_id": "demo-ogre"})
    gw = _gateway(mock, ALL_SCOPES, muni=impostor)
    entry = REGISTRIES[name]
    with pytest.raises(FatalError):
        entry.batch_query(entry.client(gw, PURPOSE), _adults(mock, 2))
    # one call (a batch); one per person (UR) stops at the first refusal, but the calls already
    # in flight are refused too
    seen = mock.journal(service=name)
    assert 1 <= len(seen) <= (2 if entry.one_per_call else 1)
    for call in seen:
        assert (call["status"], call["outcome"]) in (
            (500, "Client.AccessDenied"), (403, "FORBIDDEN")
        )  # fmt: skip
    assert gw.stats.retries == 0 and len(_audit(gw)) == len(seen)


def test_spolis_lets_a_municipality_read_only_its_own_data(mock: MockHandle) -> None:
    client = SpolisClient(_gateway(mock, [SPOLIS_SCOPE]), PURPOSE)
    assert client.get_report("MONTHLY", OGRE, "2026-10") == []
    reads: list[Callable[[], object]] = [
        lambda: client.get_report("MONTHLY", TUKUMS, "2026-10"),
        lambda: client.get_report("ANNUAL", TUKUMS, "2026"),
        lambda: client.cofinancing(TUKUMS, "2026-10"),
    ]
    for read in reads:
        with pytest.raises(FatalError, match="403 WRONG_MUNICIPALITY"):
            read()
    assert [(e["operation"], e["status"]) for e in mock.journal(service="spolis")] == [
        ("getMonthlyReport", 200), ("getMonthlyReport", 403), ("getAnnualReport", 403),
        ("getCofinancing", 403),
    ]  # fmt: skip


def test_tukums_s_client_cannot_submit_or_notify_for_ogre(
    tmp_path: Path, mock: MockHandle, demo_secrets: None, prefect_harness: None
) -> None:
    """Ogre's decisions sent with Tukums's credentials (a shared installation misconfigured,
    or an attempt): SPOLIS refuses every batch (403 ``WRONG_MUNICIPALITY``), the recipients
    every notification (403 ``FORBIDDEN``, parked); nothing is held there or marked sent."""
    population = Population(SEED, PERSONS, today=mock.config.today)
    world = build_world(tmp_path, migrated(tmp_path / "store.db"), mock, population,
                        households=3)  # fmt: skip
    world.record([granted(h, f"{h}-1") for h in world.households])
    assert sync_population(config_path=str(world.config))["failures"] == []  # the facts
    config = tmp_path / "impostor.toml"
    config.write_text(world.config.read_text(encoding="utf-8"), encoding="utf-8")
    _set(config, 'client_id = "demo-ogre"', 'client_id = "demo-tukums"')
    _set(config, f'member_code = "{MUNIS["ogre"].member_code}"',
         f'member_code = "{MUNIS["tukums"].member_code}"')  # fmt: skip
    mock.admin_delete("journal")

    sent = submit_decisions(config_path=str(config))
    assert sent["failures"] and all("403 WRONG_MUNICIPALITY" in f for f in sent["failures"])
    calls = mock.journal(service="spolis")
    assert calls and {(e["status"], e["outcome"]) for e in calls} == {(403, "WRONG_MUNICIPALITY")}
    assert len(calls) == len(sent["failures"])  # one call a batch: fatal, not retried
    assert mock.admin_get("spolis/decisions")["records"] == []

    delivered = deliver_notifications(config_path=str(config))
    assert delivered["notifications_delivered"] == 0 and delivered["notifications_parked"] > 0
    refused = [e for e in mock.journal() if e["service"].startswith("recipient-")]
    assert {(e["status"], e["outcome"]) for e in refused} == {(403, "FORBIDDEN")}
    assert len(refused) == delivered["notifications_parked"]  # parked at once, not retried
    with world.factory() as s:
        states = dict(s.execute(select(Notification.state, func.count())
                                .group_by(Notification.state)).tuples().all())  # fmt: skip
        accepted = s.scalar(select(func.count()).select_from(SpolisSubmission)
                            .where(SpolisSubmission.state == "ACCEPTED"))  # fmt: skip
    world.engine.dispose()
    assert "DELIVERED" not in states and states["PARKED"] == delivered["notifications_parked"]
    assert accepted == 0
    for r in ("nino", "jpa", "bvkb", "nva", "baris", "bridzis", "kim"):
        assert mock.admin_get(f"recipients/{r}")["notifications"] == []
