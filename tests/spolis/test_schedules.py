"""The SPOLIS deployments of operations.md §5 in ``prefect.yaml`` (``tests/deploy`` proves that
``prefect deploy --all`` creates them on a real server)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_spolis_schedules_in_riga_time() -> None:
    deployments = {
        d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    }
    expected = {
        "spolis-decisions-payments": ("flows/spolis.py:spolis_daily", "0 4 * * *"),
        "spolis-monthly-report": ("flows/spolis.py:monthly_report", "0 3 5-15 * *"),
        "spolis-annual-report": ("flows/spolis.py:annual_report", "0 3 5 2 *"),
        "spolis-cofinancing": ("flows/spolis.py:pull_cofinancing", "0 3 20 * *"),
    }
    for name, (entrypoint, cron) in expected.items():
        d = deployments[name]
        assert d["entrypoint"] == entrypoint
        assert d["schedules"] == [{"cron": cron, "timezone": "Europe/Riga"}]
    # retried daily until accepted or the 15th: the flow leaves an accepted month alone
    assert deployments["spolis-monthly-report"]["parameters"] == {"until_accepted": True}
