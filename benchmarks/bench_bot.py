"""Load on the real bot through the Discord emulator: many users at once, and a reindex meanwhile.

Builds (once, cached by size) a synthetic archive of about ``--passages`` passages as JSONL, opens the
real service on it, runs the real bot against the loopback emulator from ``tests/e2e/emulator``,
then sends ``--users`` x ``--per-user`` /ask interactions within a few seconds and measures, per
interaction, the time to Discord's acknowledgement and to the visible answer, and the longest gap of
a 10 ms heartbeat task on the event loop (the emulator shares that loop, so its own work counts in
the gap too). Then an admin's /reindex of the corpus with 5% of the documents changed runs while
more questions arrive. Prints a table and writes ``benchmarks/results/bot_load.{json,md}``.

    python benchmarks/bench_bot.py                 # 100,000 passages, 50 users x 10 questions
    python benchmarks/bench_bot.py --quick         # a small smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from emulator import DiscordEmulator, Perm, run_client  # noqa: E402
from machine import describe  # noqa: E402  (this folder is on the path when run as a script)

from bot.client import ArchiveBot  # noqa: E402
from bot.settings import Settings  # noqa: E402
from retrieval import ArchiveService, bundled_corpus  # noqa: E402
from retrieval.workers import DEFAULT_WORKERS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SEED_TEXT = (bundled_corpus() / "000_3b9707020bd53a84.txt").read_text(encoding="utf-8")
QUESTIONS = [
    "Where did Deng Xiaoping become a communist?",
    "Who studied in Germany?",
    "How many foreign students were in the united states?",
    "What did Scalapino say about Nkrumah?",
    "prison labor aristocracy",
    "Who is the president of Brazil?",
    "migrant workers imperialist countries",
    "What is the brain drain?",
]


def synthetic_corpus(folder: Path, documents: int, seed: int, changed_share: float = 0.0) -> Path:
    """A folder of JSONL files (500 pages each) of ~2,000-word pages made of the seed article's
    sentences, shuffled, plus rare names; ``changed_share`` of the pages differ with ``seed``."""
    rng = random.Random(seed)
    sentences = [s.strip() + "." for s in SEED_TEXT.replace("\n", " ").split(". ") if len(s) > 40]
    path = folder / f"archive-{documents}-{seed}-{changed_share}"
    if path.exists():
        return path
    path.mkdir(parents=True)
    for first in range(0, documents, 500):
        _write_pages(
            path / f"pages{first:06d}.jsonl",
            range(first, min(first + 500, documents)),
            sentences,
            rng,
            seed,
            changed_share,
        )
    return path


def _write_pages(
    path: Path,
    numbers: range,
    sentences: list[str],
    rng: random.Random,
    seed: int,
    changed_share: float,
) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in numbers:
            doc_rng = random.Random(i * 7919 + (seed if rng.random() < changed_share else 0))
            paragraphs = []
            for _ in range(18):
                picked = doc_rng.sample(sentences, 4)
                picked.append(
                    f"Comrade Name{doc_rng.randrange(100_000)} wrote this in {1980 + i % 30}."
                )
                paragraphs.append(" ".join(picked))
            text = f"Page {i}\n\n" + "\n\n".join(paragraphs[:9]) + "\n\nSecond part\n\n"
            text += "\n\n".join(paragraphs[9:])
            url = f"https://www.prisoncensorship.info/archive/etext/bench/page{i}.html"
            out.write(json.dumps({"url": url, "title": f"Page {i}", "text": text}) + "\n")
    return path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def heartbeat(gaps: list[float], stop: asyncio.Event) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last - 0.01)
        last = now


async def burst(emu: DiscordEmulator, users: list, per_user: int, spread: float) -> dict:
    """Send every question, evenly over ``spread`` seconds; wait for every answer."""
    loop = asyncio.get_running_loop()
    records, started = [], []
    finished: dict[int, float] = {}
    total = per_user * len(users)

    async def watch() -> None:
        # One task looks at the unanswered interactions every 10 ms. A waiter for each would
        # poll on its own every 20 ms and be re-checked at every change of the emulator's
        # state: with 250 waiting, the harness took more of the shared process than the bot.
        deadline = loop.time() + 120
        while len(finished) < total and loop.time() < deadline:
            for i, record in enumerate(records):
                if i not in finished and record.final_message() is not None:
                    finished[i] = loop.time()
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    begin = loop.time()
    for round_ in range(per_user):
        for i, user in enumerate(users):
            delay = begin + spread * len(records) / total - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            question = QUESTIONS[(i + round_) % len(QUESTIONS)]
            started.append(loop.time())
            records.append(await emu.invoke_slash("ask", {"question": question}, user=user))
    dispatched = loop.time() - started[0]
    await watcher
    if len(finished) < total:
        raise TimeoutError(f"{total - len(finished)} of {total} questions got no answer in 120 s")
    answer_times = [finished[i] - s for i, s in enumerate(started)]
    acks = [r.latency for r in records]
    limited = sum("asking quickly" in (r.original.content or "") for r in records)
    return {
        "interactions": len(records),
        "dispatched_within_s": round(dispatched, 2),
        "acknowledged": sum(r.acknowledged for r in records),
        "acknowledged_within_3s": sum(a is not None and a < 3 for a in acks),
        "answered": sum(1 for r in records if r.original and not r.original.loading),
        "rate_limited_replies": limited,
        "ack_p50_ms": round(percentile(acks, 0.5) * 1000, 1),
        "ack_p99_ms": round(percentile(acks, 0.99) * 1000, 1),
        "answer_p50_ms": round(percentile(answer_times, 0.5) * 1000, 1),
        "answer_p99_ms": round(percentile(answer_times, 0.99) * 1000, 1),
        "answer_mean_ms": round(statistics.mean(answer_times) * 1000, 1),
    }


async def run(args: argparse.Namespace) -> dict:
    cache = Path(args.cache)
    documents = max(1, args.passages // 16 + 1)
    corpus = synthetic_corpus(cache / "corpus", documents, seed=1)
    changed = synthetic_corpus(cache / "corpus", documents, seed=2, changed_share=0.05)
    # The store is built from a copy of the corpus, which the /reindex finds 5% changed in place:
    # /reindex re-reads the folders the store was built from, and another folder with the same
    # pages would be read as copies of them, and merged, not as changes.
    live = cache / "corpus" / f"reindexed-{documents}"
    shutil.rmtree(live, ignore_errors=True)
    shutil.copytree(corpus, live)
    pristine = cache / f"bot-reindexed-{documents}.sqlite3"
    began = time.perf_counter()
    service = await ArchiveService.open(pristine, seed=[live])
    build_seconds = time.perf_counter() - began
    await service.close()
    # Work on a copy: the reindex below changes the database, the cached one stays as built.
    db = Path(tempfile.mkdtemp()) / "bot.sqlite3"
    shutil.copyfile(pristine, db)
    began = time.perf_counter()
    service = await ArchiveService.open(db, seed=[], answer_workers=DEFAULT_WORKERS)
    open_seconds = time.perf_counter() - began
    stats = await service.stats()
    print(
        f"corpus: {stats.documents:,} documents, {stats.passages:,} passages "
        f"(build or cache {build_seconds:.1f} s, cold open {open_seconds:.1f} s)"
    )
    report: dict = {
        "documents": stats.documents,
        "passages": stats.passages,
        "cold_open_seconds": round(open_seconds, 2),
        "answer_workers": DEFAULT_WORKERS,
    }
    async with DiscordEmulator(bot_name="Archive") as emu:
        admin = await emu.add_user("admin", permissions=Perm.MANAGE_GUILD)
        settings = Settings(
            token=emu.bot_token,
            db_path=db,
            sources=(live,),
            admin_user_ids=frozenset({admin.id}),
            dev_guild_id=emu.guild.id,
            rate_limit_questions=args.rate_limit,
            rate_limit_seconds=30,
        )
        bot = ArchiveBot(service, settings, connector=emu.connector(), guild_ready_timeout=0.05)
        async with run_client(emu, bot):
            users = [await emu.add_user(f"user{i}") for i in range(args.users)]
            gaps: list[float] = []
            stop = asyncio.Event()
            beat = asyncio.create_task(heartbeat(gaps, stop))
            report["questions"] = await burst(emu, users, args.per_user, args.spread)
            report["questions"]["loop_max_gap_ms"] = round(max(gaps) * 1000, 1)

            # Copying the changed corpus in place is no reindex: the heartbeat stops meanwhile
            # (a copy on the event loop held it 60 ms and was counted as the reindex's gap).
            stop.set()
            await beat
            await asyncio.to_thread(shutil.rmtree, live)
            await asyncio.to_thread(shutil.copytree, changed, live)
            gaps.clear()
            stop = asyncio.Event()
            beat = asyncio.create_task(heartbeat(gaps, stop))
            began = time.perf_counter()
            reindex = await emu.invoke_slash("reindex", {}, user=admin)
            more_users = [await emu.add_user(f"late{i}") for i in range(args.users)]
            during = await burst(emu, more_users, 2, args.spread)
            await emu.wait_for(
                lambda: not bot.service.reindexing and reindex.original and reindex.original.embeds,
                timeout=1800,
            )
            during["reindex_seconds"] = round(time.perf_counter() - began, 1)
            during["reindex_summary"] = reindex.original.embeds[0].get("description", "")
            during["loop_max_gap_ms"] = round(max(gaps) * 1000, 1)
            report["during_reindex"] = during
            stop.set()
            await beat
        report["discord_limit_violations"] = len(emu.validation_failures)
        report["unknown_routes"] = len(emu.unknown_routes)
    await service.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000, help="approximate corpus size")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--rate-limit", type=int, default=5, help="questions per user per 30 s")
    parser.add_argument(
        "--spread", type=float, default=3.0, help="seconds over which questions arrive"
    )
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "archive-bot-bench"))
    parser.add_argument("--quick", action="store_true", help="2,000 passages, 10 users x 3")
    args = parser.parse_args()
    if args.quick:
        args.passages, args.users, args.per_user = 2_000, 10, 3
    report = asyncio.run(run(args))
    report["machine"] = describe()
    report["command"] = "python benchmarks/bench_bot.py " + " ".join(sys.argv[1:])
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "bot_load_quick" if args.quick else "bot_load"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = _markdown(report)
    (RESULTS / f"{name}.md").write_text(table)
    print(table)


def _markdown(report: dict) -> str:
    q, r = report["questions"], report["during_reindex"]
    rows = [
        ("interactions", q["interactions"], r["interactions"]),
        ("sent within (s)", q["dispatched_within_s"], r["dispatched_within_s"]),
        ("acknowledged within 3 s", q["acknowledged_within_3s"], r["acknowledged_within_3s"]),
        ("answered", q["answered"], r["answered"]),
        ("of which rate-limit replies", q["rate_limited_replies"], r["rate_limited_replies"]),
        (
            "acknowledgement p50 / p99 (ms)",
            f"{q['ack_p50_ms']} / {q['ack_p99_ms']}",
            f"{r['ack_p50_ms']} / {r['ack_p99_ms']}",
        ),
        (
            "interaction to answer p50 / p99 (ms)",
            f"{q['answer_p50_ms']} / {q['answer_p99_ms']}",
            f"{r['answer_p50_ms']} / {r['answer_p99_ms']}",
        ),
        ("longest event-loop gap (ms)", q["loop_max_gap_ms"], r["loop_max_gap_ms"]),
    ]
    lines = [
        f"Corpus: {report['documents']:,} documents, {report['passages']:,} passages. "
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"Python {report['machine']['python']}. Answers in {report['answer_workers']} "
        "worker process(es), as the bot does.",
        "",
        "| | burst of questions | questions during /reindex |",
        "| --- | --- | --- |",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        f"Reindex took {r['reindex_seconds']} s: {r['reindex_summary'].splitlines()[0] if r['reindex_summary'] else ''}",
        f"Discord limit violations: {report['discord_limit_violations']}; "
        f"unknown routes: {report['unknown_routes']}.",
        f"Command: `{report['command']}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
