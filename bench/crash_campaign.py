"""Crash campaign: kill -9 real `clapsearch index` runs at random moments, change the library between runs, and
check after every kill that the index on disk is consistent; at the end, that it equals a clean build.

    python bench/crash_campaign.py --kills 100 [--source DIR] [--files 40] [--model default] [--seed 0]

Half the runs are killed at a moment drawn uniformly over [0, 1.2 x the median duration of the last complete
runs], the other half over [0.9 x the start-up time, 1.1 x that median], so kills land in start-up (model load),
scanning, embedding and the writes; one run in five is left to finish.
Between runs, --changes/2 to --changes files are touched, added, deleted, moved and rewritten (enough work
that a good share of the kills land after start-up). After each kill:
  - SQLite's integrity_check is "ok";
  - a FAISS file that claims SQL's generation holds exactly SQL's segment ids and vectors (a stale one is
    allowed: the next open rebuilds it);
  - the next run finishes and leaves SQL and FAISS agreeing.
Finally the campaign's index is compared with a clean build of the same library (files, vectors).
The library: --source's audio files (default: ESC-50 dev from the development data, else generated sounds) plus
odd entries (a FIFO, a link to /dev/zero, a name that is not UTF-8, a truncated WAV).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
DEV_DATA = ROOT.parent / "shared" / "data" / "esc50-dev" / "audio"


def clapsearch(*args: str) -> list[str]:
    return [sys.executable, "-m", "clapsearch.cli.main", *args]


def generated_sources(folder: Path, n: int, rng: random.Random) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        sr = rng.choice([16000, 22050, 44100])
        t = np.arange(int(rng.uniform(1.0, 6.0) * sr)) / sr
        hiss = 0.05 * np.random.default_rng(i).standard_normal(len(t))
        wave = 0.3 * np.sin(2 * np.pi * rng.uniform(80, 4000) * t) + hiss
        path = folder / f"gen{i:03d}.{rng.choice(['wav', 'flac', 'ogg'])}"
        sf.write(path, wave.astype(np.float32), sr)
        out.append(path)
    return out


def add_odd_entries(lib: Path) -> None:
    os.mkfifo(lib / "fifo.wav")
    (lib / "zero.wav").symlink_to("/dev/zero")
    sf.write(bytes(lib) + b"/caf\xe9.wav", (0.2 * np.sin(np.arange(16000) / 5)).astype(np.float32), 16000)
    sf.write(lib / "cut.wav", np.random.default_rng(1).standard_normal(48000).astype(np.float32) * 0.1, 16000)
    data = (lib / "cut.wav").read_bytes()
    (lib / "cut.wav").write_bytes(data[: len(data) // 2])


def mutate(lib: Path, pool: list[Path], rng: random.Random, counter: list[int]) -> str:
    """One random change of the library; return what it was."""
    files = sorted(p for p in lib.rglob("*")
                   if p.is_file() and not p.is_symlink() and p.suffix in (".wav", ".flac", ".ogg")
                   and p.name not in ("cut.wav",) and not p.name.startswith("caf"))
    kind = rng.choice(["touch", "add", "delete", "move", "rewrite"]) if files else "add"
    counter[0] += 1
    if kind == "add":
        src = rng.choice(pool)
        sub = lib / rng.choice(["", "a", "b/c"])
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, sub / f"n{counter[0]}-{src.name}")
    elif kind == "delete":
        rng.choice(files).unlink()
    elif kind == "move":
        f = rng.choice(files)
        f.rename(f.with_name(f"m{counter[0]}-{f.name}"))
    elif kind == "touch":
        f = rng.choice(files)
        later = time.time() + counter[0]
        os.utime(f, (later, later))
    else:  # rewrite: other content under the same name
        f = rng.choice(files)
        wave, sr = sf.read(rng.choice(pool), dtype="float32")
        sf.write(f, wave * rng.uniform(0.3, 0.9), sr, format=sf.info(f).format)
    return kind


def check(index: Path, dim: int) -> list[str]:
    """Return the inconsistencies of an index on disk (empty: consistent)."""
    from clapsearch.store import Store
    from clapsearch.vectors import VectorIndex

    problems = []
    db = index / "metadata.sqlite"
    if not db.exists():
        return problems  # killed before the database was created
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    if result != "ok":
        problems.append(f"SQLite integrity_check: {result}")
        return problems
    store = Store.sqlite_in(index, readonly=True)
    try:
        if "model" not in store.meta():
            return problems
        saved = VectorIndex.load(index, dim)
        if saved is not None and saved.generation == store.generation():
            ids = [int(i) for chunk, _ in store.iter_vectors(dim) for i in chunk]
            if saved.ntotal != len(ids):
                problems.append(f"FAISS marked current (generation {saved.generation}) holds {saved.ntotal} "
                                f"segments, SQL {len(ids)}")
            elif ids:
                sql = np.concatenate([v for _, v in store.iter_vectors(dim)])
                got = np.stack([saved.index.reconstruct(i) for i in ids])
                if not np.allclose(got, sql, atol=1e-6):
                    problems.append("FAISS marked current holds other vectors than SQL")
    finally:
        store.engine.dispose()
    return problems


def compare(a: Path, b: Path) -> tuple[list[str], float]:
    """Return (differences in the file set, max vector difference) between two indexes."""
    from clapsearch.store import Store

    sa, sb = Store.sqlite_in(a, readonly=True), Store.sqlite_in(b, readonly=True)
    fa, fb = sa.file_states(), sb.file_states()
    diffs = [f"only in campaign: {p!r}" for p in set(fa) - set(fb)]
    diffs += [f"only in clean: {p!r}" for p in set(fb) - set(fa)]
    dim = int(sb.meta()["dim"])
    worst = 0.0
    for p in set(fa) & set(fb):
        if fa[p].status != fb[p].status:
            diffs.append(f"{p!r}: {fa[p].status} vs {fb[p].status}")
            continue
        va, vb = sa.vectors_of(p, dim), sb.vectors_of(p, dim)
        if va.shape != vb.shape:
            diffs.append(f"{p!r}: {len(va)} vs {len(vb)} segments")
        elif len(va):
            worst = max(worst, float(np.abs(va - vb).max()))
    return diffs, worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--source", type=Path, default=None, help="folder of audio files (default: ESC-50 dev)")
    ap.add_argument("--files", type=int, default=40, help="files in the starting library")
    ap.add_argument("--model", default="default")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--changes", type=int, default=24, help="at most this many library changes between runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="crash-campaign-"))
    work.mkdir(parents=True, exist_ok=True)
    lib, index = work / "library", work / "index"
    shutil.rmtree(lib, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    lib.mkdir()
    source = args.source or (DEV_DATA if DEV_DATA.is_dir() else None)
    if source is not None:
        pool = sorted(p for p in source.iterdir() if p.suffix.lower() in (".wav", ".flac", ".ogg"))
        rng.shuffle(pool)
        pool = pool[: args.files * 3]
        what = f"{source.parent.name if source.name == 'audio' else source.name} ({len(pool)} files in the pool)"
    else:
        pool = generated_sources(work / "pool", args.files * 2, rng)
        what = "generated sounds"
    for src in pool[: args.files]:
        shutil.copy(src, lib / src.name)
    add_odd_entries(lib)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = clapsearch("index", str(lib), "--index", str(index), "--model", args.model, "--workers",
                     str(args.workers), "--json")

    print(f"library: {args.files} files from {what} + odd entries; model {args.model}; work folder {work}")
    t0 = time.monotonic()
    first = subprocess.run(cmd, capture_output=True, text=True, env=env)
    full = time.monotonic() - t0
    if first.returncode != 0:
        sys.exit(f"the first, complete run failed:\n{first.stderr}")
    dim = json.loads((index / "vectors.json").read_text())["dim"]
    t1 = time.monotonic()
    subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    startup = time.monotonic() - t1  # a run with nothing to do: imports, model load, scan, write
    print(f"a complete first run takes {full:.1f} s; one with nothing to do {startup:.1f} s (start-up)")
    durations = [full]  # of complete runs: the kill window follows what a run takes now
    phases = {"start-up": 0, "work": 0}

    runs = kills = completed = 0
    inconsistencies: list[str] = []
    changes: dict[str, int] = {}
    counter = [0]
    while kills < args.kills:
        for _ in range(rng.randint(args.changes // 2, args.changes)):
            kind = mutate(lib, pool, rng, counter)
            changes[kind] = changes.get(kind, 0) + 1
        runs += 1
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)
        started = time.monotonic()
        if rng.random() < 0.2:
            out, err = proc.communicate()
            durations.append(time.monotonic() - started)
            if proc.returncode != 0:
                inconsistencies.append(f"run {runs}: a complete run failed (exit {proc.returncode}): "
                                       f"{err.strip().splitlines()[-1] if err.strip() else ''}")
            completed += 1
        else:
            typical = float(np.median(durations[-5:]))
            # half the kills anywhere in a run, half after start-up (where the writes are)
            at = rng.uniform(0, 1.2 * typical) if rng.random() < 0.5 else rng.uniform(0.9 * startup, 1.1 * typical)
            time.sleep(at)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the run and its decode workers, as a crash would
                kills += 1
                phases["start-up" if at < startup else "work"] += 1
            else:
                durations.append(time.monotonic() - started)
                completed += 1
            proc.communicate()
        for problem in check(index, dim):
            inconsistencies.append(f"run {runs}: {problem}")
        if runs % 10 == 0:
            print(f"  {runs} runs, {kills} kills, {completed} completed, {len(inconsistencies)} inconsistencies "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)

    final = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if final.returncode != 0:
        inconsistencies.append(f"the final run failed: {final.stderr.strip()[-300:]}")
    for problem in check(index, dim):
        inconsistencies.append(f"after the final run: {problem}")
    clean = work / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    subprocess.run(clapsearch("index", str(lib), "--index", str(clean), "--model", args.model, "--json"),
                   capture_output=True, text=True, env=env, check=True)
    diffs, worst = compare(index, clean)
    inconsistencies += [f"final index vs clean build: {d}" for d in diffs]

    print(f"kills during start-up (first {startup:.1f} s: imports, model load, scan) {phases['start-up']}, "
          f"later (scan, decode, embed, write) {phases['work']}")
    print(f"runs {runs}, kills {kills}, completed {completed}, library changes "
          + ", ".join(f"{k} {v}" for k, v in sorted(changes.items())))
    print(f"final index vs a clean build: {len(diffs)} differences in files, max vector difference {worst:.2e}")
    print(f"inconsistencies found: {len(inconsistencies)}")
    for line in inconsistencies[:50]:
        print("  " + line)
    print(f"wall time {time.monotonic() - t0:.0f} s")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if inconsistencies else 0)


if __name__ == "__main__":
    main()
