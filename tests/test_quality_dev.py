"""The dev set's figures must not fall back: real archive pages and questions, read from
``../shared/eval-dev`` (never copied here), ingested as JSONL and as a wget-style mirror."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_quality.py"
spec = importlib.util.spec_from_file_location("bench_quality", BENCH)
bench = importlib.util.module_from_spec(spec)
sys.modules.setdefault("bench_quality", bench)
spec.loader.exec_module(bench)

pytestmark = pytest.mark.skipif(
    not (bench.DEFAULT_DEV / "questions.jsonl").is_file(),
    reason=f"the dev set is not at {bench.DEFAULT_DEV} (a checkout with ../shared beside it has it)",
)

# A little under what benchmarks/bench_quality.py measures (README, "Answer quality").
FLOORS = {"hit@1": 0.86, "hit@3": 0.92, "quote@1": 0.62, "not_found_unanswerable": 0.5}
MAX_FALSE_NOT_FOUND = 0.05


@pytest.mark.parametrize("form", ["jsonl", "mirror"])
async def test_dev_set_figures_hold(tmp_path: Path, form: str) -> None:
    pages, questions = bench.load(bench.DEFAULT_DEV)
    source = bench.DEFAULT_DEV / "pages.jsonl"
    if form == "mirror":
        source = bench.write_mirror(pages, tmp_path / "mirror")
    scores, ingest = await bench.evaluate(source, questions, tmp_path / "dev.sqlite3")
    assert ingest["documents"] == 83  # 84 pages, one of them under two hosts
    summary = scores.summary()
    low = {k: (summary[k], floor) for k, floor in FLOORS.items() if summary[k] < floor}
    assert not low, f"below the floor: {low}"
    assert summary["false_not_found"] <= MAX_FALSE_NOT_FOUND, summary
    assert scores.site_furniture == 0  # no first quote holds the site header
