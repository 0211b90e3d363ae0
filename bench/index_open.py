"""Opening a large index through the product, and its vector search there (SQL + vector file re-rank).

    python bench/index_open.py --segments 1000000 --faiss DIR [--work DIR] [--json FILE]

Writes an index folder of N segments through the product's store (`IndexDir.open(create=True)` for the meta with
the real default model's identity, then files and segments bulk-inserted 100k at a time, their vectors appended to
the index's float16 vector file first, as the indexer does), taking the vectors from bench/vector_scale.py's
`vectors-N.npy` in --work and the FAISS file from DIR (a saved `vector_scale.py` index of those vectors: its ids are
the rows, so segment ids here are the rows too). Then, in a new process: `IndexDir.open` (store, meta, model,
FAISS read + CRC-32, generation check), RSS before and after, the parts again (warm), and single-query vector
search through the opened index (ivf-pq re-ranks through SQL's row lookup and the memory-mapped vector file).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CHUNK = 100_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def write_index(folder: Path, vectors_npy: Path, n: int, faiss_dir: Path) -> dict[str, float]:
    from sqlalchemy import insert

    from clapsearch.index import IndexDir, IndexLock
    from clapsearch.store import FileRecord, SegmentRecord, Store
    from clapsearch.store.storage import VectorStorage
    from clapsearch.store.store import GENERATION

    shutil.rmtree(folder, ignore_errors=True)
    data = np.load(vectors_npy, mmap_mode="r")
    t0 = time.perf_counter()
    with IndexLock(folder):
        IndexDir.open(folder, model="default", device="cpu", create=True).store.close()
        store = Store.sqlite_in(folder)
        assert store.storage is not None
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            with store.session() as s:
                first, crcs = store.storage.append(s, np.asarray(data[start:stop], np.float32))  # fsynced
            files = [{"id": f + 1, "path": f"/synthetic/lib/f{f:08d}.wav", "size": 1, "mtime": 0.0,
                      "content_hash": f"{f:064x}", "duration": 4.0, "status": "indexed"}
                     for f in range(start // 4, -(-stop // 4))]
            segs = [{"id": i, "file_id": i // 4 + 1, "start": float(i % 4), "end": float(i % 4 + 1), "vector": b"",
                     "vector_row": first + i - start, "vector_crc": int(crcs[i - start])} for i in range(start, stop)]
            with store.session() as s, s.begin():
                s.execute(insert(FileRecord), files)
                s.execute(insert(SegmentRecord), segs)
                VectorStorage.committed(s, first + stop - start)
        state = json.loads((faiss_dir / "vectors.json").read_text())
        store.set_meta({GENERATION: str(state["generation"])})
        store.close()
    write_s = time.perf_counter() - t0
    for name in ("vectors.faiss", "vectors.json"):
        os.link(faiss_dir / name, folder / name)
    sizes = {p.name: round(p.stat().st_size / 2**20, 1) for p in folder.iterdir() if p.is_file()}
    return {"write_s": round(write_s, 1), **{f"{k}_mb": v for k, v in sizes.items()}}


def measure_open(folder: Path, seeds: Path) -> dict[str, object]:
    """In this (new) process: the product's open, then its parts warm, then single-query vector search."""
    import faiss

    from clapsearch.index import IndexDir
    from clapsearch.store import Store
    from clapsearch.vectors import VectorIndex
    from clapsearch.vectors.faiss_index import INDEX_FILE, file_crc32

    faiss.omp_set_num_threads(2)
    before = rss_mb()
    t0 = time.perf_counter()
    idx = IndexDir.open(folder, device="cpu")
    open_s = time.perf_counter() - t0
    after = rss_mb()
    out: dict[str, object] = {"open_s": round(open_s, 2), "rss_before_mb": before, "rss_after_open_mb": after,
                              "kind": idx.vectors.kind, "ntotal": idx.vectors.ntotal, "nprobe": idx.vectors.nprobe}
    t0 = time.perf_counter()
    Store.sqlite_in(folder, readonly=True).meta()
    out["store_open_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    file_crc32(folder / INDEX_FILE)
    out["faiss_crc_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    VectorIndex.load(folder, idx.encoder.dim)
    out["faiss_load_s"] = round(time.perf_counter() - t0, 2)
    queries = np.load(seeds)["text"]
    idx.vectors.search(queries[:3], 40)  # warm
    lat = []
    for q in queries:
        t = time.perf_counter()
        idx.vectors.search(q, 40)
        lat.append(time.perf_counter() - t)
    ms = np.array(lat) * 1000
    out.update({"search_p50_ms": round(float(np.percentile(ms, 50)), 2),
                "search_p99_ms": round(float(np.percentile(ms, 99)), 2), "rss_end_mb": rss_mb(),
                "load": round(os.getloadavg()[0], 1)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, required=True)
    ap.add_argument("--faiss", type=Path, help="folder with vectors.faiss/vectors.json of these vectors")
    ap.add_argument("--work", type=Path, default=Path("/tmp/clapsearch-vector-scale"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)  # the new process's part
    args = ap.parse_args()
    seeds = args.work / "seeds.npz"
    if args.measure:
        print(json.dumps(measure_open(args.measure, seeds)))
        return
    folder = args.work / f"index-{args.segments}"
    row: dict[str, object] = {"segments": args.segments}
    row.update(write_index(folder, args.work / f"vectors-{args.segments}.npy", args.segments, args.faiss))
    print(json.dumps(row), flush=True)
    for _ in range(2):  # a second open: the files now in the page cache
        p = subprocess.run([sys.executable, __file__, "--segments", str(args.segments), "--work", str(args.work),
                            "--measure", str(folder)], capture_output=True, text=True, check=True)
        row.setdefault("opens", []).append(json.loads(p.stdout.strip().splitlines()[-1]))  # type: ignore[union-attr]
        print(json.dumps(row["opens"][-1]), flush=True)  # type: ignore[index]
    if args.json:
        Path(args.json).write_text(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
