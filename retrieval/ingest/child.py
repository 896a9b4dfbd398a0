"""An ingest in a child process, so that the process answering questions keeps its event loop free.

Reading and tokenizing a big archive is CPU work; in a thread it would compete with the event loop
for the GIL and stall it for hundreds of milliseconds. The child opens the same SQLite file, runs the
ingest (its write transaction is short), and reports progress and the result through a queue; the
parent then loads the index the child committed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
from pathlib import Path
from typing import Any

from ..chunking import ChunkSettings
from ..errors import RetrievalError
from ..index.bm25 import BM25Params
from ..models import IngestReport
from ..store import Store
from .indexer import Indexer
from .pipeline import ProgressCallback
from .workers import die_with_parent

_POLL_SECONDS = 0.5


def _child(
    db_path: str,
    paths: list[str],
    prune: bool,
    exact: bool,
    base_url: str,
    chunking: ChunkSettings,
    params: BM25Params,
    messages: multiprocessing.Queue[tuple[str, Any]],
) -> None:
    """Entry point of the child process: run the ingest, send progress and the outcome."""
    die_with_parent()  # a bot that is killed takes its reindex with it

    async def run() -> IngestReport:
        store = await Store.open(db_path)
        try:
            indexer = Indexer(store, params=params, chunking=chunking)
            return await indexer.ingest(
                paths, prune, exact, lambda p: messages.put(("progress", p)), base_url
            )
        finally:
            await store.close()

    try:
        messages.put(("done", asyncio.run(run())))
    except RetrievalError as exc:
        messages.put(("error", exc))
    except Exception as exc:  # reported to the parent, which logs it with its traceback
        messages.put(("error", RetrievalError(f"the ingest failed: {type(exc).__name__}: {exc}")))
        raise


async def ingest_in_child(
    db_path: Path,
    paths: list[str | Path],
    *,
    prune: bool,
    exact: bool,
    base_url: str,
    chunking: ChunkSettings,
    params: BM25Params,
    progress: ProgressCallback,
) -> IngestReport:
    """Run an ingest of ``db_path`` in a new process and return its report (raises what the
    child raised)."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    process = context.Process(
        target=_child,
        args=(
            str(db_path),
            [str(p) for p in paths],
            prune,
            exact,
            base_url,
            chunking,
            params,
            messages,
        ),
        name="archive-bot-ingest",
    )
    process.start()
    try:
        while True:
            try:
                kind, payload = await asyncio.to_thread(messages.get, True, _POLL_SECONDS)
            except queue.Empty:
                if not process.is_alive():
                    raise RetrievalError(
                        f"the ingest process stopped unexpectedly (exit code {process.exitcode}); "
                        "the previous index keeps serving"
                    ) from None
                continue
            if kind == "progress":
                progress(payload)
            elif kind == "error":
                raise payload
            else:
                report: IngestReport = payload
                return report
    finally:
        await asyncio.to_thread(process.join, 10)
        if process.is_alive():
            process.terminate()
        messages.close()
