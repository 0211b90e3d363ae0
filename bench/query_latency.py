"""End-to-end query latency of a warm `clapsearch serve`, at 10k, 100k and 1M segments; cold CLI wall and RSS.

    python bench/query_latency.py [--sizes 10000,100000,1000000] [--queries 200] [--work /tmp/clapsearch-latency]
                                  [--cli-cold]

For each size an index is written through the project's store (SQL rows, bulk-inserted) with synthetic segment
vectors drawn around real default-model embeddings (bench/vector_scale.py's seeds: the demo sounds and ESC-50 dev
clips), 4 segments per file; its meta names the real default model, so the server loads that model and embeds each
query text with it. The server (a subprocess: `clapsearch serve --port 0`) builds the FAISS index the index's
`auto` choice picks at that size on first start (saved, so later runs reuse it), then each query is timed from the
HTTP request to the parsed JSON response: text encoding, vector search, metadata, JSON. p50 and p99 over --queries
requests (real text queries, after 10 warm-up requests), one at a time on a keep-alive connection.

Then, on the smallest index with its server running: a cold `clapsearch query TEXT` (a new process, answered
through the server) and the same with --no-server (the model loaded in the process), each wall and peak RSS with
/usr/bin/time (median of 3). --cli-cold also runs bench/cli_cold.py (the 2,000-clip index of issue 14) if present.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from vector_scale import CATEGORIES, EXTRA, SEGMENTS_PER_FILE, real_seeds, synthesize  # noqa: E402

CLI = [sys.executable, "-m", "clapsearch.cli.main"]
FOLDERS = 40
FORMATS = [("WAV", 44100), ("FLAC", 48000), ("WAV", 16000), ("OGG", 44100), ("MP3", 44100)]


def build_index(folder: Path, n: int, vectors_file: Path) -> float:
    """Write an index of n synthetic segments (metadata and vectors in SQL) unless it is there; return seconds."""
    if (folder / "ready").exists():
        return 0.0
    from sqlalchemy import insert

    from clapsearch.index import IndexDir, IndexLock
    from clapsearch.store import FileRecord, SegmentRecord
    from clapsearch.store.store import GENERATION

    t0 = time.monotonic()
    with IndexLock(folder):
        idx = IndexDir.open(folder, model="default", device="cpu", create=True)  # the real model's identity
        store = idx.store
        data = np.load(vectors_file, mmap_mode="r")
        n_files = -(-n // SEGMENTS_PER_FILE)
        rng = np.random.default_rng(1)
        for start in range(0, n_files, 20_000):
            stop = min(n_files, start + 20_000)
            files, segs = [], []
            for f in range(start, stop):
                fmt, rate = FORMATS[f % len(FORMATS)]
                duration = float(rng.uniform(1.0, 8.0))
                files.append({"id": f + 1, "path": f"/synthetic/lib/folder{f % FOLDERS:02d}/sound{f:07d}."
                              f"{fmt.lower()}", "size": int(duration * rate * 2), "mtime": 0.0,
                              "content_hash": f"{f:064x}", "duration": duration, "sample_rate": rate, "channels": 1,
                              "format": fmt, "status": "indexed", "error": None})
                for j in range(SEGMENTS_PER_FILE):
                    sid = f * SEGMENTS_PER_FILE + j
                    if sid < n:
                        segs.append({"id": sid + 1, "file_id": f + 1, "start": j * duration / 4,
                                     "end": (j + 1) * duration / 4,
                                     "vector": np.asarray(data[sid], dtype="<f4").tobytes()})
            with store.session() as s, s.begin():
                s.execute(insert(FileRecord), files)
                s.execute(insert(SegmentRecord), segs)
        store.set_meta({GENERATION: str(store.generation() + 1)})
        store.close()
    (folder / "ready").write_text(str(n))
    return time.monotonic() - t0


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], int, float]:
    """Start `clapsearch serve` on the index; return (process, port, seconds until it answered /api/info)."""
    record = folder / "server.json"
    record.unlink(missing_ok=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(CLI + ["serve", "--index", str(folder), "--port", "0", "--device", "cpu"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the server failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            info = json.loads(record.read_text())
            if info.get("pid") == proc.pid:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    port = int(info["port"])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/api/info")
    conn.getresponse().read()
    return proc, port, time.monotonic() - t0


def latencies(port: int, texts: list[str], n: int, k: int = 10) -> tuple[list[float], dict[str, list[float]]]:
    """Seconds per query, end to end over HTTP (keep-alive), after 10 warm-up requests; and the server's own
    Server-Timing parts (ms: rank = text encoding + vector search, metadata = the results' SQL)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out: list[float] = []
    parts: dict[str, list[float]] = {}
    for i in range(n + 10):
        q = texts[i % len(texts)]
        t0 = time.perf_counter()
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": q, "k": k}))
        r = conn.getresponse()
        body = json.loads(r.read())
        dt = time.perf_counter() - t0
        if r.status != 200 or len(body["results"]) != k:
            raise SystemExit(f"bad answer to {q!r}: {r.status} {str(body)[:300]}")
        if i >= 10:
            out.append(dt)
            for part in (r.getheader("Server-Timing") or "").split(","):
                name, _, dur = part.strip().partition(";dur=")
                if dur:
                    parts.setdefault(name, []).append(float(dur))
    return out, parts


def cold_cli(folder: Path, extra: list[str], runs: int = 3) -> tuple[float, float, float]:
    """Median (wall s, peak RSS MB, user+system CPU s) of a new `clapsearch query` process."""
    walls, rss, cpu = [], [], []
    for _ in range(runs):
        p = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M %U %S", *CLI, "query", "a dog barking", "--index",
                            str(folder), "-k", "10", *extra], capture_output=True, text=True, cwd="/tmp")
        line = [ln for ln in p.stderr.splitlines() if ln.startswith("TIME ")]
        if p.returncode != 0 or not line:
            raise SystemExit(f"query failed: {p.stderr[-2000:]}")
        fields = line[0].split()
        walls.append(float(fields[1]))
        rss.append(float(fields[2]) / 1024)
        cpu.append(float(fields[3]) + float(fields[4]))
    return statistics.median(walls), statistics.median(rss), statistics.median(cpu)


