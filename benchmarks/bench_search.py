"""Search benchmark: our ``BM25Index`` beside ``rank_bm25.BM25Okapi`` and ``bm25s``.

Synthetic corpora (see ``synthetic.py``) of 10,000 / 100,000 / 1,000,000 passages. For each size and
engine a fresh subprocess builds the index and answers the questions, so that its peak memory is its
own; another loads the persisted index and answers one question (cold start). Every query goes
through our tokenizer (``retrieval.text.terms``) and asks for the top 10.

    python benchmarks/bench_search.py                  # all three sizes (about 15 minutes)
    python benchmarks/bench_search.py --sizes 100000   # one size
    python benchmarks/bench_search.py --quick          # small smoke run (results/search-quick.*)

Writes ``benchmarks/results/search.json`` and ``search.md``. See ``benchmarks/README.md`` for what
each number measures.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import synthetic  # noqa: E402

from retrieval.text import terms  # noqa: E402

ENGINES = ("ours", "bm25s", "rank_bm25")
SIZES = (10_000, 100_000, 1_000_000)
QUESTIONS = 400
REPEATS = 3  # passes over the questions (ours and bm25s); rank-bm25 answers a sample once
WARMUP = 10
K = 10
K1, B, EPSILON = 1.5, 0.75, 0.25
# rank-bm25 is slow (a Python loop over every passage per query term): it answers a sample.
RANK_BM25_SAMPLE = {10_000: 400, 100_000: 100, 1_000_000: 20}
# Pickling rank-bm25's million dicts takes minutes and gigabytes: no cold start beyond this.
RANK_BM25_COLD_MAX = 100_000


# --- measuring ---------------------------------------------------------------------------------


def rss_mb() -> float:
    """Resident set size now, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """The process's peak resident set size so far (getrusage), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS, so RSS shows what is kept."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class TimedIterator:
    """Wraps the corpus generator and counts the time spent producing passages (not indexing)."""

    def __init__(self, it: Iterator[Any]) -> None:
        self.it = it
        self.spent = 0.0

    def __iter__(self) -> TimedIterator:
        return self

    def __next__(self) -> Any:
        start = time.perf_counter()
        try:
            return next(self.it)
        finally:
            self.spent += time.perf_counter() - start


def latency_stats(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_ms": float(ms.mean()),
        "qps": float(1000 / ms.mean()),
    }


def sample_indices(questions: list[synthetic.Question], count: int) -> list[int]:
    """The first ``count / 2`` questions of each kind (rank-bm25 answers these)."""
    common = [i for i, q in enumerate(questions) if q.common][: count // 2]
    content = [i for i, q in enumerate(questions) if not q.common][: count - len(common)]
    return sorted(common + content)


# --- engines -----------------------------------------------------------------------------------


def build_ours(n: int, words: list[str]) -> tuple[Any, float, dict[str, Any]]:
    from retrieval.index.bm25 import BM25Index, BM25Params
    from retrieval.index.build import IndexBuilder

    builder = IndexBuilder(K1, B, EPSILON)
    spent = 0.0
    for chunk in synthetic.chunks(n):
        batch = synthetic.split(chunk, words)  # generating the passages is not timed
        start = time.perf_counter()
        builder.add(batch)
        spent += time.perf_counter() - start
        del batch
    start = time.perf_counter()
    index = BM25Index.from_builder(builder, None, BM25Params(K1, B, EPSILON))
    spent += time.perf_counter() - start
    return index, spent, {"array_mb": index.nbytes() / 2**20, "postings": len(index.rows)}


def search_ours(index: Any) -> Callable[[str], list[int]]:
    return lambda text: [row for row, _ in index.top(terms(text), K)]


def persist_ours(index: Any, folder: Path) -> None:
    for name, blob in index.to_blobs().items():
        (folder / name).write_bytes(blob)


def load_ours(folder: Path) -> Any:
    from retrieval.index.bm25 import BM25Index, BM25Params

    blobs = {path.name: path.read_bytes() for path in folder.iterdir()}
    return BM25Index.from_blobs(blobs, BM25Params(K1, B, EPSILON))


def build_bm25s(n: int, words: list[str]) -> tuple[Any, float, dict[str, Any]]:
    import bm25s

    # bm25s's own tokenizer hands it ids and a vocabulary: give it the same (shared int objects).
    ints = list(range(len(words)))
    ids: list[list[int]] = []
    for chunk in synthetic.chunks(n):
        ids.extend(synthetic.split(chunk, ints))
    corpus = bm25s.tokenization.Tokenized(ids=ids, vocab={w: i for i, w in enumerate(words)})
    input_mb = rss_mb()
    # "auto": bm25s's numba backend when numba is installed (its fastest), else numpy.
    retriever = bm25s.BM25(k1=K1, b=B, method="robertson", backend="auto")
    start = time.perf_counter()
    retriever.index(corpus, show_progress=False)
    spent = time.perf_counter() - start
    del corpus, ids
    arrays = sum(v.nbytes for v in retriever.scores.values() if isinstance(v, np.ndarray))
    return retriever, spent, {"array_mb": arrays / 2**20, "input_rss_mb": input_mb}


def search_bm25s(retriever: Any) -> Callable[[str], list[int]]:
    def search(text: str) -> list[int]:
        docs, scores = retriever.retrieve([terms(text)], k=K, show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    return search


def persist_bm25s(retriever: Any, folder: Path) -> None:
    retriever.save(str(folder))


def load_bm25s(folder: Path) -> Any:
    import bm25s

    return bm25s.BM25.load(str(folder))


def build_rank_bm25(n: int, words: list[str]) -> tuple[Any, float, dict[str, Any]]:
    from rank_bm25 import BM25Okapi

    passages = TimedIterator(synthetic.token_lists(n, words))
    start = time.perf_counter()
    model = BM25Okapi(passages, k1=K1, b=B, epsilon=EPSILON)
    return model, time.perf_counter() - start - passages.spent, {}


def search_rank_bm25(model: Any) -> Callable[[str], list[int]]:
    def search(text: str) -> list[int]:
        scores = model.get_scores(terms(text))
        best = np.argsort(-scores, kind="stable")[:K]
        return [int(r) for r in best if scores[r] > 0]

    return search


def persist_rank_bm25(model: Any, folder: Path) -> None:
    with open(folder / "model.pickle", "wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)


def load_rank_bm25(folder: Path) -> Any:
    with open(folder / "model.pickle", "rb") as f:
        return pickle.load(f)


BUILD = {"ours": build_ours, "bm25s": build_bm25s, "rank_bm25": build_rank_bm25}
SEARCH = {"ours": search_ours, "bm25s": search_bm25s, "rank_bm25": search_rank_bm25}
PERSIST = {"ours": persist_ours, "bm25s": persist_bm25s, "rank_bm25": persist_rank_bm25}
LOAD = {"ours": load_ours, "bm25s": load_bm25s, "rank_bm25": load_rank_bm25}


# --- workers (one subprocess each) -----------------------------------------------------------


def run_engine(engine: str, n: int, folder: Path, questions_count: int, repeats: int) -> dict:
    """Build, measure memory, answer the questions, persist; the result as a dict."""
    words = synthetic.vocabulary()
    questions = synthetic.questions(questions_count, n, words)
    sample = sample_indices(questions, min(RANK_BM25_SAMPLE.get(n, 400), questions_count))
    release_memory()
    base = rss_mb()
    model, build_s, extra = BUILD[engine](n, words)
    peak = peak_rss_mb()
    release_memory()
    result: dict[str, Any] = {
        "build_s": build_s,
        "baseline_rss_mb": base,
        "peak_rss_mb": peak,
        "retained_rss_mb": rss_mb() - base,
        **extra,
    }
    if "input_rss_mb" in extra:
        result["input_rss_mb"] = extra["input_rss_mb"] - base

    search = SEARCH[engine](model)
    order = sample if engine == "rank_bm25" else list(range(len(questions)))
    for i in order[:WARMUP]:
        search(questions[i].text)
    times: dict[int, list[float]] = {i: [] for i in order}
    top: dict[int, list[int]] = {}
    for _ in range(1 if engine == "rank_bm25" else repeats):
        for i in order:
            start = time.perf_counter()
            rows = search(questions[i].text)
            times[i].append(time.perf_counter() - start)
            top.setdefault(i, rows)
    result["latency"] = {
        kind: latency_stats([t for i in order if pick(questions[i]) for t in times[i]])
        for kind, pick in (
            ("common", lambda q: q.common),
            ("content", lambda q: not q.common),
            ("all", lambda q: True),
        )
    }
    result["sample_top"] = {str(i): top[i] for i in sample}
    if engine == "rank_bm25":
        result["agreement"] = agreement(model, questions, sample, folder)
    if engine != "rank_bm25" or n <= RANK_BM25_COLD_MAX:
        start = time.perf_counter()
        PERSIST[engine](model, folder)
        result["persist_s"] = time.perf_counter() - start
        result["disk_mb"] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    return result


def agreement(model: Any, questions: list, sample: list[int], folder: Path) -> dict[str, dict]:
    """Top-10 of each engine against rank-bm25's (run here, where rank-bm25's scores are)."""
    out = {}
    for engine in ("ours", "bm25s"):
        path = folder.parent / f"{engine}.json"
        if not path.exists():
            continue
        theirs = json.loads(path.read_text())["sample_top"]
        identical = overlap = 0.0
        for i in sample:
            scores = model.get_scores(terms(questions[i].text))
            ref = [int(r) for r in np.argsort(-scores, kind="stable")[:K] if scores[r] > 0]
            got = theirs[str(i)]
            identical += same_up_to_ties(got, ref, scores)
            overlap += len(set(got) & set(ref)) / len(ref) if ref else float(not got)
        out[engine] = {"n": len(sample), "identical": identical / len(sample)}
        out[engine]["overlap"] = overlap / len(sample)
    return out


def same_up_to_ties(ours: list[int], ref: list[int], scores: np.ndarray) -> bool:
    """The same scores in the same order, and the same passages above the last score."""
    if [round(scores[i], 9) for i in ours] != [round(scores[i], 9) for i in ref]:
        return False
    boundary = scores[ref[-1]] if ref else 0
    return {i for i in ours if scores[i] > boundary} == {i for i in ref if scores[i] > boundary}


def run_cold(engine: str, n: int, folder: Path) -> dict:
    """Load the persisted index and answer the first question: seconds from load to answer."""
    words = synthetic.vocabulary()
    text = synthetic.questions(1, n, words)[0].text
    start = time.perf_counter()
    model = LOAD[engine](folder)
    loaded = time.perf_counter()
    SEARCH[engine](model)(text)
    done = time.perf_counter()
    return {"load_s": loaded - start, "first_answer_s": done - loaded, "cold_start_s": done - start}


# --- driver ------------------------------------------------------------------------------------


def subprocess_json(args: list[str]) -> dict:
    """Run this script with ``args`` in a fresh interpreter and read the JSON it prints last."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict[str, Any]:
    import bm25s
    import rank_bm25  # noqa: F401

    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = None
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from importlib.metadata import version

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "bm25s": bm25s.__version__,
        "bm25s_backend": "numba" if numba_version else "numpy",  # what backend="auto" picks
        "numba": numba_version,
        "rank_bm25": version("rank-bm25"),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated passage counts (default: all three)")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--cold", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument(
        "--render", type=Path, help="only rewrite the .md next to this .json from its numbers"
    )
    args = parser.parse_args(argv)
    if args.render:
        args.render.with_suffix(".md").write_text(markdown(json.loads(args.render.read_text())))
        return 0
    if args.worker or args.cold:
        n = int(args.sizes)
        if args.worker:
            result = run_engine(args.worker, n, args.folder, args.questions, args.repeats)
        else:
            result = run_cold(args.cold, n, args.folder)
        print(json.dumps(result))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES)
    questions, repeats, stem = args.questions, args.repeats, "search"
    if args.quick:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [5_000]
        questions, repeats, stem = min(questions, 60), 1, "search-quick"
    engines = [e for e in args.engines.split(",") if e]
    engines.sort(key=ENGINES.index)  # rank-bm25 last: it compares the others' answers to its own
    report: dict[str, Any] = {
        "machine": machine(),
        "settings": {"questions": questions, "repeats": repeats, "k": K, "k1": K1, "b": B},
        "sizes": {},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        report["sizes"][str(n)] = {}
        work = Path(tempfile.mkdtemp(prefix=f"bench-search-{n}-"))
        try:
            for engine in engines:
                folder = work / engine
                folder.mkdir()
                started = time.perf_counter()
                common = ["--sizes", str(n), "--folder", str(folder)]
                options = ["--questions", str(questions), "--repeats", str(repeats)]
                result = subprocess_json(["--worker", engine, *common, *options])
                (work / f"{engine}.json").write_text(json.dumps(result))
                if "persist_s" in result:
                    result.update(subprocess_json(["--cold", engine, *common]))
                result.pop("sample_top", None)
                result["wall_s"] = time.perf_counter() - started
                report["sizes"][str(n)][engine] = result
                shutil.rmtree(folder)
                print(f"{n:>9,} {engine:<9} done in {result['wall_s']:.0f} s", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))
    return 0


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Search benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, "
        f"numpy {m['numpy']}, rank-bm25 {m['rank_bm25']}, bm25s {m['bm25s']} "
        f"({m['bm25s_backend']} backend{', numba ' + m['numba'] if m['numba'] else ''}).",
        f"{report['settings']['questions']} questions (half with a very common word), top "
        f"{report['settings']['k']}, our tokenizer included in every query; "
        "single thread, one query at a time. Generated by `benchmarks/bench_search.py`.",
        "",
        "## Query latency (ms) and throughput",
        "",
        "| passages | engine | common p50 | p95 | p99 | content p50 | p95 | p99 | all p50 | p99 "
        "| QPS | queries timed | top-10 = rank-bm25 | overlap |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, engines in report["sizes"].items():
        agree = engines.get("rank_bm25", {}).get("agreement", {})
        for engine, r in engines.items():
            lat = r["latency"]
            a = agree.get(
                engine, {"identical": 1.0, "overlap": 1.0} if engine == "rank_bm25" else {}
            )
            cells = [
                f"{int(n):,}",
                engine,
                *(f"{lat['common'][p]:.2f}" for p in ("p50_ms", "p95_ms", "p99_ms")),
                *(f"{lat['content'][p]:.2f}" for p in ("p50_ms", "p95_ms", "p99_ms")),
                f"{lat['all']['p50_ms']:.2f}",
                f"{lat['all']['p99_ms']:.2f}",
                f"{lat['all']['qps']:,.0f}",
                str(lat["all"]["n"]),
                f"{a['identical']:.0%}" if a else "",
                f"{a['overlap']:.0%}" if a else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Build, memory, cold start",
        "",
        "| passages | engine | build (s) | peak RSS (MB) | input held (MB) | retained (MB) "
        "| arrays (MB) | on disk (MB) | cold start (s) | load (s) | first answer (s) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, engines in report["sizes"].items():
        for engine, r in engines.items():

            def num(key: str, fmt: str = "{:,.0f}", r: dict = r) -> str:
                return fmt.format(r[key]) if key in r else "n/a"

            cells = [
                f"{int(n):,}",
                engine,
                num("build_s", "{:.1f}"),
                num("peak_rss_mb"),
                num("input_rss_mb") if "input_rss_mb" in r else "0 (streamed)",
                num("retained_rss_mb"),
                num("array_mb"),
                num("disk_mb"),
                num("cold_start_s", "{:.2f}"),
                num("load_s", "{:.2f}"),
                num("first_answer_s", "{:.3f}"),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *summary(report), ""]
    return "\n".join(lines)


def summary(report: dict[str, Any]) -> list[str]:
    out = []
    for n, engines in report["sizes"].items():
        ours = engines.get("ours")
        if not ours:
            continue
        o = ours["latency"]["all"]
        parts = []
        if "rank_bm25" in engines:
            ratio = o["qps"] / engines["rank_bm25"]["latency"]["all"]["qps"]
            parts.append(f"{ratio:,.0f}x rank-bm25's throughput")
        if "bm25s" in engines:
            b = engines["bm25s"]["latency"]["all"]
            parts.append(
                f"p50 {o['p50_ms']:.2f} ms against bm25s's {b['p50_ms']:.2f} ms, "
                f"p99 {o['p99_ms']:.2f} ms against {b['p99_ms']:.2f} ms"
            )
        if parts:
            out.append(f"- {int(n):,} passages: ours has " + "; ".join(parts) + ".")
    return out


if __name__ == "__main__":
    sys.exit(main())
