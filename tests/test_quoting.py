"""Quotes chosen in worker processes: the same answers as inline, and a dead worker loses none."""

from __future__ import annotations

import os
import signal

import pytest

import retrieval.quoting as quoting
from retrieval import ArchiveService

QUESTION = "What does the article say about the labor aristocracy?"


@pytest.mark.asyncio
async def test_worker_answers_as_inline_and_survives_a_dead_worker(tmp_path):
    inline = await ArchiveService.open(tmp_path / "a.sqlite3")
    try:
        expected = await inline.ask(QUESTION)
        assert expected.results  # an answer with quotes, not "not found"
    finally:
        await inline.close()
    service = await ArchiveService.open(tmp_path / "b.sqlite3", quote_workers=1)
    try:
        assert await service.ask(QUESTION) == expected
        pool = quoting._WORKERS.pool(1)
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)
        # The question asked while the pool is broken is quoted in the service itself...
        assert await service.ask(QUESTION) == expected
        # ...and the next one by new workers.
        assert await service.ask(QUESTION) == expected
        assert quoting._WORKERS.pool(1) is not pool
    finally:
        await service.close()
