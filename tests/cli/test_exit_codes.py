"""operations.md §3: the same exit codes on every verb — 0 ok, 1 some records failed,
2 bad usage or input, 3 a dependency unreachable. Each case runs ``tilts`` as a process."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli import tilts

VERBS = [
    ["demo"], ["mocks", "serve"], ["db", "upgrade"], ["sync", "population"], ["assess"],
    ["notify"], ["spolis", "decisions"], ["spolis", "payments"], ["spolis", "monthly"],
    ["spolis", "annual"], ["status"], ["quarantine", "list"], ["quarantine", "retry"],
    ["quarantine", "discard"], ["config", "check"], ["config", "example"],
    ["automation", "create"], ["cases", "import"], ["cases", "export"], ["cursor", "show"],
    ["cursor", "reset"], ["db", "current"], ["db", "history"],
]  # fmt: skip


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_bad_usage_exits_2(verb: list[str], tmp_path: Path) -> None:
    proc = tilts(*verb, "--no-such-option", cwd=tmp_path)
    assert proc.returncode == 2, (verb, proc.stdout, proc.stderr)


@pytest.fixture
def unreachable(tmp_path: Path) -> Path:
    cfg = tmp_path / "tilts.toml"
    cfg.write_text(
        '[gateway]\nbase_url = "http://127.0.0.1:9"\nmax_attempts = 1\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "s.db"}"\n'
        '[municipalities.ogre]\natvk = "0040000"\nname = "Ogres novads"\n'
        'member_code = "90000000040"\nclient_id = "demo-ogre"\n',
        encoding="utf-8",
    )
    return cfg


CASES = [
    (["db", "upgrade"], 0),
    (["status"], 0),
    (["quarantine", "list"], 0),
    (["spolis", "decisions"], 0),  # nothing to send
    (["spolis", "monthly", "--month", "2026-13"], 2),
    (["spolis", "annual", "--year", "26"], 2),
    (["spolis", "annual", "--year", "٢٠٢٦"], 2),  # ASCII digits only, refused before sending
    (["quarantine", "discard"], 2),  # names no record
    (["config", "check"], 3),
    (["spolis", "monthly", "--month", "2026-10"], 3),
    (["sync", "all"], 3),  # the night ends Failed; only unreachable dependencies: 3
]


@pytest.mark.parametrize(
    ("verb", "code"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else str(v)
)
def test_exit_code(
    verb: list[str], code: int, unreachable: Path, tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    env = {**prefect_api, "TILTS_SECRET_DEMO_OGRE": "x"}
    proc = tilts(*verb, "--config", str(unreachable), cwd=tmp_path, env=env)
    assert proc.returncode == code, (verb, proc.stdout[-1500:], proc.stderr[-1500:])


def test_some_records_failed_exits_1(tmp_path: Path, prefect_api: dict[str, str]) -> None:
    from tilts.mocks.harness import running_mocks
    from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config

    with running_mocks(persons=600) as mock:
        cfg = tmp_path / "tilts.toml"
        write_config(cfg, mock.base_url, f"sqlite:///{tmp_path / 's.db'}")
        seed_caseload(cfg, {a: mock.sample(a, 100) for a in ("0040000", "0051000")}, households=10)
        env = {**prefect_api, **DEMO_SECRETS}
        mock.add_fault(service="pmlp", operation="getPersons", kind="malformed", count=1)
        proc = tilts("sync", "population", "--config", str(cfg), cwd=tmp_path, env=env)
        assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "quarantined" in proc.stdout
        clean = tilts("sync", "population", "--config", str(cfg), cwd=tmp_path, env=env)
        assert clean.returncode == 0, clean.stdout[-2000:] + clean.stderr[-2000:]
