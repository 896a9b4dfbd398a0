"""Ingest speed and memory on a synthetic mirror of the archive (HTML pages in the archive's styles).

Generates (once, cached by size) a `wget --mirror`-like folder of ``--pages`` pages of about
``--words`` words: old HTML 3/4 markup with `<font>` tags and `<br><br>` paragraphs, Latin-1 bytes
without a charset declaration on a share of pages, the site's header paragraph and navigation links
on every page, section headings, footnote markers and notes lists in the archive's several forms.
Then runs `archive-bot ingest` on it in a fresh database (a separate process, so its peak memory
is measured: the largest process, and the ingest with its worker processes together; and the CPU
time, user + system, of all of them), and again: untouched (no file is read again), after
touching every file (new modification times, same bytes: each file is hashed, none parsed) and
after changing one page (only it is parsed). Prints a table and writes ``benchmarks/results/ingest.{json,md}``.

    python benchmarks/bench_ingest.py              # 10,000 pages of ~2,000 words
    python benchmarks/bench_ingest.py --pages 500  # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe  # this folder is on the path when run as a script

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SEED = ROOT / "data" / "000_3b9707020bd53a84.txt"

HEADER = (
    "This is an archive of the former website of the Maoist Internationalist Movement, which was "
    "run by the now defunct Maoist Internationalist Party - Amerika. The MIM now consists of many "
    "independent cells, many of which have their own indendendent organs both online and off. "
    "MIM(Prisons) serves these documents as a service to and reference for the anti-imperialist "
    "movement worldwide."
)
NAV = '<p><a href="../index.html">MIM home</a> | <a href="../faq/index.html">FAQ</a> | <a href="../mt/index.html">MIM Theory</a></p>'


def words_pool(rng: random.Random) -> list[str]:
    """The seed's words (Zipf-like as in real text) plus rarer made-up names."""
    base = [w for w in SEED.read_text(encoding="utf-8").split() if w.isalpha()]
    names = [
        f"{rng.choice('BDGKLMNPRSTZ')}{rng.choice('aeiou')}{rng.choice('nrlkmst')}{rng.choice('aeiou')}{n}"
        for n in range(5000)
    ]
    return base + names


def sentence(rng: random.Random, pool: list[str]) -> str:
    words = [rng.choice(pool) for _ in range(rng.randint(8, 28))]
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", "!"])


def page(rng: random.Random, pool: list[str], number: int, words: int) -> tuple[str, str]:
    """(html, encoding) of one page."""
    style = number % 3
    notes = rng.randint(0, 6)
    parts = [f"<p>{HEADER}</p>", "<p>Maoist Internationalist Movement</p>", NAV]
    title = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 7))).title()
    parts.append(f"<h1>{title}</h1>" if style else f"<p><font size=+2><b>{title}</b></font></p>")
    written = 0
    section = 0
    marker = 1
    while written < words:
        if written > (section + 1) * words / 4:
            section += 1
            heading = " ".join(rng.choice(pool) for _ in range(3)).title()
            parts.append(f"<h3>{heading}</h3>" if style else f"<p><b>{heading}</b></p>")
        sentences = [sentence(rng, pool) for _ in range(rng.randint(3, 7))]
        if notes and marker <= notes and rng.random() < 0.3:
            sentences[-1] += f"({marker})" if style != 1 else f"<sup>{marker}</sup>"
            marker += 1
        text = " ".join(sentences)
        written += len(text.split())
        parts.append(f"<p>{text}</p>" if style else f"{text}<br><br>")
    if notes:
        parts.append("<p><b>Notes:</b></p>")
        items = [f"{n}. {sentence(rng, pool)}" for n in range(1, notes + 1)]
        parts.append(
            "<ol>" + "".join(f"<li>{i.split('. ', 1)[1]}</li>" for i in items) + "</ol>"
            if style == 2
            else "<br>".join(items)
        )
    parts.append(NAV)
    encoding = "latin-1" if number % 5 == 0 else "utf-8"
    head = "<html><head>" + (f'<meta charset="{encoding}">' if number % 2 else "")
    head += f"<title>MIM: {title}</title></head><body bgcolor=white><font face=arial>"
    return head + "\n".join(parts) + "</font></body></html>", encoding


