"""Vector storage at N segments: float32 SQL blobs (before) against the float16 vector file (now).

    python bench/vector_storage.py --segments 1000000 [--rounds 2] [--migrate] [--work DIR] [--json FILE]

For each storage, N random unit 512-d vectors (4 segments per file) are written through the store in bulk (one
transaction per 100k segments; the vector file's rows appended and fsynced before each), then timed: the SQLite and
vector file sizes, reading every vector (a FAISS rebuild's input, CRC-checked for the file), rebuilding a flat FAISS
index from them, opening the store (a writer's open: schema check, cutting the file back) and the saved FAISS file,
and fetching ivf-pq's re-rank shortlist (640 vectors by segment id, as 16 x 40 candidates); blob and file measured in
turn (A B A B), medians, CPU seconds beside wall (the machine is shared). `--migrate`: the blob index then moved
into a vector file by the next index run's migration (and SQLite's VACUUM).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
from sqlalchemy import insert

from clapsearch.store import FileRecord, SegmentRecord, Store
from clapsearch.store.storage import VectorStorage
from clapsearch.vectors import VectorIndex

DIM = 512
CHUNK = 100_000


def vectors(start: int, stop: int) -> np.ndarray:
    v = np.random.default_rng(start).standard_normal((stop - start, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def write(folder: Path, n: int, in_file: bool) -> float:
    store = Store.sqlite_in(folder, vectors_in_folder=in_file)
    t0 = time.perf_counter()
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        vecs = vectors(start, stop)
        files = [{"id": f + 1, "path": f"/lib/f{f:08d}.wav", "size": 1, "mtime": 0.0, "content_hash": f"{f:064x}",
                  "status": "indexed"} for f in range(start // 4, -(-stop // 4))]
        with store.session() as s:
            if in_file:
                assert store.storage is not None
                first, crcs = store.storage.append(s, vecs)  # fsynced before the commit below
                segs = [{"id": i + 1, "file_id": i // 4 + 1, "start": 0.0, "end": 1.0, "vector": b"",
                         "vector_row": first + i - start, "vector_crc": int(crcs[i - start])}
                        for i in range(start, stop)]
            else:
                segs = [{"id": i + 1, "file_id": i // 4 + 1, "start": 0.0, "end": 1.0,
                         "vector": vecs[i - start].astype("<f4").tobytes()} for i in range(start, stop)]
        with store.session() as s, s.begin():
            s.execute(insert(FileRecord), files)
            s.execute(insert(SegmentRecord), segs)
            if in_file:
                VectorStorage.committed(s, stop)
    store.close()
    return time.perf_counter() - t0


def sizes(folder: Path) -> dict[str, float]:
    sql = sum(f.stat().st_size for f in folder.glob("metadata.sqlite*"))
    vec = sum(f.stat().st_size for f in folder.glob("vectors*.f16"))
    return {"sqlite_mb": round(sql / 2**20, 1), "vector_file_mb": round(vec / 2**20, 1)}


def measure(folder: Path, n: int, in_file: bool, mode: str) -> dict[str, object]:
    out: dict[str, object] = {"storage": mode, "segments": n, **sizes(folder)}
    t0 = time.perf_counter()
    store = Store.sqlite_in(folder, vectors_in_folder=in_file)
    out["open_store_s"] = round(time.perf_counter() - t0, 3)
    t0, c0 = time.perf_counter(), time.process_time()
    rows = sum(len(ids) for ids, _ in store.iter_vectors(DIM, chunk=16384))
    out["read_all_s"] = round(time.perf_counter() - t0, 2)
    out["read_all_cpu_s"] = round(time.process_time() - c0, 2)
    assert rows == n and not store.damaged, (rows, len(store.damaged))
    t0 = time.perf_counter()
    index = VectorIndex.build(DIM, "flat", np.zeros((0, DIM), np.float32), store.iter_vectors(DIM, chunk=16384))
    out["rebuild_flat_s"] = round(time.perf_counter() - t0, 2)
    index.save(folder, generation=1)
    del index
    t0 = time.perf_counter()
    VectorIndex.load(folder, DIM)
    out["open_faiss_s"] = round(time.perf_counter() - t0, 2)
    rng, fetch, cpu = np.random.default_rng(1), [], []
    for _ in range(100):
        ids = rng.choice(n, 640, replace=False) + 1
        t, c = time.perf_counter(), time.process_time()
        store.vectors_by_ids(ids, DIM)
        fetch.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    ms = np.array(fetch) * 1000
    out["fetch640_p50_ms"] = round(float(np.percentile(ms, 50)), 2)
    out["fetch640_p99_ms"] = round(float(np.percentile(ms, 99)), 2)
    out["fetch640_cpu_ms"] = round(float(np.median(cpu)) * 1000, 2)
    store.close()
    (folder / "vectors.faiss").unlink()
    return out


def medians(rows: list[dict[str, object]]) -> dict[str, object]:
    keys = [k for k, v in rows[0].items() if isinstance(v, float)]
    return {**rows[0], **{k: round(float(np.median([float(r[k]) for r in rows])), 3) for k in keys},  # type: ignore[arg-type]
            "runs": len(rows)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, required=True)
    ap.add_argument("--rounds", type=int, default=2, help="blob and file measured in turn (A B A B), medians")
    ap.add_argument("--migrate", action="store_true", help="then migrate the blob index and measure it")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "clapsearch-vector-storage")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    faiss.omp_set_num_threads(2)
    folders = {m: args.work / f"{m}-{args.segments}" for m in ("blob", "file")}
    written = {}
    for mode, folder in folders.items():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        written[mode] = round(write(folder, args.segments, mode == "file"), 1)
        print(mode, "written in", written[mode], "s", flush=True)
    runs: dict[str, list[dict[str, object]]] = {"blob": [], "file": []}
    for _ in range(args.rounds):
        for mode, folder in folders.items():
            runs[mode].append(measure(folder, args.segments, mode == "file", mode))
            print(json.dumps(runs[mode][-1]), flush=True)
    results = [{**medians(runs[m]), "write_s": written[m]} for m in folders]
    if args.migrate:
        t0 = time.perf_counter()
        store = Store.sqlite_in(folders["blob"])
        assert store.migrate_vectors() == args.segments
        store.close()  # the checkpoint: SQLite's vacuumed file out of its write-ahead log
        results.append({**measure(folders["blob"], args.segments, True, "migrated"),
                        "migrate_s": round(time.perf_counter() - t0, 1)})
    for row in results:
        print(json.dumps(row), flush=True)
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
