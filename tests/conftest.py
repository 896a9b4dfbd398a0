"""Shared fixtures: a fresh store on a temp file, filled from the bundled corpus or a tiny one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from retrieval import ArchiveService

DATA = Path(__file__).parent / "data"


@pytest.fixture
async def seed_service(tmp_path: Path):
    """A service over the bundled seed article, on a fresh SQLite file."""
    service = await ArchiveService.open(tmp_path / "archive.sqlite3")
    yield service
    await service.close()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A folder with a .txt page (notes list), a .md file and a .jsonl of two pages."""
    root = tmp_path / "corpus"
    (root / "ms").mkdir(parents=True)
    (root / "ms" / "prisons.txt").write_text(
        "This is an archive of the former website of the Maoist Internationalist Movement, which "
        "was run by the now defunct Maoist Internationalist Party - Amerika.\n"
        "Maoist Internationalist Movement\n\n"
        "Prisons in Amerika\n\n"
        "The prison population of the united $tates grew every year.(1) Wimmin prisoners were "
        "counted separately. The growth of the prison population is a political question.[2]\n\n"
        "Control units\n\n"
        "Control units hold persyns in isolation for years. Lockdown is the rule there.(1)\n\n"
        "Notes:\n1. Bureau of Justice Statistics, 2004.\n2. MIM Notes 300.\n",
        encoding="utf-8",
    )
    (root / "guide.md").write_text(
        "# Reading guide\n\nStart with the theory of the labor aristocracy.\n\n"
        "## Further reading\n\nThen read about imperialism and the Third World.\n",
        encoding="utf-8",
    )
    lines = [
        {
            "url": "https://www.prisoncensorship.info/archive/etext/faq/whoweare.html",
            "title": "Who we are",
            "text": "Who we are\n\nMIM is a revolutionary communist party that upholds Marxism-"
            "Leninism-Maoism.\n\nWe were founded in 1983.",
        },
        {
            "id": "reviews/film",
            "text": "Film review\n\nThe film shows the life of a migrant worker.",
        },
    ]
    (root / "pages.jsonl").write_text(
        "\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8"
    )
    return root


@pytest.fixture
async def tiny_service(tmp_path: Path, tiny_corpus: Path):
    """A service whose store was seeded from the tiny corpus instead of the bundled one."""
    service = await ArchiveService.open(tmp_path / "tiny.sqlite3", seed=[tiny_corpus])
    yield service
    await service.close()


@pytest.fixture
async def pages_service(
    tmp_path: Path,
) -> AsyncIterator[Callable[[dict[str, str]], Awaitable[ArchiveService]]]:
    """Opens a service over pages given as file name -> text (closed after the test)."""
    opened: list[ArchiveService] = []

    async def open_pages(pages: dict[str, str]) -> ArchiveService:
        corpus = tmp_path / f"pages-{len(opened)}"
        corpus.mkdir()
        for name, text in pages.items():
            (corpus / name).write_text(text, encoding="utf-8")
        opened.append(await ArchiveService.open(corpus.with_suffix(".sqlite3"), seed=[corpus]))
        return opened[-1]

    yield open_pages
    for service in opened:
        await service.close()
