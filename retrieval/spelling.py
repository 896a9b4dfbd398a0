"""Spelling suggestions from the index's own vocabulary, for words the index does not know."""

from __future__ import annotations

from collections import defaultdict


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or ``limit + 1`` when over limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


class Speller:
    """Closest known words to an unknown one (edit distance 1-2, then by how common they are)."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self._by_length: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for word, count in vocabulary.items():
            if word.isalpha():
                self._by_length[len(word)].append((word, count))

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """Up to ``limit`` known words close to ``word``, best first."""
        if len(word) < 4:
            return []  # too short to tell a typo from another word
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
