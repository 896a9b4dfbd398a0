"""Spelling suggestions from the index's own vocabulary, for words the index does not know.

A symmetric delete dictionary (SymSpell): each known word is filed under the strings it becomes
with up to two letters deleted, as 64-bit hashes in one sorted array. Two words within edit
distance d (optimal string alignment: substitutions, insertions, deletions and swaps of adjacent
letters) become the same string after at most d deletions from each, so an unknown word's own
deletions find every known word that close with a few binary searches; only those few are then
compared letter by letter: 0.1 ms a word at 150,000 words, where scanning the vocabulary took
40-60 ms (``benchmarks/bench_spelling.py``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import combinations

import numpy as np
from rapidfuzz.distance import OSA

# Suggestions are at most this far from the unknown word (words of 4-5 letters: 1).
MAX_DISTANCE = 2
_SHORTEST = 4  # too short to tell a typo from another word
# Longer words are compared one by one (there are few): they have too many deletion variants.
LONGEST_FILED = 20
_MASK = (1 << 64) - 1
_BASE = 0x9E3779B97F4A7C15  # odd multiplier of the positional hash (2**64 / golden ratio)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or ``limit + 1`` when over limit."""
    return OSA.distance(a, b, score_cutoff=limit)


def _allowed_distance(word: str) -> int:
    return 1 if len(word) <= 5 else MAX_DISTANCE


@lru_cache(maxsize=256)
def _deletions(length: int, deletes: int) -> tuple[np.ndarray, np.ndarray]:
    """For strings of ``length`` characters: a (length x variants) weight matrix and a length
    term, so that ``codes @ weights + term`` hashes every variant of a string with up to
    ``deletes`` characters deleted (the variant's k-th character weighs ``_BASE ** k``; a
    word with a doubled letter has some variants twice, which costs a little memory only)."""
    columns: list[list[int]] = []
    terms: list[int] = []
    for removed in range(min(deletes, length) + 1):
        for gone in combinations(range(length), removed):
            weights, power = [0] * length, 1
            for position in range(length):
                if position not in gone:
                    weights[position] = power
                    power = power * _BASE & _MASK
            columns.append(weights)
            terms.append(length - removed)
    matrix = np.ascontiguousarray(np.array(columns, dtype=np.uint64).T)
    return matrix, np.array(terms, dtype=np.uint64)


def _mixed(hashes: np.ndarray) -> np.ndarray:
    """``hashes`` with every bit mixed into the high ones (splitmix64's finaliser): entries keep
    only the high bits, which the positional sum of small code points hardly reaches."""
    x = hashes ^ (hashes >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = x ^ (x >> np.uint64(31))
    return mixed


def _codes(words: list[str], length: int) -> np.ndarray:
    """The code points of ``words`` (all of ``length`` characters) as a (words x length) matrix."""
    raw = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    return raw.reshape(len(words), length).astype(np.uint64)


class Speller:
    """Closest known words to an unknown one (edit distance 1-2, then by how common they are).

    A candidate must share the unknown word's first or last letter. Building it from a
    150,000-word vocabulary takes about a second and some 50 MB (8 bytes a deletion variant of a
    word); do it off the event loop. Words over ``LONGEST_FILED`` letters are not filed: an
    unknown word that long is compared with every known word of a near length.
    """

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        # Grouped by length in Python steps, not one list.sort: a build in a worker thread
        # must not hold the interpreter long (the event loop waits for it meanwhile).
        by_length: dict[int, list[str]] = {}
        for word in vocabulary:
            if word.isalpha() and len(word) >= _SHORTEST - 1:
                by_length.setdefault(len(word), []).append(word)
        known = [w for length in sorted(by_length) for w in by_length[length]]
        self._words = known
        self._counts = [vocabulary[w] for w in known]
        # One sorted array: each entry is a variant's hash (its high bits) and the word's id (the
        # low ``_id_bits``). Hashes that agree only by chance add a candidate, checked anyway.
        self._id_bits = max(len(known).bit_length(), 1)
        parts: list[np.ndarray] = []
        first = 0
        for length in sorted(by_length):
            last = first + len(by_length[length])
            if length <= LONGEST_FILED:
                # A word this short is only ever a candidate for a word one letter longer.
                deletes = MAX_DISTANCE if length >= _SHORTEST else 1
                weights, term = _deletions(length, deletes)
                hashes = _mixed(_codes(by_length[length], length) @ weights + term)
                ids = np.arange(first, last, dtype=np.uint64)[:, None]
                parts.append((self._prefix(hashes) | ids).ravel())
            first = last
        self._entries = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        del parts
        self._entries.sort()

    def _prefix(self, hashes: np.ndarray) -> np.ndarray:
        """The high bits of ``hashes``, where an entry keeps them."""
        return hashes >> np.uint64(self._id_bits) << np.uint64(self._id_bits)

    def nbytes(self) -> int:
        """Memory held by the delete dictionary (8 bytes a deletion variant of a word)."""
        return self._entries.nbytes

    def _candidates(self, word: str, distance: int) -> set[int]:
        """Ids of the known words that share a deletion variant with ``word``."""
        weights, term = _deletions(len(word), distance)
        low = np.unique(self._prefix(_mixed(_codes([word], len(word))[0] @ weights + term)))
        id_mask = (1 << self._id_bits) - 1
        # Both bounds of every variant in one call.
        bounds = np.searchsorted(self._entries, np.concatenate([low, low | np.uint64(id_mask)]))
        lo, hi = bounds[: len(low)], bounds[len(low) :]
        found: set[int] = set()
        for a, b in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist(), strict=True):
            found.update(e & id_mask for e in self._entries[a:b].tolist())
        return found

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """Up to ``limit`` known words close to ``word``, best first."""
        if len(word) < _SHORTEST or not self._words:
            return []
        max_distance = _allowed_distance(word)
        if len(word) + max_distance <= LONGEST_FILED:
            candidates: Iterable[int] = self._candidates(word, max_distance)
        else:
            candidates = range(
                bisect_left(self._words, len(word) - max_distance, key=len),
                bisect_right(self._words, len(word) + max_distance, key=len),
            )
        found: list[tuple[int, int, str]] = []
        for i in candidates:
            candidate = self._words[i]
            if candidate == word or abs(len(candidate) - len(word)) > max_distance:
                continue
            if candidate[0] != word[0] and candidate[-1] != word[-1]:
                continue
            distance = edit_distance(word, candidate, max_distance)
            if distance <= max_distance:
                found.append((distance, -self._counts[i], candidate))
        found.sort()
        return [w for _, _, w in found[:limit]]
