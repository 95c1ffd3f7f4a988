"""The generic retry, timeout, token and rate-limiter defaults live in one place: the settings
model (``GatewaySettings``); the connectors read them and keep no numbers of their own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tilts.connectors.base import Gateway
from tilts.connectors.retry import RetryPolicy
from tilts.kernel.config import GatewaySettings, demo_municipalities

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
GENERIC = re.compile(r"timeout|attempt|backoff|deadline|burst|retry|margin|lifetime|_s$")


def test_the_policy_defaults_are_the_settings_defaults() -> None:
    assert RetryPolicy() == RetryPolicy.of(GatewaySettings())


def test_a_gateway_reads_every_generic_default_from_its_settings() -> None:
    settings = GatewaySettings(
        max_attempts=7, backoff_base_s=0.3, backoff_max_s=4, retry_after_max_s=9,
        connect_timeout_s=2, read_timeout_s=3, rate_burst_s=2, token_refresh_margin_s=5,
    )  # fmt: skip
    gw = Gateway(settings, demo_municipalities()["ogre"], "secret", ["nva.status"])
    assert gw.policy == RetryPolicy(7, 0.3, 4, 9)
    assert gw.timeout == (2, 3)
    assert gw.limiter("nva").capacity == settings.services["nva"].rate_per_s * 2


def _numeric_defaults(tree: ast.AST) -> list[tuple[int, str]]:
    """Parameters and class fields named like a generic default, given a number."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            named = [
                *zip(args.args[len(args.args) - len(args.defaults) :], args.defaults, strict=True)
            ]
            named += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
            found += [
                (d.lineno, a.arg)
                for a, d in named
                if isinstance(d, ast.Constant) and type(d.value) in (int, float)
                and GENERIC.search(a.arg)
            ]  # fmt: skip
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            value = node.value
            numeric = isinstance(value, ast.Constant) and type(value.value) in (int, float)
            if numeric and GENERIC.search(node.target.id):
                found.append((node.lineno, node.target.id))
    return found


def test_no_connector_keeps_a_generic_default_of_its_own() -> None:
    offenders = [
        f"{path.name}:{line}: {name}"
        for path in sorted(CONNECTORS.glob("*.py"))
        for line, name in _numeric_defaults(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders, "read it from GatewaySettings: " + "; ".join(offenders)


def test_the_scan_catches_a_default() -> None:
    tree = ast.parse(
        "def f(x, deadline_s: float = 120.0): pass\nclass P:\n    max_attempts: int = 5\n"
    )
    assert [name for _, name in _numeric_defaults(tree)] == ["deadline_s", "max_attempts"]
