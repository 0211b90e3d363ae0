"""File-level ranking with long files: recall@10 against exact search, and latency, of `rank_files`.

Synthetic index written through the project's store and vector modules: FILES files of SEGMENTS segments each,
every file's segments clustered around its own centre (a long recording of one scene), unit vectors. Queries:
"near" (a segment of some file plus noise: a few files fill any top-n, the case that made the old widening loop
unbounded), and "off" (random directions, far from every cluster, as text queries are from audio vectors).
File-level recall@10 = |top-10 files found & exact top-10 files| / 10, exact by brute force over every segment.

A and B interleaved per query: A = the old rank_files (widen x4 until k files, unbounded), B = the bounded one.

    python bench/long_files.py [--files 200] [--segments 500] [--dim 512] [--queries 50] [--kind flat ivf]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clapsearch.search.ranking import rank_files  # noqa: E402
from clapsearch.store import Store  # noqa: E402
from clapsearch.vectors import VectorIndex  # noqa: E402


def build(folder: Path, files: int, segments: int, dim: int, seed: int, spread: float = 0.04,
          family: int = 1) -> tuple[Store, np.ndarray, np.ndarray, np.ndarray]:
    """spread: per-dimension noise of a segment around its file's centre; family: files sharing a scene (their
    centres close), so that a query near one family meets several tight files, one after another."""
    rng = np.random.default_rng(seed)
    store = Store.sqlite_in(folder)
    all_ids, all_vecs, owners = [], [], []
    scene = rng.standard_normal(dim)
    for i in range(files):
        if i % family == 0:
            scene = rng.standard_normal(dim) / np.sqrt(dim)
        centre = scene + (0.03 * rng.standard_normal(dim) if family > 1 else 0.0)
        vecs = centre / np.linalg.norm(centre) + spread * rng.standard_normal((segments, dim))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        fields = {"path": f"/long/f{i:05d}.wav", "size": 1, "mtime": 1.0, "content_hash": str(i), "status": "indexed",
                  "error": None, "duration": segments * 2.5, "sample_rate": 48000, "channels": 2, "format": "WAV"}
        _, ids = store.put_file(fields, [(j * 2.5, j * 2.5 + 5, v) for j, v in enumerate(vecs)])
        all_ids.append(np.array(ids))
        all_vecs.append(vecs)
        owners += [i + 1] * segments
    return store, np.concatenate(all_ids), np.concatenate(all_vecs), np.array(owners)


def old_rank(q: np.ndarray, vectors: VectorIndex, store: Store, k: int) -> list[int]:
    """The rank_files before this change: widen x4 until k distinct files, no bound."""
    n = min(vectors.ntotal, max(4 * k, 32))
    while True:
        scores, ids = vectors.search(q[None, :], n)
        meta = store.segments(ids[0][ids[0] >= 0])
        best: dict[int, float] = {}
        for score, sid in zip(scores[0], ids[0]):
            seg = meta.get(int(sid))
            if seg is not None and seg.file_id not in best:
                best[seg.file_id] = float(score)
        if len(best) >= k or n >= vectors.ntotal:
            return list(best)[:k]
        n = min(vectors.ntotal, n * 4)


def exact_files(q: np.ndarray, vecs: np.ndarray, owners: np.ndarray, k: int) -> list[int]:
    best = np.full(owners.max() + 1, -np.inf)
    np.maximum.at(best, owners, vecs @ q)
    return [int(f) for f in np.argsort(-best)[:k]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--segments", type=int, default=500)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--kind", nargs="+", default=["flat", "ivf"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spread", type=float, default=0.04, help="segment noise per dimension (0.01: tight files)")
    ap.add_argument("--family", type=int, default=1, help="files per scene (close centres)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="long-files-") as tmp:  # ~400 MB of SQLite: never left behind
        run(args, Path(tmp))


def run(args: argparse.Namespace, folder: Path) -> None:
    t0 = time.perf_counter()
    store, ids, vecs, owners = build(folder, args.files, args.segments, args.dim, args.seed, args.spread, args.family)
    print(f"{args.files} files x {args.segments} segments = {len(ids)} segments, dim {args.dim}, spread "
          f"{args.spread}, families of {args.family}, written in "
          f"{time.perf_counter() - t0:.1f} s")
    rng = np.random.default_rng(args.seed + 1)
    near = vecs[rng.integers(0, len(vecs), args.queries)] + 0.02 * rng.standard_normal((args.queries, args.dim))
    off = rng.standard_normal((args.queries, args.dim))
    k = 10
    print("\n| index | queries | rank_files | recall@10 | p50 ms | p99 ms | max ms | searches max |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in args.kind:
        sample = vecs[rng.choice(len(vecs), min(len(vecs), 50_000), replace=False)]
        vectors = VectorIndex.build(args.dim, kind, sample, [(ids, vecs)], total=len(ids))
        calls = [0]
        search = vectors.search

        def counted(queries: np.ndarray, n: int, allowed: np.ndarray | None = None, _search=search,
                    _calls=calls) -> tuple[np.ndarray, np.ndarray]:
            _calls[0] += 1
            return _search(queries, n, allowed=allowed)

        vectors.search = counted  # type: ignore[method-assign]
        for name, qs in (("near", near), ("off", off)):
            qs = (qs / np.linalg.norm(qs, axis=1, keepdims=True)).astype(np.float32)
            res: dict[str, list[tuple[float, float, int]]] = {"old (unbounded)": [], "bounded": []}
            for q in qs:
                want = set(exact_files(q, vecs, owners, k))
                for label in res:  # A B A B
                    calls[0] = 0
                    t = time.perf_counter()
                    got = old_rank(q, vectors, store, k) if label.startswith("old") else \
                        [h.file_id for h in rank_files(q[None, :], vectors, store, k)[0]]
                    ms = (time.perf_counter() - t) * 1000
                    res[label].append((len(want & set(got)) / k, ms, calls[0]))
            for label, rows in res.items():
                r = np.array(rows)
                print(f"| {kind} | {name} | {label} | {r[:, 0].mean():.3f} | {np.percentile(r[:, 1], 50):.1f} | "
                      f"{np.percentile(r[:, 1], 99):.1f} | {r[:, 1].max():.1f} | {int(r[:, 2].max())} |")


if __name__ == "__main__":
    main()
