"""Worker processes for an ingest: started only for a job big enough to pay for them, dying with
their parent, giving results in the order of the work given (never in the order workers finish).

Parsing and tokenizing are CPU work; worker processes use every core and keep that work off the
process whose event loop answers questions. A small job runs in this process (starting workers
costs ~0.5 s). When workers cannot run (a ``__main__`` they cannot import, one killed), the rest
of the job runs here instead of failing.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import TypeVar

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies

# Jobs of at least this many items run in worker processes.
PARALLEL_FROM = 200
# At most this many workers (and never more than the cores).
MAX_WORKERS = 4
# Chunks of work given out ahead of the one awaited, per worker: enough to keep every worker
# busy, few enough that results waiting to be taken stay a few megabytes.
_AHEAD = 4

T = TypeVar("T")
R = TypeVar("R")


def worker_count() -> int:
    """How many worker processes a big job uses: one per core, up to :data:`MAX_WORKERS`."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


class Workers:
    """A pool of worker processes, started at the first big job and shut down on exit."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    def map(
        self, work: Callable[[T], R], items: Iterable[T], count: int, chunk: int = 8
    ) -> Iterator[R]:
        """``work`` over ``count`` ``items``, results in the items' order; in worker processes
        when there are at least :data:`PARALLEL_FROM` of them. Items are taken as the workers
        need them, so neither the items nor the results pile up in memory."""
        pool = self._started() if count >= PARALLEL_FROM else None
        if pool is None:
            return map(work, items)
        return self._ordered(pool, work, iter(items), chunk)

    def _started(self) -> ProcessPoolExecutor | None:
        if self._pool is None and not self._broken and worker_count() >= 2:
            context = multiprocessing.get_context("spawn")  # no fork of a process with threads
            self._pool = ProcessPoolExecutor(
                worker_count(), mp_context=context, initializer=die_with_parent
            )
        return self._pool

    def _ordered(
        self, pool: ProcessPoolExecutor, work: Callable[[T], R], items: Iterator[T], chunk: int
    ) -> Iterator[R]:
        pending: deque[tuple[list[T], Future[list[R]]]] = deque()

        def give() -> None:
            part = list(islice(items, chunk))
            if part:
                pending.append((part, pool.submit(_each, work, part)))

        for _ in range(worker_count() * _AHEAD):
            give()
        while pending:
            part, future = pending.popleft()
            try:
                results = future.result()
            except (BrokenProcessPool, OSError) as exc:
                log.warning("worker processes failed (%s); doing the rest in this process", exc)
                self._broken = True
                rest = chain(part, *(p for p, _ in pending), items)
                pending.clear()
                yield from map(work, rest)
                return
            give()
            yield from results

    def close(self) -> None:
        """Stop the worker processes (waits for them to exit)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _each(work: Callable[[T], R], part: list[T]) -> list[R]:
    """In a worker process: ``work`` over a chunk of items."""
    return [work(item) for item in part]


def die_with_parent() -> None:
    """In a worker process: be terminated when the parent dies (Linux), instead of lingering."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        log.debug("cannot ask to die with the parent process", exc_info=True)
