"""Vector search at scale: each index type at N segments, against exact search.

    python bench/vector_scale.py --segments 10000000 [--types flat,ivf,ivf-pq] [--json FILE] [--work DIR]
        [--sweep 32,64,160] [--rerank-sweep 8,16,32] [--ram-gb 8]

Vectors are drawn around real default-model embeddings (the demo sounds and ESC-50 dev clips, embedded once and
cached), 4 segments per file, written as float16 to an .npy file in --work (N x 1 KiB) and searched with 100 real
text queries through the model's text tower. Every stage is memory-bounded: the vectors are synthesised and read in
chunks, the exact ground truth is chunked matrix products over the file, each index is built from chunks and
ivf-pq re-ranks from the file's memory map. For each type (in a process of its own): build time, peak RSS, size on
disk, file-level recall@10 against exact search, single-query p50/p99 and CPU per query (2 threads), batch
throughput, and whether `auto` picks it at this size. flat and ivf, which hold every vector in float32 in RAM,
are reported as not fitting beyond --ram-gb instead of run.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before FAISS loads OpenMP: on a shared machine spinning
# threads lose their time slices (PQ training under load ~12: 64 s with 2 spinning threads, 35 s passive, 25 s one)
import faiss  # noqa: E402
import numpy as np  # noqa: E402

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


def synthesize(path: Path, n: int, seeds: np.ndarray, chunk: int = 50_000) -> None:
    """Write n float16 segment vectors to path (.npy): 4 per file, files scattered around the real seeds.

    Each chunk is drawn in float32 (uniform noise, in place) and written with plain file writes, so memory stays
    at a few chunks whatever n is (10M vectors, 10 GB, in a few minutes). Written under a temporary name and renamed
    when complete: an interrupted run leaves no file that a later run would take as whole.
    """
    dim = seeds.shape[1]
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as out:
        np.lib.format.write_array_header_1_0(out, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)),
                                                   "fortran_order": False, "shape": (n, dim)})
        for start in range(0, n, chunk):  # chunk is a multiple of SEGMENTS_PER_FILE: files do not straddle chunks
            rng = np.random.default_rng([12345, start])
            rows = min(chunk, n - start)
            files = -(-rows // SEGMENTS_PER_FILE)
            f = seeds[rng.integers(0, len(seeds), files)]
            f += _noise(rng, (files, dim), 0.033)  # cos(file, seed) ~ 0.8
            seg = np.repeat(f, SEGMENTS_PER_FILE, axis=0)[:rows]
            seg += _noise(rng, (rows, dim), 0.021)  # cos(segment, file) ~ 0.9
            seg /= np.linalg.norm(seg, axis=1, keepdims=True)
            out.write(seg.astype(np.float16).tobytes())
    os.replace(tmp, path)


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Noise of standard deviation scale per dimension, uniform (half the cost of Gaussian draws; over 512
    dimensions its projections are Gaussian all the same)."""
    out = rng.random(shape, dtype=np.float32)
    out -= np.float32(0.5)
    out *= np.float32(scale * 12 ** 0.5)
    return out


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
    """The exact top-k files per query (a file ranks at its best segment), by chunked matrix products over the
    file (200k vectors in memory at a time, whatever its size)."""
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


def read_rows(path: Path, rows: np.ndarray) -> np.ndarray:
    """Rows of the .npy file as float32, by plain reads: touching 100k rows through the memory map would map
    ~64 KiB around each (the kernel's fault-around), 6.5 GB of page cache counted in this process's RSS at 10M."""
    data = np.load(path, mmap_mode="r")
    (_, dim), offset = data.shape, data.offset
    del data
    out = np.empty((len(rows), dim), np.float16)
    fd = os.open(path, os.O_RDONLY)
    try:
        for i, r in enumerate(rows):
            out[i] = np.frombuffer(os.pread(fd, 2 * dim, offset + 2 * dim * int(r)), np.float16)
    finally:
        os.close(fd)
    return out.astype(np.float32)


