"""What one chunk task works on: listed subject ids, or a span of them.

A chunk task gets a span (``after < id <= upto``) of a municipality's open-case subjects, so
the flow holds a few numbers per chunk, never the caseload. The in-process night's
:class:`Planner` is handed, page by page, who is due (``flows/work/tonight.py``
``who_is_due``: it decides nothing itself) and gathers the few due persons of sparse pages
into chunks of ids, so an incremental night runs a few chunk tasks, not one per span.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tilts.flows.context import NightContext
from tilts.flows.runtime import Runtime
from tilts.flows.work.batching import DEFAULT_CHUNK
from tilts.store.persons import iter_open_case_subjects, open_case_subjects, subject_spans

__all__ = ["DEFAULT_CHUNK", "Chunk", "Planner", "chunk_ids", "span_chunks", "subject_pages"]


@dataclass(frozen=True)
class Chunk:
    """Subjects of one chunk task: ``ids`` when given, else every subject in the span.

    ``due``: the ids are already the persons due tonight (a :class:`Planner` picked them), so
    the task does not test them again; a span, or ids from elsewhere, are tested.
    """

    size: int
    ids: tuple[int, ...] = ()
    after: int = 0
    upto: int = 0
    due: bool = False


def span_chunks(rt: Runtime, night: NightContext) -> list[Chunk]:
    """Every open-case subject of the night's municipality in spans of ``chunk_size``."""
    with rt.factory() as s:
        spans = subject_spans(s, night.municipality_id, night.chunk_size)
    return [Chunk(n, after=after, upto=upto) for after, upto, n in spans]


def chunk_ids(rt: Runtime, night: NightContext, chunk: Chunk) -> list[int]:
    """The subject ids of ``chunk`` as the store holds them now."""
    if chunk.ids:
        return list(chunk.ids)
    with rt.factory() as s:
        return open_case_subjects(
            s, night.municipality_id, chunk.after, limit=None, upto_id=chunk.upto
        )


@dataclass
class Planner:
    """The chunks of one lane: a page of subjects at least half due stays a span (its task
    picks the due again); the due persons of sparser pages go into chunks of listed ids."""

    size: int
    chunks: list[Chunk] = field(default_factory=list)
    _pending: list[int] = field(default_factory=list)

    def add(self, after: int, page: Sequence[int], due: Sequence[int]) -> None:
        """Plan one page (``after < id <= page[-1]``) of which ``due`` are due."""
        if len(due) * 2 >= len(page):
            self.chunks.append(Chunk(len(page), after=after, upto=page[-1]))
            return
        self._pending += due
        while len(self._pending) >= self.size:
            head, self._pending = self._pending[: self.size], self._pending[self.size :]
            self.chunks.append(Chunk(len(head), tuple(head), due=True))

    def finish(self) -> list[Chunk]:
        """Every chunk planned."""
        if self._pending:
            self.chunks.append(Chunk(len(self._pending), tuple(self._pending), due=True))
            self._pending = []
        return self.chunks


def subject_pages(rt: Runtime, night: NightContext) -> Iterator[tuple[Session, int, list[int]]]:
    """``(session, after, page)`` over the open-case subjects in pages of ``chunk_size``."""
    with rt.factory() as s:
        after = 0
        for page in iter_open_case_subjects(s, night.municipality_id, night.chunk_size):
            yield s, after, page
            after = page[-1]
