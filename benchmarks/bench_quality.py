"""Answer quality on real archive pages: the dev set in ``../shared/eval-dev/``, in process.

Ingests the dev set's pages (as the JSONL file, or as a ``wget --mirror`` folder generated from it),
asks every question for 5 results through :meth:`ArchiveService.ask`, and prints hit@1, hit@3,
MRR, quote@1, "not found" on unanswerable questions and false "not found" on answerable ones,
overall and by kind (definitions: ``../shared/eval-dev/README.md``). Beside it, the plain baseline
the issue measured: rank-bm25 over whole pages with our tokenizer (stemming and stop words).

    python benchmarks/bench_quality.py                    # JSONL and mirror, with the baseline
    python benchmarks/bench_quality.py --as jsonl --misses
    python benchmarks/bench_quality.py --sweep 0,0.2,0.3,0.4   # "not found" threshold table

Writes ``results/quality.json`` and ``results/quality.md``. The dev set is third-party text used
as a measuring fixture only: it is read where it is, never copied into this repository.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
DEFAULT_DEV = HERE.parent.parent / "shared" / "eval-dev"
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent))

from retrieval import ArchiveService  # noqa: E402
from retrieval.text import terms  # noqa: E402

SITE_HEADER = "this is an archive of the former website of the maoist internationalist movement"


def same_page(url: str | None) -> str:
    """A URL as the dev set compares them: no scheme, no ``www.``, no trailing ``/``, decoded."""
    return re.sub(r"^https?://(www\.)?", "", unquote(url or "")).rstrip("/")


def folded(text: str | None) -> str:
    """Text as the dev set compares quotes: NFKC, no ``**`` or ``\\``, spaces collapsed, lower."""
    text = unicodedata.normalize("NFKC", text or "").replace("**", "").replace("\\", "")
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Scores:
    """Counts behind the dev set's metrics."""

    answerable: int = 0
    unanswerable: int = 0
    hit1: int = 0
    hit3: int = 0
    reciprocal: float = 0.0
    quote1: int = 0
    abstained: int = 0
    false_abstained: int = 0
    site_furniture: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)

    def add(self, question: dict, urls: list[str], quote: str | None, abstained: bool) -> None:
        """Score one answer (``urls`` in result order, ``quote`` the first quote)."""
        self.site_furniture += SITE_HEADER in folded(quote)
        if question["gold_url"] is None:
            self.unanswerable += 1
            self.abstained += abstained
            if not abstained:
                self.misses.append({**question, "got": urls[:3]})
            return
        gold = same_page(question["gold_url"])
        pages = [] if abstained else [same_page(u) for u in urls]
        first = pages[:1] == [gold]
        self.answerable += 1
        self.hit1 += first
        self.hit3 += gold in pages[:3]
        self.reciprocal += 1 / (pages.index(gold) + 1) if gold in pages else 0.0
        quoted = first and folded(question["answer_phrase"]) in folded(quote)
        self.quote1 += quoted
        self.false_abstained += abstained
        kind = self.by_kind.setdefault(question["kind"], [0, 0, 0])
        kind[0] += 1
        kind[1] += first
        kind[2] += quoted
        if not quoted:
            got = "NOT FOUND" if abstained else pages[:3]
            self.misses.append({**question, "got": got, "quote": quote if first else None})

    def summary(self) -> dict[str, float]:
        """The metrics, rounded."""
        n = max(1, self.answerable)
        return {
            "hit@1": round(self.hit1 / n, 3),
            "hit@3": round(self.hit3 / n, 3),
            "mrr": round(self.reciprocal / n, 3),
            "quote@1": round(self.quote1 / n, 3),
            "not_found_unanswerable": round(self.abstained / max(1, self.unanswerable), 3),
            "false_not_found": round(self.false_abstained / n, 3),
            "quotes_with_site_header": self.site_furniture,
        }

    def kinds(self) -> dict[str, dict[str, float]]:
        """hit@1 and quote@1 by question kind."""
        return {
            k: {"n": v[0], "hit@1": round(v[1] / v[0], 3), "quote@1": round(v[2] / v[0], 3)}
            for k, v in sorted(self.by_kind.items())
        }


