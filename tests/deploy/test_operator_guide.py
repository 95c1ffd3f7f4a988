"""Follows docs/operations.md on a fresh clone, every process under ``TZ=UTC``: configure, keep
the client secret in a Prefect Secret block (the guide's command), check, create the store,
deploy, see the scheduler's runs at Riga's times and a scheduled run fire, run the nightly
through a worker, monitor, repair, set up failure notifications, upgrade.

Substitutions, because a test has no real registries, server database or Slack: the gateway
is the mock server, the store is SQLite in a temporary folder, the Prefect server keeps its
own SQLite, and the notification block is a webhook on a closed loopback port. The guide's
install step (`pip install -e .`) is the README's command that CI itself runs.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tilts.kernel.clock import riga_today
from tilts.mocks.harness import running_mocks
from tilts.shell.demo import DEMO_SECRETS, write_caseload

from .conftest import stop
from .test_deployments import PREFECT, ROOT, _run, run_nightly_deployment
from .test_schedules import SPEC

GUIDE = ROOT / "docs" / "operations.md"
TILTS = [sys.executable, "-m", "tilts.shell.cli"]


def _guide_commands() -> list[str]:
    """Every command line of the guide (indented code, `.venv/bin/...`)."""
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(r"^\s{4}(?:[A-Z_]+=\S+ )*\.venv/bin/(\S+(?: \S+)*)", text, flags=re.MULTILINE)


def _guide_line(starting: str) -> list[str]:
    """The guide's command that starts with ``starting``, split as a shell would."""
    line = next(c for c in _guide_commands() if c.startswith(starting))
    return shlex.split(line.split("  #")[0])


