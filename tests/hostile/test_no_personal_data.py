"""The whole demo at DEBUG leaves no personal code or name where it does not belong.

``tilts demo`` (mocks, seeding, income backfill, two nightly syncs with re-assessment,
notifications, SPOLIS) runs in a subprocess (``tests/hostile/demo_probe.py``) with every
logger at DEBUG — Prefect's (``PREFECT_LOGGING_LEVEL``), Tilts' own (``tilts.*``, also sent to
the Prefect API as an extra logger) and the root logger, so libraries log at DEBUG too — and a
Prefect home of its own. Scanned afterwards: stdout and stderr (every console log line and
traceback), and through the Prefect API every flow run (name, parameters, state message), task
run (name, inputs, state message), log line and artifact, plus every task call's parameters as
passed (the API keeps only references to them).

Searched for: every personal code the demo's store ever held (wire form and display form with
the hyphen, current and previous codes, codes of relatives in the population facts) and every
given name and surname part of at least four letters, matched as a whole word and
case-sensitively (shorter parts and lower-case matches would hit ordinary words; Latvian names
are capitalised). Masked codes (``010190-1****``) are what logs may carry. Zero hits expected.

Logging noise kept out: the ephemeral Prefect server (a subprocess logging to the same stderr)
has its database drivers at INFO (aiosqlite and SQLAlchemy's row log at DEBUG would flood the
run); SQLAlchemy stays at INFO, which logs statements with their parameters — Tilts' engines
hide parameters and pin their engine log to WARNING (``store/db.py``), which this test found.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import prefect
import pytest
import yaml

from tilts.kernel.logsafe import scrub
from tilts.kernel.personal_code import display, mask

REPO = Path(__file__).resolve().parents[2]
QUIET = ("aiosqlite", "httpcore", "hpack", "asyncio", "docket", "fakeredis", "graphviz", "alembic")
pytestmark = pytest.mark.slow  # about a minute on two busy cores


def _logging_config(path: Path) -> Path:
    """Prefect's own logging configuration with the root logger at DEBUG."""
    base = Path(prefect.__file__).parent / "logging" / "logging.yml"
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    config["root"]["level"] = "DEBUG"
    for name in QUIET:
        config["loggers"][name] = {"level": "INFO"}
    config["loggers"]["sqlalchemy"] = {"level": "INFO"}
    config["loggers"]["sqlalchemy.orm"] = {"level": "WARNING"}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _population(store: Path) -> tuple[set[str], set[str]]:
    """Every code and name part the demo's store knows (relatives' codes from the facts)."""
    db = sqlite3.connect(store)
    try:
        codes = {c for (c,) in db.execute("SELECT code FROM person_code")}
        codes |= {c for (c,) in db.execute("SELECT person_code FROM person")}
        for (payload,) in db.execute("SELECT payload FROM registry_fact WHERE source = 'PMLP'"):
            codes.update(re.findall(r"(?<!\d)\d{11}(?!\d)", str(payload)))
        names = {
            part
            for row in db.execute("SELECT given_name, surname FROM person")
            for name in row
            if name
            for part in re.split(r"[\s\-]+", name)
            if len(part) >= 4
        }
    finally:
        db.close()
    return codes, names


def _hits(texts: dict[str, str], codes: set[str], names: set[str]) -> list[str]:
    """Where a code or a name occurs, masked (``stderr:1234 code 010190-1****``)."""
    forms = {form: code for code in codes for form in (code, display(code))}
    code_re = re.compile(
        r"(?<![\d-])(" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")(?!\d)"
    )
    name_re = re.compile(
        r"\b(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")\b"
    )
    found = []
    for where, text in texts.items():
        for n, line in enumerate(text.splitlines(), 1):
            found += [f"{where}:{n} code {mask(forms[m])}" for m in code_re.findall(line)]
            found += [f"{where}:{n} name {m[0]}{'*' * (len(m) - 1)}" for m in name_re.findall(line)]
    return found


def test_demo_at_debug_leaves_no_personal_data(tmp_path: Path) -> None:
    dump_file, workdir = tmp_path / "dump.json", tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TILTS_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_LOGGING_SETTINGS_PATH=str(_logging_config(tmp_path / "logging.yml")),
        PREFECT_LOGGING_LEVEL="DEBUG",
        PREFECT_LOGGING_EXTRA_LOGGERS="tilts",
        PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW="ignore",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        NO_PROXY="127.0.0.1,localhost",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile.demo_probe", str(dump_file), "--",
         "--persons", "3000", "--households", "30", "--workdir", str(workdir)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, scrub(proc.stderr[-3000:])
    dump = json.loads(dump_file.read_text(encoding="utf-8"))
    assert dump["exit_code"] == 0, scrub(proc.stdout[-3000:])
    # the week-later night flags a household whose property test stopped passing (property.md §8)
    acquired = re.search(r"PROPERTY_ACQUIRED\s+(\d+)", proc.stdout)
    assert acquired and int(acquired.group(1)) >= 1, scrub(proc.stdout[-3000:])
    codes, names = _population(workdir / "tilts.db")
    texts = {"stdout": proc.stdout, "stderr": proc.stderr}
    for part in ("task_parameters", "flow_runs", "task_runs", "logs", "artifacts"):
        assert dump[part], f"nothing to scan in {part}"
        texts[part] = "\n".join(dump[part])

    # the scan is not vacuous: a real population, DEBUG lines of Tilts' own loggers, the runs
    assert len(codes) > 100 and len(names) > 50, (len(codes), len(names))
    assert "| DEBUG   | tilts." in proc.stderr
    assert any(line.startswith("tilts.") for line in dump["logs"]), "no Tilts log in the API"
    assert len(dump["flow_runs"]) >= 5
    hits = _hits(texts, codes, names)
    assert not hits, f"{len(hits)} personal data hit(s):\n" + "\n".join(hits[:50])
