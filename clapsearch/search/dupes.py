"""Near-duplicates over a whole index: one recording re-encoded, resampled, trimmed, louder or quieter, mono or
stereo, found by audio-to-audio similarity; and exact duplicates (the same bytes) by content hash.

Segment-level matching, then the waveforms where the vectors cannot decide:
1. candidates: every segment is searched in the vector index (`VectorIndex.search_batch`, batched, so a GPU or an
   IVF index serves it) for its `neighbours` nearest segments; a pair of files is a candidate when a segment of
   one has a segment of the other among them at cosine >= wave_floor.
2. vectors, exact, per candidate pair: the shorter file's segments are each matched with their best segment of
   the other; the pair's score is the `coverage`-quantile of those best matches (with coverage 0.5: half the
   shorter file's segments match at least this well). A pair scoring >= threshold is a duplicate.
3. waveforms, for a pair scoring in [wave_floor, threshold): the best normalised cross-correlation of the two
   recordings (clapsearch.audio.similarity, the leak check's own test) >= wave_threshold makes it a duplicate.
   Different recordings of one kind of sound (two vacuum cleaners, two rainfalls) embed as close as an MP3 copy
   does; their samples do not line up, a copy's do.

Why segments, not one mean vector per file: a copy trimmed or cut out of a longer recording matches the part it
shares window by window, while a mean over a long file blurs it with the rest; and "most segments of the shorter
match" refuses two long files that merely share one passage. Groups are the connected components of the pairs.
Thresholds were chosen by bench/dupes_quality.py on half of ESC-50 dev's classes (docs/SEARCH.md).
"""
from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clapsearch.audio import AudioError
from clapsearch.audio.similarity import load_wave, waveform_similarity
from clapsearch.paths import display_path
from clapsearch.store import Store
from clapsearch.store.store import FileInfo
from clapsearch.vectors import VectorIndex

# Chosen by bench/dupes_quality.py on the first half of ESC-50 dev's classes (default model); see docs/SEARCH.md.
DEFAULT_THRESHOLD = 0.98  # a pair scoring this is a duplicate on its vectors alone
WAVE_FLOOR = 0.80  # from this score on, the waveforms decide
WAVE_THRESHOLD = 0.80  # normalised cross-correlation of a copy (copies: 0.9 and up; different clips: below 0.5)
WAVE_CACHE = 64  # decoded recordings kept (at most 60 s each at 16 kHz: 3.8 MB)
COVERAGE = 0.5  # the share of the shorter file's segments that must match
NEIGHBOURS = 32  # nearest segments looked at per segment (stage 1)
BATCH = 4096  # segments searched per call

log = logging.getLogger(__name__)


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
    score: float  # the vectors' pair score
    waveform: float | None = None  # the waveforms' cross-correlation, where they were compared


@dataclass
class DupeGroup:
    kind: str  # "exact" (the same bytes) or "near"
    members: list[Member]
    pairs: list[Pair] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "files": [m.to_dict() for m in self.members],
                "pairs": [{"a": p.a, "b": p.b, "score": round(p.score, 4),
                           "waveform": None if p.waveform is None else round(p.waveform, 4)} for p in self.pairs]}


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
    search = getattr(vectors, "search_batch", vectors.search)  # many queries: on a GPU where FAISS sees one
    for ids, vecs in store.iter_vectors(vectors.dim, chunk=batch):
        scores, found = search(vecs, k)
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
               wave_floor: float = WAVE_FLOOR, wave_threshold: float = WAVE_THRESHOLD,
               wave: Callable[[Path], np.ndarray] | None = load_wave, coverage: float = COVERAGE,
               neighbours: int = NEIGHBOURS) -> list[DupeGroup]:
    """Return the groups of exact duplicates (same bytes) and of near-duplicates, the largest first.

    A set of identical files counts once in the near-duplicate search (its first file stands for it), so a group
    holds a recording's re-encodings once each, and its exact copies are the exact group beside it.
    wave: reads a file for the waveform stage (None: vectors only, the floor is then the threshold).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    floor = min(wave_floor, threshold) if wave is not None else threshold
    exact = store.same_content()
    copy_of = {f: g[0] for g in exact for f in g[1:]}
    pairs = {(a, b) for a, b in candidate_pairs(vectors, store, floor, neighbours)
             if a not in copy_of and b not in copy_of}
    infos = store.files_by_id({f for p in pairs for f in p} | {f for g in exact for f in g})
    vecs = _Cache(lambda f: store.vectors_of(infos[f].path, vectors.dim), None)
    waves = _Cache(lambda f: _read_wave(wave, infos[f].path), WAVE_CACHE)
    scored = []
    for a, b in sorted(pairs):
        if a not in infos or b not in infos:
            continue
        s = file_pair_score(vecs(a), vecs(b), coverage)
        if s >= threshold:
            scored.append(Pair(a, b, s))
        elif s >= floor and wave is not None:
            w = waveform_similarity(waves(a), waves(b))
            if w >= wave_threshold:
                scored.append(Pair(a, b, s, w))
    groups = [DupeGroup("exact", [Member(f, infos[f].path, 1.0) for f in g]) for g in exact if g[0] in infos]
    groups += _near_groups(scored, infos, vecs, coverage)
    groups.sort(key=lambda g: (-len(g.members), g.kind != "exact", g.members[0].path))
    return groups


class _Cache:
    """A function of a file id, remembered (for the `size` files used last, or all when size is None)."""

    def __init__(self, fn: Callable[[int], np.ndarray], size: int | None) -> None:
        self.fn, self.size = fn, size
        self.data: OrderedDict[int, np.ndarray] = OrderedDict()

    def __call__(self, fid: int) -> np.ndarray:
        if fid in self.data:
            self.data.move_to_end(fid)
            return self.data[fid]
        value = self.data[fid] = self.fn(fid)
        if self.size is not None and len(self.data) > self.size:
            self.data.popitem(last=False)
        return value


def _read_wave(wave: Callable[[Path], np.ndarray] | None, path: str) -> np.ndarray:
    """A file's waveform for the comparison; one that cannot be read now (gone, damaged) compares as silence."""
    assert wave is not None
    try:
        return wave(Path(path))
    except (AudioError, OSError) as e:
        log.warning("cannot read %s to compare waveforms: %s", display_path(path), e)
        return np.zeros(0, np.float32)


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
