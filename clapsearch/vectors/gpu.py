"""Batch search on the GPUs FAISS sees (faiss-gpu builds), guarded: any GPU failure falls back to the CPU.

Only batch searches use it (benchmarks, near-duplicates): single queries stay on the CPU, where copying the index
once is not paid back. CLAPSEARCH_FAISS_GPU=0 turns it off.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import faiss
import numpy as np

if TYPE_CHECKING:
    from clapsearch.vectors.faiss_index import VectorIndex

log = logging.getLogger(__name__)
MIN_QUERIES = 64  # fewer queries than this: the CPU answers before the index is on the GPU


def gpus() -> int:
    """How many GPUs FAISS can use here (0 with faiss-cpu, without a driver, or when turned off)."""
    if os.environ.get("CLAPSEARCH_FAISS_GPU", "1") == "0":
        return 0
    try:
        return int(faiss.get_num_gpus())
    except (AttributeError, RuntimeError):
        return 0


def gpu_search(vectors: VectorIndex, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(scores, ids) from a GPU copy of the index (kept until the index changes), or None: search on the CPU."""
    if len(queries) < MIN_QUERIES or gpus() == 0:
        return None
    try:
        key = (vectors.generation, vectors.ntotal, id(vectors.index))
        if vectors._gpu is None or vectors._gpu[0] != key:
            vectors._gpu = (key, faiss.index_cpu_to_all_gpus(vectors.index))
        index = vectors._gpu[1]
        if isinstance(index, faiss.IndexIVF) or hasattr(index, "nprobe"):
            faiss.ParameterSpace().set_index_parameter(index, "nprobe", min(vectors.nprobe, max(vectors.nlist, 1)))
        scores, ids = index.search(queries, k)
        return np.asarray(scores), np.asarray(ids)
    except (RuntimeError, AttributeError, TypeError, MemoryError) as e:  # a build or index the GPU cannot take
        log.warning("FAISS GPU search failed (%s): searching on the CPU", str(e).splitlines()[0] if str(e) else e)
        vectors._gpu = None
        return None
