"""Found by attacking it (issue 18, item 9): hostile values exit 2 with a message, never a
traceback. Each case runs ``tilts`` as a process."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.assessment.test_assessment_command import GOOD_CASE
from tests.cli.test_cli import tilts
from tilts.kernel.config import load_settings
from tilts.kernel.errors import ConfigError

BASE = (
    '[gateway]\nbase_url = "http://127.0.0.1:9"\nmax_attempts = 1\n'
    '[store]\nurl = "sqlite:///{db}"\n'
)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tilts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(proc: object, *needles: str) -> None:
    code, err = proc.returncode, proc.stderr  # type: ignore[attr-defined]
    assert code == 2, (code, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
    assert err.startswith("error:"), err[-2000:]
    for needle in needles:
        assert needle in err, err[-2000:]


GATEWAY_VALUES = [
    ("read_timeout_s", "inf", "read_timeout_s"),
    ("read_timeout_s", "1e308", "read_timeout_s"),
    ("connect_timeout_s", "nan", "connect_timeout_s"),
    ("backoff_max_s", "inf", "backoff_max_s"),
    ("max_response_bytes", "1" * 5000, "digits"),  # past Python's int max-str-digits
    ("user_id", '"' + "LV" + "x" * 300 + '"', "user_id"),  # the audit column holds 100
]


@pytest.mark.parametrize(("key", "value", "named"), GATEWAY_VALUES, ids=lambda v: v[:20])
def test_hostile_gateway_values_are_refused(
    key: str, value: str, named: str, tmp_path: Path
) -> None:
    text = BASE.format(db=tmp_path / "s.db").replace("[store]", f"{key} = {value}\n[store]")
    with pytest.raises(ConfigError, match=named):
        load_settings(_config(tmp_path, text))


def test_hostile_config_value_exits_2_from_the_command_line(tmp_path: Path) -> None:
    text = BASE.format(db=tmp_path / "s.db").replace("[store]", "read_timeout_s = inf\n[store]")
    proc = tilts("status", "--config", str(_config(tmp_path, text)), cwd=tmp_path)
    _refused(proc, "gateway.read_timeout_s")


def test_a_deeply_nested_toml_is_refused(tmp_path: Path) -> None:
    deep = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    proc = tilts("status", "--config", str(_config(tmp_path, deep)), cwd=tmp_path)
    _refused(proc, "nested")


def test_a_bogus_store_url_is_refused(tmp_path: Path) -> None:
    text = BASE.format(db="x").replace('"sqlite:///x"', '"bogus://nowhere/db"')
    proc = tilts("status", "--config", str(_config(tmp_path, text)), cwd=tmp_path)
    _refused(proc, "store.url")


def test_a_huge_quarantine_limit_is_refused(tmp_path: Path) -> None:
    cfg = _config(tmp_path, BASE.format(db=tmp_path / "s.db"))
    proc = tilts(
        "quarantine", "list", "--limit", "99999999999999999999", "--config", str(cfg),
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "ref", ["99999999999999999999", "9" * 5000], ids=["20-digit", "5000-digit"]
)
def test_a_huge_notification_or_quarantine_id_is_refused(ref: str, tmp_path: Path) -> None:
    """Past the store's BIGINT (the driver's OverflowError) or int()'s digit limit: exit 2."""
    cfg = _config(tmp_path, BASE.format(db=tmp_path / "s.db"))
    assert tilts("db", "upgrade", "--config", str(cfg), cwd=tmp_path).returncode == 0
    proc = tilts("notify", "--retry-parked", ref, "--config", str(cfg), cwd=tmp_path)
    _refused(proc, "no such notification")
    assert len(proc.stderr) < 200  # the 5,000 digits are not repeated
    proc = tilts("quarantine", "discard", ref, "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_an_infinite_lease_is_refused(tmp_path: Path) -> None:
    cfg = _config(tmp_path, BASE.format(db=tmp_path / "s.db"))
    proc = tilts("notify", "--lease", "inf", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "lease" in proc.stderr


def _case(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deeply_nested_case_is_refused(tmp_path: Path) -> None:
    proc = tilts("assess", "--case", str(_case(tmp_path, "[" * 100_000)), cwd=tmp_path)
    _refused(proc, "nested")


def test_a_five_thousand_digit_number_in_a_case_is_refused(tmp_path: Path) -> None:
    case = json.dumps(GOOD_CASE).replace('"120.00"', "1" * 5000, 1)
    proc = tilts("assess", "--case", str(_case(tmp_path, case)), cwd=tmp_path)
    _refused(proc)


def test_the_last_day_of_year_9999_is_refused(tmp_path: Path) -> None:
    case = json.dumps({**GOOD_CASE, "applicationDate": "9999-12-31"})
    proc = tilts("assess", "--case", str(_case(tmp_path, case)), cwd=tmp_path)
    _refused(proc, "applicationDate")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_case_file_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = tilts("assess", "--case", "/dev/zero", cwd=tmp_path)
    _refused(proc, "MiB")
    assert time.monotonic() - started < 60