def load(dev: Path) -> tuple[list[dict], list[dict]]:
    """The dev set's pages and questions."""
    if not (dev / "pages.jsonl").is_file():
        raise SystemExit(f"no dev set at {dev} (expected pages.jsonl and questions.jsonl)")
    read = lambda name: [json.loads(x) for x in (dev / name).read_text("utf-8").splitlines() if x]  # noqa: E731
    return read("pages.jsonl"), read("questions.jsonl")


# --- the pages as a wget mirror ----------------------------------------------------------------

_NAMINGS = ("plain", "adjusted", "windows")


def mirror_path(url: str, naming: str) -> str:
    """Where ``wget --mirror`` saves ``url``: host folder, path, query in one of wget's forms.

    ``plain`` keeps ``?`` (``mn.php?issue=049``), ``adjusted`` adds ``.html``
    (``--adjust-extension``), ``windows`` writes ``@`` for ``?`` (``--restrict-file-names=windows``);
    a ``/`` inside the query is escaped as ``%2F`` as wget does.
    """
    parts = urlsplit(url)
    path = parts.path.lstrip("/") or "index.html"
    if path.endswith("/"):
        path += "index.html"
    name = f"{parts.netloc}/{path}"
    if parts.query:
        name += ("@" if naming == "windows" else "?") + unquote(parts.query).replace("/", "%2F")
    if naming == "adjusted" and not name.lower().endswith((".html", ".htm")):
        name += ".html"
    return name


def page_html(text: str) -> str:
    """A page's extracted text as the HTML a mirror holds: one ``<p>`` a paragraph."""
    from html import escape

    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = "\n".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f"<html><head><meta charset='utf-8'></head><body>\n{body}\n</body></html>\n"


def write_mirror(pages: Iterable[dict], root: Path) -> Path:
    """A ``wget --mirror`` style folder of ``pages`` under ``root``, wget's naming forms rotated."""
    for i, page in enumerate(pages):
        target = root / mirror_path(page["url"], _NAMINGS[i % len(_NAMINGS)])
        target.parent.mkdir(parents=True, exist_ok=True)
        is_text = urlsplit(page["url"]).path.lower().endswith(".txt")
        target.write_text(page["text"] if is_text else page_html(page["text"]), encoding="utf-8")
    return root


# --- runs ---------------------------------------------------------------------------------------


async def evaluate_service(service: ArchiveService, questions: list[dict], k: int = 5) -> Scores:
    """Ask every question through the service and score the answers."""
    scores = Scores()
    for question in questions:
        answer = await service.ask(question["question"], k)
        urls = [r.citation.url or "" for r in answer.results]
        quote = answer.results[0].quote if answer.results else None
        scores.add(question, urls, quote, answer.abstained or not answer.results)
    return scores


async def evaluate(source: Path, questions: list[dict], db: Path) -> tuple[Scores, dict]:
    """Ingest ``source`` into a fresh store at ``db`` and score the questions."""
    began = time.perf_counter()
    service = await ArchiveService.open(db, seed=[source])
    try:
        docs = await service.documents()
        ingest = {"documents": len(docs), "seconds": round(time.perf_counter() - began, 2)}
        began = time.perf_counter()
        scores = await evaluate_service(service, questions)
        ingest["ask_ms"] = round((time.perf_counter() - began) * 1000 / len(questions), 2)
        return scores, ingest
    finally:
        await service.close()


