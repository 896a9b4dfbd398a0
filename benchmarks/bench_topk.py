"""The BM25 core alone, ``index.top(terms, depth)``, on a store built by ``bench_answer.py``.

Loads the stored index read-only (nothing is written), asks ``bench_answer.py``'s questions
(``RERANK_DEPTH`` deep, as ``ask`` does), and prints p50/p95/p99 over all runs with the slowest
questions and their terms' list lengths. ``--save FILE`` writes every answer (rows and scores as
``repr`` of the floats), so that two versions of the code can be compared with ``cmp``.

    python benchmarks/bench_topk.py --store /tmp/archive-bot-bench/answer-62657.sqlite3
    python benchmarks/bench_topk.py --store ... --depth 10 --repeats 5 --save /tmp/top.txt
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import synthetic  # noqa: E402
from bench_answer import QUESTIONS, questions  # noqa: E402

from retrieval.index.bm25 import DEFAULT_PARAMS, BM25Index  # noqa: E402
from retrieval.service import RERANK_DEPTH  # noqa: E402
from retrieval.store import Store  # noqa: E402
from retrieval.text import terms  # noqa: E402

WARMUP = 20


async def load_index(db: Path) -> BM25Index:
    """The index stored in ``db``, opened read-only."""
    store = await Store.open(db, read_only=True)
    try:
        blobs = await store.load_blobs((await store.meta())["build_id"])
    finally:
        await store.close()
    return BM25Index.from_blobs(blobs, DEFAULT_PARAMS)


def timed(index: BM25Index, asked: list[list[str]], depth: int, repeats: int) -> np.ndarray:
    """Milliseconds of each question (rows) in each run (columns)."""
    for query in asked[:WARMUP]:
        index.top(query, depth)
    out = np.zeros((len(asked), repeats))
    for run in range(repeats):
        for i, query in enumerate(asked):
            began = time.perf_counter()
            index.top(query, depth)
            out[i, run] = (time.perf_counter() - began) * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="answer-<pages>.sqlite3 of bench_answer.py")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--depth", type=int, default=RERANK_DEPTH)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slowest", type=int, default=8)
    parser.add_argument("--save", help="write every answer to this file")
    args = parser.parse_args()
    db = Path(args.store)
    began = time.perf_counter()
    index = asyncio.run(load_index(db))
    print(f"{index.size:,} passages loaded in {time.perf_counter() - began:.1f} s")
    pages = int(db.stem.rsplit("-", 1)[-1])
    texts = questions(synthetic.PageMaker(), pages, args.questions)
    asked = [terms(text) for text in texts]
    ms = timed(index, asked, args.depth, args.repeats)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    print(
        f"top-{args.depth}: p50 {p50:.2f} / p95 {p95:.2f} / p99 {p99:.2f} / "
        f"mean {ms.mean():.2f} / max {ms.max():.2f} ms ({ms.size} timings)"
    )
    typical = np.median(ms, axis=1)
    for i in np.argsort(-typical)[: args.slowest]:
        lengths = [index.document_frequency(t) for t in asked[i]]
        print(f"  {typical[i]:6.2f} ms  {list(zip(asked[i], lengths, strict=True))}")
    if args.save:
        with open(args.save, "w", encoding="utf-8") as out:
            for query in asked:
                out.write(f"{query!r} {index.top(query, args.depth)!r}\n")


if __name__ == "__main__":
    main()
