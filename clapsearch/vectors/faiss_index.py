"""VectorIndex: an inner-product FAISS index (flat, IVF or IVF-PQ) whose ids are segment ids, saved atomically."""
from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import faiss
import numpy as np

from clapsearch.vectors import kinds
from clapsearch.vectors.kinds import KINDS, Layout, needs_training

log = logging.getLogger(__name__)

INDEX_FILE = "vectors.faiss"
STATE_FILE = "vectors.json"


class VectorIndex:
    """Cosine search (inner product on normalised vectors), ids chosen by the caller, of one kind (see kinds).

    An IVF kind that is not trained yet (trained_on == 0) holds its vectors in an exact flat layout; the owner
    trains it from its stored vectors (build) when kinds.needs_training says so. rerank_source, when set, gives
    the full vectors of given ids (float32, in that order): ivf-pq re-ranks its shortlist with them.
    """

    def __init__(self, dim: int, kind: str = "flat") -> None:
        if dim <= 0:
            raise ValueError(f"vector dimension must be positive, got {dim}")
        if kind not in KINDS:
            raise ValueError(f"unknown vector index kind {kind!r}: one of {', '.join(KINDS)}")
        self.dim = dim
        self.kind = kind
        self.index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))  # read_index gives an Index
        self.trained_on = 0
        self.nprobe = 1
        self.generation = 0
        self.rerank_source: Callable[[np.ndarray], np.ndarray] | None = None
        self._gpu: tuple[object, faiss.Index] | None = None

    @classmethod
    def build(cls, dim: int, kind: str, sample: np.ndarray, chunks: Iterable[tuple[np.ndarray, np.ndarray]],
              total: int | None = None, layout: Layout | None = None) -> VectorIndex:
        """Train an index of this kind on sample (n, dim) drawn from a collection of total vectors (default n),
        then add the collection's (ids, vectors) chunks. flat ignores sample; so does an IVF kind given none
        (it stays untrained, exact)."""
        out = cls(dim, kind)
        sample = np.ascontiguousarray(sample, dtype=np.float32).reshape(-1, dim)
        total = len(sample) if total is None else total
        if kind != "flat" and len(sample):
            lay = layout or Layout.for_size(total, dim, len(sample))
            quantizer = faiss.IndexFlatIP(dim)
            if kind == "ivf":
                ivf: faiss.IndexIVF = faiss.IndexIVFFlat(quantizer, dim, lay.nlist, faiss.METRIC_INNER_PRODUCT)
            else:
                ivf = faiss.IndexIVFPQ(quantizer, dim, lay.nlist, lay.pq_m, lay.pq_bits, faiss.METRIC_INNER_PRODUCT)
                ivf.pq.cp.min_points_per_centroid = 1  # small collections: fewer points than FAISS likes, no warning
            ivf.cp.min_points_per_centroid = 1
            ivf.cp.seed = 1234
            ivf.train(sample)
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]  # remove_ids, reconstruct
            out.index, out.trained_on, out.nprobe = ivf, max(total, 1), lay.nprobe
        for ids, vecs in chunks:
            out.add(ids, vecs)
        return out

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def nlist(self) -> int:
        return int(self.index.nlist) if isinstance(self.index, faiss.IndexIVF) else 0

    def ids(self) -> np.ndarray:
        """Every id the index holds, sorted (for consistency checks)."""
        if isinstance(self.index, faiss.IndexIVF):
            lists = self.index.invlists
            assert lists is not None  # a trained IVF index always has its lists
            parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
                     for i in range(self.nlist) if lists.list_size(i)]
            return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        return np.sort(faiss.vector_to_array(self.index.id_map))  # type: ignore[attr-defined]

    def needs_training(self) -> bool:
        return needs_training(self.kind, self.trained_on, self.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(vectors):
            self._gpu = None
            self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        if len(ids):
            self._gpu = None
            # faiss's Python wrapper takes an id array (it builds the IDSelectorBatch); its stubs say IDSelector
            self.index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64))  # type: ignore[arg-type]

    def search(self, queries: np.ndarray, k: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, ids), each (n_queries, k'), best first; k' = min(k, ntotal).

        allowed: segment ids the results may hold (a metadata filter); None allows all. With it, k' is at most
        the number of allowed ids, and a row may end in id -1 (score -inf) where fewer ids exist in the index
        (or, for an IVF kind, in the lists it scanned). A filtered IVF search scans every list.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        selector = None
        if allowed is not None:
            allowed = np.unique(np.asarray(allowed, dtype=np.int64))
            k = min(k, len(allowed))
            selector = faiss.IDSelectorBatch(allowed)
        k = min(k, self.ntotal)
        if k <= 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        params = self._params(selector)
        shortlist = self._shortlist(k)
        scores, ids = self.index.search(queries, shortlist, params=params)
        return self._finish(queries, scores, ids, k)

    def _params(self, selector: faiss.IDSelector | None) -> faiss.SearchParameters | None:
        if isinstance(self.index, faiss.IndexIVF):
            ivf = faiss.SearchParametersIVF()
            ivf.nprobe = self.nlist if selector is not None else min(self.nprobe, self.nlist)
            ivf.max_codes = 0
            ivf.sel = selector
            return ivf
        if selector is None:
            return None
        params = faiss.SearchParameters()
        params.sel = selector
        return params

    def _reranks(self) -> bool:
        return self.kind == "ivf-pq" and self.trained_on > 0 and self.rerank_source is not None

    def _shortlist(self, k: int) -> int:
        """Candidates asked of FAISS: k, or for a re-ranking ivf-pq SHORTLIST * k (bounded by SHORTLIST_MAX)."""
        if self._reranks():
            wide = min(max(kinds.SHORTLIST * k, kinds.SHORTLIST_MIN), kinds.SHORTLIST_MAX)
            return min(self.ntotal, max(k, wide))
        return k

    def _finish(self, queries: np.ndarray, scores: np.ndarray, ids: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
        """Re-rank an ivf-pq shortlist with the full vectors (exact scores), cut to k, mark padding -inf."""
        if self._reranks() and self.rerank_source is not None:  # every ivf-pq score exact, however wide k is
            found = ids >= 0
            unique, where = np.unique(ids[found], return_inverse=True)
            full = np.asarray(self.rerank_source(unique), dtype=np.float32).reshape(-1, self.dim)
            exact = np.full(ids.shape, -np.inf, dtype=np.float32)
            exact[found] = np.einsum("ij,ij->i", full[where], np.repeat(queries, found.sum(axis=1), axis=0))
            order = np.argsort(-exact, axis=1, kind="stable")[:, :k]
            scores, ids = np.take_along_axis(exact, order, axis=1), np.take_along_axis(ids, order, axis=1)
        scores, ids = scores[:, :k].copy(), ids[:, :k].copy()
        scores[ids < 0] = -np.inf
        return scores, ids

    def search_batch(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Many queries at once (benchmarks, near-duplicates): on the GPUs FAISS sees, else as search()."""
        from clapsearch.vectors.gpu import gpu_search

        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = min(k, self.ntotal)
        if k <= 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        done = gpu_search(self, queries, self._shortlist(k))
        if done is None:
            return self.search(queries, k)
        return self._finish(queries, *done, k)

    def save(self, folder: str | Path, generation: int | None = None) -> None:
        """Write the index, then its state (generation, size, kind, checksum), each through an atomic rename.

        generation: the SQL generation whose segments this index holds exactly (default: self.generation).
        A crash between the two renames leaves a state whose checksum does not match: the file is rebuilt.
        """
        folder = Path(folder)
        if generation is not None:
            self.generation = generation
        tmp = folder / (INDEX_FILE + ".tmp")
        faiss.write_index(self.index, str(tmp))
        checksum = file_crc32(tmp)
        os.replace(tmp, folder / INDEX_FILE)
        state = {"generation": self.generation, "ntotal": self.ntotal, "dim": self.dim, "crc32": checksum,
                 "kind": self.kind, "trained_on": self.trained_on, "nprobe": self.nprobe}
        state_tmp = folder / (STATE_FILE + ".tmp")
        state_tmp.write_text(json.dumps(state))
        os.replace(state_tmp, folder / STATE_FILE)

    @classmethod
    def load(cls, folder: str | Path, dim: int) -> VectorIndex | None:
        """Return the saved index, or None when there is none or it cannot be trusted (damaged, other size)."""
        folder = Path(folder)
        try:
            state = json.loads((folder / STATE_FILE).read_text())
            if not isinstance(state, dict):
                raise ValueError("state is not a JSON object")
            checksum = file_crc32(folder / INDEX_FILE)
            if "crc32" not in state:
                raise ValueError("saved without a checksum (an older clapsearch)")
            if state["crc32"] != checksum:
                log.warning("FAISS file %s is damaged (CRC-32 %08x, saved as %08x): rebuilding it from the "
                            "metadata", folder / INDEX_FILE, checksum, int(state["crc32"]))
                return None
            index = faiss.read_index(str(folder / INDEX_FILE))
            out = cls(dim, str(state.get("kind", "flat")))
        except (OSError, ValueError, RuntimeError) as e:
            log.info("no usable FAISS index in %s (%s)", folder, e)
            return None
        if index.d != dim or index.ntotal != state.get("ntotal"):
            return None
        out.index = index
        out.generation = int(state.get("generation", -1))
        out.trained_on = int(state.get("trained_on", 0))
        out.nprobe = int(state.get("nprobe", 1))
        return out


def file_crc32(path: str | Path, chunk: int = 8 << 20) -> int:
    """Return the CRC-32 of a file's bytes (about 6 GB/s here: 0.3 s for a 1M-segment index)."""
    crc = 0
    with open(path, "rb") as f:
        while block := f.read(chunk):
            crc = zlib.crc32(block, crc)
    return crc
