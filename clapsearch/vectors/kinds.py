"""Index types and the rules that pick one by size, size its lists and decide when to train again.

flat    exact inner product over every vector (float32 in RAM): exact, fast while the collection is small.
ivf     IVF-Flat: vectors grouped into nlist k-means lists, nprobe lists scanned per query (float32 in RAM).
ivf-pq  IVF-PQ: the same lists holding 8-bit product-quantisation codes (dim/4 bytes per vector), a shortlist
        re-ranked with the full vectors the caller stores (see VectorIndex.rerank_source).

An IVF index is trained on a sample of the collection's own vectors. It is trained again (rebuilt from the stored
vectors) when the collection has grown past RETRAIN_GROWTH times the size it was trained at, or shrunk below
1/RETRAIN_GROWTH of it: the lists then no longer fit the sqrt(N) rule by a factor of 2 or more. In between, adds
and removals go straight into the trained lists.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from clapsearch.errors import OptionError

KINDS = ("flat", "ivf", "ivf-pq")
CHOICES = ("auto", *KINDS)
FLAT_MAX = 100_000  # exact search over 100k 512-d vectors takes ~20 ms on 2 cores; IVF beyond
IVF_MAX_BYTES = 4 << 30  # IVF-Flat keeps float32 vectors in RAM: beyond 4 GiB of them, IVF-PQ codes
IVF_PQ_FROM = 1_000_000  # from here IVF-PQ, re-ranked from the vector file, matches IVF-Flat's recall, faster
RETRAIN_GROWTH = 4
TRAIN_SAMPLE = 100_000  # k-means on at most this many vectors: nlist <= TRAIN_SAMPLE / 39 = 2564
NPROBE_FRACTION = 16  # nprobe = nlist / 16 (6%: recall@10 ~0.97 at 1M, bench/README.md), at least NPROBE_MIN
NPROBE_MIN = 16
SCAN_MAX = 250_000  # ... and at most ~this many vectors scanned per query: from ~4M on nprobe falls below nlist/16
# (10M, nlist 2564: nprobe 64, recall@10 0.937 against 0.972 at 160 for 2.5 x less work; bench/README.md)
SHORTLIST = 16  # ivf-pq re-ranks max(SHORTLIST * k, SHORTLIST_MIN) candidates with the full vectors
SHORTLIST_MIN = 256
SHORTLIST_MAX = 8192  # a wide k (rank_files widening) re-ranks at most this many (or k) candidates


def check_choice(choice: str) -> str:
    if choice not in CHOICES:
        raise OptionError(f"unknown --vector-index {choice!r}: use {', '.join(CHOICES)}")
    return choice


def auto_kind(n: int, dim: int) -> str:
    """The type `auto` picks for n vectors: exact while fast enough, IVF-Flat up to IVF_PQ_FROM vectors (or while
    its float32 vectors fit IVF_MAX_BYTES, if fewer), IVF-PQ beyond (its shortlist re-ranked from the memory-mapped
    vector file: as exact as IVF-Flat at 1M, a tenth of its p99, bench/README.md)."""
    if n <= FLAT_MAX:
        return "flat"
    return "ivf" if n < IVF_PQ_FROM and n * dim * 4 <= IVF_MAX_BYTES else "ivf-pq"


def resolve(choice: str, n: int, dim: int) -> str:
    return auto_kind(n, dim) if choice == "auto" else check_choice(choice)


@dataclass(frozen=True)
class Layout:
    """How an IVF index is cut for n training vectors of dimension dim."""

    nlist: int
    nprobe: int
    pq_m: int  # sub-quantisers (bytes per vector at 8 bits)
    pq_bits: int

    @classmethod
    def for_size(cls, n: int, dim: int, sample: int | None = None) -> Layout:
        """n: vectors in the collection; sample: how many the lists are trained on (default n)."""
        sample = n if sample is None else sample
        # sqrt rule: ~4 sqrt(N) lists, each trained on at least ~39 points (FAISS's own lower bound)
        nlist = max(1, min(int(4 * math.sqrt(n)), sample // 39, 65536))
        nprobe = min(nlist, max(NPROBE_MIN, min(nlist // NPROBE_FRACTION, nlist * SCAN_MAX // max(n, 1))))
        # 4 dimensions per sub-quantiser (128 bytes at 512-d): 64-byte codes ordered the candidates too poorly to
        # re-rank a short list (recall@10 0.93 against 0.98 at 1M, bench/README.md)
        pq_m = next(m for m in (dim // 4, dim // 2, dim) if m > 0 and dim % m == 0)
        pq_bits = max(1, min(8, int(math.log2(max(sample, 2))) - 2))  # 256 centroids need ~1k points
        return cls(nlist, nprobe, pq_m, pq_bits)


def needs_training(kind: str, trained_on: int, n: int) -> bool:
    """True when an index of this kind, trained on trained_on vectors (0: untrained), should be trained anew."""
    if kind == "flat" or n == 0:
        return False
    if trained_on == 0:
        return True
    return n > RETRAIN_GROWTH * trained_on or n * RETRAIN_GROWTH < trained_on