class RssWatch:
    """The largest RssAnon (private memory) and RssFile (mapped file pages: page cache, reclaimable) of this
    process, sampled every 0.2 s by a thread (ru_maxrss counts both together)."""

    def __init__(self) -> None:
        import threading

        self.peak = {"RssAnon": 0, "RssFile": 0}
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            self.sample()
            time.sleep(0.2)

    def sample(self) -> None:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in self.peak:
                self.peak[key] = max(self.peak[key], int(value.split()[0]) // 1024)


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(a[a >= 0]) & set(b[b >= 0])) / 10 for a, b in zip(found, truth)]))


def fits(kind: str, n: int, dim: int, ram_gb: float) -> bool:
    """flat and IVF-Flat hold every vector in float32 in RAM; ivf-pq holds codes (its vectors stay in the file)."""
    return kind == "ivf-pq" or n * dim * 4 <= ram_gb * 2**30


def build(kind: str, path: Path, n: int, dim: int, pq_bytes: int | None, saved: Path | None = None):
    """The product's VectorIndex.build over the file: trained on a sample read with plain reads, then fed
    200k-vector chunks read from the file; ivf-pq re-ranks from the float16 memory map. saved: instead, load the
    index saved in that folder (by a run of this bench on the same vectors: its ids are the rows)."""
    from clapsearch.vectors import VectorIndex
    from clapsearch.vectors.kinds import TRAIN_SAMPLE, Layout

    stored = np.load(path, mmap_mode="r")
    t0 = time.perf_counter()
    if saved is not None:
        index = VectorIndex.load(saved, dim)
        if index is None or index.kind != kind or index.ntotal != n:
            raise SystemExit(f"{saved} holds no usable {kind} index of {n} vectors")
        index.rerank_source = lambda ids: np.asarray(stored[np.asarray(ids)], dtype=np.float32)
        print(f"  {kind}: loaded from {saved} in {time.perf_counter() - t0:.1f} s", flush=True)
        return index, None, 0.0
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(n, min(n, TRAIN_SAMPLE), replace=False)) if kind != "flat" else np.zeros(0, int)
    sample = read_rows(path, pick)
    layout = Layout.for_size(n, dim, len(sample)) if len(sample) else None
    if layout is not None and pq_bytes:
        layout = dataclasses.replace(layout, pq_m=pq_bytes)
    index = VectorIndex.build(dim, kind, sample, chunks(path), total=n, layout=layout)
    build_s = time.perf_counter() - t0
    index.rerank_source = lambda ids: np.asarray(stored[np.asarray(ids)], dtype=np.float32)
    return index, layout, build_s


def sweep(index, kind: str, queries: np.ndarray, truth: np.ndarray, nprobes: list[int],
          factors: list[int]) -> None:
    """Print recall@10 and time per query at other nprobe (IVF) and re-rank factors (ivf-pq)."""
    from clapsearch.vectors import kinds

    default_nprobe, default_shortlist = index.nprobe, kinds.SHORTLIST
    settings = [(p, default_shortlist) for p in nprobes if index.nlist]
    settings += [(default_nprobe, f) for f in factors if kind == "ivf-pq"]
    for probe, factor in settings:
        index.nprobe, kinds.SHORTLIST = probe, factor
        lat, found = [], []
        for q in queries:
            t = time.perf_counter()
            ids = index.search(q, 40)[1][0]
            lat.append(time.perf_counter() - t)
            found.append(top_files(ids, 10))
        ms = np.array(lat) * 1000
        print(f"  {kind} nprobe {probe}, re-rank {factor} x k: recall@10 {recall(found, truth):.3f}, "
              f"p50 {np.median(ms):.2f} p99 {np.percentile(ms, 99):.2f} ms, load {os.getloadavg()[0]:.1f}",
              flush=True)
    index.nprobe, kinds.SHORTLIST = default_nprobe, default_shortlist


