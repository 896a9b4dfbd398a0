"""Memory of the bot's processes: the service as the bot opens it (answers in worker processes)
and each worker, after two questions (one with a typo, so that every structure is built).

Uses a store ``bench_answer.py`` built (100,000 and 1,000,000 passages, cached). Prints the
resident memory (VmRSS) of the service's process and of its workers and writes
``benchmarks/results/memory.json``.

    python benchmarks/bench_memory.py
    python benchmarks/bench_memory.py --stores /tmp/archive-bot-bench/answer-6266.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CACHE = Path(tempfile.gettempdir()) / "archive-bot-bench"
STORES = (CACHE / "answer-6266.sqlite3", CACHE / "answer-62657.sqlite3")
QUESTIONS = ("What did the committee say about the strike?", "Who studied in Frnace?")


def resident_mb(pid: int) -> float:
    """The process's resident memory (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


async def measure(store: Path) -> dict[str, object]:
    """Open the service on ``store`` as the bot does, ask, and read the processes' memory."""
    from retrieval import ArchiveService
    from retrieval.workers import _WORKERS, DEFAULT_WORKERS

    service = await ArchiveService.open(store, seed=[], answer_workers=DEFAULT_WORKERS)
    try:
        stats = await service.stats()
        for question in QUESTIONS:
            await service.ask(question)
        return {
            "store": str(store),
            "passages": stats.passages,
            "workers": DEFAULT_WORKERS,
            "service_mb": resident_mb(os.getpid()),
            "worker_mb": [resident_mb(pid) for pid in _WORKERS.pids()],
        }
    finally:
        await service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", nargs="*", type=Path, default=list(STORES))
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a run in a fresh process
    args = parser.parse_args()
    if args.one:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(asyncio.run(measure(args.one))))
        return
    runs = []
    for store in args.stores:
        if not store.exists():
            print(f"{store}: not built yet (python benchmarks/bench_answer.py builds it)")
            continue
        # Each store in a process of its own: the memory of one does not count in the next.
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(store)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(runs[-1])
    report = {"machine": describe(), "runs": runs, "command": "python benchmarks/bench_memory.py"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
