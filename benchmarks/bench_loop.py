"""How long the event loop stalls while the service searches and reindexes (no Discord in the way).

Uses the corpus ``bench_bot.py`` builds (about 100,000 passages, cached), then measures the longest
gap of a 10 ms heartbeat task (1) while 250 questions are asked at once and (2) while an isolated
reindex with 5% of the documents changed (in place, in a copy of the corpus the store was built
from) runs and a question is asked every 50 ms.

    python benchmarks/bench_loop.py
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench_bot import QUESTIONS, RESULTS, synthetic_corpus
from machine import describe

from retrieval import ArchiveService
from retrieval.workers import DEFAULT_WORKERS


class Heartbeat:
    """A task that sleeps 10 ms at a time and records how late it wakes up."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._stop = False
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.gaps.append(now - last - 0.01)
            last = now

    def start(self) -> None:
        self.gaps.clear()
        self._stop = False
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, float]:
        self._stop = True
        await self._task
        ordered = sorted(self.gaps)
        return {
            "max_ms": round(ordered[-1] * 1000, 1),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        }


async def run(cache: Path, documents: int) -> dict:
    corpus = synthetic_corpus(cache / "corpus", documents, seed=1)
    changed = synthetic_corpus(cache / "corpus", documents, seed=2, changed_share=0.05)
    # The store is built from a copy of the corpus, which the reindex finds 5% changed in place
    # (another folder with the same pages would be read as copies of them, and merged).
    live = cache / "corpus" / f"live-{documents}"
    shutil.rmtree(live, ignore_errors=True)
    shutil.copytree(corpus, live)
    pristine = cache / f"bot-live-{documents}.sqlite3"
    service = await ArchiveService.open(pristine, seed=[live])
    await service.close()
    db = Path(tempfile.mkdtemp()) / "loop.sqlite3"
    shutil.copyfile(pristine, db)
    service = await ArchiveService.open(db, seed=[], answer_workers=DEFAULT_WORKERS)
    stats = await service.stats()
    beat = Heartbeat()

    beat.start()
    began = time.perf_counter()
    await asyncio.gather(*(service.ask(QUESTIONS[i % len(QUESTIONS)]) for i in range(250)))
    asks = {"seconds": round(time.perf_counter() - began, 2), **await beat.stop()}

    shutil.rmtree(live)  # the corpus changes before the heartbeat starts: copying is no reindex
    shutil.copytree(changed, live)
    stop = asyncio.Event()

    async def keep_asking() -> int:
        asked = 0
        while not stop.is_set():
            await service.ask(QUESTIONS[asked % len(QUESTIONS)])
            asked += 1
            await asyncio.sleep(0.05)
        return asked

    beat.start()
    asker = asyncio.create_task(keep_asking())
    began = time.perf_counter()
    report = await service.ingest([live], exact=True, isolated=True)
    stop.set()
    reindex = {
        "seconds": round(time.perf_counter() - began, 1),
        "changed": len(report.changed),
        "questions_meanwhile": await asker,
        **await beat.stop(),
    }
    await service.close()
    return {
        "passages": stats.passages,
        "answer_workers": DEFAULT_WORKERS,
        "asks_250_at_once": asks,
        "isolated_reindex": reindex,
    }


def main() -> None:
    cache = Path(tempfile.gettempdir()) / "archive-bot-bench"
    result = asyncio.run(run(cache, 100_000 // 16 + 1))
    result["machine"] = describe()
    result["command"] = "python benchmarks/bench_loop.py"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "loop.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