def timings(index, queries: np.ndarray, truth: np.ndarray, passes: int = 3) -> dict[str, float]:
    """Single queries one at a time (passes x the queries): wall p50/p99, CPU per query (process time, all threads:
    less sensitive to other jobs than wall time), recall@10 of the first pass; then all queries in one batch."""
    lat, found, loads = [], [], [os.getloadavg()[0]]
    cpu0 = time.process_time()
    for rep in range(passes):
        for q in queries:
            t = time.perf_counter()
            ids = index.search(q, 40)[1][0]
            lat.append(time.perf_counter() - t)
            if rep == 0:
                found.append(top_files(ids, 10))
    cpu_ms = 1000 * (time.process_time() - cpu0) / len(lat)
    loads.append(os.getloadavg()[0])
    t = time.perf_counter()
    index.search_batch(queries, 40)
    ms = np.array(lat) * 1000
    return {"recall_at_10": round(recall(found, truth), 4), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2), "cpu_ms": round(cpu_ms, 2),
            "batch_qps": round(len(queries) / (time.perf_counter() - t), 1), "load": [round(x, 1) for x in loads]}


def measure(kind: str, path: Path, queries: np.ndarray, truth: np.ndarray, n: int, nprobe: int | None,
            tmp: Path, nprobes: list[int], factors: list[int], pq_bytes: int | None = None,
            saved: Path | None = None) -> dict[str, object]:
    """Build one index type from the vectors at path and measure it (run in a child process: its own RSS)."""
    from clapsearch.vectors.kinds import auto_kind

    faiss.omp_set_num_threads(2)
    watch = RssWatch()
    dim = queries.shape[1]
    index, layout, build_s = build(kind, path, n, dim, pq_bytes, saved)
    watch.sample()
    print(f"  {kind}: built in {build_s:.0f} s, peak RSS {_rss_mb()} MB (private {watch.peak['RssAnon']} MB)",
          flush=True)
    if nprobe:
        index.nprobe = nprobe
    t0 = time.perf_counter()
    index.save(tmp, generation=1)
    save_s = time.perf_counter() - t0
    disk = (tmp / "vectors.faiss").stat().st_size
    index.search(queries[:5], 40)  # warm
    sweep(index, kind, queries, truth, nprobes, factors)
    row: dict[str, object] = {"type": kind, "segments": n, "auto": auto_kind(n, dim) == kind, "fits": True}
    row.update(timings(index, queries, truth))
    watch.sample()
    row.update({"build_s": round(build_s, 1), "save_s": round(save_s, 1), "peak_rss_mb": _rss_mb(),
                "peak_private_mb": watch.peak["RssAnon"], "peak_mapped_file_mb": watch.peak["RssFile"],
                "disk_mb": round(disk / 2**20, 1), "nlist": index.nlist,
                "nprobe": index.nprobe if index.nlist else 0,
                "pq_bytes": int(getattr(getattr(index.index, "pq", None), "M", 0)),
                "loaded_from": str(saved) if saved else None})
    return row


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _child(kind, path, queries, truth, n, nprobe, nprobes, factors, pq_bytes, saved, out) -> None:
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        out.put(measure(kind, path, queries, truth, n, nprobe, Path(tmp), nprobes, factors, pq_bytes, saved))


