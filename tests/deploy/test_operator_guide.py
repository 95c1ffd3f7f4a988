"""Follows docs/operations.md on a fresh clone: configure, check, create the store, deploy,
run the nightly through a worker, monitor, repair, set up failure notifications, upgrade.

Substitutions, because a test has no real registries, server database or Slack: the gateway
is the mock server, the store is SQLite in a temporary folder, the Prefect server keeps its
own SQLite, and the notification block is a webhook on a closed loopback port. The guide's
install step (`pip install -e .`) is the README's command that CI itself runs.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mocks.harness import running_mocks
from tilts.demo import DEMO_SECRETS, seed_caseload

from .test_deployments import PREFECT, ROOT, _run, run_nightly_deployment

GUIDE = ROOT / "docs" / "operations.md"
TILTS = [sys.executable, "-m", "tilts.cli"]


def _guide_commands() -> list[str]:
    """Every command line of the guide (indented code, `.venv/bin/...`)."""
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(r"^\s{4}(?:[A-Z_]+=\S+ )*\.venv/bin/(\S+(?: \S+)*)", text, flags=re.MULTILINE)


@pytest.mark.slow
def test_operator_guide_on_a_fresh_clone(prefect_server: dict[str, str], tmp_path: Path) -> None:
    commands = " | ".join(_guide_commands())
    for step in ("tilts config example", "tilts config check --offline", "tilts db upgrade",
                 "prefect work-pool create tilts --type process", "prefect --no-prompt deploy --all",
                 "prefect worker start --pool tilts", "tilts automation create"):  # fmt: skip
        assert step in commands, f"the guide no longer says {step!r}"

    clone = tmp_path / "tilts"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    with running_mocks(persons=1500, seed=3) as mock:
        env = {**prefect_server, **DEMO_SECRETS, "TILTS_CONFIG": str(tmp_path / "tilts.toml")}
        # 2. Configure: start from the example, point it at this world
        example = _run([*TILTS, "config", "example"], env, cwd=clone)
        config = example.replace(
            'url = "postgresql://tilts@db.internal/tilts"',
            f'url = "sqlite:///{tmp_path / "store.db"}"',
        )
        config = config.replace(
            'base_url = "https://gateway.example.lv"', f'base_url = "{mock.base_url}"'
        )
        config = re.sub(r"^(cert_file|key_file|ca_file) = .*$", "", config, flags=re.MULTILINE)
        config = config.replace('client_id = "ogre-soc"', 'client_id = "demo-ogre"')
        (tmp_path / "tilts.toml").write_text(config, encoding="utf-8")
        assert "configuration valid" in _run(
            [*TILTS, "config", "check", "--offline"], env, cwd=clone
        )
        assert "accepted client 'demo-ogre'" in _run([*TILTS, "config", "check"], env, cwd=clone)
        # 3. Create the store (twice: safe to repeat)
        for _ in range(2):
            _run([*TILTS, "db", "upgrade"], env, cwd=clone)
        seed_caseload(
            tmp_path / "tilts.toml", {"0040000": mock.sample("0040000", 200)}, households=25
        )
        # 4. Deploy and schedule
        _run([PREFECT, "work-pool", "create", "tilts", "--type", "process"], env, cwd=clone)
        _run([PREFECT, "--no-prompt", "deploy", "--all"], env, cwd=clone)
        log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "tilts", "--limit", "1"],
                                  env=env, cwd=clone, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            run_nightly_deployment(env, clone, tmp_path / "worker.log")
        finally:
            worker.terminate()
            worker.wait(30)
            log.close()
        # 5. Monitor
        status = _run([*TILTS, "status"], env, cwd=clone)
        assert "nightly_sync" in status and "COMPLETED" in status
        save_block = ("from prefect.blocks.notifications import SlackWebhook; "
                      "SlackWebhook(url='http://127.0.0.1:9/hook').save('ops', overwrite=True)")  # fmt: skip
        _run([sys.executable, "-c", save_block], env, cwd=clone)
        _run([*TILTS, "automation", "create", "--block", "slack-webhook/ops"], env, cwd=clone)
        # 6. Repair: nothing quarantined in a clean night
        assert _run([*TILTS, "quarantine", "list"], env, cwd=clone).strip() == ""
        # 7. Upgrade: migrations again, deployments again
        _run([*TILTS, "db", "upgrade"], env, cwd=clone)
        _run([PREFECT, "--no-prompt", "deploy", "--all"], env, cwd=clone)
