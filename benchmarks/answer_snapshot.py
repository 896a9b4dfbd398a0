"""Every answer the service gives, written out to compare two versions of the code exactly.

A speed change must not change what users read. This asks a fixed set of questions and writes
each whole answer (quotes, highlights, citations, notes, scores, "not found", suggestions) as one
JSON line, so two runs diff line by line:

- the dev set's questions over its pages (``../shared/eval-dev/``, ingested as JSONL into a
  fresh store), 5 results each, and again with 3 results from the second page (``offset=3``);
- the bundled article's test questions over the bundled corpus;
- with ``--store DB``, the synthetic questions of ``bench_answer.py`` over that built store
  (``/tmp/archive-bot-bench/answer-6266.sqlite3`` holds 100,000 passages), ``--synthetic N`` of them.

    python benchmarks/answer_snapshot.py --out /tmp/before.jsonl
    ... change the code ...
    python benchmarks/answer_snapshot.py --out /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_quality import DEFAULT_DEV, load  # noqa: E402

from retrieval import ArchiveService  # noqa: E402
from retrieval.models import Answer  # noqa: E402
from retrieval.service import bundled_corpus  # noqa: E402


def answer_record(label: str, question: str, answer: Answer) -> dict[str, Any]:
    """An answer as plain data, scores rounded past float noise."""
    record = asdict(answer)
    for result in record["results"]:
        result["score"] = round(result["score"], 9)
    return {"set": label, "question": question, "answer": record}


async def ask_all(
    service: ArchiveService, label: str, questions: list[str], out: list[dict[str, Any]]
) -> None:
    """Ask each question for 5 results, and for the 3 after the first 3."""
    for question in questions:
        out.append(answer_record(label, question, await service.ask(question, 5)))
        out.append(answer_record(label + "+3", question, await service.ask(question, 3, offset=3)))


async def snapshot(
    dev: Path, store: Path | None, synthetic_n: int, workers: int = 0
) -> list[dict[str, Any]]:
    """Every answer of the fixed question sets."""
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        _, dev_questions = load(dev)
        service = await ArchiveService.open(
            Path(tmp) / "dev.sqlite3", seed=[dev / "pages.jsonl"], answer_workers=workers
        )
        try:
            await ask_all(service, "dev", [q["question"] for q in dev_questions], out)
        finally:
            await service.close()
        seeds = json.loads((ROOT / "tests" / "data" / "seed_questions.json").read_text())
        service = await ArchiveService.open(
            Path(tmp) / "seed.sqlite3", seed=[bundled_corpus()], answer_workers=workers
        )
        try:
            await ask_all(service, "bundled", [q["q"] for q in seeds], out)
        finally:
            await service.close()
    if store is not None:
        import synthetic
        from bench_answer import questions

        maker = synthetic.PageMaker()
        pages = int(store.stem.rsplit("-", 1)[-1])  # answer-<pages>.sqlite3
        service = await ArchiveService.open(store, answer_workers=workers)
        try:
            await ask_all(service, "synthetic", questions(maker, pages, synthetic_n), out)
        finally:
            await service.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the JSON lines file to write")
    parser.add_argument("--dev", default=str(DEFAULT_DEV))
    parser.add_argument("--store", help="a store built by bench_answer.py, for its questions")
    parser.add_argument("--synthetic", type=int, default=300)
    parser.add_argument(
        "--workers", type=int, default=0, help="answer in this many worker processes, as the bot"
    )
    args = parser.parse_args()
    records = asyncio.run(
        snapshot(
            Path(args.dev), Path(args.store) if args.store else None, args.synthetic, args.workers
        )
    )
    with open(args.out, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(records)} answers written to {args.out}")


if __name__ == "__main__":
    main()