def main() -> None:
    import multiprocessing as mp

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segments", type=int, required=True)
    ap.add_argument("--types", default="flat,ivf,ivf-pq")
    ap.add_argument("--json", default=None, help="write one JSON row per type to this file")
    ap.add_argument("--esc50", type=Path, default=ESC50, help="ESC-50 folder (for the real seed embeddings)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "clapsearch-vector-scale",
                    help="where the seed cache and the synthetic vectors (float16, N x 1 KiB) are kept")
    ap.add_argument("--ram-gb", type=float, default=8.0, help="flat and ivf hold N float32 vectors in RAM: "
                    "beyond this many GB they are reported as not fitting, not run (default 8, the issue's target)")
    ap.add_argument("--nprobe", type=int, default=None, help="override the IVF lists scanned per query")
    ap.add_argument("--pq-bytes", type=int, default=None, help="ivf-pq: bytes per code (default dim/4)")
    ap.add_argument("--index-from", type=Path, default=None, metavar="DIR", help="measure the index saved in DIR "
                    "(vectors.faiss/.json of an earlier run on these vectors, one type) instead of building one")
    ap.add_argument("--sweep", default="", help="IVF types: also print recall and time at these nprobe (16,32,..)")
    ap.add_argument("--rerank-sweep", default="", help="ivf-pq: also at these re-rank factors (shortlist = "
                    "factor x k)")
    args = ap.parse_args()
    nprobes = [int(x) for x in args.sweep.split(",") if x]
    factors = [int(x) for x in args.rerank_sweep.split(",") if x]
    faiss.omp_set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)
    seeds, queries = real_seeds(args.work / "seeds.npz", args.esc50)
    path = args.work / f"vectors-{args.segments}.npy"
    if not path.exists():
        t0 = time.perf_counter()
        synthesize(path, args.segments, seeds)
        print(f"synthesised {args.segments} vectors in {time.perf_counter() - t0:.0f} s "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    t0 = time.perf_counter()
    cached = args.work / f"truth-{args.segments}.npz"
    if cached.exists():
        truth, exact_s = np.load(cached)["truth"], float(np.load(cached)["seconds"])
    else:
        truth = exact_files(path, queries)
        exact_s = time.perf_counter() - t0
        np.savez(cached, truth=truth, seconds=exact_s)
    print(f"exact ground truth (100 queries, chunked products over the file) in {exact_s:.0f} s "
          f"(load {os.getloadavg()[0]:.1f})", flush=True)
    rows = [run_type(kind, args, path, queries, truth, nprobes, factors, exact_s, mp.get_context("spawn"))
            for kind in args.types.split(",")]
    print_table(rows)
    if args.json:
        Path(args.json).write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def run_type(kind, args, path, queries, truth, nprobes, factors, exact_s, ctx) -> dict[str, object]:
    """One type's row: measured in a fresh process (its peak RSS its own), or, where its float32 vectors do not
    fit --ram-gb, a row saying so (flat's with the exact search that gave the ground truth, timed)."""
    from clapsearch.vectors.kinds import auto_kind

    n, dim = args.segments, queries.shape[1]
    if not fits(kind, n, dim, args.ram_gb):
        row: dict[str, object] = {"type": kind, "segments": n, "auto": auto_kind(n, dim) == kind, "fits": False,
                                  "float32_gb": round(n * dim * 4 / 2**30, 1)}
        if kind == "flat":
            row.update({"recall_at_10": 1.0, "exact_chunked_batch_s": round(exact_s, 1),
                        "batch_qps": round(len(queries) / exact_s, 2)})
        print(json.dumps(row), flush=True)
        return row
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(kind, path, queries, truth, n, args.nprobe, nprobes, factors,
                                         args.pq_bytes, args.index_from, q))
    p.start()
    row = q.get()
    p.join()
    print(json.dumps(row), flush=True)
    return row


def print_table(rows: list[dict[str, object]]) -> None:
    print("\n| type | auto | recall@10 | p50 ms | p99 ms | CPU ms/query | batch q/s | build s | peak RSS MB "
          "| disk MB | lists/probed | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if not r["fits"]:
            print(f"| {r['type']} | {'yes' if r['auto'] else ''} | not run: {r['float32_gb']} GB of float32 "
                  f"vectors in RAM | | | | {r.get('batch_qps', '')} | | | | | |")
            continue
        print(f"| {r['type']} | {'yes' if r['auto'] else ''} | {r['recall_at_10']:.3f} | {r['p50_ms']} "
              f"| {r['p99_ms']} | {r['cpu_ms']} | {r['batch_qps']} | {r['build_s']} | {r['peak_rss_mb']} "
              f"| {r['disk_mb']} | {r['nlist']}/{r['nprobe']} | {r['load'][0]}-{r['load'][1]} |")


if __name__ == "__main__":
    main()
