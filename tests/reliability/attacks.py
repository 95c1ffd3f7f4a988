"""The rows "found by attacking it" (issue 18) that ``docs/fault-matrix.md`` lists under the
matrix: an attack or an unlucky operator's mistake, what Tilts does, and the test that shows it
(each runs the real component: a process, the mock, a store, a loopback server)."""

from __future__ import annotations

ATTACKS: list[tuple[str, str, str]] = [
    ("`tilts demo --workdir DIR` on a live store, or `--workdir .` with files in it",
     "refused, exit 2; only a directory with the demo's marker is reused, and only what the demo made is deleted",
     "tests/hostile/test_attack_demo.py"),
    ("a birth date in the future or before 1900, an NVA `since` in 2099, a VID start in 1899",
     "quarantined at the schema naming the field (`birthDate: date_between_1900_and_today`)",
     "tests/hostile/test_attack_records.py"),
    ("a household the re-assessment cannot assess (a member's birth date unknown)",
     "a failure line naming the household id and the field, the figure `households_unassessable`, exit 1",
     "tests/assessment_flow/test_attack_unassessable.py"),
    ("the same VSAA payment twice in one answer",
     "folded: stored once, counted once",
     "tests/hostile/test_attack_records.py"),
    ("a VID employment twice with the same employer and start and another end",
     "both rows quarantined with the reason; the person keeps what was stored",
     "tests/hostile/test_attack_records.py"),
    ("a token endpoint or service trickling a byte at a time",
     "given up at the call deadline (`gateway.call_deadline_s`), retried, then unreachable",
     "tests/connectors/test_attack_deadline.py"),
    ("a service slow enough to spend the run's budget (`services.<name>.budget_s`)",
     "its further calls refused before sending; its lane's chunks fail and will retry",
     "tests/connectors/test_attack_deadline.py"),
    ("a DTD in PMLP `getChanges`",
     "PMLP waits for the next night (failure + will retry); VDEĀVK, VSAA, VID and NVA go on with their refresh turn",
     "tests/hostile/test_attack_feed.py"),
    ("a fault id (a UUID) holding eleven digits in a log line",
     "stays quotable; a personal code in any context is still masked",
     "tests/hostile/test_attack_masking.py"),
    ("`mocks serve --require-client-cert` without `--tls-ca`; `--tls-cert missing`; the port taken; "
     "`--persons` 0, -5 or 20 digits (also `demo`, `python -m tilts.mocks`)",
     "exit 2 with a message; exit 2 naming the file; exit 3 before the banner; exit 2 naming "
     "`persons`, nothing created",
     "tests/hostile/test_attack_mocks.py"),
    ("a web page posting `text/plain` or from a foreign `Origin` to the mock's admin API",
     "415 / 403; nothing changes",
     "tests/hostile/test_attack_mocks.py"),
    ("`read_timeout_s = inf` or `1e308`, a 100,000-deep TOML or JSON, a 5,000-digit number, "
     "`applicationDate` 9999-12-31, `--limit 99999999999999999999`, `notify --lease inf`, a "
     "`bogus://` store URL, `assess --case /dev/zero`, a 302-character `user_id`, a 20- or "
     "5,000-digit id to `notify --retry-parked` or `quarantine discard`",
     "exit 2 with a message naming what is wrong, never a traceback; the case file read up to 1 MiB",
     "tests/hostile/test_attack_values.py"),
]  # fmt: skip


def section() -> str:
    """The markdown section of :data:`ATTACKS`."""
    lines = [
        "## Found by attacking it (issue 18)",
        "",
        "| attack | outcome | test |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {o} | `{t}` |" for a, o, t in ATTACKS]
    return "\n".join(lines) + "\n"
