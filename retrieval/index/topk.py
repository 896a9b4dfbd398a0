"""Exact top-k over a :class:`~retrieval.index.bm25.BM25Index` without scoring every passage.

MaxScore (Turtle and Flood; as in Lucene and PISA) with block-max skipping, done a list at a time
with numpy, since per-passage loops in Python would cost more than they save:

1. Seed: score exactly the champions (each term's best passages); the k-th best of those scores,
   ``theta``, is a lower bound of the final k-th best score. So is what the block maxima of a
   long list tell of its k-th best contribution (the floor), which matters when k is larger
   than the champions are many.
2. Split: the non-essential terms are those with the most postings in all whose largest
   contributions ``ub`` add up to less than ``theta``: a passage with only those cannot reach the
   top k.
3. Gather: only passages in an essential list can. The essential lists (and the non-essential ones
   no longer than them) are accumulated, as one-byte impact bounds in float32, into a per-thread
   scratch array (cleared by list, or whole when that is cheaper); the passages of the essential
   lists whose bound, plus the ``ub`` of the terms not accumulated, reaches ``theta`` are the
   candidates. A very long essential list is not accumulated when few of its blocks reach its
   own threshold: its passages outside every accumulated list are gathered by that threshold,
   skipping whole blocks on their block maximum.
4. Score in batches, best bound first: score a batch exactly, raise ``theta`` to the k-th best
   score so far, drop the candidates whose bound fell below it. While many candidates are left,
   first tighten their bounds with a loose term's contribution to each (see
   :mod:`retrieval.index.postings` for the lookups).

Steps 2-4 are a pass over the passages of some lists. Words in nearly every passage (whose IDF
rank-bm25 floors, so that they may weigh as much as a fairly rare word) have dense arrays: when
one is essential, a first pass gathers only the other lists, the dense terms looked up in its
candidates; that raises ``theta``, usually above what a passage with only dense terms can score,
and their lists are then never read. Otherwise a second pass considers the passages of none of
the first pass's lists. Scores are computed in query order exactly as rank-bm25 does, and every
bound is padded for rounding, so that it can only keep a candidate more, never drop one: the
result is exact, not approximate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .build import BLOCK, QUANT_LEVELS
from .postings import Postings, exact_scores, impacts_at

SLACK = 1e-9
# Score the allowed rows directly when they are few next to the postings the query would read.
_DIRECT_SHARE = 0.25
_FIRST_BATCH = 64
# Non-essential lists up to this many times the essential postings (plus the minimum) are
# accumulated for tighter bounds rather than bounded by their largest contribution.
_ACCUMULATE_RATIO = 2
_ACCUMULATE_MIN = 16384
# An essential list of at least this many postings is scanned above a threshold rather than
# accumulated when at most 1 / _HUGE_SHARE of its blocks reach the threshold.
_HUGE_MIN = 65536
_HUGE_SHARE = 8
# Bounds are refined by lookups while more than this many batches of candidates are left.
_REFINE_AT = 4
_BATCH_GROWTH = 4
# When more postings than 1 / _CLEAR_SHARE of the passages are accumulated, clear the whole array.
_CLEAR_SHARE = 8
# When the essential lists hold this many postings, a probe first reads about 1 / _PROBE_SHARE of
# each list (its highest impacts) to raise theta: the split after it leaves more non-essential.
_PROBE_MIN = 65536
_PROBE_SHARE = 16
# Up to this many distinct terms, the split weighs every subset of them.
_SPLIT_EXACT = 10


def top_k(
    index: Postings, query: list[int], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    """The ``k`` best (row, score) with a positive score, best first, ties by lower row."""
    if k <= 0 or not query:
        return []
    uniq = list(dict.fromkeys(query))
    indptr = index.indptr
    if allowed is not None:
        allowed = np.unique(np.asarray(allowed, dtype=np.int32))
        df = sum(int(indptr[t + 1] - indptr[t]) for t in uniq)
        if len(allowed) <= _DIRECT_SHARE * df + 4096:
            return _select(allowed, exact_scores(index, allowed, query, uniq), k)
    if (index.idf[uniq] < 0).any():
        # A negative IDF (rank-bm25's floor goes negative only on odd tiny corpora) breaks the
        # bounds, which assume that no term lowers a score: score everything.
        return _dense_top(index, query, k, allowed)
    search = _Search.of(index, query, uniq, k, allowed)
    _seed(search)
    terms = uniq
    while terms:
        terms = _pass(search, terms)
    return _select(np.concatenate(search.pool_rows), np.concatenate(search.pool_scores), k)


@dataclass(slots=True)
class _Search:
    """One query across the phases: what is asked, each term's ``ub`` and list length, and the
    pool of passages scored exactly so far, whose k-th best score is ``theta``."""

    index: Postings
    query: list[int]
    uniq: list[int]
    k: int
    mask: np.ndarray | None  # the allowed rows, when the search is narrowed
    ub: dict[int, float]
    df: dict[int, int]
    pool_rows: list[np.ndarray] = field(default_factory=list)
    pool_scores: list[np.ndarray] = field(default_factory=list)
    floor: float = 0.0  # a lower bound of the k-th best score known without scoring
    theta: float = 0.0

    @classmethod
    def of(
        cls,
        index: Postings,
        query: list[int],
        uniq: list[int],
        k: int,
        allowed: np.ndarray | None,
    ) -> _Search:
        mask = None
        if allowed is not None:
            mask = np.zeros(index.size, dtype=bool)
            mask[allowed] = True
        indptr = index.indptr
        ub = {t: float(index.max_contrib[t]) * query.count(t) for t in uniq}
        df = {t: int(indptr[t + 1] - indptr[t]) for t in uniq}
        return cls(index, query, uniq, k, mask, ub, df)

    def score(self, rows: np.ndarray) -> None:
        """Score ``rows`` (distinct, not scored before) exactly; raise ``theta``."""
        self.pool_rows.append(rows)
        self.pool_scores.append(exact_scores(self.index, rows, self.query, self.uniq))
        self.theta = max(_kth(np.concatenate(self.pool_scores), self.k), self.floor)


@dataclass(slots=True)
class _Candidates:
    """What phase 3 gathers: candidate rows, their upper bounds and which list found each (-1:
    the accumulated lists, i: ``huge[i]``), and the terms whose ``ub`` the bounds still hold."""

    rows: np.ndarray
    upper: np.ndarray
    source: np.ndarray
    loose: list[int]
    huge: list[int]


def _seed(search: _Search) -> None:
    """1. Seed theta with the champions, and with what the block maxima tell of each term's k-th
    best contribution (the champions alone say nothing of it when k is larger than they are)."""
    index, k = search.index, search.k
    if search.mask is None:
        search.floor = max(
            (_kth_floor(index, t, k, search.ub[t]) for t in search.uniq), default=0.0
        )
    champ = index.champ_indptr
    seeds = np.unique(
        np.concatenate(
            [index.champ_rows[champ[t] : min(champ[t] + k, champ[t + 1])] for t in search.uniq]
        )
    )
    if search.mask is not None:
        seeds = seeds[search.mask[seeds]]
    search.score(seeds)


def _pass(search: _Search, terms: list[int]) -> list[int]:
    """2-4. Among the passages in the lists of ``terms`` (and in none of those gathered by an
    earlier pass), find every one that may reach the top k and score it. Returns the terms
    whose lists hold passages that the pass left for a later one (none when it left nothing).

    When a very common (dense) term is essential, the other lists are gathered first, their
    bounds tightened by cheap lookups of the dense terms: that usually raises theta above what
    the passages with only dense terms can score, and their lists are never read."""
    ub, dense = search.ub, search.index.dense
    if sum(ub[t] for t in terms) * (1 + SLACK) < search.theta:
        return []
    non_essential, essential = _split(search, terms, search.theta)
    if sum(search.df[t] for t in essential) >= _PROBE_MIN:
        _probe(search, terms, essential)
        non_essential, essential = _split(search, terms, search.theta)
    common = [t for t in terms if t in dense]
    others = [t for t in terms if t not in dense]
    if others and any(t in dense for t in essential):
        budget = search.theta - sum(ub[t] for t in common) * (1 + SLACK)
        non_essential, essential = _split(search, others, budget)
        _score(search, _gather(search, non_essential + common, essential))
        return [t for t in terms if t not in essential]
    _score(search, _gather(search, non_essential, essential))
    return []


def _probe(search: _Search, terms: list[int], essential: list[int]) -> None:
    """Raise theta with the passages that look best: the highest impacts of one list (about
    1 / _PROBE_SHARE of its postings) plus the dense terms' contributions; the best of those
    passages are scored exactly. Only a guess of where the top k are: any passages scored give
    a lower bound of the k-th best score. The list is the shortest that is not dense (the pass
    gathers those first), or else the shortest essential one."""
    index, ub, dense = search.index, search.ub, search.index.dense
    others = [t for t in terms if t not in dense]
    t = min(others or essential, key=search.df.__getitem__)
    lo, hi = int(index.indptr[t]), int(index.indptr[t + 1])
    batch = max(_FIRST_BATCH, 2 * search.k)
    impact = index.impact[lo:hi]
    want = max(batch, (hi - lo) // _PROBE_SHARE)
    if t in dense and want <= len(dense[t].top_rows):
        cand, value = dense[t].top_rows[:want], dense[t].top_impact[:want] * (ub[t] / QUANT_LEVELS)
    else:
        if hi - lo > want:
            sample = np.sort(impact[:: max(1, (hi - lo) // 1024)])
            level = sample[len(sample) - 1 - len(sample) * want // (hi - lo)]
            pos = lo + np.flatnonzero(impact >= level)
        else:
            pos = np.arange(lo, hi)
        cand, value = index.rows[pos], index.impact[pos] * (ub[t] / QUANT_LEVELS)
    for d in terms:
        if d in dense and d != t:
            value += impacts_at(index, d, cand) * (ub[d] / QUANT_LEVELS)
    mark = index.scratch.mark
    done = np.concatenate(search.pool_rows)
    mark[done] = True
    keep = ~mark[cand]
    if search.mask is not None:
        keep &= search.mask[cand]
    mark[done] = False
    cand, value = cand[keep], value[keep]
    if len(cand) > batch:
        cand = cand[np.argpartition(-value, batch)[:batch]]
    search.score(np.sort(cand))


def _split(search: _Search, terms: list[int], budget: float) -> tuple[list[int], list[int]]:
    """Split ``terms`` into non-essential and essential (each by ub): the non-essential are the
    terms with the most postings in all whose ub add up to less than ``budget`` (a passage with
    only those cannot reach it); the fewer postings the essential lists have, the less is read."""
    ub, df = search.ub, search.df
    by_ub = sorted(terms, key=ub.__getitem__)
    if len(by_ub) <= _SPLIT_EXACT:
        # Every subset at once: a bit matrix of them times the terms' ub and list lengths.
        bits = (np.arange(1 << len(by_ub))[:, None] >> np.arange(len(by_ub))) & 1
        total = bits @ np.array([ub[t] for t in by_ub])
        postings = np.where(total * (1 + SLACK) < budget, bits @ [df[t] for t in by_ub], -1)
        chosen = bits[int(np.argmax(postings))].astype(bool).tolist()
    else:  # the longest prefix by ub that fits, as MaxScore does
        chosen, total = [], 0.0
        for t in by_ub:
            total += ub[t]
            chosen.append(total * (1 + SLACK) < budget and all(chosen))
    non_essential = [t for t, c in zip(by_ub, chosen, strict=True) if c]
    return non_essential, [t for t, c in zip(by_ub, chosen, strict=True) if not c]


def _gather(search: _Search, non_essential: list[int], essential: list[int]) -> _Candidates:
    """3. Gather candidates with upper bounds. The essential lists are accumulated, but a long
    one (a common word) whose threshold few of its blocks reach is only scanned above it;
    non-essential lists no longer than the accumulated ones are accumulated too, for bounds per
    passage rather than per term. Every other ("loose") term adds its ub to the bounds."""
    index, ub, df, theta = search.index, search.ub, search.df, search.theta
    by_ub = sorted(non_essential + essential, key=ub.__getitem__)
    huge: list[int] = []
    other = sum(ub[t] for t in non_essential)
    for t in sorted(essential, key=df.__getitem__, reverse=True):
        if df[t] < _HUGE_MIN or not _selective(index, t, theta - other, ub[t]):
            break
        huge.append(t)
        other += ub[t]
    accumulated = [t for t in essential if t not in huge]
    postings = sum(df[t] for t in accumulated)
    limit = _ACCUMULATE_RATIO * postings + _ACCUMULATE_MIN
    # A dense term is looked up in the candidates at no more cost than adding its ub to them.
    dense = index.dense
    tighter = [t for t in non_essential if df[t] <= limit and t not in dense] if accumulated else []
    loose = [t for t in by_ub if t not in accumulated and t not in tighter]
    rest = sum(ub[t] for t in loose) * (1 + SLACK)
    need = max((theta - rest) * (1 - SLACK), 1e-300)
    if not accumulated:
        cand, bound = index.rows[:0], np.zeros(0)
    elif len(accumulated) == 1 and not tighter:
        cand, bound = _single_list(index, accumulated[0], need, ub[accumulated[0]])
    else:
        cand, bound = _accumulate(index, accumulated, tighter, need, ub)
    found, bounds, sources = [cand], [bound], [np.full(1, -1)]
    if huge:
        # A passage in a long essential list h and in no accumulated essential list scores at
        # most its own contribution of h plus the ub of every non-essential and other long term.
        mark = index.scratch.mark
        marked = [cand]
        mark[cand] = True
        try:
            for i, h in enumerate(huge):
                other = rest + sum(ub[t] for t in tighter) * (1 + SLACK) - ub[h] * (1 + SLACK)
                need_h = max((theta - other) * (1 - SLACK), 1e-300)
                rows, bound = _single_list(index, h, need_h, ub[h])
                fresh = np.flatnonzero(~mark[rows])
                rows = rows[fresh]
                mark[rows] = True
                marked.append(rows)
                found.append(rows)
                bounds.append(bound[fresh] + other - rest)
                sources.append(np.full(1, i))
        finally:  # a mark left behind would hide passages from later queries
            for rows in marked:
                mark[rows] = False
    source = np.repeat(np.concatenate(sources), [len(f) for f in found])
    cand, upper = np.concatenate(found), np.concatenate(bounds) + rest
    if search.mask is not None:
        keep = np.flatnonzero(search.mask[cand])
        cand, upper, source = cand[keep], upper[keep], source[keep]
    return _Candidates(cand, upper, source, loose, huge)


def _score(search: _Search, candidates: _Candidates) -> None:
    """4. Score the candidates in batches, best bound first, raising theta as we go; while many
    are left, first replace a loose term's ub in their bounds by its impact bound on each
    (dense terms first: their lookups cost the least)."""
    index, ub, huge = search.index, search.ub, candidates.huge
    batch = max(_FIRST_BATCH, 2 * search.k)
    dense = index.dense
    refinable = sorted(candidates.loose, key=lambda t: (t not in dense, -ub[t]))
    # Parallel columns, filtered together: rows, bounds and which list found each (only when some
    # were found by a long list's scan).
    cols = {"rows": candidates.rows, "upper": candidates.upper}
    if huge:
        cols["source"] = candidates.source
    # Passages scored before (the seeds, an earlier pass) may be gathered again: not scored twice.
    done = np.concatenate(search.pool_rows)
    while len(cols["rows"]):
        if search.theta > 0:
            cols = _filtered(cols, cols["upper"] >= search.theta * (1 - SLACK))
        scored = len(search.pool_rows) > 1
        if refinable and len(cols["rows"]) > _REFINE_AT * batch and scored:
            t = refinable.pop(0)
            step = ub[t] * (1 + SLACK) / QUANT_LEVELS
            delta = impacts_at(index, t, cols["rows"]) * step - ub[t] * (1 + SLACK)
            if t in huge:  # its own candidates have their impact of t in the bound already
                delta[cols["source"] == huge.index(t)] = 0.0
            cols["upper"] += delta
            continue
        upper = cols["upper"]
        if not len(upper):
            break
        if len(upper) <= batch:
            take, cols = cols["rows"], _filtered(cols, np.zeros(len(upper), dtype=bool))
        else:
            # About the best ``batch`` by bound; any batch keeps the result exact, so a
            # threshold from a sample does instead of a partition of every bound.
            sample = np.sort(upper[:: max(1, len(upper) // (4 * batch))])
            best = upper >= sample[max(0, len(sample) - -(-len(sample) * batch // len(upper)))]
            take, cols = cols["rows"][best], _filtered(cols, ~best)
        mark = index.scratch.mark
        mark[done] = True
        take = np.sort(take[~mark[take]])
        mark[done] = False
        search.score(take)
        batch *= _BATCH_GROWTH


def _filtered(cols: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """The columns at the rows where ``keep`` is true (as they are when it always is)."""
    at = np.flatnonzero(keep)
    if len(at) == len(keep):
        return cols
    return {name: col[at] for name, col in cols.items()}


def _kth_floor(index: Postings, t: int, k: int, ub: float) -> float:
    """A lower bound of the k-th best score from term ``t`` alone: k blocks have a posting with an
    impact of at least the k-th largest block maximum L, so k passages score more than
    ``(L - 1) / QUANT_LEVELS * ub`` (an impact is the contribution's ceiling on that scale)."""
    b0, b1 = int(index.block_offsets[t]), int(index.block_offsets[t + 1])
    if b1 - b0 < k:
        return 0.0
    level = int(np.partition(index.block_max[b0:b1], b1 - b0 - k)[b1 - b0 - k])
    return max(level - 1, 0) * ub / QUANT_LEVELS * (1 - SLACK)


def _selective(index: Postings, t: int, need: float, ub: float) -> bool:
    """Whether few blocks of ``t`` have an impact bound reaching ``need`` (block maxima only)."""
    level = int(np.floor(need * QUANT_LEVELS / (ub * (1 + SLACK))))
    if level <= 0:
        return False
    b0, b1 = int(index.block_offsets[t]), int(index.block_offsets[t + 1])
    return int(np.count_nonzero(index.block_max[b0:b1] >= level)) * _HUGE_SHARE < b1 - b0


def _single_list(index: Postings, t: int, need: float, ub: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``t`` whose impact bound reaches ``need``, and the bounds; block-max skipping."""
    lo, hi = int(index.indptr[t]), int(index.indptr[t + 1])
    step = ub * (1 + SLACK) / QUANT_LEVELS
    if step <= 0:  # a term in exactly half the passages has IDF 0: it raises no row at all
        return index.rows[:0], np.zeros(0)
    level = max(int(np.floor(need / step)), 1)
    if level > QUANT_LEVELS:
        return index.rows[:0], np.zeros(0)
    dense = index.dense.get(t)
    if dense is not None and level >= dense.covered:  # its best postings, read without a scan
        count = int(dense.at_least[level])
        return dense.top_rows[:count], dense.top_impact[:count] * step
    b0, b1 = int(index.block_offsets[t]), int(index.block_offsets[t + 1])
    blocks = np.flatnonzero(index.block_max[b0:b1] >= level)
    if len(blocks) * 4 >= b1 - b0:  # most blocks qualify: scan the list
        pos = lo + np.flatnonzero(index.impact[lo:hi] >= level)
    else:
        pos = (lo + blocks[:, None] * BLOCK + np.arange(BLOCK)).ravel()
        pos = pos[pos < hi]
        pos = pos[np.flatnonzero(index.impact[pos] >= level)]
    return index.rows[pos], index.impact[pos] * step


def _accumulate(
    index: Postings, essential: list[int], tighter: list[int], need: float, ub: dict[int, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the essential lists whose summed impact bounds (over the essential and the
    ``tighter`` lists) reach ``need``, and those bounds; term at a time."""
    acc = index.scratch.acc
    # float32 halves the scattered memory traffic; its rounding (one part in 2**24 per operation:
    # the step, each product, each addition) is covered by padding every bound by ``pad``.
    pad = 1 + SLACK + 2.0**-22 * (len(essential) + len(tighter) + 1)
    # Clearing the whole array at the end is cheaper than resetting many scattered postings.
    lists = essential + tighter
    clear = sum(int(index.indptr[t + 1] - index.indptr[t]) for t in lists) * _CLEAR_SHARE > len(acc)
    rows_of = []
    for i, t in enumerate(lists):
        lo, hi = int(index.indptr[t]), int(index.indptr[t + 1])
        rows = index.rows[lo:hi]
        if i < len(essential) or not clear:
            # Indexing with intp is faster than with int32 (no conversion per call), and
            # np.add.at is faster than fancy-index assignment.
            rows = rows.astype(np.intp)
        np.add.at(acc, rows, index.impact[lo:hi] * np.float32(ub[t] / QUANT_LEVELS))
        rows_of.append(rows)
    found, bounds = [], []
    # Compared in float32 against ``need`` rounded down, so that no passage is lost (the few
    # just below it that this keeps are dropped later by their bounds); never a zero bound.
    low = max(np.float32(need / pad * (1 - 2.0**-20)), np.float32(1e-38))
    for rows in rows_of[: len(essential)]:
        keep = rows[acc[rows] >= low]
        found.append(keep)
        bounds.append(acc[keep].astype(np.float64) * pad)
        # Zeroed once gathered, so that a passage in a later list too is not gathered again
        # (the others are below ``need`` in every list); every posting when not cleared below.
        acc[keep if clear else rows] = 0.0
    if clear:
        acc.fill(0.0)
    else:
        for rows in rows_of[len(essential) :]:
            acc[rows] = 0.0
    return np.concatenate(found).astype(np.int32), np.concatenate(bounds)


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th best positive score, or 0 when fewer than k are positive."""
    positive = scores[scores > 0]
    if len(positive) < k:
        return 0.0
    return float(np.partition(positive, len(positive) - k)[len(positive) - k])


def _select(rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The best ``k`` positive (row, score), best first, ties by lower row."""
    keep = scores > 0
    rows, scores = rows[keep], scores[keep]
    if len(rows) > k:
        keep = scores >= _kth(scores, k)
        rows, scores = rows[keep], scores[keep]
    order = np.lexsort((rows, -scores))[:k]
    return list(zip(rows[order].tolist(), scores[order].tolist(), strict=True))


def _dense_top(
    index: Postings, query: list[int], k: int, allowed: np.ndarray | None
) -> list[tuple[int, float]]:
    scores = index.dense_scores(query)
    if allowed is not None:
        return _select(allowed, scores[allowed], k)
    rows = np.flatnonzero(scores > 0)
    return _select(rows, scores[rows], k)
