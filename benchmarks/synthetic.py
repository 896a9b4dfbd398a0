"""Synthetic corpora and questions for the search benchmark (fixed seed, no downloads).

Passages are streams of index terms: pseudo-words that our tokenizer maps to themselves, drawn from
a Zipf-Mandelbrot law over the vocabulary (the head behaves like the content words left after stop
words, the tail like names and rare words), mixed with a few "topic" words per passage so that terms
repeat within a passage as they do in real text. Questions are written as text with stop words and
go through ``retrieval.text.terms`` like a user's question.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter
from pathlib import Path
from typing import TypeVar

import numpy as np

from retrieval.text import is_stop_word, terms

SEED = 20240611
VOCABULARY = 60_000
MEAN_LENGTH = 150
ZIPF_S = 1.05
# Mandelbrot offset: the head is flatter, as content words are once stop words are gone.
ZIPF_Q = 20.0
TOPIC_SHARE = 0.25  # share of a passage's tokens drawn from its own handful of topic words
TOPIC_WORDS = 8
COMMON_RANKS = 12  # the very common words (each in roughly a third to two thirds of passages)

T = TypeVar("T")

_ONSETS = "b c d f g h j k l m n p r s t v z br dr gr kr pl st tr".split()
_VOWELS = "a e i o u".split()


def vocabulary(size: int = VOCABULARY, seed: int = SEED) -> list[str]:
    """Distinct pseudo-words that ``terms`` keeps as they are (no stop word, stemmer fixed point)."""
    rng = np.random.default_rng(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        syllables = rng.integers(2, 5)
        word = "".join(
            _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
            for _ in range(syllables)
        )
        word += "nrlmx"[rng.integers(5)]
        if word not in seen and terms(word) == [word]:
            seen.add(word)
            words.append(word)
    return words


_TABLE_BITS = 22


def _zipf_table(size: int) -> np.ndarray:
    """Inverse CDF of the Zipf-Mandelbrot law on 2**22 equal steps: one lookup per draw."""
    weights = 1.0 / (np.arange(size, dtype=np.float64) + 1 + ZIPF_Q) ** ZIPF_S
    cdf = np.cumsum(weights)
    steps = (np.arange(1 << _TABLE_BITS) + 0.5) / (1 << _TABLE_BITS)
    return np.minimum(np.searchsorted(cdf / cdf[-1], steps), size - 1).astype(np.int32)


def _draw(rng: np.random.Generator, table: np.ndarray, n: int) -> np.ndarray:
    return table[rng.integers(0, len(table), n)]


@dataclass(frozen=True)
class Chunk:
    """Passages ``start .. start + len(lengths)`` as term ids (ranks: 0 is the most common word)."""

    start: int
    lengths: np.ndarray
    ids: np.ndarray


def chunks(n: int, chunk: int = 20_000, seed: int = SEED) -> Iterator[Chunk]:
    """The corpus of ``n`` passages, deterministic for a seed, in chunks of term ids."""
    cdf = _zipf_table(VOCABULARY)
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        rng = np.random.default_rng([seed, start])
        lengths = np.clip(rng.normal(MEAN_LENGTH, 35, count), 30, 400).astype(np.int64)
        total = int(lengths.sum())
        ids = _draw(rng, cdf, total)
        # Topic words: each passage repeats a few words of its own (mostly mid-frequency ones).
        topics = _draw(rng, cdf, count * TOPIC_WORDS).reshape(count, TOPIC_WORDS)
        owner = np.repeat(np.arange(count), lengths)
        from_topic = rng.random(total) < TOPIC_SHARE
        pick = rng.integers(0, TOPIC_WORDS, total)
        ids[from_topic] = topics[owner[from_topic], pick[from_topic]]
        yield Chunk(start, lengths, ids)


def split(c: Chunk, items: Sequence[T]) -> list[list[T]]:
    """A chunk's passages as lists of ``items[id]`` (shared objects: none is made per token)."""
    tokens = itemgetter(*c.ids.tolist())(items) if len(c.ids) > 1 else [items[i] for i in c.ids]
    offsets = np.concatenate([[0], np.cumsum(c.lengths)]).tolist()
    return [list(tokens[a:b]) for a, b in pairwise(offsets)]


