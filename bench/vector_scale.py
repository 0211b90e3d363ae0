"""Vector search at scale: each index type at N segments, against exact search.

    python bench/vector_scale.py --segments 1000000 [--types flat,ivf,ivf-pq] [--json FILE] [--esc50 DIR]

Vectors are drawn around real default-model embeddings (the demo sounds and ESC-50 dev clips, embedded once and
cached), 4 segments per file, and searched with ~100 real text queries through the model's text tower. For each
type: build time, peak RSS (this process, high-water mark so far), size on disk, file-level recall@10 against exact
search, single-query p50/p99 (2 threads), batch throughput, and the type `auto` picks at this size.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

ESC50 = Path(__file__).resolve().parents[2] / "shared" / "data" / "esc50-dev"
SAMPLES = Path(__file__).resolve().parents[1] / "clapsearch" / "samples"
SEGMENTS_PER_FILE = 4
CATEGORIES = ["dog", "rooster", "pig", "cow", "frog", "cat", "hen", "insects", "sheep", "crow", "rain", "sea waves",
              "crackling fire", "crickets", "chirping birds", "water drops", "wind", "pouring water", "toilet flush",
              "thunderstorm", "crying baby", "sneezing", "clapping", "breathing", "coughing", "footsteps",
              "laughing", "brushing teeth", "snoring", "drinking sipping", "door wood knock", "mouse click",
              "keyboard typing", "door wood creaks", "can opening", "washing machine", "vacuum cleaner",
              "clock alarm", "clock tick", "glass breaking", "helicopter", "chainsaw", "siren", "car horn",
              "engine", "train", "church bells", "airplane", "fireworks", "hand saw"]
EXTRA = ["a piano melody", "a choir singing", "a snare drum hit", "an electronic beep", "a drum loop",
         "tabla drums", "a guitar harmonic", "a cymbal crash", "rubbing a wine glass", "a man speaking",
         "a woman speaking", "children playing", "traffic noise in a city", "a dog barking far away",
         "heavy rain on a roof", "birds at dawn in a forest", "an old telephone ringing", "a jet taking off",
         "footsteps on gravel", "a door slamming", "a bell ringing twice", "a crowd cheering", "a violin solo",
         "a bass guitar riff", "an alarm going off", "a cat purring", "a baby laughing", "wind through trees",
         "a river flowing", "ocean waves crashing", "a motorcycle passing by", "a hammer on metal",
         "a kettle whistling", "typing on a laptop", "a synthesizer pad", "applause in a hall",
         "a horse galloping", "a cow mooing", "frogs croaking at night", "thunder rumbling", "a clock ticking",
         "glass shattering", "an explosion", "a helicopter overhead", "a car engine starting", "a train horn",
         "a chainsaw cutting wood", "people talking in a restaurant", "a fire crackling", "silence"]


def real_seeds(cache: str | Path, esc50: Path = ESC50, clips: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """(audio window vectors, text query vectors) from the default model, cached in an .npz file."""
    cache = Path(cache)
    if cache.exists():
        data = np.load(cache)
        return data["audio"], data["text"]
    from clapsearch.encoder import Encoder

    enc = Encoder("default", device="cpu")
    files = sorted(SAMPLES.glob("*.flac")) + sorted((esc50 / "audio").glob("*.flac"))[:clips]
    audio = np.concatenate([np.stack([v for _, _, v in enc.embed_file(f)]) for f in files])
    texts = [f"the sound of {c}" for c in CATEGORIES] + EXTRA
    text = np.asarray(enc.embed_texts(texts), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, audio=audio.astype(np.float32), text=text)
    return audio.astype(np.float32), text


def synthesize(path: Path, n: int, seeds: np.ndarray, chunk: int = 200_000) -> None:
    """Write n float16 segment vectors to path: 4 per file, files scattered around the real seeds."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(n, seeds.shape[1]))
    dim = seeds.shape[1]
    pool = np.random.default_rng(12345).standard_normal((1 << 16, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        rng = np.random.default_rng(start)
        rows = min(chunk, n - start)
        files = -(-rows // SEGMENTS_PER_FILE)
        f = seeds[rng.integers(0, len(seeds), files)]
        f += 0.033 * _noise(rng, pool, files)  # cos(file, seed) ~ 0.8
        seg = np.repeat(f, SEGMENTS_PER_FILE, axis=0)[:rows]
        seg += 0.021 * _noise(rng, pool, rows)  # cos(segment, file) ~ 0.9
        seg /= np.linalg.norm(seg, axis=1, keepdims=True)
        out[start:start + rows] = seg
    out.flush()
    del out


def _noise(rng: np.random.Generator, pool: np.ndarray, rows: int) -> np.ndarray:
    """(rows, dim) standard normal noise, cheaply: the sum of two random pool rows, one sign-flipped at random,
    over sqrt(2) (2^33 distinct draws; 10M vectors in minutes rather than an hour)."""
    a, b = rng.integers(0, len(pool), rows), rng.integers(0, len(pool), rows)
    sign = np.where(rng.random(rows) < 0.5, -1.0, 1.0).astype(np.float32)[:, None]
    return (pool[a] + sign * pool[b]) * np.float32(0.7071)


def chunks(path: Path, chunk: int = 200_000):
    """(ids, float32 vectors) in order, read with plain file reads (no mapping: not counted in this process's RSS)."""
    data = np.load(path, mmap_mode="r")
    (n, dim), offset = data.shape, data.offset
    del data
    with open(path, "rb") as f:
        f.seek(offset)
        for start in range(0, n, chunk):
            rows = np.fromfile(f, dtype=np.float16, count=min(chunk, n - start) * dim).reshape(-1, dim)
            yield np.arange(start, start + len(rows), dtype=np.int64), rows.astype(np.float32)


def exact_files(path: Path, queries: np.ndarray, k: int = 10, segs: int = 100) -> np.ndarray:
    """The exact top-k files per query (a file ranks at its best segment), by brute force over chunks."""
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 0), np.int64)
    for ids, vecs in chunks(path):
        s = queries @ vecs.T
        top = np.argpartition(-s, min(segs, s.shape[1] - 1), axis=1)[:, :segs]
        best_s = np.concatenate([best_s, np.take_along_axis(s, top, 1)], 1)
        best_i = np.concatenate([best_i, ids[top]], 1)
        order = np.argsort(-best_s, axis=1)[:, :segs]
        best_s, best_i = np.take_along_axis(best_s, order, 1), np.take_along_axis(best_i, order, 1)
    return np.stack([top_files(row, k) for row in best_i])


def top_files(seg_ids: np.ndarray, k: int) -> np.ndarray:
    out: list[int] = []
    for s in seg_ids:
        f = int(s) // SEGMENTS_PER_FILE
        if s >= 0 and f not in out:
            out.append(f)
            if len(out) == k:
                break
    return np.array(out + [-1] * (k - len(out)), np.int64)


def measure(kind: str, path: Path, queries: np.ndarray, truth: np.ndarray, n: int, nprobe: int | None,
            tmp: Path, sweep: list[int], pq_bytes: int | None = None) -> dict[str, object]:
    """Build one index type from the vectors at path and measure it (run in a child process: its own RSS)."""
    from clapsearch.vectors import VectorIndex, kinds
    from clapsearch.vectors.kinds import TRAIN_SAMPLE, Layout, auto_kind

    faiss.omp_set_num_threads(2)
    dim = queries.shape[1]
    default_shortlist = kinds.SHORTLIST
    stored = np.load(path, mmap_mode="r")
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(n, min(n, TRAIN_SAMPLE), replace=False)) if kind != "flat" else np.zeros(0, int)
    sample = np.asarray(stored[pick], dtype=np.float32)
    layout = Layout.for_size(n, dim, len(sample)) if len(sample) else None
    if layout is not None and pq_bytes:
        layout = dataclasses.replace(layout, pq_m=pq_bytes)
    index = VectorIndex.build(dim, kind, sample, chunks(path), total=n, layout=layout)
    build_s = time.perf_counter() - t0
    del sample
    index.rerank_source = lambda ids: np.asarray(stored[np.asarray(ids)], dtype=np.float32)
    default_nprobe = index.nprobe
    if nprobe:
        index.nprobe = nprobe
    index.save(tmp, generation=1)
    disk = (tmp / "vectors.faiss").stat().st_size
    index.search(queries[:5], 40)  # warm
    for probe in sweep if index.nlist else []:
        index.nprobe, t = probe, time.perf_counter()
        found = [top_files(index.search(q, 40)[1][0], 10) for q in queries]
        r = np.mean([len(set(a[a >= 0]) & set(b[b >= 0])) / 10 for a, b in zip(found, truth)])
        print(f"  {kind} nprobe {probe}: recall@10 {r:.3f}, {1000 * (time.perf_counter() - t) / len(queries):.2f} "
              "ms/query", flush=True)
    index.nprobe = nprobe or default_nprobe
    for factor in sweep if kind == "ivf-pq" else []:
        kinds.SHORTLIST, t = factor, time.perf_counter()
        found = [top_files(index.search(q, 40)[1][0], 10) for q in queries]
        r = np.mean([len(set(a[a >= 0]) & set(b[b >= 0])) / 10 for a, b in zip(found, truth)])
        print(f"  {kind} re-rank {factor} x k: recall@10 {r:.3f}, "
              f"{1000 * (time.perf_counter() - t) / len(queries):.2f} "
              "ms/query", flush=True)
    kinds.SHORTLIST = default_shortlist
    lat = []
    got = []
    for rep in range(3):
        for q in queries:
            t = time.perf_counter()
            _, ids = index.search(q, 40)
            lat.append(time.perf_counter() - t)
            if rep == 0:
                got.append(top_files(ids[0], 10))
    t = time.perf_counter()
    index.search_batch(queries, 40)
    batch_qps = len(queries) / (time.perf_counter() - t)
    recall = float(np.mean([len(set(a[a >= 0]) & set(b[b >= 0])) / 10 for a, b in zip(got, truth)]))
    ms = np.array(lat) * 1000
    return {"type": kind, "segments": n, "auto": auto_kind(n, dim) == kind, "recall_at_10": round(recall, 4),
            "p50_ms": round(float(np.percentile(ms, 50)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "batch_qps": round(batch_qps, 1), "build_s": round(build_s, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "disk_mb": round(disk / 2**20, 1), "nlist": index.nlist, "nprobe": index.nprobe if index.nlist else 0,
            "pq_bytes": layout.pq_m if layout is not None and kind == "ivf-pq" else 0}


def _child(kind, path, queries, truth, n, nprobe, sweep, pq_bytes, out) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out.put(measure(kind, path, queries, truth, n, nprobe, Path(tmp), sweep, pq_bytes))


def store_figures(path: Path, n: int, folder: Path, kind: str) -> dict[str, object]:
    """Vectors kept as SQL blobs (today's storage) at n segments: write, size, full read (a FAISS rebuild's input),
    a rebuild of `kind` from it, opening the saved FAISS file, and fetching a 160-vector re-rank shortlist."""
    from sqlalchemy import insert

    from clapsearch.store import FileRecord, SegmentRecord, Store
    from clapsearch.vectors import VectorIndex
    from clapsearch.vectors.kinds import TRAIN_SAMPLE

    faiss.omp_set_num_threads(2)
    folder.mkdir(parents=True, exist_ok=True)
    store = Store.sqlite_in(folder)
    data = np.load(path, mmap_mode="r")
    t0 = time.perf_counter()
    for start in range(0, n, 100_000):  # bulk: one transaction per 25k files (the indexer commits per file)
        stop = min(n, start + 100_000)
        files = [{"id": f + 1, "path": f"/lib/f{f:08d}.wav", "size": 1, "mtime": 0.0, "content_hash": f"{f:064x}",
                  "status": "indexed"} for f in range(start // 4, -(-stop // 4))]
        segs = [{"id": i + 1, "file_id": i // 4 + 1, "start": 0.0, "end": 1.0,
                 "vector": np.asarray(data[i], dtype="<f4").tobytes()} for i in range(start, stop)]
        with store.session() as s, s.begin():
            s.execute(insert(FileRecord), files)
            s.execute(insert(SegmentRecord), segs)
    write_s = time.perf_counter() - t0
    store.close()
    store = Store.sqlite_in(folder)
    size = sum(f.stat().st_size for f in folder.glob("metadata.sqlite*"))
    t0 = time.perf_counter()
    rows = sum(len(ids) for ids, _ in store.iter_vectors(data.shape[1]))
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    keep, rng = min(1.0, TRAIN_SAMPLE / n), np.random.default_rng(0)
    sample = np.concatenate([v[rng.random(len(v)) < keep] for _, v in store.iter_vectors(data.shape[1])]) \
        if kind != "flat" else np.zeros((0, data.shape[1]), np.float32)
    index = VectorIndex.build(data.shape[1], kind, sample, store.iter_vectors(data.shape[1]), total=n)
    rebuild_s = time.perf_counter() - t0
    index.save(folder, generation=1)
    del index
    t0 = time.perf_counter()
    VectorIndex.load(folder, data.shape[1])
    open_s = time.perf_counter() - t0
    fetch = []
    for _ in range(100):
        ids = rng.choice(n, 160, replace=False) + 1  # ivf-pq re-ranks 4 x 40 segments for a top-10 of files
        t = time.perf_counter()
        store.vectors_by_ids(ids, data.shape[1])
        fetch.append(time.perf_counter() - t)
    ms = np.array(fetch) * 1000
    return {"storage": "sql-blobs", "segments": rows, "kind": kind, "write_s": round(write_s, 1),
            "sqlite_mb": round(size / 2**20), "read_all_s": round(read_s, 1), "rebuild_s": round(rebuild_s, 1),
            "faiss_mb": round((folder / "vectors.faiss").stat().st_size / 2**20),
            "open_faiss_s": round(open_s, 2), "fetch160_p50_ms": round(float(np.percentile(ms, 50)), 2),
            "fetch160_p99_ms": round(float(np.percentile(ms, 99)), 2)}


def main() -> None:
    import multiprocessing as mp

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, required=True)
    ap.add_argument("--types", default="flat,ivf,ivf-pq")
    ap.add_argument("--json", default=None, help="write one JSON row per type to this file")
    ap.add_argument("--esc50", type=Path, default=ESC50, help="ESC-50 folder (for the real seed embeddings)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "clapsearch-vector-scale",
                    help="where the seed cache and the synthetic vectors (float16, N x 1 KiB) are kept")
    ap.add_argument("--nprobe", type=int, default=None, help="override the IVF lists scanned per query")
    ap.add_argument("--pq-bytes", type=int, default=None, help="ivf-pq: bytes per code (default dim/4)")
    ap.add_argument("--store", default=None, metavar="KIND", help="instead: measure SQL blob storage at N "
                    "(write, size, read-all, rebuild of KIND, open, re-rank fetch of 160) in --work")
    ap.add_argument("--sweep", default="", help="IVF types: also print recall and time at these nprobe (16,32,..); "
                    "ivf-pq: also at these re-rank factors (shortlist = factor x k)")
    args = ap.parse_args()
    sweep = [int(x) for x in args.sweep.split(",") if x]
    faiss.omp_set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)
    seeds, queries = real_seeds(args.work / "seeds.npz", args.esc50)
    path = args.work / f"vectors-{args.segments}.npy"
    if not path.exists():
        t0 = time.perf_counter()
        synthesize(path, args.segments, seeds)
        print(f"synthesised {args.segments} vectors in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.store:
        import shutil

        folder = args.work / f"store-{args.segments}"
        shutil.rmtree(folder, ignore_errors=True)
        print(json.dumps(store_figures(path, args.segments, folder, args.store)))
        shutil.rmtree(folder, ignore_errors=True)
        return
    t0 = time.perf_counter()
    truth = exact_files(path, queries)
    print(f"exact ground truth in {time.perf_counter() - t0:.0f} s", flush=True)
    rows = []
    ctx = mp.get_context("spawn")  # a fresh process per type: its peak RSS is its own
    for kind in args.types.split(","):
        q = ctx.Queue()
        p = ctx.Process(target=_child, args=(kind, path, queries, truth, args.segments, args.nprobe, sweep,
                                             args.pq_bytes, q))
        p.start()
        row = q.get()
        p.join()
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| type | auto | recall@10 | p50 ms | p99 ms | batch q/s | build s | RSS MB | disk MB | lists/probed |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['type']} | {'yes' if r['auto'] else ''} | {r['recall_at_10']:.3f} | {r['p50_ms']} "
              f"| {r['p99_ms']} | {r['batch_qps']} | {r['build_s']} | {r['peak_rss_mb']} | {r['disk_mb']} "
              f"| {r['nlist']}/{r['nprobe']} |")
    if args.json:
        Path(args.json).write_text("\n".join(json.dumps(r) for r in rows) + "\n")


if __name__ == "__main__":
    main()
