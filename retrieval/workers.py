"""Answers in worker processes: a question's search and its quotes, beside the event loop.

Searching (BM25, ranking, reading the store) and choosing the quotes is Python code that holds
the GIL. In the bot's process it competes with the event loop and discord.py for one core: under
a burst of questions the process is saturated, each search waits for the GIL longer than it
works (3.4 ms of work took 9 ms at the median in ``benchmarks/bench_bot.py``) and answers queue.
An :class:`AnswerJob` holds the search (data only) and where the store is; a worker process opens
the store itself, loads the index of the job's build once (and again only when the build
changes), searches and quotes, and sends back the :class:`~retrieval.searcher.Found`.

The workers are spawned once per process, when a service opens with ``workers`` > 0, and shared by
every service of the process. Each holds its own copy of the serving index (the index's memory
once more per worker). ``workers=0`` answers on the service's search thread instead (the one-shot
CLI, where starting a process and loading the index again would cost more than it saves). A job
is answered on the search thread as well when its worker died (the next job starts new workers)
or its build was replaced meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass

from .index.bm25 import BM25Index, BM25Params
from .pages import PageMap
from .searcher import Found, Search, answer, load_pages
from .store import SearchReader, StoreAddress

log = logging.getLogger(__name__)

# One worker on two cores: the other core runs the event loop and discord.py.
DEFAULT_WORKERS = min(4, max(0, (os.cpu_count() or 1) - 1))
# Stores whose index a worker keeps (a process may serve more than one, as the tests do).
KEPT_STORES = 2


@dataclass(frozen=True)
class AnswerJob:
    """A search to answer in a worker, with the index of ``build_id`` of the store at ``store``."""

    store: StoreAddress
    build_id: str
    params: BM25Params
    search: Search


@dataclass
class _Served:
    """A worker's view of one store: its connection and the index it last loaded."""

    reader: SearchReader
    build_id: str | None = None
    index: BM25Index | None = None
    pages: PageMap | None = None


_SERVED: dict[str, _Served] = {}  # by the store's target, in a worker process


def _served(store: StoreAddress, build_id: str, params: BM25Params) -> _Served | None:
    """The worker's index of ``build_id``, loaded when it holds another (``None`` when the
    store no longer holds that build: a newer one replaced it)."""
    key = store.target
    served = _SERVED.pop(key, None)
    if served is None:
        while len(_SERVED) >= KEPT_STORES:
            _SERVED.pop(next(iter(_SERVED))).reader.close()
        served = _Served(store.reader())
    _SERVED[key] = served  # the most recently used last
    if served.build_id != build_id:
        served.index = served.pages = None  # let the old index go before loading the new one
        blobs = served.reader.index_blobs(build_id)
        if not blobs:
            # A newer build, or another file put in place of this one (a restored backup):
            # the connection may be to the old file, so the next job opens a new one.
            _SERVED.pop(key).reader.close()
            return None
        served.index = BM25Index.from_blobs(blobs, params)
        served.pages = load_pages(served.reader, served.index)
        served.build_id = build_id
    return served


def _answer(job: AnswerJob) -> Found | None:
    """The job's answer, in a worker (``None``: its build is gone; answer it elsewhere)."""
    served = _served(job.store, job.build_id, job.params)
    if served is None or served.index is None or served.pages is None:
        return None
    return answer(served.reader, served.index, served.pages, job.search)


def _load(store: StoreAddress, build_id: str, params: BM25Params) -> bool:
    """Load an index ahead of its first question."""
    return _served(store, build_id, params) is not None


class _Workers:
    """The process's answer workers, started when first needed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def pool(self, size: int) -> ProcessPoolExecutor:
        """The pool (the size asked for first is kept)."""
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")  # safe beside threads
                self._pool = ProcessPoolExecutor(
                    size, mp_context=context, initializer=_leave_interrupts_to_the_parent
                )
            return self._pool

    def discard(self, broken: ProcessPoolExecutor) -> None:
        """Forget a broken pool: the next job starts new workers."""
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)


_WORKERS = _Workers()


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl-C in a terminal reaches the workers too: the service's process stops them (a
    worker interrupted in its wait printed a traceback at every stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Answerer:
    """Answers jobs in the shared worker processes (``workers`` > 0), or through the inline
    function it is given (the service's search thread)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # Jobs sent to the pool at once: one running and one ready per worker. The rest wait
        # here, where a question given up is simply dropped; in the pool each job wakes the
        # pool's threads, which take the GIL from the event loop (250 sent in one go stalled
        # it 33 ms, bench_loop.py).
        self._sent = asyncio.Semaphore(2 * workers) if workers > 0 else None

    def prepare(self, store: StoreAddress, build_id: str, params: BM25Params) -> None:
        """Start the workers, and have one load the index of ``build_id`` now rather than at
        the first question (at a million passages, a second or two)."""
        if self.workers > 0:
            pool = _WORKERS.pool(self.workers)
            with suppress(BrokenProcessPool):  # then the next question starts new workers
                pool.submit(_load, store, build_id, params).add_done_callback(_log_failure)

    async def run(self, job: AnswerJob, inline: Callable[[], Awaitable[Found]]) -> Found:
        """The answer of ``job``; ``inline`` gives it on the caller's side when no worker can."""
        if self._sent is not None:
            async with self._sent:
                pool = _WORKERS.pool(self.workers)
                try:
                    found = await asyncio.wrap_future(pool.submit(_answer, job))
                except BrokenProcessPool:
                    log.warning("an answer worker died; answering this question in the service")
                    _WORKERS.discard(pool)
                else:
                    if found is not None:
                        return found
        return await inline()


def _log_failure(future: Future[bool]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("an answer worker could not load the index: %s", future.exception())