def token_lists(n: int, words: list[str], seed: int = SEED) -> Iterator[list[str]]:
    """The corpus as lists of strings, passage by passage."""
    for c in chunks(n, seed=seed):
        yield from split(c, words)


_FILLERS = (
    "what did {} say about {}",
    "where was {} and {}",
    "how many {} were in {}",
    "why did the {} oppose {}",
    "who wrote about {} and the {}",
    "when was {} in {}",
)


@dataclass(frozen=True)
class Question:
    """A question as typed, and whether it contains one of the very common words."""

    text: str
    common: bool


def questions(n: int, passages: int, words: list[str], seed: int = SEED) -> list[Question]:
    """``n`` questions of 2-8 words about passages of the corpus; half with a very common word."""
    rng = np.random.default_rng([seed, 7])
    picked = rng.integers(0, passages, n)
    by_chunk: dict[int, list[int]] = {}
    for row in picked.tolist():
        by_chunk.setdefault(row // 20_000 * 20_000, []).append(row)
    wanted: dict[int, np.ndarray] = {}
    for c in chunks(passages, seed=seed):
        for row in by_chunk.get(c.start, ()):
            offsets = np.concatenate([[0], np.cumsum(c.lengths)])
            local = row - c.start
            wanted[row] = c.ids[offsets[local] : offsets[local + 1]]
        if len(wanted) == len(by_chunk) and all(r in wanted for r in picked.tolist()):
            break
    out: list[Question] = []
    for i, row in enumerate(picked.tolist()):
        common = i % 2 == 0
        content = np.unique(wanted[row][wanted[row] >= COMMON_RANKS * 10])
        size = int(rng.integers(2, 9))
        n_common = min(size - 1, int(rng.integers(1, 3))) if common else 0
        chosen = rng.choice(content, min(size - n_common, len(content)), replace=False).tolist()
        chosen += rng.integers(0, COMMON_RANKS, n_common).tolist()
        rng.shuffle(chosen)
        names = [words[t] for t in chosen]
        half = max(1, len(names) // 2)
        text = _FILLERS[i % len(_FILLERS)].format(" ".join(names[:half]), " ".join(names[half:]))
        out.append(Question(text.strip() + "?", common))
    return out


# --- archive-like pages (for benchmarks of the whole answer) -----------------------------------

SEED_ARTICLE = Path(__file__).resolve().parents[1] / "data" / "000_3b9707020bd53a84.txt"
PAGE_VOCABULARY = 150_000  # distinct pseudo-words pages draw from (the archive's is about as big)
SWAP_SHARE = 0.6  # share of the seed's content words replaced by a Zipf-drawn pseudo-word
NAME_SWAP_SHARE = 0.3  # the same for capitalised words (names) inside a sentence
PARAGRAPHS = 18
SENTENCES_PER_PARAGRAPH = 4
PAGE_URL = "https://www.prisoncensorship.info/archive/etext/bench/{part}/page{number}.html"
_WORD_AND_TAIL = re.compile(r"^([A-Za-z]+)([^A-Za-z]*)$")
_TEMPLATES = (
    "what did {} say about {}?",
    "where was {} and {}?",
    "how many {} were in {}?",
    "why did the {} oppose {}?",
    "who wrote about {} and the {}?",
    "when was {} in {}?",
    "{} {}",
    "tell me about {} {}",
)


@dataclass(frozen=True)
class Page:
    """One synthetic archive page: title, URL, paragraphs (a section heading among them)."""

    number: int
    title: str
    url: str
    paragraphs: tuple[str, ...]

    def record(self) -> dict[str, str]:
        """The page as a JSONL record (what ``archive-bot ingest`` reads)."""
        return {"url": self.url, "title": self.title, "text": "\n\n".join(self.paragraphs)}


class PageMaker:
    """Archive-like pages: the bundled article's sentences (real phrasing, stop words, numbers,
    footnote markers), shuffled, with most content words swapped for Zipf-drawn pseudo-words of a
    large vocabulary, so that posting lists and the surface vocabulary grow as in a big archive.
    Page ``n`` is the same for a seed whatever else is made."""

    def __init__(self, seed: int = SEED, size: int = PAGE_VOCABULARY) -> None:
        self.seed = seed
        self.words = vocabulary(size, seed)
        self._table = _zipf_table(size)
        text = SEED_ARTICLE.read_text(encoding="utf-8").replace("\n", " ")
        self.sentences = [
            s.strip() + "." for s in text.split(". ") if len(s) > 40 and "Maoist" not in s
        ]
        self._tokens = [s.split() for s in self.sentences]

    def _swap(self, token: str, first: bool, rng: random.Random, draw: Iterator[int]) -> str:
        match = _WORD_AND_TAIL.match(token)
        if match is None:
            return token
        word, tail = match.groups()
        if word.islower() and not is_stop_word(word):
            return self.words[next(draw)] + tail if rng.random() < SWAP_SHARE else token
        name = word[0].isupper() and word[1:].islower() and not first
        if name and rng.random() < NAME_SWAP_SHARE:
            return self.words[next(draw)].capitalize() + tail
        return token

    def page(self, number: int) -> Page:
        """Page ``number``."""
        rng = random.Random(self.seed * 1_000_003 + number)
        ids = np.random.default_rng([self.seed, number, 1])
        draw = iter(_draw(ids, self._table, 4096).tolist())
        made = []
        for _ in range(PARAGRAPHS):
            sentences = []
            for tokens in rng.sample(self._tokens, SENTENCES_PER_PARAGRAPH):
                sentences.append(
                    " ".join(self._swap(t, i == 0, rng, draw) for i, t in enumerate(tokens))
                )
            name = self.words[next(draw)].capitalize()
            sentences.append(f"Comrade {name} wrote this in {1970 + rng.randrange(40)}.")
            made.append(" ".join(sentences))
        title = " ".join(self.words[next(draw)] for _ in range(rng.randint(2, 5))).title()
        heading = " ".join(self.words[next(draw)] for _ in range(rng.randint(2, 3))).title()
        half = PARAGRAPHS // 2
        paragraphs = (title, *made[:half], heading, *made[half:])
        url = PAGE_URL.format(part=f"p{number % 40:02d}", number=number)
        return Page(number, title, url, paragraphs)

    def questions(self, n: int, pages: int, typo_share: float = 0.2) -> list[str]:
        """``n`` questions about random pages of the first ``pages``: 2-5 words of one of their
        sentences, written as a chat question (templates with stop words); ``typo_share`` of
        them with a typo in one word (an unknown word: spelling suggestions are asked for)."""
        rng = random.Random(self.seed + 7)
        out: list[str] = []
        while len(out) < n:
            paragraph = rng.choice(self.page(rng.randrange(pages)).paragraphs[1:])
            sentence = rng.choice(paragraph.split(". "))
            picked = [w for w in re.findall(r"[A-Za-z]+", sentence) if terms(w)]
            if len(picked) < 2:
                continue
            chosen = rng.sample(picked, min(len(picked), rng.randint(2, 5)))
            if rng.random() < typo_share:
                long = [i for i, w in enumerate(chosen) if len(w) >= 6]
                if long:
                    i = rng.choice(long)
                    j = rng.randrange(1, len(chosen[i]) - 2)
                    w = chosen[i]
                    chosen[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # two letters swapped
            half = max(1, len(chosen) // 2)
            template = _TEMPLATES[len(out) % len(_TEMPLATES)]
            out.append(template.format(" ".join(chosen[:half]), " ".join(chosen[half:])))
        return out
