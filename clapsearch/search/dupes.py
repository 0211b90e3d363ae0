"""Near-duplicates over a whole index: one recording re-encoded, resampled, trimmed, louder or quieter, mono or
stereo, found by audio-to-audio similarity; and exact duplicates (the same bytes) by content hash.

Segment-level matching, in two stages:
1. candidates: every segment is searched in the vector index (`VectorIndex.search`, batched, so a GPU or an IVF
   index serves it) for its `neighbours` nearest segments; a pair of files is a candidate when a segment of one
   has a segment of the other among them at cosine >= threshold.
2. verification, exact, per candidate pair: the shorter file's segments are each matched with their best segment
   of the other; the pair's score is the `coverage`-quantile of those best matches (with coverage 0.5: half the
   shorter file's segments match at least this well). A pair whose score reaches the threshold is a duplicate.

Why segments, not one mean vector per file: a copy trimmed or cut out of a longer recording matches the part it
shares window by window, while a mean over a long file blurs it with the rest; and "most segments of the shorter
match" refuses two long files that merely share one passage. Groups are the connected components of the pairs.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from clapsearch.paths import display_path
from clapsearch.store import Store
from clapsearch.store.store import FileInfo
from clapsearch.vectors import VectorIndex

# Chosen by bench/dupes_quality.py on the first half of ESC-50 dev's classes (default model); see bench/README.md.
DEFAULT_THRESHOLD = 0.95
COVERAGE = 0.5  # the share of the shorter file's segments that must match
NEIGHBOURS = 32  # nearest segments looked at per segment (stage 1)
BATCH = 4096  # segments searched per call


@dataclass(frozen=True)
class Member:
    file_id: int
    path: str
    score: float  # similarity to the group's first member (1.0 for that one and for its exact copies)

    def to_dict(self) -> dict[str, object]:
        return {"file_id": self.file_id, "path": display_path(self.path), "score": round(self.score, 4)}


@dataclass(frozen=True)
class Pair:
    a: int
    b: int
    score: float


@dataclass
class DupeGroup:
    kind: str  # "exact" (the same bytes) or "near"
    members: list[Member]
    pairs: list[Pair] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "files": [m.to_dict() for m in self.members],
                "pairs": [{"a": p.a, "b": p.b, "score": round(p.score, 4)} for p in self.pairs]}


def pair_score(shorter: np.ndarray, longer: np.ndarray, coverage: float = COVERAGE) -> float:
    """(n, D) and (m, D) unit vectors -> the similarity that a `coverage` share of `shorter`'s segments reach
    with their best segment of `longer` (the shorter of the two must be given first)."""
    if not len(shorter) or not len(longer):
        return 0.0
    best = np.sort((shorter @ longer.T).max(axis=1))[::-1]  # each segment's best match, best first
    return float(best[max(0, math.ceil(coverage * len(best)) - 1)])


def file_pair_score(va: np.ndarray, vb: np.ndarray, coverage: float = COVERAGE) -> float:
    """The pair score of two files' segment vectors, the file with fewer segments as the shorter."""
    return pair_score(va, vb, coverage) if len(va) <= len(vb) else pair_score(vb, va, coverage)


def candidate_pairs(vectors: VectorIndex, store: Store, threshold: float,
                    neighbours: int = NEIGHBOURS, batch: int = BATCH) -> set[tuple[int, int]]:
    """Stage 1: file pairs (a < b) where some segment of one has a segment of the other among its nearest
    `neighbours` at cosine >= threshold."""
    seg_ids, seg_files = store.segment_ids_where()
    out: set[tuple[int, int]] = set()
    if not len(seg_ids):
        return out
    k = min(neighbours + 1, vectors.ntotal)
    for ids, vecs in store.iter_vectors(vectors.dim, chunk=batch):
        scores, found = vectors.search(vecs, k)
        own = _owner(seg_ids, seg_files, ids)
        other = _owner(seg_ids, seg_files, found.ravel()).reshape(found.shape)
        hit = (scores >= threshold) & (found >= 0) & (other >= 0) & (other != own[:, None])
        rows, cols = np.nonzero(hit)
        a, b = own[rows], other[rows, cols]
        for x, y in zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist()):
            out.add((x, y))
    return out


def _owner(seg_ids: np.ndarray, seg_files: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Each segment id's file id (-1 for an id SQL does not hold); seg_ids sorted."""
    pos = np.clip(np.searchsorted(seg_ids, ids), 0, len(seg_ids) - 1)
    return np.where(seg_ids[pos] == ids, seg_files[pos], -1)


def find_dupes(vectors: VectorIndex, store: Store, threshold: float = DEFAULT_THRESHOLD,
               coverage: float = COVERAGE, neighbours: int = NEIGHBOURS,
               on_progress: Callable[[str], None] | None = None) -> list[DupeGroup]:
    """Return the groups of exact duplicates (same bytes) and of near-duplicates, the largest first.

    A set of identical files counts once in the near-duplicate search (its first file stands for it), so a group
    holds a recording's re-encodings once each, and its exact copies are the exact group beside it.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    exact = store.same_content()
    copy_of = {f: g[0] for g in exact for f in g[1:]}
    if on_progress:
        on_progress(f"{len(exact)} sets of identical files; searching similar segments")
    pairs = {(a, b) for a, b in candidate_pairs(vectors, store, threshold, neighbours)
             if a not in copy_of and b not in copy_of}
    infos = store.files_by_id({f for p in pairs for f in p} | {f for g in exact for f in g})
    cache: dict[int, np.ndarray] = {}

    def vecs(fid: int) -> np.ndarray:
        if fid not in cache:
            cache[fid] = store.vectors_of(infos[fid].path, vectors.dim)
        return cache[fid]

    scored = []
    for a, b in sorted(pairs):
        if a in infos and b in infos:
            s = file_pair_score(vecs(a), vecs(b), coverage)
            if s >= threshold:
                scored.append(Pair(a, b, s))
    groups = [DupeGroup("exact", [Member(f, infos[f].path, 1.0) for f in g]) for g in exact if g[0] in infos]
    groups += _near_groups(scored, infos, vecs, coverage)
    groups.sort(key=lambda g: (-len(g.members), g.kind != "exact", g.members[0].path))
    return groups


def _near_groups(pairs: list[Pair], infos: dict[int, FileInfo], vecs: Callable[[int], np.ndarray],
                 coverage: float) -> list[DupeGroup]:
    """Connected components of the duplicate pairs; members scored against the group's longest file."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[root(p.a)] = root(p.b)
    comps: dict[int, list[int]] = {}
    for f in parent:
        comps.setdefault(root(f), []).append(f)
    out = []
    for files in comps.values():
        anchor = max(files, key=lambda f: (infos[f].duration or 0.0, -f))
        members = [Member(anchor, infos[anchor].path, 1.0)]
        members += sorted((Member(f, infos[f].path, file_pair_score(vecs(f), vecs(anchor), coverage))
                           for f in files if f != anchor), key=lambda m: -m.score)
        inside = [p for p in pairs if root(p.a) == root(anchor)]
        out.append(DupeGroup("near", members, inside))
    return out
