"""operations.md §3 on every verb, as processes: ``-h``, ``--version``, completion, help that
cites only files the project has, and one line (no traceback) for every expected error — an
unreachable store, a missing certificate, a typo'd municipality, a missing configuration."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import trustme

from tilts.store.db import make_engine, session_factory, transaction
from tilts.store.migrate import upgrade
from tilts.store.ops import quarantine

from .test_cli import tilts

ROOT = Path(__file__).resolve().parents[2]
VERBS = [
    ["demo"], ["mocks", "serve"], ["db", "upgrade"], ["db", "current"], ["db", "history"],
    ["sync"], ["assess"], ["notify"], ["status"], ["quarantine", "list"],
    ["quarantine", "retry"], ["quarantine", "discard"], ["config", "check"],
    ["config", "example"], ["automation", "create"], ["spolis", "decisions"],
    ["spolis", "payments"], ["spolis", "monthly"], ["spolis", "annual"], ["cases", "import"],
    ["cases", "export"], ["cases", "property-override"], ["cursor", "show"], ["cursor", "reset"],
]  # fmt: skip
GROUPS = [[], ["db"], ["mocks"], ["quarantine"], ["config"], ["automation"], ["spolis"],
          ["cases"], ["cursor"]]  # fmt: skip
MUNI = (
    '[municipalities.ogre]\natvk = "0040000"\nname = "Ogres novads"\n'
    'member_code = "90000000040"\nclient_id = "demo-ogre"\n'
)


def _help_of(verbs: list[list[str]], cwd: Path) -> str:
    """Every verb's ``-h`` in one process (Typer's test runner: the same Click app)."""
    script = (
        "import sys, json\nfrom typer.testing import CliRunner\nfrom tilts.shell.cli import app\n"
        "out = {}\nfor v in json.loads(sys.argv[1]):\n"
        "    r = CliRunner().invoke(app, [*v, '-h'], terminal_width=200)\n"
        "    out[' '.join(v)] = [r.exit_code, r.output]\nprint(json.dumps(out))\n"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(verbs)],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return proc.stdout


def test_every_verb_has_short_help_citing_only_the_projects_files(tmp_path: Path) -> None:
    helps = json.loads(_help_of(VERBS + GROUPS, tmp_path))
    for verb, (code, text) in helps.items():
        assert code == 0 and "Usage" in text, (verb, text)
        cited = re.findall(r"[\w./-]+\.md\b", text)
        missing = [c for c in cited if not (ROOT / c).is_file()]
        assert not missing, (verb, missing)  # e.g. assessment.md: a spec file users lack
    # and a real process answers -h the same way
    proc = tilts("cases", "import", "-h", cwd=tmp_path)
    assert proc.returncode == 0 and "docs/caseload-format.md" in proc.stdout


def _command_tree() -> dict[str, set[str]]:
    """The app's verbs: each top-level name -> its subcommands (empty for a plain verb)."""
    import typer

    from tilts.shell.cli import app

    root = typer.main.get_command(app)
    return {
        name: set(getattr(cmd, "commands", {}) or {})
        for name, cmd in getattr(root, "commands", {}).items()
    }


def test_the_verbs_checked_here_are_every_verb_of_the_app() -> None:
    """A verb added to the app is in VERBS and GROUPS above, so its -h and help text are checked."""
    tree = _command_tree()
    app_verbs = {(n, s) for n, subs in tree.items() for s in subs} | {
        (n,) for n, subs in tree.items() if not subs
    }
    assert {tuple(v) for v in VERBS} == app_verbs
    assert {tuple(g) for g in GROUPS if g} == {(n,) for n, subs in tree.items() if subs}


