"""Batches and bounded concurrency inside one chunk task."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

# Persons per chunk task (docs/decisions.md "Chunk size"): a task run costs Prefect ~30 ms of
# CPU, so 100,000 persons × 5 services in chunks of 5,000 pay ~3 s; a failed chunk costs its
# persons one night's delay, never more.
DEFAULT_CHUNK = 5000

T = TypeVar("T")
R = TypeVar("R")


def batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def run_batches(
    items: Sequence[T], size: int, concurrency: int, call: Callable[[list[T]], R]
) -> list[tuple[list[T], R | BaseException]]:
    """Call ``call`` on every batch, ``concurrency`` at a time; errors are returned, not raised."""

    def guarded(batch: list[T]) -> tuple[list[T], R | BaseException]:
        try:
            return batch, call(batch)
        except Exception as exc:
            return batch, exc

    chunks = list(batches(items, size))
    if concurrency <= 1 or len(chunks) <= 1:
        return [guarded(b) for b in chunks]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(chunks))) as pool:
        return list(pool.map(guarded, chunks))
