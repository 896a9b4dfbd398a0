"""The same question gets the same answer in every process: Python salts string hashes per
process, so a score summed over a set of terms in set order could break ties differently after
a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import asyncio, json, sys
from retrieval import ArchiveService

async def main(db, questions):
    service = await ArchiveService.open(db, seed=[sys.argv[3]])
    try:
        out = []
        for q in questions:
            answer = await service.ask(q, 5)
            out.append([(r.citation.doc_id, r.citation.paragraphs, r.quote) for r in answer.results])
        print(json.dumps(out))
    finally:
        await service.close()

asyncio.run(main(sys.argv[1], json.loads(open(sys.argv[2]).read())))
"""


def test_answers_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    data = ROOT / "tests" / "data"
    questions = [q["q"] for q in json.loads((data / "seed_questions.json").read_text())]
    asked = tmp_path / "questions.json"
    asked.write_text(json.dumps(questions))
    outputs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                SCRIPT,
                str(tmp_path / f"{seed}.sqlite3"),
                str(asked),
                str(ROOT / "data"),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]
