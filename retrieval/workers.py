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
is answered on the search thread as well when its worker died (the next job starts a new one),
its build was replaced meanwhile, or it is too big to send (a filter allowing more than
250,000 passages).

A worker is a process at the other end of a pipe, not a
:class:`~concurrent.futures.ProcessPoolExecutor`: the pool hands each call through a queue
thread, a feeder thread and a result thread, each of which takes the GIL from the event loop.
Measured with a 3 KB echo (spawn, 2-core machine): 260-360 us a call and 200-280 us of the
service's CPU through the pool, 100-140 us and 65 us through a pipe and one reader thread.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, InvalidStateError
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from typing import Any

from .index.bm25 import BM25Index, BM25Params
from .ingest.workers import die_with_parent
from .pages import PageMap
from .searcher import Found, Search, answer, load_pages, speller_of
from .store import SearchReader, StoreAddress

log = logging.getLogger(__name__)

# One worker on two cores: the other core runs the event loop and discord.py.
DEFAULT_WORKERS = min(4, max(0, (os.cpu_count() or 1) - 1))
# Stores whose index a worker keeps (a process may serve more than one, as the tests do).
KEPT_STORES = 2
# After a worker died without answering anything (it could not start: a ``__main__`` that a
# spawned process cannot import, too little memory), none is started again for this long.
RETRY_SECONDS = 60.0
# The biggest call sent to a worker (pickled): a filter allowing 250,000 passages. The event
# loop writes to the pipe itself; a call the pipe cannot hold (~200 KB, a Unix socket's buffer
# on Linux) waits for the worker to read it, at most for the one call ahead of it to finish (two
# calls a worker are sent at once).
MAX_MESSAGE = 1 << 20


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
    """Load an index and build its speller ahead of the first question (the first one with a
    typo would wait a second for the speller, and every question sent after it)."""
    served = _served(store, build_id, params)
    if served is None or served.index is None:
        return False
    speller_of(served.reader, served.index)
    return True


def _serve(conn: Connection) -> None:
    """A worker process: answer the calls sent on ``conn`` one after another until it closes."""
    # Ctrl-C in a terminal reaches the workers too: the service's process stops them (a worker
    # interrupted in its wait printed a traceback at every stop).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    while True:
        try:
            call, args = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            reply = pickle.dumps((True, call(*args)), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # sent back, raised in the service
            try:
                reply = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that cannot be pickled
                failure = RuntimeError(f"{type(exc).__name__}: {exc}")
                reply = pickle.dumps((False, failure), pickle.HIGHEST_PROTOCOL)
        try:
            conn.send_bytes(reply)
        except OSError:  # the service is gone
            return


class _Worker:
    """One worker process, the service's end of its pipe, and the calls sent to it that are not
    answered yet (a worker answers in the order it was sent)."""

    def __init__(self, context: SpawnContext) -> None:
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs,), name="archive-bot-answers", daemon=True
        )
        self.process.start()
        theirs.close()
        self._conn = ours
        self._lock = threading.Lock()  # one sender at a time: the pipe's order is the deque's
        self._waiting: deque[Future[Any]] = deque()
        self.broken = False
        self.answered = 0
        threading.Thread(target=self._read, name="answers-reader", daemon=True).start()

    @property
    def busy(self) -> int:
        """How many calls it has not answered yet."""
        return len(self._waiting)

    def submit(self, message: bytes) -> Future[Any]:
        """Send a pickled call; its future fails with :class:`BrokenProcessPool` when the
        worker dies first."""
        future: Future[Any] = Future()
        with self._lock:
            if not self.broken:
                self._waiting.append(future)
                try:
                    self._conn.send_bytes(message)
                    return future
                except OSError:  # the worker is gone: its reader fails what it was sent
                    self._waiting.pop()
                    self.broken = True
                    self.process.kill()
        future.set_exception(BrokenProcessPool("an answer worker died"))
        return future

    def _read(self) -> None:
        """Hand each reply to its call's future, in order; when the pipe closes (the worker
        died), fail the calls still waiting."""
        while True:
            try:
                reply = self._conn.recv_bytes()
            except (EOFError, OSError):
                break
            future = self._waiting.popleft()
            self.answered += 1
            try:
                ok, value = pickle.loads(reply)
            except Exception as exc:  # a reply that cannot be read fails its call
                ok, value = False, exc
            with suppress(InvalidStateError):  # the call was given up meanwhile
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        with self._lock:
            self.broken = True
            failed = list(self._waiting)
            self._waiting.clear()
        for future in failed:
            with suppress(InvalidStateError):
                future.set_exception(BrokenProcessPool("an answer worker died"))
        self._conn.close()
        self.process.join(5)  # reap it


