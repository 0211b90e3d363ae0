"""Index throughput: files/s and x real time for a folder, cold and then unchanged (incremental).

    python bench/index_throughput.py ../shared/data/esc50-dev/audio [--model default] [--device cpu] [--workers N]
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time

import torch

from clapsearch.indexer import index_paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--model", default="default")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cold = index_paths([args.folder], tmp, model=args.model, device=args.device, workers=args.workers,
                           batch_size=args.batch_size)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = index_paths([args.folder], tmp, model=args.model, device=args.device, workers=args.workers)
        warm_s = time.perf_counter() - t0
    files = cold.added
    print(f"device: {args.device} (cuda available: {torch.cuda.is_available()}), torch threads: "
          f"{torch.get_num_threads()}, workers: {args.workers}")
    print(f"cold: {files} files, {cold.audio_seconds / 3600:.2f} h audio, {cold.segments} segments in {cold_s:.1f} s "
          f"(incl. model load) = {files / cold_s:.2f} files/s, {cold.audio_seconds / cold_s:.1f}x real time")
    print(f"unchanged re-run: {warm.unchanged} unchanged in {warm_s:.2f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (main process)")


if __name__ == "__main__":
    main()
