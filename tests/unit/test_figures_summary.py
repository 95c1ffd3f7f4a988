"""The summary artifact's text (tilts/kernel/figures.py): what needs attention first, then the
municipality × service table, zeros not the bulk of it. The flows' own artifacts are read
back from Prefect in tests/flows/test_run_states.py."""

from __future__ import annotations

from tilts.kernel.errors import RunFailed, UnreachableError
from tilts.kernel.figures import RunFigures


def test_attention_leads_then_the_breakdown_then_nonzero_totals() -> None:
    fig = RunFigures(flow="nightly_sync", persons_considered=10, registry_calls=7)
    fig.households_flagged = 2
    fig.add_chunk({"persons": 10, "changed": 3, "quarantined": 1}, "0040000 pmlp")
    fig.add_chunk({"persons": 0}, "0040000 nva")
    fig.chunk_failed("0040000 vsaa chunk of 10", UnreachableError("gave up"), "0040000 vsaa")
    fig.will_retry.append("0040000 vsaa: 1 chunk(s) in the next run")
    lines = fig.markdown().splitlines()
    assert lines[0].startswith("# nightly_sync: FAILED — 1 failure(s)")
    assert lines[2:8] == [
        "## Needs attention",
        "",
        "- **Failed:** 0040000 vsaa chunk of 10: UnreachableError: gave up",
        "- **Will be retried:** 0040000 vsaa: 1 chunk(s) in the next run",
        "- **Quarantined:** 1 record(s) — `tilts quarantine list`",
        "- **Flagged for review:** 2 household(s) — `tilts status`",
    ]
    text = "\n".join(lines)
    assert "| 0040000 | pmlp | 10 | 3 | 0 | 0 | 1 | 0 |" in text
    assert "| 0040000 | vsaa | 0 | 0 | 0 | 0 | 0 | 1 |" in text
    assert "Nothing to do: 0040000 nva." in text
    totals = text[text.index("## Totals") :]
    assert "| registry_calls | 7 |" in totals and "| deaths |" not in totals
    assert "deaths" in totals.splitlines()[-1]  # the zeros, named on one line


def test_a_quiet_run_says_nothing_needs_attention() -> None:
    fig = RunFigures(flow="sync_population")
    text = fig.markdown()
    assert text.startswith("# sync_population: completed\n\n## Needs attention\n\nNothing needs")
    assert "## By municipality and service" not in text


def test_run_failed_exit_code_follows_the_failures() -> None:
    only_down = RunFailed("x", {"failures": ["0040000 vsaa chunk: UnreachableError: gave up"]})
    assert only_down.exit_code == 3
    mixed = RunFailed("x", {"failures": ["a: UnreachableError", "b: ContractError: bad"]})
    assert mixed.exit_code == 1
    import pickle

    again = pickle.loads(pickle.dumps(mixed))
    assert again.figures == mixed.figures and str(again) == "x"