def plain_bm25(pages: list[dict], questions: list[dict]) -> Scores:
    """rank-bm25 over whole pages with our tokenizer: no chunks, no quotes, no "not found"."""
    from rank_bm25 import BM25Okapi

    by_url: dict[str, dict] = {}
    for page in pages:
        by_url.setdefault(same_page(page["url"]), page)
    urls = list(by_url)
    bm25 = BM25Okapi([terms(by_url[u]["text"]) for u in urls])
    scores = Scores()
    for question in questions:
        ranked = sorted(
            range(len(urls)), key=bm25.get_scores(terms(question["question"])).__getitem__
        )
        top = [urls[i] for i in reversed(ranked[-5:])]
        scores.add(question, top, None, False)
    return scores


async def sweep(source: Path, questions: list[dict], db: Path, thresholds: str) -> dict:
    """The metrics at each "not found" threshold (``retrieval.answer.EVIDENCE_THRESHOLD``)."""
    from retrieval import answer

    chosen = answer.EVIDENCE_THRESHOLD
    service = await ArchiveService.open(db, seed=[source])
    rows = {}
    try:
        for value in (float(t) for t in thresholds.split(",")):
            answer.EVIDENCE_THRESHOLD = value
            rows[f"threshold {value:g}"] = (await evaluate_service(service, questions)).summary()
    finally:
        answer.EVIDENCE_THRESHOLD = chosen
        await service.close()
    print(f'"not found" threshold sweep (the code uses {chosen:g}):')
    print(_table(rows))
    return rows


def _table(rows: dict[str, dict[str, float]]) -> str:
    cols = ["hit@1", "hit@3", "mrr", "quote@1", "not_found_unanswerable", "false_not_found"]
    lines = ["| run | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in rows.items():
        lines.append(f"| {name} | " + " | ".join(str(row.get(c, "–")) for c in cols) + " |")
    return "\n".join(lines)


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="the eval-dev folder")
    ap.add_argument("--as", dest="form", choices=("jsonl", "mirror", "both"), default="both")
    ap.add_argument("--misses", action="store_true", help="list the questions not quoted right")
    ap.add_argument("--no-baseline", action="store_true", help="skip plain rank-bm25")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--sweep", help="comma-separated 'not found' thresholds to measure on the JSONL ingest"
    )
    args = ap.parse_args()
    pages, questions = load(args.dev)
    rows: dict[str, dict] = {}
    report: dict[str, object] = {"pages": len(pages), "questions": len(questions)}
    if not args.no_baseline:
        rows["rank-bm25, whole pages (no quotes, no not-found)"] = plain_bm25(
            pages, questions
        ).summary()
    with tempfile.TemporaryDirectory() as tmp:
        forms = ("jsonl", "mirror") if args.form == "both" else (args.form,)
        for form in forms:
            source = args.dev / "pages.jsonl"
            if form == "mirror":
                source = write_mirror(pages, Path(tmp) / "mirror")
            scores, ingest = await evaluate(source, questions, Path(tmp) / f"{form}.sqlite3")
            rows[f"archive-bot ({form})"] = scores.summary()
            report[form] = {**scores.summary(), "kinds": scores.kinds(), **ingest}
            print(
                f"{form}: {ingest['documents']} documents, ingest {ingest['seconds']} s, "
                f"{ingest['ask_ms']} ms a question"
            )
            print(
                "  by kind: "
                + ", ".join(
                    f"{k} {v['hit@1']}/{v['quote@1']} (n={v['n']})"
                    for k, v in scores.kinds().items()
                )
            )
            if args.misses:
                for miss in scores.misses:
                    print(
                        f"  miss {miss['id']} [{miss['kind']}] {miss['question']}\n"
                        f"       got {miss['got']}\n       quote {miss.get('quote')!r}\n"
                        f"       want {miss.get('answer_phrase')!r}"
                    )
        if args.sweep:
            report["sweep"] = await sweep(
                args.dev / "pages.jsonl", questions, Path(tmp) / "sweep.sqlite3", args.sweep
            )
    print(_table(rows))
    report["table"] = rows
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "quality.md").write_text(_table(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
