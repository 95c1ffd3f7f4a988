"""requirements.lock and pyproject.toml agree (offline): every requirement of the project and of
its extras is pinned in the lock at a version its range admits, extras' own requirements
included; the README and CI install from the lock; the ranges exclude what is known to break."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The platform the lock is for at the least: CPython 3.11 on Linux (it is universal beyond).
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
}


def parse_lock(text: str) -> dict[str, list[tuple[Version, Marker | None]]]:
    """``name -> [(pinned version, marker)]`` of a pip-style lock (``name==version ; marker``)."""
    pins: dict[str, list[tuple[Version, Marker | None]]] = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("#", "--")):
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not a pin: {raw!r}"
        pins.setdefault(canonicalize_name(req.name), []).append(
            (Version(specs[0].version), req.marker)
        )
    return pins


def _applies(marker: Marker | None, extra: str = "") -> bool:
    return marker is None or marker.evaluate({**TARGET, "extra": extra})


def project_requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in extra]
    return reqs


def disagreements(pins: dict[str, list[tuple[Version, Marker | None]]]) -> list[str]:
    """What in pyproject.toml the lock does not satisfy, one line each."""
    wrong = []
    for req in project_requirements():
        if not _applies(req.marker):
            continue
        name = canonicalize_name(req.name)
        versions = [v for v, m in pins.get(name, []) if _applies(m)]
        if not versions:
            wrong.append(f"{req.name}: not in requirements.lock")
        wrong += [
            f"{req.name}: locked {v}, pyproject.toml asks {req.specifier}"
            for v in versions
            if not req.specifier.contains(v, prereleases=True)
        ]
        for extra in sorted(req.extras):  # e.g. pandera[pandas] -> pandas, psycopg[binary]
            for dep in map(Requirement, metadata.requires(req.name) or []):
                added = _applies(dep.marker, extra) and not _applies(dep.marker)
                if added and canonicalize_name(dep.name) not in pins:
                    wrong.append(f"{req.name}[{extra}] needs {dep.name}: not in the lock")
    return wrong


def test_the_lock_satisfies_every_requirement_of_pyproject() -> None:
    pins = parse_lock(LOCK.read_text(encoding="utf-8"))
    assert disagreements(pins) == []


def test_a_lock_that_disagrees_is_caught() -> None:
    pins = parse_lock(LOCK.read_text(encoding="utf-8"))
    stale = {**pins, "sqlalchemy": [(Version("2.1.9"), None)]}
    del stale["zeep"]
    assert sorted(disagreements(stale)) == [
        "sqlalchemy: locked 2.1.9, pyproject.toml asks <2.1,>=2.0.30",
        "zeep: not in requirements.lock",
    ]
    no_extra = {k: v for k, v in pins.items() if k != "psycopg-binary"}
    assert disagreements(no_extra) == ["psycopg[binary] needs psycopg-binary: not in the lock"]


@pytest.mark.parametrize(
    ("package", "broken"),
    [
        # Prefect 3.8's scheduler service fails on every loop (no scheduled run is ever made)
        ("sqlalchemy", "2.1.0"),
        # Prefect 3.8's server does not import
        ("fastapi", "0.155.0"),
    ],
)
def test_the_ranges_exclude_what_breaks_prefect_3_8(package: str, broken: str) -> None:
    req = next(r for r in project_requirements() if canonicalize_name(r.name) == package)
    assert not req.specifier.contains(broken)
    assert all(
        not req.specifier.contains(v) or v < Version(broken)
        for v, _ in parse_lock(LOCK.read_text(encoding="utf-8"))[package]
    )


def test_the_readme_and_ci_install_from_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^ {4}(python3 -m venv .venv && .*)$", readme, flags=re.MULTILINE)
    assert len(commands) == 2, commands
    assert all("pip install -c requirements.lock -e " in c for c in commands), commands
    # the installer that installs the lock is pinned too (pip installs it into the venv)
    assert all(re.search(r"pip install uv==\d+\.\d+\.\d+ ", c) for c in commands), commands
    test_command = next(c for c in commands if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines(), "`.ci/run` must run the README's test command"
