"""Single-query text encoding latency of models' text towers (and heads), interleaved A B A B, medians.

    PYTHONPATH=. python bench/text_latency.py MODEL[:BACKEND] [MODEL[:BACKEND] ...] [--rounds 30] [--threads N]

MODEL is a name or a trained model folder; BACKEND is auto (numpy where clapsearch.textquery reproduces the model,
else torch), numpy or torch. Each round encodes one query per model, in turn, cycling through a fixed list of
search-like queries, so every model sees the same load; the first 3 rounds are warm-up. Prints, per model, the
backend used, the median and p90 in ms, and the load time.
"""
from __future__ import annotations

import argparse
import statistics
import time

QUERIES = ["a dog barking", "someone playing the violin", "dog barking in rain", "a door slams shut",
           "church bells ringing in the distance", "seven", "a woman speaking", "footsteps on gravel",
           "a helicopter flying overhead", "glass breaking"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    import torch

    from clapsearch.encoder import Encoder

    if args.threads:
        torch.set_num_threads(args.threads)
    encoders, loads = [], []
    for spec in args.models:
        name, _, backend = spec.partition(":")
        t0 = time.perf_counter()
        enc = Encoder(name, device="cpu", text_backend=backend or "auto")
        enc.embed_texts("warm up")
        loads.append(time.perf_counter() - t0)
        encoders.append(enc)
    times: list[list[float]] = [[] for _ in encoders]
    for r in range(args.rounds + 3):
        query = QUERIES[r % len(QUERIES)]
        for i, enc in enumerate(encoders):
            t0 = time.perf_counter()
            enc.embed_texts(query)
            if r >= 3:
                times[i].append((time.perf_counter() - t0) * 1000)
    for spec, enc, ts, load in zip(args.models, encoders, times, loads):
        ts.sort()
        print(f"{spec}: backend {enc.text_backend if enc.numpy_text is None else 'numpy'}, "
              f"median {statistics.median(ts):.1f} ms, p90 {ts[int(0.9 * (len(ts) - 1))]:.1f} ms "
              f"({len(ts)} queries), load + first query {load:.1f} s")


if __name__ == "__main__":
    main()
