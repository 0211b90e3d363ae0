"""Model load time: an Encoder ready to embed (model built, weights loaded, identity known), in a fresh process.

    python bench/model_load.py [--model default|msclap-2022|FOLDER] [--runs 5] [--before TREE]

msclap-2022 uses random weights in clapsearch's format, written once to /tmp/clapsearch-msclap-2022-random
(CNN14 + BERT-base, 785 MB; no download). Each run is a new process that first imports torch and transformers'
BERT (not timed: every side pays it), then times `Encoder(model)` with its identity and built model. --before TREE
times the same with TREE (e.g. `git archive HEAD | tar -x -C /tmp/old`) on PYTHONPATH, interleaved A B A B.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

RANDOM_MSCLAP = Path("/tmp/clapsearch-msclap-2022-random")

TIMED = """
import time, torch, transformers.models.bert.modeling_bert
from clapsearch.encoder import Encoder
t = time.perf_counter()
enc = Encoder({model!r}, device="cpu")
enc.identity, enc.model
print("LOAD", time.perf_counter() - t)
"""


def random_msclap() -> Path:
    """Save msclap-2022's architecture with random weights (seeded) once; return the folder."""
    if not (RANDOM_MSCLAP / "model.safetensors").is_file():
        from clapsearch.model import load_config, save_model
        from clapsearch.model.factory import build_model

        save_model(build_model(load_config("msclap-2022"), pretrained=False), RANDOM_MSCLAP,
                   provenance={"random": "bench/model_load.py"})
    return RANDOM_MSCLAP


def run(model: str, tree: Path | None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    proc = subprocess.run([sys.executable, "-c", TIMED.format(model=model)], capture_output=True, text=True,
                          env=env, cwd="/tmp")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOAD ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"load failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return float(line[-1].split()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", type=Path, default=None)
    args = ap.parse_args()
    model = str(random_msclap()) if args.model == "msclap-2022" else args.model
    trees: dict[str, Path | None] = {"after": None} if args.before is None else {"before": args.before,
                                                                                  "after": None}
    times: dict[str, list[float]] = {label: [] for label in trees}
    for _ in range(args.runs):
        for label, tree in trees.items():
            times[label].append(run(model, tree))
    for label, vals in times.items():
        print(f"load {args.model:12s} {label:7s} median {statistics.median(vals):6.2f} s  "
              f"({' '.join(f'{v:.2f}' for v in vals)})")


if __name__ == "__main__":
    main()