def server_kind(folder: Path) -> str:
    try:
        return str(json.loads((folder / "vectors.json").read_text()).get("kind", "flat"))
    except (OSError, ValueError):
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--work", type=Path, default=Path("/tmp/clapsearch-latency"))
    ap.add_argument("--cli-cold", action="store_true", help="also run bench/cli_cold.py (2,000-clip index)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds, _ = real_seeds(args.work / "seeds.npz")
    texts = [f"the sound of {c}" for c in CATEGORIES] + EXTRA
    rows = []
    first: tuple[Path, subprocess.Popen[bytes]] | None = None
    for n in sizes:
        vectors = args.work / f"vectors-{n}.npy"
        if not vectors.exists():
            synthesize(vectors, n, seeds)
        folder = args.work / f"idx-{n}"
        built = build_index(folder, n, vectors)
        proc, port, started = start_server(folder)
        cpu0 = _cpu_seconds(proc.pid)
        times, parts = latencies(port, texts, args.queries)
        cpu = (_cpu_seconds(proc.pid) - cpu0) / (args.queries + 10) * 1000  # includes the 10 warm-up requests
        lat = np.array(times) * 1000
        rss = _rss_mb(proc.pid)
        rows.append((n, server_kind(folder), built, started, np.percentile(lat, 50), np.percentile(lat, 99), rss,
                     {name: float(np.median(v)) for name, v in parts.items()}, cpu))
        print(f"{n:>9,} segments: p50 {rows[-1][4]:.1f} ms, p99 {rows[-1][5]:.1f} ms", file=sys.stderr, flush=True)
        if first is None:
            first = (folder, proc)
        else:
            _stop(proc)
    print(f"\nEnd to end per query over HTTP (text encoding, search, metadata, JSON), k=10, {args.queries} queries, "
          f"{os.cpu_count()} CPUs")
    print(f"{'segments':>10} {'index':>7} {'SQL build s':>11} {'server start s':>14} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'server RSS MB':>13} {'CPU ms/query':>12}  server-side medians (ms)")
    for n, kind, built, started, p50, p99, rss, med, cpu in rows:
        inside = ", ".join(f"{name} {v:.1f}" for name, v in med.items())
        print(f"{n:>10,} {kind:>7} {built:>11.1f} {started:>14.1f} {p50:>7.1f} {p99:>7.1f} {rss:>13.0f} {cpu:>12.1f}"
              f"  {inside}")
    print("CPU ms/query: the server process's user+system CPU time per request, which a busy machine does not "
          "inflate the way it inflates wall time (each request runs on one thread)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (1 min)")
    if first is not None:
        folder, proc = first
        via = cold_cli(folder, [])
        local = cold_cli(folder, ["--no-server", "--device", "cpu"])
        _stop(proc)
        print(f"\nCold `clapsearch query TEXT` (new process, {folder.name}; median of 3, /usr/bin/time):")
        print(f"  through the running server: {via[0]:.2f} s wall, {via[1]:.0f} MB peak RSS, {via[2]:.2f} s CPU")
        print(f"  --no-server (local search): {local[0]:.2f} s wall, {local[1]:.0f} MB peak RSS, {local[2]:.2f} s CPU")
    cold = ROOT / "bench" / "cli_cold.py"
    if args.cli_cold and cold.exists():
        print("\nbench/cli_cold.py:", flush=True)
        subprocess.run([sys.executable, str(cold)], check=False)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == "__main__":
    main()
