"""Spelling suggestions: the delete dictionary finds exactly what a scan of the vocabulary finds."""

from __future__ import annotations

import random
import threading

from hypothesis import given
from hypothesis import strategies as st

import retrieval.searcher as searcher
from retrieval import ArchiveService
from retrieval.spelling import Speller, edit_distance

LETTERS = "abcdeé"


def osa(a: str, b: str) -> int:
    """Optimal string alignment distance, written out (the reference)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def scan(vocabulary: dict[str, int], word: str, limit: int = 3) -> list[str]:
    """Every known word within reach, compared one by one (what the speller must agree with)."""
    if len(word) < 4:
        return []
    reach = 1 if len(word) <= 5 else 2
    found = sorted(
        (osa(word, known), -count, known)
        for known, count in vocabulary.items()
        if known.isalpha()
        and abs(len(known) - len(word)) <= reach
        and known != word
        and (known[0] == word[0] or known[-1] == word[-1])
        and osa(word, known) <= reach
    )
    return [w for _, _, w in found[:limit]]


@given(st.text(LETTERS, max_size=9), st.text(LETTERS, max_size=9), st.integers(0, 3))
def test_edit_distance_is_optimal_string_alignment(a: str, b: str, limit: int) -> None:
    assert edit_distance(a, b, limit) == min(osa(a, b), limit + 1)


def test_suggestions_are_those_of_a_scan_of_the_vocabulary() -> None:
    rng = random.Random(4)
    # A small alphabet: many words are near one another, doubled letters are common.
    vocabulary = {
        "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 11))): rng.randint(1, 50)
        for _ in range(3000)
    }
    # Words past the longest filed one are compared one by one: some on either side of it.
    for _ in range(300):
        vocabulary["".join(rng.choice(LETTERS[:3]) for _ in range(rng.randint(17, 24)))] = 2
    vocabulary |= {"deng": 3, "xiaoping": 9, "co-op": 4, "1917": 5}
    speller = Speller(vocabulary)
    words = list(vocabulary)
    asked = ["xiaopnig", "xiaoping", "deng", "dneg", "aaaaaaaa", "éééé", "abc", "", "a" * 900]
    for _ in range(400):
        word = list(rng.choice(words))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(word))
            kind = rng.randrange(4)
            if kind == 0 and len(word) > 1:
                del word[i]
            elif kind == 1:
                word.insert(i, rng.choice(LETTERS))
            elif kind == 2:
                word[i] = rng.choice(LETTERS)
            elif i + 1 < len(word):
                word[i], word[i + 1] = word[i + 1], word[i]
        asked.append("".join(word))
    suggested = []
    for word in asked:
        expected = scan(vocabulary, word)
        assert speller.suggest(word) == expected, word
        suggested += [word] if expected else []
    # The comparison is about real suggestions, not empty lists, long words included.
    assert len(suggested) > 200
    assert sum(len(w) >= 17 for w in suggested) > 30


def test_an_empty_vocabulary_suggests_nothing() -> None:
    assert Speller({}).suggest("xiaoping") == []
    assert Speller({"deng": 1}).nbytes() > 0


class _Watched(Speller):
    def __init__(self, vocabulary: dict[str, int]) -> None:
        super().__init__(vocabulary)
        self.threads: list[int] = []

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        self.threads.append(threading.get_ident())
        return super().suggest(word, limit)


async def test_ask_checks_spelling_off_the_event_loop(seed_service: ArchiveService) -> None:
    watched = _Watched(await seed_service.store.words())
    searcher._SPELLERS[seed_service._require_index()] = watched
    answer = await seed_service.ask("Where did Xiapnig study?")  # two slips: suggested
    assert "xiaoping" in answer.suggestions
    assert watched.threads
    assert threading.get_ident() not in watched.threads
    watched.threads.clear()
    await seed_service.ask("Where did Deng Xiaoping study?")  # every word known: no check
    assert watched.threads == []
