"""Answers from worker processes: the same as the service's own, after a reindex too, and a
dead worker loses no question."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import retrieval.searcher as searcher
import retrieval.service as service_module
import retrieval.workers as workers
from retrieval import ArchiveService

QUESTION = "What does the article say about the labor aristocracy?"
NEW_PAGE = (
    "<html><head><title>Pelican Bay hunger strike</title></head><body>"
    "<h1>Pelican Bay hunger strike</h1><p>The hunger strike at Pelican Bay began on July 1, "
    "2011, when prisoners in the Security Housing Unit refused their meals.</p></body></html>"
)
NEW_QUESTION = "When did the Pelican Bay hunger strike begin?"


def _not_inline(*args: object) -> None:
    raise AssertionError("answered in the service, not by a worker")


@pytest.mark.asyncio
async def test_worker_answers_as_inline_and_survives_a_dead_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = await ArchiveService.open(tmp_path / "a.sqlite3")
    try:
        expected = await inline.ask(QUESTION)
        assert expected.results  # an answer with quotes, not "not found"
    finally:
        await inline.close()
    service = await ArchiveService.open(tmp_path / "b.sqlite3", answer_workers=1)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(service_module, "answer", _not_inline)
            assert await service.ask(QUESTION) == expected
        killed = workers._WORKERS.pids()
        assert killed
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        # The question asked while the pool is broken is answered in the service itself...
        assert await service.ask(QUESTION) == expected
        # ...and the next one by new workers.
        assert await service.ask(QUESTION) == expected
        assert workers._WORKERS.pids() and not set(workers._WORKERS.pids()) & set(killed)
    finally:
        await service.close()


@pytest.mark.asyncio
async def test_workers_answer_from_the_new_index_after_a_reindex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "strike.html").write_text(NEW_PAGE, encoding="utf-8")
    answers = []
    for name, count in (("inline", 0), ("workers", 1)):
        service = await ArchiveService.open(tmp_path / f"{name}.sqlite3", answer_workers=count)
        if count:
            monkeypatch.setattr(service_module, "answer", _not_inline)
        try:
            before = await service.ask(NEW_QUESTION)
            await service.ingest([pages])
            after = await service.ask(NEW_QUESTION)
            answers.append((before, after))
        finally:
            await service.close()
    (inline_before, inline_after), (worker_before, worker_after) = answers
    assert inline_before.abstained and worker_before.abstained
    assert "July 1" in inline_after.results[0].quote
    assert worker_after == inline_after


CHILD = """
import asyncio, signal, sys
from retrieval import ArchiveService

signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even under CI

async def main():
    service = await ArchiveService.open(sys.argv[1], answer_workers=1)
    try:
        await service.ask("Who studied in France?")
        print("answered", flush=True)
        await asyncio.sleep(60)
    finally:
        await service.close()

if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("stopped", flush=True)
"""


def test_ctrl_c_stops_the_service_and_its_workers_without_a_traceback(tmp_path: Path) -> None:
    script = tmp_path / "serve.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "s.sqlite3")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "answered"
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert "Traceback" not in out
    assert out.strip() == "stopped"
    assert child.returncode == 0


@pytest.mark.asyncio
async def test_spelling_is_suggested_by_the_worker_the_service_builds_no_speller(
    tmp_path: Path,
) -> None:
    service = await ArchiveService.open(tmp_path / "s.sqlite3", answer_workers=1)
    try:
        answer = await service.ask("Where did Xiapnig study?")
        assert "xiaoping" in answer.suggestions
        # And corrects in the worker: one slip from a known word.
        fixed = await service.ask("Where did Xiaopnig study?")
        assert fixed.corrected == "Where did Xiaoping study?" and fixed.results
        assert service._require_index() not in searcher._SPELLERS
    finally:
        await service.close()


@pytest.mark.asyncio
async def test_a_job_too_big_to_send_is_answered_in_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline_calls = []
    real_answer = service_module.answer

    def counted(*args: object) -> object:
        inline_calls.append(args)
        return real_answer(*args)  # type: ignore[arg-type]

    service = await ArchiveService.open(tmp_path / "s.sqlite3", answer_workers=1)
    try:
        monkeypatch.setattr(service_module, "answer", counted)
        by_worker = await service.ask(QUESTION)
        assert not inline_calls
        monkeypatch.setattr(workers, "MAX_MESSAGE", 100)
        assert await service.ask(QUESTION) == by_worker
        assert len(inline_calls) == 1
    finally:
        await service.close()


@pytest.fixture
def pool() -> Iterator[workers._Workers]:
    """A pool of workers of its own; its processes are killed after the test."""
    made = workers._Workers()
    yield made
    for pid in made.pids():
        os.kill(pid, signal.SIGKILL)


def test_a_worker_that_dies_before_answering_anything_is_not_restarted_at_once(
    pool: workers._Workers,
) -> None:
    dying = pool.submit(1, os._exit, 3)  # as a worker that cannot start would
    assert dying is not None
    assert isinstance(dying.exception(timeout=60), workers.BrokenProcessPool)
    # Not a new process for each question: they are answered in the service for a while.
    assert pool.submit(1, abs, -1) is None
    assert pool.pids() == []
    pool._resting_until = 0.0  # as when RETRY_SECONDS have passed
    answered = pool.submit(1, abs, -1)
    assert answered is not None and answered.result(timeout=60) == 1


def test_an_exception_in_a_worker_is_raised_in_the_service_and_the_worker_goes_on(
    pool: workers._Workers,
) -> None:
    failing = pool.submit(1, int, "not a number")
    assert failing is not None
    assert isinstance(failing.exception(timeout=60), ValueError)
    after = pool.submit(1, abs, -2)
    assert after is not None and after.result(timeout=60) == 2
    assert len(pool.pids()) == 1


def test_a_worker_runs_its_answers_on_its_only_thread(pool: workers._Workers) -> None:
    # So a search there does not hand the GIL over to nobody (searcher._let_others_run).
    counted = pool.submit(1, threading.active_count)
    assert counted is not None and counted.result(timeout=60) == 1