def _flow_runs(api: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = requests.post(
        f"{api}/flow_runs/filter", json=body, timeout=30
    ).json()
    return runs


def _until(what: str, probe: Any, timeout_s: float, log: Path) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(1)
    tail = log.read_text(errors="replace")[-6000:] if log.exists() else ""
    pytest.fail(f"{what}: not within {timeout_s:.0f} s\n{tail}")


@pytest.mark.slow
@pytest.mark.timeout(1500)  # a clone, a deploy, the nightly and a scheduled run: slow when loaded
def test_operator_guide_on_a_fresh_clone(prefect_server: dict[str, str], tmp_path: Path) -> None:
    commands = " | ".join(_guide_commands())
    for step in ("tilts config example", "tilts config check --offline", "tilts db upgrade",
                 "prefect work-pool create tilts --type process", "prefect --no-prompt deploy --all",
                 "prefect worker start --pool tilts", "tilts automation create",
                 "prefect flow-run ls --state Scheduled", "tilts cases import",
                 "prefect deployment run expire_statuses/expire-statuses --start-in",
                 "python -c \"import os; from prefect.blocks.system import Secret"):  # fmt: skip
        assert step in commands, f"the guide no longer says {step!r}"

    clone = tmp_path / "tilts"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    with running_mocks(persons=1500, seed=3) as mock:
        # the host's zone is not Riga's: every date and schedule must still be Riga's
        env = {**prefect_server, "TILTS_CONFIG": str(tmp_path / "tilts.toml"), "TZ": "UTC"}
        api = env["PREFECT_API_URL"]
        # 2. Configure: start from the example, point it at this world
        example = _run([*TILTS, "config", "example"], env, cwd=clone)
        # (the example is generated from the settings model: its values are the defaults)
        config, stores = re.subn(
            r"^url = .*$", f'url = "sqlite:///{tmp_path / "store.db"}"', example, flags=re.M
        )
        config, gateways = re.subn(
            r"^base_url = .*$", f'base_url = "{mock.base_url}"', config, flags=re.M
        )
        assert (stores, gateways) == (1, 1), example
        config = re.sub(r"^(cert_file|key_file|ca_file) = .*$", "", config, flags=re.MULTILINE)
        config = config.replace('client_id = "ogre-soc"', 'client_id = "demo-ogre"')
        (tmp_path / "tilts.toml").write_text(config, encoding="utf-8")
        # 2. the client secret in a Prefect Secret block, by the guide's command: no secret in
        # any process's environment from here on (the worker reads the block)
        save_secret = _guide_line('python -c "import os; from prefect.blocks.system import Secret')
        assert "tilts-ogre-soc" in save_secret[-1]
        code = save_secret[-1].replace("tilts-ogre-soc", "tilts-demo-ogre")
        secret = {"TILTS_NEW_SECRET": DEMO_SECRETS["TILTS_SECRET_DEMO_OGRE"]}
        _run([sys.executable, "-c", code], {**env, **secret}, cwd=clone)
        assert "configuration valid" in _run(
            [*TILTS, "config", "check", "--offline"], env, cwd=clone
        )
        assert "accepted client 'demo-ogre'" in _run([*TILTS, "config", "check"], env, cwd=clone)
        # 3. Create the store (twice: safe to repeat)
        for _ in range(2):
            _run([*TILTS, "db", "upgrade"], env, cwd=clone)
        # 3. Load the caseload: the case application's export, by the guide's command
        groups: dict[str, list[str]] = defaultdict(list)
        for p in mock.sample("0040000", 200):
            groups[str(p["householdId"])].append(p["personCode"])
        export = tmp_path / "ogre-caseload.csv"
        write_caseload(export, list(groups.items())[:25], riga_today())
        load = _guide_line("tilts cases import")
        assert load[:4] == ["tilts", "cases", "import", "/srv/exports/ogre-caseload.csv"], load
        load = [*load[1:3], str(export), *load[4:]]
        first_load = json.loads(_run([*TILTS, *load, "--json"], env, cwd=clone))
        assert first_load["cases_created"] == 25 and first_load["quarantined"] == 0, first_load
        again = json.loads(_run([*TILTS, *load, "--json"], env, cwd=clone))  # changes nothing
        assert not any(v for k, v in again.items() if k.endswith(("_created", "_updated"))), again
        # 4. Deploy and schedule
        _run([PREFECT, "work-pool", "create", "tilts", "--type", "process"], env, cwd=clone)
        before = datetime.now(UTC)
        _run([PREFECT, "--no-prompt", "deploy", "--all"], env, cwd=clone)

        # ... and check that the schedules fire: the scheduler's next nightly, 02:00 in Riga
        def scheduled_nightly() -> list[dict[str, Any]]:
            body = {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                    "deployments": {"name": {"any_": ["nightly-sync"]}},
                    "sort": "EXPECTED_START_TIME_ASC"}  # fmt: skip
            return _flow_runs(api, body)

        nightly = _until("the scheduler's nightly run", scheduled_nightly, 120, tmp_path / "none")
        listed = _run([PREFECT, *_guide_line("prefect flow-run ls --state Scheduled")[1:]],
                      {**env, "COLUMNS": "200"}, cwd=clone)  # fmt: skip
        rows = [line for line in listed.splitlines() if "nightly_sync" in line]
        assert rows and all("SCHEDULED" in row for row in rows), listed
        first = datetime.fromisoformat(nightly[0]["expected_start_time"].replace("Z", "+00:00"))
        assert first == SPEC["nightly-sync"].next_after(before - timedelta(seconds=1)) or (
            first == SPEC["nightly-sync"].next_after(datetime.now(UTC))
        ), first
        log = (tmp_path / "worker.log").open("wb")
        # the guide's worker environment sets no log level: Prefect's default, INFO
        worker_env = {k: v for k, v in env.items() if k != "PREFECT_LOGGING_LEVEL"}
        worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "tilts", "--limit", "1"],
                                  env=worker_env, cwd=clone, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
        try:
            # a run scheduled half a minute ahead fires on its own
            soon = _guide_line("prefect deployment run expire_statuses/expire-statuses")
            asked = datetime.now(UTC)
            _run([PREFECT, *soon[1:]], env, cwd=clone)
            run_nightly_deployment(env, clone, tmp_path / "worker.log")

            def expiry_completed() -> list[dict[str, Any]]:
                body = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
                        "deployments": {"name": {"any_": ["expire-statuses"]}}}  # fmt: skip
                return _flow_runs(api, body)

            fired = _until("the scheduled expiry run", expiry_completed, 240,
                           tmp_path / "worker.log")[0]  # fmt: skip
            # it waited for its time (30 s ahead), not run at once. A worker submits a run up to
            # its prefetch window early (PREFECT_WORKER_PREFETCH_SECONDS, 10 s by default), so
            # the run may start that much before its expected start (seen in CI: 0.3 s before)
            started = datetime.fromisoformat(fired["start_time"].replace("Z", "+00:00"))
            assert started >= asked + timedelta(seconds=30 - 10), (asked, fired)

            def tilts_lines() -> list[dict[str, Any]]:  # a run's logs arrive just after it ends
                body = {"logs": {"flow_run_id": {"any_": [fired["id"]]}}}
                logs = requests.post(f"{api}/logs/filter", json=body, timeout=120).json()
                return [line for line in logs if line["name"].startswith("tilts.")]

            _until("the run's tilts.* log lines", tilts_lines, 120, tmp_path / "worker.log")
        finally:
            stop(worker)
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
