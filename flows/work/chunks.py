"""What one chunk task works on: listed subject ids, or a span of them.

A full night hands each chunk task a span (``after < id <= upto``) of a municipality's
open-case subjects, so the flow holds a few numbers per chunk, never the caseload; a chunk of
the few persons the change feed named carries their ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.runtime import Runtime
from flows.work.batching import batches
from store.persons import open_case_subjects, subject_spans


@dataclass(frozen=True)
class Chunk:
    """Subjects of one chunk task: ``ids`` when given, else every subject in the span."""

    size: int
    ids: tuple[int, ...] = ()
    after: int = 0
    upto: int = 0


def span_chunks(rt: Runtime, atvk: str, size: int) -> list[Chunk]:
    """Every open-case subject of ``atvk`` in spans of at most ``size``."""
    with rt.factory() as s:
        spans = subject_spans(s, rt.municipality_id(atvk), size)
    return [Chunk(n, after=after, upto=upto) for after, upto, n in spans]


def id_chunks(ids: Sequence[int], size: int) -> list[Chunk]:
    """``ids`` in chunks of at most ``size``."""
    return [Chunk(len(b), tuple(b)) for b in batches(ids, size)]


def chunk_ids(rt: Runtime, atvk: str, chunk: Chunk) -> list[int]:
    """The subject ids of ``chunk`` as the store holds them now."""
    if chunk.ids:
        return list(chunk.ids)
    with rt.factory() as s:
        return open_case_subjects(
            s, rt.municipality_id(atvk), chunk.after, limit=None, upto_id=chunk.upto
        )
