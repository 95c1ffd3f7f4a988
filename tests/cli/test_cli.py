"""The command line: exit codes and messages of operations.md §3, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def tilts(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TILTS_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tilts.shell.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_on_a_fresh_installation_says_nothing_ran(tmp_path: Path) -> None:
    proc = tilts("status", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nothing has run yet" in proc.stdout


def test_db_upgrade_creates_the_sqlite_store(tmp_path: Path) -> None:
    proc = tilts("db", "upgrade", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / ".tilts" / "tilts.db").is_file()
    assert tilts("status", cwd=tmp_path).returncode == 0


def test_unknown_config_key_names_key_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "tilts.toml"
    cfg.write_text('[gateway]\nbase_urll = "http://127.0.0.1:1"\n', encoding="utf-8")
    proc = tilts("status", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 2
    assert (
        "gateway.base_urll" in proc.stderr
        and str(cfg) in proc.stderr
        and "unknown key" in proc.stderr
    )


def test_bad_value_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "tilts.toml"
    cfg.write_text(
        '[municipalities.x]\natvk = "12"\nname = "X"\nmember_code = "90000000040"\nclient_id = "c"\n',
        encoding="utf-8",
    )
    proc = tilts("status", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 2
    assert "municipalities.x.atvk" in proc.stderr


def test_unknown_sync_service_is_bad_usage(tmp_path: Path) -> None:
    proc = tilts("sync", "bogus", cwd=tmp_path)
    assert proc.returncode == 2
    assert "service" in proc.stderr


def test_unreachable_gateway_exits_3(tmp_path: Path, prefect_api: dict[str, str]) -> None:
    cfg = tmp_path / "tilts.toml"
    cfg.write_text(
        '[gateway]\nbase_url = "http://127.0.0.1:9"\nmax_attempts = 1\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "s.db"}"\n'
        '[municipalities.ogre]\natvk = "0040000"\nname = "Ogres novads"\nmember_code = "90000000040"\nclient_id = "demo-ogre"\n',
        encoding="utf-8",
    )
    proc = tilts(
        "sync",
        "population",
        "--config",
        str(cfg),
        cwd=tmp_path,
        env={**prefect_api, "TILTS_SECRET_DEMO_OGRE": "x"},  # the harness's API, not its own
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "http://127.0.0.1:9/token" in proc.stderr and "Traceback" not in proc.stderr


def test_help_on_every_verb(tmp_path: Path) -> None:
    for verb in (
        ["demo"],
        ["sync"],
        ["status"],
        ["assess"],
        ["db", "upgrade"],
        ["mocks", "serve"],
        ["quarantine", "list"],
    ):
        proc = tilts(*verb, "--help", cwd=tmp_path)
        assert proc.returncode == 0, (verb, proc.stderr)


def test_config_example_validates_offline(tmp_path: Path) -> None:
    example = tilts("config", "example", cwd=tmp_path)
    assert example.returncode == 0
    cfg = tmp_path / "tilts.toml"
    cfg.write_text(example.stdout, encoding="utf-8")
    proc = tilts("config", "check", "--offline", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "configuration valid" in proc.stdout


def test_config_check_tries_the_token_endpoint(tmp_path: Path) -> None:
    from tilts.mocks.harness import running_mocks
    from tilts.shell.demo import write_config

    with running_mocks(persons=200) as mock:
        cfg = tmp_path / "tilts.toml"
        write_config(cfg, mock.base_url, f"sqlite:///{tmp_path / 's.db'}")
        good = tilts(
            "config",
            "check",
            "--config",
            str(cfg),
            cwd=tmp_path,
            env={
                "TILTS_SECRET_DEMO_OGRE": "demo-ogre-secret",
                "TILTS_SECRET_DEMO_TUKUMS": "demo-tukums-secret",
            },
        )
        assert good.returncode == 0, good.stderr
        assert "accepted client 'demo-ogre'" in good.stdout
        bad = tilts(
            "config",
            "check",
            "--config",
            str(cfg),
            cwd=tmp_path,
            env={
                "TILTS_SECRET_DEMO_OGRE": "wrong",
                "TILTS_SECRET_DEMO_TUKUMS": "demo-tukums-secret",
            },
        )
        assert bad.returncode == 2
        assert "municipalities.ogre.client_id" in bad.stderr
        missing = tilts("config", "check", "--config", str(cfg), cwd=tmp_path)
        assert missing.returncode == 2 and "TILTS_SECRET_DEMO_OGRE" in missing.stderr