class _Workers:
    """The process's answer workers, started when first needed (as many as the first call asks
    for); one that died is replaced at the next call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._workers: list[_Worker] = []
        self._resting_until = 0.0

    def _alive(self, size: int) -> list[_Worker]:
        with self._lock:
            self._size = self._size or size
            if any(w.broken and not w.answered for w in self._workers):
                log.warning(
                    "an answer worker stopped before answering anything; questions are answered "
                    "in the service for %.0f s",
                    RETRY_SECONDS,
                )
                self._resting_until = time.monotonic() + RETRY_SECONDS
            self._workers = [w for w in self._workers if not w.broken]
            if time.monotonic() >= self._resting_until:
                while len(self._workers) < self._size:
                    # spawn, not fork: safe beside the service's threads
                    self._workers.append(_Worker(multiprocessing.get_context("spawn")))
            return list(self._workers)

    def submit(self, size: int, call: Callable[..., Any], *args: Any) -> Future[Any] | None:
        """``call(*args)`` in the least busy worker (``None``: the call is bigger than
        :data:`MAX_MESSAGE`, or no worker runs, see :data:`RETRY_SECONDS`)."""
        message = pickle.dumps((call, args), pickle.HIGHEST_PROTOCOL)
        workers = self._alive(size)
        if len(message) > MAX_MESSAGE or not workers:
            return None
        return min(workers, key=lambda w: w.busy).submit(message)

    def broadcast(self, size: int, call: Callable[..., Any], *args: Any) -> list[Future[Any]]:
        """``call(*args)`` in every worker."""
        message = pickle.dumps((call, args), pickle.HIGHEST_PROTOCOL)
        return [worker.submit(message) for worker in self._alive(size)]

    def pids(self) -> list[int]:
        """The process ids of the workers running now."""
        with self._lock:
            return [w.process.pid for w in self._workers if not w.broken and w.process.pid]


_WORKERS = _Workers()


class Answerer:
    """Answers jobs in the shared worker processes (``workers`` > 0), or through the inline
    function it is given (the service's search thread)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # Jobs sent at once: one running and one ready per worker. The rest wait here, where a
        # question given up is simply dropped.
        self._sent = asyncio.Semaphore(2 * workers) if workers > 0 else None

    def prepare(self, store: StoreAddress, build_id: str, params: BM25Params) -> None:
        """Start the workers, and have them load the index of ``build_id`` now rather than at
        the first question (at a million passages, a second or two)."""
        if self.workers > 0:
            for future in _WORKERS.broadcast(self.workers, _load, store, build_id, params):
                future.add_done_callback(_log_failure)

    async def run(self, job: AnswerJob, inline: Callable[[], Awaitable[Found]]) -> Found:
        """The answer of ``job``; ``inline`` gives it on the caller's side when no worker can."""
        if self._sent is not None:
            async with self._sent:
                future = _WORKERS.submit(self.workers, _answer, job)
                if future is not None:
                    try:
                        found: Found | None = await asyncio.wrap_future(future)
                    except BrokenProcessPool:
                        log.warning("an answer worker died; answering this question in the service")
                    else:
                        if found is not None:
                            return found
        return await inline()


def _log_failure(future: Future[bool]) -> None:
    if future.cancelled():
        return
    failure = future.exception()
    if isinstance(failure, BrokenProcessPool):
        return  # the next question starts a new worker
    if failure is not None:
        log.warning("an answer worker could not load the index: %s", failure)