DOCS = [ROOT / "README.md", ROOT / "docs" / "operations.md", ROOT / "docs" / "caseload-format.md"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_guides_name_only_verbs_that_exist(doc: Path) -> None:
    """Every `tilts VERB [SUBVERB]` a guide tells the operator to run exists (a guide that
    names a verb nobody built sends the operator to an error)."""
    tree = _command_tree()
    said = re.findall(r"(?:`|^ {4,}|\.venv/bin/)tilts ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", doc.read_text(
        encoding="utf-8"), flags=re.MULTILINE)  # fmt: skip
    assert said, doc
    wrong = sorted({" ".join(filter(None, v)) for v in said
                    if v[0] not in tree or (tree[v[0]] and v[1] not in tree[v[0]])})  # fmt: skip
    assert wrong == [], (doc.name, wrong)


def test_version_and_completion(tmp_path: Path) -> None:
    from tilts import __version__

    proc = tilts("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"tilts {__version__}"
    import os
    import subprocess

    env = {**os.environ, "_TILTS_COMPLETE": "complete_bash", "COMP_WORDS": "tilts cas",
           "COMP_CWORD": "1"}  # fmt: skip
    script = Path(sys.executable).parent / "tilts"  # the console script completion hooks
    proc = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.split() == ["cases"], proc.stdout + proc.stderr


def _config(tmp_path: Path, store: str, gateway: str = "") -> Path:
    cfg = tmp_path / "tilts.toml"
    cfg.write_text(f'[store]\nurl = "{store}"\n[gateway]\n{gateway}\n{MUNI}', encoding="utf-8")
    return cfg


@pytest.fixture
def caseload(tmp_path: Path) -> Path:
    path = tmp_path / "c.csv"
    path.write_text("caseNumber,householdId,personCode,caseOpenedOn\n", encoding="utf-8")
    return path


STORE_VERBS = [
    ["status"], ["quarantine", "list"], ["quarantine", "discard", "--service", "pmlp"],
    ["cursor", "show"], ["cursor", "reset", "pmlp"], ["db", "upgrade"], ["db", "current"],
    ["db", "history"], ["cases", "export"], ["cases", "import", "{caseload}"],
    ["sync", "population"], ["notify"], ["spolis", "decisions"],
]  # fmt: skip


@pytest.mark.parametrize("verb", STORE_VERBS, ids=" ".join)
def test_unreachable_store_is_one_line_naming_host_and_port(
    verb: list[str], tmp_path: Path, caseload: Path
) -> None:
    cfg = _config(tmp_path, "postgresql://tilts@127.0.0.1:1/tilts")  # nobody listens on 1
    args = [str(caseload) if a == "{caseload}" else a for a in verb]
    proc = tilts(*args, "--config", str(cfg), cwd=tmp_path, env={"TILTS_SECRET_DEMO_OGRE": "x"})
    assert proc.returncode == 3, (verb, proc.stdout[-800:], proc.stderr[-800:])
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "127.0.0.1:1" in proc.stderr and "unreachable" in proc.stderr


GATEWAY_VERBS = [["sync", "population"], ["notify"], ["spolis", "decisions"], ["config", "check"]]


@pytest.mark.parametrize("verb", GATEWAY_VERBS, ids=" ".join)
@pytest.mark.parametrize("key", ["cert_file", "ca_file"])
def test_missing_certificate_or_ca_names_the_key(verb: list[str], key: str, tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", f'{key} = "{tmp_path / "no.pem"}"')
    proc = tilts(*verb, "--config", str(cfg), cwd=tmp_path, env={"TILTS_SECRET_DEMO_OGRE": "x"})
    assert proc.returncode == 2, (verb, proc.stdout[-800:], proc.stderr[-800:])
    assert f"gateway.{key}" in proc.stderr and "Traceback" not in proc.stderr


MUNI_VERBS = [
    ["sync", "population"], ["notify"], ["spolis", "decisions"], ["spolis", "annual", "--year",
    "2025"], ["cursor", "show"], ["cursor", "reset", "pmlp"], ["cases", "export"],
    ["cases", "import", "{caseload}"],
]  # fmt: skip


@pytest.mark.parametrize("verb", MUNI_VERBS, ids=" ".join)
def test_typod_municipality_lists_the_valid_ones(
    verb: list[str], tmp_path: Path, caseload: Path
) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    args = [str(caseload) if a == "{caseload}" else a for a in verb]
    proc = tilts(*args, "--municipality", "ogr", "--config", str(cfg), cwd=tmp_path)
    assert proc.returncode == 2, (verb, proc.stdout[-800:], proc.stderr[-800:])
    assert "'ogr'" in proc.stderr and "ogre (0040000)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_configuration_file_is_an_error_not_the_demo_defaults(tmp_path: Path) -> None:
    named = tilts("status", "--config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert named.returncode == 2 and "nope.toml" in named.stderr and "--config" in named.stderr
    env = tilts("status", cwd=tmp_path, env={"TILTS_CONFIG": str(tmp_path / "gone.toml")})
    assert env.returncode == 2 and "gone.toml" in env.stderr and "TILTS_CONFIG" in env.stderr
    assert not (tmp_path / ".tilts").exists()  # no demo store was created on the way
    check = tilts("config", "check", cwd=tmp_path, env={"TILTS_CONFIG": str(tmp_path / "x")})
    assert check.returncode == 2


def test_municipality_by_atvk_or_key(tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    for value in ("ogre", "0040000"):
        proc = tilts("cursor", "show", "--municipality", value, "--config", str(cfg), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr


def _pki(d: Path) -> dict[str, Path]:
    ca, other = trustme.CA(), trustme.CA()
    files = {"ca": d / "ca.pem", "bad_ca": d / "bad.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    files["bad_ca"].write_text("not a certificate\n", encoding="utf-8")
    for name, issuer in (("mine", ca), ("other", other)):
        leaf = issuer.issue_cert("demo-ogre.soc.example")
        files[f"{name}_cert"], files[f"{name}_key"] = d / f"{name}.pem", d / f"{name}.key"
        leaf.cert_chain_pems[0].write_to_path(str(files[f"{name}_cert"]))
        leaf.private_key_pem.write_to_path(str(files[f"{name}_key"]))
    return files


def test_config_check_reads_tries_and_matches(tmp_path: Path) -> None:
    pki = _pki(tmp_path)
    store = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(make_engine(store))

    def check(gateway: str) -> tuple[int, str, str]:
        cfg = _config(tmp_path, store, gateway)
        proc = tilts("config", "check", "--config", str(cfg), cwd=tmp_path,
                     env={"TILTS_SECRET_DEMO_OGRE": "x"})  # fmt: skip
        assert "Traceback" not in proc.stderr
        return proc.returncode, proc.stdout, proc.stderr

    tls = f'cert_file = "{pki["mine_cert"]}"\nca_file = "{pki["ca"]}"\n'
    code, out, err = check(tls + f'key_file = "{pki["other_key"]}"\n')
    assert code == 2 and "gateway.key_file" in err and "does not load" in err
    code, out, err = check(
        f'cert_file = "{pki["mine_cert"]}"\nkey_file = "{pki["mine_key"]}"\n'
        f'ca_file = "{pki["bad_ca"]}"\n'
    )
    assert code == 2 and "gateway.ca_file" in err
    code, out, err = check("services.vid = { batch_size = 201 }\n")
    assert code == 2 and "gateway.services.vid.batch_size" in err and "200" in err
    # all good but the token endpoint: nobody listens on port 9
    code, out, err = check(tls + f'key_file = "{pki["mine_key"]}"\nbase_url = "http://127.0.0.1:9"\n'
                           "max_attempts = 1\n")  # fmt: skip
    assert f"read {tmp_path / 'tilts.toml'}" in out
    assert "client certificate and key match" in out and "CA file loads" in out
    assert "store: reachable at SQLite file" in out and "at migration" in out
    assert code == 3 and "http://127.0.0.1:9/token" in err, (out, err)


def test_quarantine_list_and_exact_reason(store_url: str, tmp_path: Path) -> None:
    from tilts.store.caseload import seed_households
    from tilts.store.ops import ensure_municipality

    code = "32000000007"
    factory = session_factory(make_engine(store_url))
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        seed_households(s, mid, [("H7", [code])], date(2026, 1, 1))
        quarantine(s, "pmlp", "person", [("320000-0****", {"requestedCode": code},
                   "getPersons: body does not parse (a_b 100%)")], "run-1")  # fmt: skip
        quarantine(s, "vsaa", "record", [("320000-0****", {"requestedCode": code},
                   "amount: str_matches")], "run-1")  # fmt: skip
    cfg = _config(tmp_path, store_url)
    listed = tilts("quarantine", "list", "--config", str(cfg), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    header = listed.stdout.splitlines()[0].split()
    assert header[:5] == ["id", "service", "kind", "case", "household"]
    assert "SD-H7" in listed.stdout and "H7" in listed.stdout and code not in listed.stdout
    as_json = json.loads(tilts("quarantine", "list", "--json", "--config", str(cfg),
                               cwd=tmp_path).stdout)  # fmt: skip
    assert {r["case"] for r in as_json} == {"SD-H7"}
    for wildcard in ("_", "%", "does not parse"):  # LIKE wildcards and substrings match nothing
        proc = tilts("quarantine", "discard", "--reason", wildcard, "--config", str(cfg),
                     cwd=tmp_path)  # fmt: skip
        assert proc.returncode == 0 and "0 record(s) discarded" in proc.stdout, proc.stdout
    proc = tilts("quarantine", "discard", "--reason", "getPersons: body does not parse (a_b 100%)",
                 "--config", str(cfg), cwd=tmp_path)  # fmt: skip
    assert "1 record(s) discarded" in proc.stdout


def test_cursor_show_reset_and_db_state(store_url: str, tmp_path: Path) -> None:
    from tilts.store.ops import ensure_municipality, set_cursor

    factory = session_factory(make_engine(store_url))
    with transaction(factory) as s:
        mid = ensure_municipality(s, "0040000", "Ogres novads")
        set_cursor(s, mid, "pmlp.changes", "c-41")
        set_cursor(s, mid, "vsaa.complete_through", "2026-10")
        set_cursor(s, mid, "vsaa.refreshed_through", "2026-09")
    cfg = _config(tmp_path, store_url)

    def run(*args: str) -> str:
        proc = tilts(*args, "--config", str(cfg), cwd=tmp_path)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.stderr)
        return proc.stdout

    shown = json.loads(run("cursor", "show", "--json"))
    assert {(c["cursor"], c["value"]) for c in shown} == {
        ("pmlp.changes", "c-41"), ("vsaa.complete_through", "2026-10"),
        ("vsaa.refreshed_through", "2026-09"),
    }  # fmt: skip
    assert "c-41 → c-7" in run("cursor", "reset", "pmlp.changes", "--to", "c-7", "--municipality",
                               "ogre")  # fmt: skip
    assert run("cursor", "reset", "vsaa").count("→ (none)") == 2  # every cursor of the service
    assert {c["value"] for c in json.loads(run("cursor", "show", "--json"))} == {"c-7"}
    wrong = tilts("cursor", "reset", "vid", "--config", str(cfg), cwd=tmp_path)
    assert wrong.returncode == 2 and "pmlp.changes" in wrong.stderr  # names what is stored
    current = json.loads(run("db", "current", "--json"))
    assert current["up_to_date"] and current["current"] == current["heads"]
    history = json.loads(run("db", "history", "--json"))
    assert history[-1]["revision"] == "0001" and all(h["applied"] for h in history)


GATEWAY_DOWN = [["sync", "population"], ["spolis", "monthly", "--month", "2026-10"],
                ["config", "check"]]  # fmt: skip


@pytest.mark.parametrize("verb", GATEWAY_DOWN, ids=" ".join)
def test_unreachable_gateway_is_one_line_with_the_url(
    verb: list[str], tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    gateway = 'base_url = "http://127.0.0.1:9"\nmax_attempts = 1\n'  # nobody listens on 9
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}", gateway)
    env = {**prefect_api, "TILTS_SECRET_DEMO_OGRE": "x"}
    proc = tilts(*verb, "--config", str(cfg), cwd=tmp_path, env=env)
    assert proc.returncode == 3, (verb, proc.stdout[-800:], proc.stderr[-800:])
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors and all("http://127.0.0.1:9" in line for line in errors), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_sync_as_of_is_a_backfill_and_refuses_a_bad_date(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    """`tilts sync population --as-of DATE` as a process: everyone is asked again as of DATE,
    the change-feed cursor stays where it was and the persons are due again the next night;
    a date that is no date, or in the future, is bad input (exit 2, one line)."""
    from sqlalchemy import func, select

    from tilts.mocks.harness import running_mocks
    from tilts.shell.demo import DEMO_SECRETS, seed_caseload, write_config
    from tilts.store.models import Person, SyncCursor

    env = {**prefect_api, **DEMO_SECRETS}
    with running_mocks(persons=600) as mock:
        cfg = tmp_path / "tilts.toml"
        store = f"sqlite:///{tmp_path / 's.db'}"
        write_config(cfg, mock.base_url, store)
        sample = {a: mock.sample(a, 60) for a in ("0040000", "0051000")}
        seed_caseload(cfg, sample, households=6, opened_on=date(2025, 1, 1))
        first = tilts("sync", "population", "--config", str(cfg), cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stdout[-1500:] + first.stderr[-1500:]
        factory = session_factory(make_engine(store))
        cursors = select(SyncCursor.municipality_id, SyncCursor.cursor).where(
            SyncCursor.service == "pmlp.changes"
        )
        fetched = select(func.count()).where(Person.population_fetched_at.is_not(None))
        with factory() as s:
            before, persons = set(s.execute(cursors).all()), s.scalar(fetched)
            subjects = s.scalar(select(func.count()).select_from(Person))
        assert before and persons

        past = date.fromisoformat(mock.admin_get("clock")["today"]).replace(day=1).isoformat()
        proc = tilts("sync", "population", "--as-of", past, "--config", str(cfg), cwd=tmp_path,
                     env=env)  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
        considered = re.search(r"^persons_considered +(\d+)$", proc.stdout, flags=re.MULTILINE)
        assert considered and int(considered[1]) == subjects, proc.stdout  # everyone
        with factory() as s:
            assert set(s.execute(cursors).all()) == before  # the change feed is not moved
            assert s.scalar(fetched) == 0  # the next night brings everyone back to today

        for bad, says in (("2026-02-30", "is not a date"), ("2999-01-01", "in the future")):
            proc = tilts("sync", "population", "--as-of", bad, "--config", str(cfg),
                         cwd=tmp_path, env=env)  # fmt: skip
            assert proc.returncode == 2 and "--as-of" in proc.stderr and says in proc.stderr
            assert "Traceback" not in proc.stderr


# `python -m tilts.shell.cli …`, then whether Prefect was imported on the way (it costs seconds
# of CPU: a mistyped verb, option or configuration is answered before it is needed)
PROBE = (
    "import runpy, sys\n"
    "try:\n"
    "    runpy.run_module('tilts.shell.cli', run_name='__main__')\n"
    "finally:\n"
    "    print('prefect imported:', 'prefect' in sys.modules, file=sys.stderr)\n"
)
EARLY = [
    ["sync", "bogus"], ["sync", "population", "--municipality", "ogr"],
    ["notify", "--municipality", "ogr"], ["spolis", "decisions", "--municipality", "ogr"],
    ["spolis", "annual", "--year", "2025", "--municipality", "ogr"],
]  # fmt: skip


@pytest.mark.parametrize("verb", EARLY, ids=" ".join)
def test_bad_input_is_answered_before_prefect_is_imported(verb: list[str], tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILTS_")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *verb, "--config", str(cfg)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, (verb, proc.stdout[-800:], proc.stderr[-800:])
    assert "prefect imported: False" in proc.stderr, proc.stderr[-800:]
