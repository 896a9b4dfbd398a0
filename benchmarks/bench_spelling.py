"""Spelling suggestions at a 150,000-word vocabulary: time per unknown word, build time, memory.

Three ways to find the known words within edit distance 1-2 (optimal string alignment) of an
unknown word that share its first or last letter, ordered by distance, then by how common:

- ``scan``: the code before issue 13: every known word of a near length, compared in Python;
- ``buckets``: rapidfuzz's C++ distance over the words of each near length that share the first
  or the last letter (a length-bucketed vocabulary);
- ``deletes``: ``retrieval.spelling.Speller``, a SymSpell-style delete dictionary.

The vocabulary: the bundled article's words and pseudo-words (``synthetic.vocabulary``) up to
150,000, counts drawn from a Zipf law; the unknown words: known words with one or two typos
(letters dropped, added, changed or swapped) and words the archive never uses. Checks that all
three give the same suggestions. Prints a table and writes
``benchmarks/results/spelling.{json,md}``.

    python benchmarks/bench_spelling.py
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402
import synthetic  # noqa: E402
from machine import describe  # noqa: E402
from rapidfuzz import process  # noqa: E402
from rapidfuzz.distance import OSA  # noqa: E402

from retrieval.spelling import Speller, edit_distance  # noqa: E402
from retrieval.text import surface_words  # noqa: E402

VOCABULARY = 150_000
UNKNOWN = 400
SCAN_SAMPLE = 40  # the scan takes a good part of a second a word: it answers a sample
REPEATS = 5
OFF_VOCABULARY = (
    "sourdough photosynthesis entanglement airspeed unladen influenza everest pizza topping "
    "programming breakfast velocity symptoms recommend novel fiction quantum swallow"
).split()


class ScanSpeller:
    """The speller before issue 13: a scan of every known word of a near length."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self._by_length: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for word, count in vocabulary.items():
            if word.isalpha():
                self._by_length[len(word)].append((word, count))

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        if len(word) < 4:
            return []
        max_distance = 1 if len(word) <= 5 else 2
        found: list[tuple[int, int, str]] = []
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            for candidate, count in self._by_length.get(length, ()):
                if candidate == word or (candidate[0] != word[0] and candidate[-1] != word[-1]):
                    continue
                distance = edit_distance(word, candidate, max_distance)
                if distance <= max_distance:
                    found.append((distance, -count, candidate))
        found.sort()
        return [w for _, _, w in found[:limit]]


class BucketSpeller:
    """rapidfuzz over the known words of each length that share the first or the last letter."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self._first: dict[tuple[int, str], list[str]] = defaultdict(list)
        self._last: dict[tuple[int, str], list[str]] = defaultdict(list)
        self._counts = {w: c for w, c in vocabulary.items() if w.isalpha()}
        for word in self._counts:
            self._first[len(word), word[0]].append(word)
            self._last[len(word), word[-1]].append(word)

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        if len(word) < 4:
            return []
        max_distance = 1 if len(word) <= 5 else 2
        found: dict[str, int] = {}
        for length in range(len(word) - max_distance, len(word) + max_distance + 1):
            for bucket in (self._first.get((length, word[0])), self._last.get((length, word[-1]))):
                for candidate, distance, _ in process.extract(
                    word, bucket or (), scorer=OSA.distance, score_cutoff=max_distance, limit=None
                ):
                    if candidate != word:
                        found[candidate] = distance
        ranked = sorted((d, -self._counts[w], w) for w, d in found.items())
        return [w for _, _, w in ranked[:limit]]


def vocabulary(size: int) -> dict[str, int]:
    """The bundled article's words, then pseudo-words, with Zipf counts (most common first)."""
    words = list(dict.fromkeys(surface_words(synthetic.SEED_ARTICLE.read_text(encoding="utf-8"))))
    seen = set(words)
    words += [w for w in synthetic.vocabulary(size) if w not in seen][: size - len(words)]
    counts = (1_000_000 / (np.arange(len(words)) + 20.0) ** 1.05).astype(int) + 1
    return dict(zip(words, counts.tolist(), strict=True))


def typo(rng: random.Random, word: str) -> str:
    """``word`` with one letter dropped, added, changed, or two neighbours swapped."""
    i = rng.randrange(len(word))
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + letter + word[i:]
    if kind == 2:
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :]


def unknown_words(known: dict[str, int], n: int) -> list[str]:
    """Typos of known words (one in two with a second typo) and words the archive never uses."""
    rng = random.Random(13)
    words = [w for w in known if len(w) >= 4]
    out = [w for w in OFF_VOCABULARY if w not in known]
    while len(out) < n:
        made = typo(rng, rng.choice(words))
        if rng.random() < 0.5:
            made = typo(rng, made)
        if made not in known and len(made) >= 4:
            out.append(made)
    rng.shuffle(out)
    return out


def measure(make: Callable[[], object], asked: list[str], repeats: int) -> dict:
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    speller = make()
    build = time.perf_counter() - began
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for word in asked[:10]:
        speller.suggest(word)  # warm-up
    times: list[float] = []
    answers = []
    for _ in range(repeats):
        answers = []
        for word in asked:
            began = time.perf_counter()
            answers.append(speller.suggest(word))
            times.append(time.perf_counter() - began)
    ms = np.asarray(times) * 1000
    return {
        "build_s": round(build, 3),
        "memory_mb": round(held / 2**20, 1),
        "build_peak_mb": round(peak / 2**20, 1),
        "words": len(asked),
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p99_ms": round(float(np.percentile(ms, 99)), 4),
        "mean_ms": round(float(ms.mean()), 4),
        "answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabulary", type=int, default=VOCABULARY)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    known = vocabulary(args.vocabulary)
    asked = unknown_words(known, UNKNOWN)
    results = {
        "scan": measure(lambda: ScanSpeller(known), asked[:SCAN_SAMPLE], 1),
        "buckets": measure(lambda: BucketSpeller(known), asked, REPEATS),
        "deletes": measure(lambda: Speller(known), asked, REPEATS),
    }
    same = {
        name: results[name]["answers"][:SCAN_SAMPLE] == results["scan"]["answers"]
        and results[name]["answers"] == results["deletes"]["answers"]
        for name in ("buckets", "deletes")
    }
    suggested = statistics.mean(bool(a) for a in results["deletes"]["answers"])
    for result in results.values():
        del result["answers"]
    report = {
        "vocabulary": len(known),
        "unknown_words": len(asked),
        "with_a_suggestion": round(suggested, 3),
        "same_suggestions_as_scan": same,
        "spellers": results,
        "delete_dictionary_mb": round(Speller(known).nbytes() / 2**20, 1),
        "machine": describe(),
        "command": "python benchmarks/bench_spelling.py " + " ".join(sys.argv[1:]),
    }
    machine = report["machine"]
    lines = [
        f"{len(known):,} known words, {len(asked)} unknown ones ({suggested:.0%} get a "
        f"suggestion); same suggestions as the scan: {same}. Machine: {machine['cpu']}, "
        f"{machine['cores']} cores (shared), Python {machine['python']}. "
        f"Command: `{report['command']}`",
        "",
        "| speller | per word p50 / p99 (ms) | build (s) | memory (MB) | build peak (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['p50_ms']:.3f} / {r['p99_ms']:.3f} | {r['build_s']} "
            f"| {r['memory_mb']} | {r['build_peak_mb']} |"
        )
    print("\n".join(lines))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "spelling.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "spelling.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
