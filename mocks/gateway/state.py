"""The mutable state of one mock server: population, tokens, limits, journal, faults.

It lives with the gateway, not the world: it holds the gateway's tokens, rate buckets, journal
and fault rules over the synthetic world (:mod:`mocks.world`), which knows nothing of servers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tilts.mocks.config import MockConfig
from tilts.mocks.gateway.faults import FaultTable
from tilts.mocks.gateway.journal import Journal
from tilts.mocks.gateway.limits import RateLimiter
from tilts.mocks.gateway.specs import ServiceSpec
from tilts.mocks.gateway.tokens import TokenStore
from tilts.mocks.world.population import Population


class MockState:
    """Everything a running mock server holds; :meth:`reset` returns to the seeded state.

    Services keep their own mutable state (PMLP monitoring) and register a reset hook with
    :meth:`on_reset`. Tokens survive a reset, so a client's token stays valid across tests.
    """

    def __init__(self, config: MockConfig, services: Iterable[ServiceSpec]) -> None:
        self.config = config
        self.services = {s.name: s for s in services}
        self.population = Population(
            config.seed, config.persons, config.today, config.cache_households
        )
        self.tokens: TokenStore = TokenStore(config.token_ttl_s)
        self.limiter: RateLimiter = RateLimiter(enabled=config.rate_limits)
        self.journal = Journal(config.journal_max)
        self.faults = FaultTable(
            config.seed,
            {
                s.name: (s.protocol, tuple(o.name for o in s.operations))
                for s in self.services.values()
            },
        )
        self._reset_hooks: list[Callable[[], None]] = []

    def on_reset(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` on every :meth:`reset` (a service clears its own state there)."""
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        """Back to the seeded state: clock, changes, monitoring, journal, faults, rate buckets."""
        self.population.reset()
        self.journal.clear()
        self.faults.clear()
        self.limiter.reset()
        for hook in self._reset_hooks:
            hook()
