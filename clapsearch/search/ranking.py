"""File-level ranking over segment vectors: each file once, at its best segment, in bounded work.

A file scores as its best segment. The segment search is widened (x8 a round) until k distinct files are found,
but never past `ROUND_CAP` segments or `MAX_ROUNDS` rounds: with long files (hundreds of segments each) a few
files can fill any top-n. Then the search goes on among the segments of files not yet found (an id subset), each
such round finding at least one new file, at most k rounds. With an exact index the result is the exact file
ranking: the files whose best segment lies in a search's top n are the best of those searched, in that order.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from clapsearch.hits import Hit
from clapsearch.store import Store
from clapsearch.store.store import SegmentHit
from clapsearch.vectors import VectorIndex

ROUND_CAP = 16384  # most segments one widening round asks for
MAX_ROUNDS = 4  # widening rounds before searching among the files not yet found (32 -> 256 -> 2048 -> 16384)
GROWTH = 8  # each round searches this many times more segments (the last round's search dominates the cost)


@dataclass(frozen=True)
class Candidates:
    """The segments a search may return (a metadata filter's result): ids and their files, in id order."""

    segment_ids: np.ndarray  # (n,) int64
    file_ids: np.ndarray  # (n,) int64, the file of each segment

    def without_files(self, files: Iterable[int]) -> Candidates:
        keep = ~np.isin(self.file_ids, np.fromiter(files, dtype=np.int64))
        return Candidates(self.segment_ids[keep], self.file_ids[keep])

    def __len__(self) -> int:
        return len(self.segment_ids)


def best_window_scores(window_scores: np.ndarray, owner: np.ndarray, n_files: int) -> np.ndarray:
    """(windows, queries) scores and each window's file index -> (n_files, queries): each file at its best window.

    The ranking rule of the engine: a file scores as its best segment (rank_files keeps each file's first, i.e.
    best, hit). Used where the windows are in memory rather than in an index (the trainer's dev sets). A file
    without windows scores -inf.
    """
    out = np.full((n_files, window_scores.shape[1]), -np.inf, dtype=np.float32)
    np.maximum.at(out, owner, window_scores)
    return out


@dataclass
class _Collector:
    """Each file's first (best) hit, over the rounds of one query; segment metadata fetched once per id."""

    store: Store
    exclude_paths: set[str]
    exclude_ids: set[int]
    meta: dict[int, SegmentHit] = field(default_factory=dict)
    best: dict[int, Hit] = field(default_factory=dict)

    def take(self, scores: np.ndarray, ids: np.ndarray) -> None:
        new = [int(i) for i in ids if i >= 0 and int(i) not in self.meta]
        self.meta.update(self.store.segments(new))
        for score, sid in zip(scores, ids):
            seg = self.meta.get(int(sid))
            if seg is None or seg.file_id in self.best or seg.file_id in self.exclude_ids \
                    or seg.path in self.exclude_paths:
                continue
            self.best[seg.file_id] = Hit(seg.path, float(score), seg.start, seg.end, seg.file_id, seg.segment_id)

    def seen_files(self) -> set[int]:
        return set(self.best) | self.exclude_ids | {s.file_id for s in self.meta.values()
                                                    if s.path in self.exclude_paths}

    def ranked(self, k: int) -> list[Hit]:
        return sorted(self.best.values(), key=lambda h: -h.score)[:k]


def rank_files(queries: np.ndarray, vectors: VectorIndex, store: Store, k: int,
               exclude: Iterable[str | int] | None = None,
               candidates: Candidates | None = None) -> list[list[Hit]]:
    """Return, per query vector, the k best files by cosine similarity, each at its best segment
    (as best_window_scores).

    exclude: files left out, by path (str) or file id (int). candidates: the segments allowed (a metadata
    filter), None for all. Work per query is bounded (see the module's docstring).
    """
    queries = np.asarray(queries, dtype=np.float32).reshape(-1, vectors.dim)
    excluded = list(exclude or [])
    ex_paths = {e for e in excluded if isinstance(e, str)}
    ex_ids = {int(e) for e in excluded if not isinstance(e, str)}
    if candidates is not None and ex_ids:
        candidates = candidates.without_files(ex_ids)
    out: list[list[Hit]] = []
    for q in queries:
        found = _Collector(store, ex_paths, ex_ids)
        _widen(q, vectors, found, k, k + len(ex_paths), candidates)
        if len(found.best) < k:
            _rest(q, vectors, store, found, k, candidates)
        out.append(found.ranked(k))
    return out


def _search(q: np.ndarray, vectors: VectorIndex, n: int,
            candidates: Candidates | None) -> tuple[np.ndarray, np.ndarray]:
    if candidates is None:
        scores, ids = vectors.search(q[None, :], n)
    else:
        scores, ids = vectors.search(q[None, :], n, allowed=candidates.segment_ids)
    return scores[0], ids[0]


def _widen(q: np.ndarray, vectors: VectorIndex, found: _Collector, k: int, want: int,
           candidates: Candidates | None) -> bool:
    """Search the top n segments, n x GROWTH a round up to ROUND_CAP; return whether it was exhaustive."""
    total = vectors.ntotal if candidates is None else min(len(candidates), vectors.ntotal)
    n = min(total, max(4 * want, 32))
    for _ in range(MAX_ROUNDS):
        scores, ids = _search(q, vectors, n, candidates)
        found.take(scores, ids)
        if len(found.best) >= k or n >= total:
            return n >= total
        if n >= ROUND_CAP:
            break
        n = min(total, GROWTH * n, max(ROUND_CAP, 4 * want))
    return False


def _rest(q: np.ndarray, vectors: VectorIndex, store: Store, found: _Collector, k: int,
          candidates: Candidates | None) -> None:
    """Search among the segments of files not found yet, until k files or none is left (at most k rounds)."""
    if candidates is None:
        ids, files = store.segment_ids_where()
        candidates = Candidates(ids, files)
    rest = candidates.without_files(found.seen_files())
    while len(found.best) < k and len(rest):
        before = len(found.best)
        n = min(len(rest), max(ROUND_CAP, 4 * k))
        scores, ids = _search(q, vectors, n, rest)
        found.take(scores, ids)
        if len(found.best) == before:  # nothing new (ids gone from the index meanwhile): stop
            return
        rest = rest.without_files(found.seen_files())
