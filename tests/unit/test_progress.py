"""The terminal progress bar of long commands: counts and rate."""

from __future__ import annotations

import io

from rich.console import Console

from tilts.flows.reporting import Progress


def test_progress_bar_shows_counts_and_rate() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    progress = Progress(250, console=console)
    progress.advance(100)
    progress.advance(150)
    text = out.getvalue()
    assert "250/250" in text
    assert "/s" in text and "persons" in text
    assert progress._bar is None  # stopped when done


def test_no_bar_without_a_terminal() -> None:
    progress = Progress(10)
    progress.advance(10)
    assert progress._bar is None and progress.done == 10


def test_a_second_bar_while_one_shows_is_skipped_not_fatal() -> None:
    console = Console(file=io.StringIO(), force_terminal=True)
    first = Progress(10, console=console)
    first.advance(5)  # a run that ended early leaves its bar up
    second = Progress(10, console=console)
    second.advance(10)
    assert second.done == 10
    first.close()
