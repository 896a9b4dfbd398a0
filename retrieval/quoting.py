"""Quote choice in a worker process, so that it runs beside the next question's search.

Choosing a question's quotes (:func:`retrieval.answer.select_results`) is about half of what an
answer costs, all of it Python code that holds the GIL. On the search thread it would leave every
other core idle and keep the event loop waiting for the GIL. Here it is a :class:`QuoteJob`, data
only (the candidates, their paragraphs and notes: no index, no connection), that a worker process
turns into results while the search thread searches for the next question.

The workers are spawned once per process, at the first job (or :func:`warm_up`), and shared by
every service of the process; they hold no state but warm caches. ``workers=0`` quotes on the
caller's thread instead (the one-shot CLI, where starting a process would cost more than it saves).
If a worker dies, the job is quoted on the caller's thread and the next job starts new workers.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from .answer import select_results
from .models import Paragraph, PassageRow, Result
from .query import ParsedQuestion
from .ranking import Candidate, NotableNames

log = logging.getLogger(__name__)

# One worker on two cores: the other core runs the event loop and the search thread.
DEFAULT_WORKERS = min(4, max(0, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True)
class QuoteJob:
    """What :func:`~retrieval.answer.select_results` needs to answer one question."""

    question: ParsedQuestion
    candidates: list[Candidate]
    paragraphs: Mapping[str, list[Paragraph]]
    notes: Mapping[str, Mapping[int, str]]
    weights: Mapping[str, float]
    wanted: int
    per_document: int
    openings: Mapping[str, list[PassageRow]]
    notable: NotableNames


def quote(job: QuoteJob) -> list[Result]:
    """The results of a job (blocking)."""
    return select_results(
        job.question,
        job.candidates,
        job.paragraphs,
        job.notes,
        job.weights,
        job.wanted,
        job.per_document,
        job.openings,
        job.notable,
    )


def _ready() -> bool:
    return True


class _Workers:
    """The process's quote workers, started when first needed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._size = 0

    def pool(self, size: int) -> ProcessPoolExecutor:
        """The pool (the size asked for first is kept)."""
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")  # safe beside threads
                self._pool = ProcessPoolExecutor(size, mp_context=context)
                self._size = size
            return self._pool

    def discard(self, broken: ProcessPoolExecutor) -> None:
        """Forget a broken pool: the next job starts new workers."""
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)


_WORKERS = _Workers()


def warm_up(workers: int) -> None:
    """Start the workers now, so that the first question does not wait for them."""
    if workers > 0:
        _WORKERS.pool(workers).submit(_ready)


class Quoter:
    """Runs quote jobs in the shared worker processes (``workers`` > 0) or through ``inline``
    (a function that runs a call on a thread of the caller's, off the event loop)."""

    def __init__(
        self, workers: int, inline: Callable[[Callable[[], list[Result]]], Awaitable[list[Result]]]
    ) -> None:
        self.workers = workers
        self._inline = inline

    async def run(self, job: QuoteJob) -> list[Result]:
        """The results of ``job``."""
        if self.workers > 0:
            pool = _WORKERS.pool(self.workers)
            try:
                return await asyncio.wrap_future(pool.submit(quote, job))
            except BrokenProcessPool:
                log.warning("a quote worker died; quoting this question in the service")
                _WORKERS.discard(pool)
        return await self._inline(lambda: quote(job))
