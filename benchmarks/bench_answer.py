"""The whole answer: ``ArchiveService.ask`` (parse, search, fetch from SQLite, rank, quote, result
objects) beside the BM25 core alone (``index.top``), with where the time goes.

Builds (once, cached by size) a store of archive-like pages (``synthetic.PageMaker``: the bundled
article's sentences with most content words swapped for pseudo-words of a 150,000-word vocabulary)
through the real ingest, then asks a few hundred questions drawn like real ones: chat questions
made of a page's words (a fifth with a typo), the bundled article's test questions and off-topic
questions. Measures one question at a time (p50/p99), 250 at once (time until all are answered),
the BM25 core on the same questions, the time of each phase of ``ask``, and a profile of the
quoting phase. Prints a table and writes ``benchmarks/results/answer.{json,md}``.

    python benchmarks/bench_answer.py                   # 100,000 and 1,000,000 passages
    python benchmarks/bench_answer.py --sizes 100000    # a quick run (builds in ~2 min once)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402
from machine import describe  # noqa: E402

import retrieval.searcher as searcher_module  # noqa: E402
import retrieval.service as service_module  # noqa: E402
from retrieval import ArchiveService  # noqa: E402
from retrieval.quoting import quote  # noqa: E402
from retrieval.service import RERANK_DEPTH  # noqa: E402
from retrieval.store import SearchReader  # noqa: E402
from retrieval.text import terms  # noqa: E402
from retrieval.workers import DEFAULT_WORKERS  # noqa: E402

RESULTS = HERE / "results"
SIZES = (100_000, 1_000_000)
PASSAGES_PER_PAGE = 15.96  # what the chunker makes of a synthetic page (measured)
PAGES_PER_FILE = 500
PAGES_PER_INGEST = 6_000  # ingest in steps of ~100,000 passages: memory stays bounded
QUESTIONS = 300
AT_ONCE = 250
REPEATS = 3
WARMUP = 20
PROFILED = 60  # questions whose quoting is replayed under cProfile


# --- the corpus ----------------------------------------------------------------------------------


def corpus(cache: Path, pages: int, maker: synthetic.PageMaker) -> list[Path]:
    """JSONL files of ``pages`` synthetic pages (written once)."""
    folder = cache / f"answer-pages-{pages}"
    files = [folder / f"pages{first:07d}.jsonl" for first in range(0, pages, PAGES_PER_FILE)]
    done = folder / "complete"
    if done.exists():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    for path, first in zip(files, range(0, pages, PAGES_PER_FILE), strict=True):
        with path.open("w", encoding="utf-8") as out:
            for number in range(first, min(first + PAGES_PER_FILE, pages)):
                out.write(json.dumps(maker.page(number).record()) + "\n")
    done.write_text("")
    return files


async def built_store(cache: Path, pages: int, maker: synthetic.PageMaker) -> Path:
    """A store of the corpus, ingested in steps (cached: a rerun only opens it)."""
    db = cache / f"answer-{pages}.sqlite3"
    done = cache / f"answer-{pages}.complete"
    if db.exists() and done.exists():
        return db
    files = corpus(cache, pages, maker)
    for stale in cache.glob(f"answer-{pages}.sqlite3*"):
        stale.unlink()
    began = time.perf_counter()
    service = await ArchiveService.open(db, seed=[])
    try:
        step = PAGES_PER_INGEST // PAGES_PER_FILE
        for first in range(0, len(files), step):
            report = await service.ingest(files[first : first + step])
            print(
                f"  ingested {first + len(files[first : first + step])}/{len(files)} files "
                f"(+{report.passages:,} passages, {time.perf_counter() - began:.0f} s)",
                flush=True,
            )
    finally:
        await service.close()
    done.write_text("")
    return db


def questions(maker: synthetic.PageMaker, pages: int, n: int) -> list[str]:
    """Chat questions about the corpus's pages, the bundled article's test questions (real
    phrasing, its sentences are in every page) and off-topic ones (unknown words, "not found")."""
    data = ROOT / "tests" / "data"
    seed = [q["q"] for q in json.loads((data / "seed_questions.json").read_text())]
    off_topic = json.loads((data / "unanswerable.json").read_text())
    made = maker.questions(n - len(seed) - len(off_topic), pages)
    mixed = [*made, *seed, *off_topic]
    order = np.random.default_rng(synthetic.SEED).permutation(len(mixed))
    return [mixed[i] for i in order]


# --- measuring -----------------------------------------------------------------------------------


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p90_ms": round(float(np.percentile(ms, 90)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


# what ask calls in retrieval.service -> the phase it belongs to
PHASE_OF_FUNCTION = {
    "parse_question": "parse",
    "without_stop_word_typos": "parse",
    "term_weights": "weights",
}
# what the search thread calls in retrieval.searcher -> the phase
PHASE_OF_SEARCH_FUNCTION = {
    "page_evidence": "rank",
    "terms_held": "rank",
    "phrase_evidence": "rank",
    "rank_candidates": "rank",
    "suggestions": "suggestions",
}
# what it calls on the store (the search thread's reader: the passages' terms for the phrase
# evidence are what is left of the passage heads) -> the phase
PHASE_OF_STORE_METHOD = {"meta": "refresh"}
PHASE_OF_READER_METHOD = {"passage_terms": "fetch heads", "quote_material": "fetch texts"}


class Phases:
    """Times each phase of ``ask`` by wrapping the functions it calls (in the service and searcher
    modules, on the store, the search thread's reader and the index); one question at a time, so
    the sums are per question."""

    def __init__(self, service: ArchiveService) -> None:
        self.service = service
        self.spent: dict[str, float] = defaultdict(float)
        self.captured: list[tuple[tuple, dict]] = []
        self._undo: list[Callable[[], None]] = []

    def _patch(self, owner: Any, name: str, phase: str, capture: bool = False) -> None:
        original = getattr(owner, name)
        spent = self.spent
        if asyncio.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                if capture and len(self.captured) < PROFILED:
                    self.captured.append((args, kwargs))
                began = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    spent[phase] += time.perf_counter() - began

        else:

            @functools.wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                if capture and len(self.captured) < PROFILED:
                    self.captured.append((args, kwargs))
                began = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[phase] += time.perf_counter() - began

        had_own = name in vars(owner) if not isinstance(owner, type) else True
        setattr(owner, name, timed)
        if had_own:
            self._undo.append(lambda: setattr(owner, name, original))
        else:
            self._undo.append(lambda: delattr(owner, name))

    def __enter__(self) -> Phases:
        for name, phase in PHASE_OF_FUNCTION.items():
            self._patch(service_module, name, phase)
        for name, phase in PHASE_OF_SEARCH_FUNCTION.items():
            self._patch(searcher_module, name, phase)
        for name, phase in PHASE_OF_STORE_METHOD.items():
            self._patch(self.service.store, name, phase)
        for name, phase in PHASE_OF_READER_METHOD.items():
            self._patch(SearchReader, name, phase)
        self._patch(searcher_module, "quote", "quote", capture=True)
        self._patch(self.service._require_index(), "top", "bm25 top")
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()


async def one_at_a_time(service: ArchiveService, asked: list[str]) -> list[float]:
    """Wall time of each ``ask``, one after another."""
    out = []
    for question in asked:
        began = time.perf_counter()
        await service.ask(question)
        out.append(time.perf_counter() - began)
    return out


async def at_once(service: ArchiveService, asked: list[str]) -> float:
    """Time until every question asked at the same moment is answered."""
    began = time.perf_counter()
    await asyncio.gather(*(service.ask(q) for q in asked))
    return time.perf_counter() - began


def core_alone(service: ArchiveService, asked: list[str], k: int) -> list[float]:
    """BM25 alone: the question's terms (our tokenizer) and ``index.top``, as ``ask`` calls it."""
    index = service._require_index()
    out = []
    for question in asked:
        began = time.perf_counter()
        index.top(terms(question), k)
        out.append(time.perf_counter() - began)
    return out


async def floors(service: ArchiveService, asked: list[str]) -> list[float]:
    """Per question, what no faster quoting or ranking could remove: BM25 (``index.top``), the
    SQLite reads (the passages' terms, the texts to quote) and everything outside the search
    thread's call (parsing, the hop to the thread and back, the result objects)."""
    spent: dict[str, float] = defaultdict(float)
    undo: list[Callable[[], None]] = []

    def patch(owner: Any, name: str, key: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - began

        setattr(owner, name, timed)
        undo.append(lambda: setattr(owner, name, original))

    patch(service_module, "answer", "inside the search call")
    index = service._require_index()
    patch(index, "top", "fixed")
    undo.append(lambda: delattr(index, "top"))  # the instance's own, over the class's
    patch(SearchReader, "passage_terms", "fixed")
    patch(SearchReader, "quote_material", "fixed")
    out = []
    try:
        for question in asked:
            spent.clear()
            began = time.perf_counter()
            await service.ask(question)
            total = time.perf_counter() - began
            out.append(spent["fixed"] + total - spent["inside the search call"])
    finally:
        for step in reversed(undo):
            step()
    return out


def profile_quotes(captured: list[tuple[tuple, dict]], top: int = 14) -> list[dict[str, Any]]:
    """Replay the quoting phase of the captured questions under cProfile: where it spends."""
    profiler = cProfile.Profile()
    profiler.enable()
    for args, kwargs in captured:
        quote(*args, **kwargs)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    entry = [v for k, v in stats.stats.items() if k[2] == "select_results"]
    total = (entry[0][3] if entry else stats.total_tt) or 1.0
    rows = []
    for (file, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{Path(file).name}:{line}({name})",
                "calls_per_question": round(calls / max(len(captured), 1), 1),
                "self_share": round(tottime / total, 3),
                "cumulative_share": round(cumtime / total, 3),
            }
        )
    rows.sort(key=lambda r: -r["cumulative_share"])
    return rows[:top]


async def measure(db: Path, asked: list[str]) -> dict[str, Any]:
    # As the bot runs it (each answer in a worker process) and as the CLI does (on the
    # service's search thread, where the phases can be timed).
    bot = await ArchiveService.open(db, seed=[], answer_workers=DEFAULT_WORKERS)
    cli = await ArchiveService.open(db, seed=[], answer_workers=0)
    try:
        stats = await bot.stats()
        words = len(await bot.store.words())
        for question in asked[:WARMUP]:
            await bot.ask(question)
            await cli.ask(question)
        answered = [await bot.ask(q) for q in asked]
        found = sum(not a.abstained for a in answered)
        suggested = sum(bool(a.suggestions) for a in answered)
        ask_times: list[float] = []
        inline_times: list[float] = []
        for _ in range(REPEATS):
            ask_times += await one_at_a_time(bot, asked)
            inline_times += await one_at_a_time(cli, asked)
        burst = [await at_once(bot, asked[:AT_ONCE]) for _ in range(REPEATS)]
        burst_inline = [await at_once(cli, asked[:AT_ONCE]) for _ in range(REPEATS)]
        core: dict[str, list[float]] = {"top100": [], "top10": []}
        for _ in range(REPEATS):
            core["top100"] += core_alone(cli, asked, max(RERANK_DEPTH, 16))
            core["top10"] += core_alone(cli, asked, 10)
        with Phases(cli) as phases:
            began = time.perf_counter()
            await one_at_a_time(cli, asked)
            total = time.perf_counter() - began
        per_question = {k: v / len(asked) * 1000 for k, v in phases.spent.items()}
        per_question["rest (loop, threads, result objects)"] = total / len(asked) * 1000 - sum(
            per_question.values()
        )
        profile = profile_quotes(phases.captured)
        fixed: list[float] = []
        for _ in range(REPEATS):
            fixed += await floors(cli, asked)
    finally:
        await bot.close()
        await cli.close()
    ask = percentiles(ask_times)
    top = percentiles(core["top100"])
    return {
        "passages": stats.passages,
        "documents": stats.documents,
        "index_terms": stats.terms,
        "surface_words": words,
        "questions": len(asked),
        "answered": found,
        "with_suggestions": suggested,
        "ask": ask,
        "ask_inline": percentiles(inline_times),
        "bm25_top100": top,
        "bm25_top10": percentiles(core["top10"]),
        "ask_over_core_p50": round(ask["p50_ms"] / top["p50_ms"], 1),
        "at_once": {
            "questions": min(AT_ONCE, len(asked)),
            "seconds_runs": [round(s, 3) for s in burst],
            "seconds_median": round(statistics.median(burst), 3),
            "inline_seconds_median": round(statistics.median(burst_inline), 3),
        },
        "answer_workers": DEFAULT_WORKERS,
        "phases_ms_per_question": {k: round(v, 3) for k, v in per_question.items()},
        "not_quote_or_rank": percentiles(fixed),
        "quote_profile": profile,
    }


# --- output --------------------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores (shared with other work), "
        f"Python {machine['python']}. Command: `{report['command']}`. Bot: each answer in one "
        f"of {report['sizes'][0]['answer_workers']} worker process(es); CLI: on the service's "
        "search thread.",
        "",
        "| passages | ask p50 / p99 (ms), bot | ask p50 / p99 (ms), CLI "
        "| BM25 top-100 p50 / p99 (ms) | ask ÷ BM25 (p50, bot) "
        f"| {AT_ONCE} at once (s, median of {REPEATS}), bot / CLI | answered | with suggestions |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in report["sizes"]:
        ask, inline, burst = size["ask"], size["ask_inline"], size["at_once"]
        lines.append(
            f"| {size['passages']:,} | {ask['p50_ms']:.2f} / {ask['p99_ms']:.2f} "
            f"| {inline['p50_ms']:.2f} / {inline['p99_ms']:.2f} "
            f"| {size['bm25_top100']['p50_ms']:.2f} / {size['bm25_top100']['p99_ms']:.2f} "
            f"| {size['ask_over_core_p50']} "
            f"| {burst['seconds_median']} / {burst['inline_seconds_median']} "
            f"| {size['answered']}/{size['questions']} | {size['with_suggestions']} |"
        )
    for size in report["sizes"]:
        phases = size["phases_ms_per_question"]
        total = sum(phases.values())
        lines += [
            "",
            f"Where one `ask` spends its time at {size['passages']:,} passages "
            "(CLI, mean ms per question, one at a time):",
            "",
            "| phase | ms | share |",
            "|---|---:|---:|",
        ]
        for phase, ms in sorted(phases.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {phase} | {ms:.3f} | {ms / total:.0%} |")
        fixed = size.get("not_quote_or_rank")
        if fixed:
            lines += [
                "",
                "What no faster quoting or ranking could remove (BM25, the SQLite reads, and all "
                "outside the search thread's call: parsing, the hop, the result objects), per "
                f"question (CLI): p50 {fixed['p50_ms']:.2f} ms, p90 {fixed['p90_ms']:.2f} ms "
                f"(the whole `ask`: p50 {size['ask_inline']['p50_ms']:.2f} ms).",
            ]
        lines += [
            "",
            f"Inside the quoting phase (cProfile of {PROFILED} questions replayed; share of its "
            "time, cumulative):",
            "",
            "| function | calls per question | cumulative | self |",
            "|---|---:|---:|---:|",
        ]
        for row in size["quote_profile"]:
            lines.append(
                f"| `{row['function']}` | {row['calls_per_question']} "
                f"| {row['cumulative_share']:.0%} | {row['self_share']:.0%} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="passages, comma-separated"
    )
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "archive-bot-bench"))
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    maker = synthetic.PageMaker()
    sizes = []
    for size in (int(s) for s in args.sizes.split(",")):
        pages = round(size / PASSAGES_PER_PAGE)
        began = time.perf_counter()
        db = asyncio.run(built_store(cache, pages, maker))
        print(f"{size:,} passages: store ready in {time.perf_counter() - began:.0f} s", flush=True)
        asked = questions(maker, pages, args.questions)
        result = asyncio.run(measure(db, asked))
        print(json.dumps({k: v for k, v in result.items() if k != "quote_profile"}, indent=1))
        sizes.append(result)
    report = {
        "sizes": sizes,
        "machine": describe(),
        "command": "python benchmarks/bench_answer.py " + " ".join(sys.argv[1:]),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "answer.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "answer.md").write_text(table(report))
    print(table(report))


if __name__ == "__main__":
    main()