def make_mirror(folder: Path, pages: int, words: int) -> Path:
    root = folder / f"mirror-{pages}-{words}" / "www.prisoncensorship.info" / "archive" / "etext"
    if root.exists():
        return root.parents[2]
    rng = random.Random(1)
    pool = words_pool(rng)
    for number in range(pages):
        html, encoding = page(rng, pool, number, words)
        target = root / f"s{number % 40:02d}" / f"page{number:05d}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(html.encode(encoding, errors="replace"))
    return root.parents[2]


# Runs a command and prints the peak RSS of its process tree, so each run is measured alone: the
# largest single process (getrusage) and, sampled every 20 ms from /proc, the whole tree at once
# (the ingest process and its worker processes together), and the CPU time of the tree (user +
# system: on a shared machine it varies less than the wall time).
_MEASURE = """
import os, resource, subprocess, sys, time
def tree_kb(pid):
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            pass
    return total
child = subprocess.Popen(sys.argv[1:], stdout=sys.stderr)
peak = 0
while child.poll() is None:
    peak = max(peak, tree_kb(child.pid))
    time.sleep(0.02)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_maxrss, peak, usage.ru_utime + usage.ru_stime, child.returncode)
"""


def timed_ingest(db: Path, mirror: Path) -> dict:
    """Run `archive-bot ingest` in a child process: wall and CPU time, summary lines, peak RSS."""
    command = [sys.executable, "-m", "bot.cli", "--db", str(db), "ingest", str(mirror)]
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seconds = time.perf_counter() - began
    peak_kb, tree_kb, cpu, code = result.stdout.split()
    if code != "0":
        raise SystemExit(f"ingest failed:\n{result.stderr[-2000:]}")
    summary = [ln for ln in result.stderr.splitlines() if ln.startswith(("added", "index "))]
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(float(cpu), 1),
        "peak_rss_mb": round(int(peak_kb) / 1024, 1),
        "peak_tree_rss_mb": round(int(tree_kb) / 1024, 1),
        "summary": summary,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=2_000)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "archive-bot-bench"))
    args = parser.parse_args()
    began = time.perf_counter()
    mirror = make_mirror(Path(args.cache), args.pages, args.words)
    generated = time.perf_counter() - began
    size = sum(f.stat().st_size for f in mirror.rglob("*.html"))
    print(f"mirror: {args.pages:,} pages, {size / 1e6:.0f} MB (generated in {generated:.0f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        # A new store: the first command also ingests the bundled article (a few ms).
        first = timed_ingest(db, mirror)
        print(f"first ingest: {first}")
        db_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
        again = timed_ingest(db, mirror)
        print(f"unchanged re-ingest: {again}")
        pages = sorted(mirror.rglob("*.html"))
        for file in pages:
            os.utime(file)
        touched = timed_ingest(db, mirror)
        print(f"re-ingest after touching every file: {touched}")
        original = pages[len(pages) // 2].read_bytes()
        pages[len(pages) // 2].write_bytes(original.replace(b"</body>", b"<p>One more.</p></body>"))
        one = timed_ingest(db, mirror)
        print(f"re-ingest with one page changed: {one}")
        pages[len(pages) // 2].write_bytes(original)  # the cached mirror stays as generated
    report = {
        "pages": args.pages,
        "words_per_page": args.words,
        "mirror_mb": round(size / 1e6, 1),
        "first_ingest": first,
        "unchanged_reingest": again,
        "touched_reingest": touched,
        "one_changed_reingest": one,
        "database_mb": round(db_mb, 1),
        "machine": describe(),
        "command": "python benchmarks/bench_ingest.py " + " ".join(sys.argv[1:]),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(report, indent=2) + "\n")
    table = "\n".join(
        [
            f"Mirror: {args.pages:,} HTML pages of ~{args.words:,} words ({report['mirror_mb']} MB). "
            f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
            f"Python {report['machine']['python']}.",
            "",
            "| run | wall time (s) | CPU time (s) | peak memory, largest process (MB) | peak memory, all processes (MB) | result |",
            "| --- | --- | --- | --- | --- | --- |",
            *(
                f"| {name} | {run['seconds']} | {run['cpu_seconds']} | {run['peak_rss_mb']} "
                f"| {run['peak_tree_rss_mb']} "
                f"| {' / '.join(run['summary'])} |"
                for name, run in (
                    ("first ingest", first),
                    ("unchanged re-ingest", again),
                    ("every file touched (same bytes)", touched),
                    ("one page changed", one),
                )
            ),
            "",
            f"Database after the first ingest: {report['database_mb']} MB. "
            f"Command: `{report['command']}`",
            "",
        ]
    )
    (RESULTS / "ingest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
