"""The SPOLIS gateway of a municipality in a flow run.

SPOLIS gets a gateway of its own (a token with scope ``spolis.submit`` only, its own rate
limiters) registered beside the registry gateways in the runtime, so the run's call, retry and
429 figures count its calls too. It shares the run's HTTP session and audit sink.
"""

from __future__ import annotations

import threading

from tilts.connectors.base import Gateway
from tilts.connectors.spolis import SpolisClient
from tilts.flows.runtime import Runtime

_LOCK = threading.Lock()


def spolis_gateway(rt: Runtime, atvk: str) -> Gateway:
    """The municipality's SPOLIS gateway of this run (created on first use)."""
    key = f"{atvk}:spolis"
    with _LOCK:
        if key not in rt.gateways:
            muni = rt.settings.municipality(atvk)
            secret = rt.settings.client_secret(muni.client_id).get_secret_value()
            rt.gateways[key] = Gateway(
                rt.settings.gateway,
                muni,
                secret,
                [SpolisClient.SPEC.scope],
                session=rt.session,
                audit=rt.audit,
                run_id=rt.key,
            )
        return rt.gateways[key]


def spolis_client(rt: Runtime, atvk: str) -> SpolisClient:
    """A SPOLIS client of the municipality with the run's purpose."""
    return SpolisClient(spolis_gateway(rt, atvk), rt.purpose(atvk))
