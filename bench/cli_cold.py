"""Cold CLI figures on a 2,000-clip index: `query TEXT` wall and peak RSS, unchanged re-index wall, `models` wall.

    python bench/cli_cold.py [--clips 2000] [--runs 5] [--work /tmp/clapsearch-cli-cold] [--before TREE]

Each figure is a whole `clapsearch` process, measured with /usr/bin/time (%e wall, %M peak RSS); the median of
--runs. The library (short clips cut from the demo sounds with random offsets, gains and lengths, written as WAV)
and its index are built once under --work and reused. --before TREE runs the same commands a second time with
TREE (e.g. `git archive HEAD | tar -x -C /tmp/old`) first on PYTHONPATH, interleaved A B A B, so a change can be
compared with the code before it on the same index.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "clapsearch" / "samples"
CLAPSEARCH = [sys.executable, "-c", "import sys; from clapsearch.cli.main import app; sys.argv[0] = 'clapsearch'; "
              "app()"]


def build_library(folder: Path, clips: int, seed: int = 0) -> None:
    """Write `clips` WAV files (0.5-3 s, 44.1 kHz mono) cut from the demo sounds; skip when already there."""
    import soundfile as sf

    if folder.is_dir() and len(list(folder.glob("*.wav"))) == clips:
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sources = []
    for path in sorted(SAMPLES.glob("*.flac")):
        wave, rate = sf.read(path, dtype="float32", always_2d=True)
        if rate == 44100:
            sources.append((path.stem, wave.mean(axis=1)))
    for i in range(clips):
        name, wave = sources[i % len(sources)]
        n = int(rng.uniform(0.5, 3.0) * 44100)
        start = int(rng.integers(0, max(1, len(wave) - n)))
        clip = np.resize(wave[start:start + n], n) * rng.uniform(0.3, 1.0)
        clip = clip + rng.normal(0, 1e-3, n).astype(np.float32)  # every file's content differs
        sf.write(folder / f"{i:05d}_{name}.wav", np.clip(clip, -1, 1), 44100, subtype="PCM_16")


def run(args: list[str], tree: Path | None) -> tuple[float, float, float, str]:
    """Run one clapsearch command; return (wall s, CPU s (user + system), peak RSS MB, stdout)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    proc = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M", *CLAPSEARCH, *args], capture_output=True,
                          text=True, env=env, cwd="/tmp")
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("TIME ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"clapsearch {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    _, wall, user, system, rss = line[-1].split()
    return float(wall), float(user) + float(system), int(rss) / 1024, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/clapsearch-cli-cold"))
    ap.add_argument("--before", type=Path, default=None, help="a tree of the code before, to compare with")
    ap.add_argument("--query", default="a dog barking")
    ap.add_argument("--only", default="query,re-index,models", help="which commands, comma-separated")
    args = ap.parse_args()
    library, index = args.work / "library", args.work / "index"
    build_library(library, args.clips)
    if not (index / "metadata.sqlite").exists():
        t0 = time.perf_counter()
        run(["index", str(library), "--index", str(index)], None)
        print(f"built the index of {args.clips} clips in {time.perf_counter() - t0:.0f} s")
    commands = {"query": ["query", args.query, "--index", str(index)],
                "re-index (unchanged)": ["index", str(library), "--index", str(index)],
                "models": ["models"]}
    commands = {k: v for k, v in commands.items() if k.split()[0] in args.only.split(",")}
    trees: dict[str, Path | None] = {"after": None} if args.before is None else {"before": args.before,
                                                                                  "after": None}
    figures: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for _ in range(args.runs):
        for what, cmd in commands.items():
            for label, tree in trees.items():  # interleaved: A B A B
                wall, cpu, rss, _ = run(cmd, tree)
                figures.setdefault((what, label), []).append((wall, cpu, rss))
    print(f"cold CLI, {args.clips}-clip index, median of {args.runs}: wall s, CPU s (user + system: what a quiet "
          f"machine's wall comes close to), peak RSS MB; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    for (what, label), vals in figures.items():
        walls, cpus, rsss = ([v[i] for v in vals] for i in range(3))
        print(f"{what:22s} {label:7s} wall {statistics.median(walls):6.2f} s  CPU {statistics.median(cpus):6.2f} s  "
              f"{statistics.median(rsss):6.0f} MB   (walls {' '.join(f'{w:.2f}' for w in walls)})")


if __name__ == "__main__":
    main()
