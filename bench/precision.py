"""Precision equivalence: each precision against fp32, per model, on ESC-50 dev clips; and its speed.

    python bench/precision.py --esc50 ../shared/data/esc50-dev [--clips 64] [--models default,msclap-2022,...]

default (real weights): the clip vectors of the benchmark's cached ESC-50 dev indexes, one per precision (run
`clapsearch benchmark esc50 --root ESC50 --precision P` for fp32, bf16 and int8 first: that run also gives the
zero-shot accuracy), compared segment by segment; top-10 overlap of real text queries (the 25 class prompts and
a few free-form ones) searched in each index.
msclap-2022, msclap-2023, LAION (HTSAT): their real weights are not reachable here, so each is built with random
weights (text towers of 2 layers, batch norms given real statistics, as tests/model/zoo does), and compared on
the first --clips ESC-50 dev clips: cosine of audio vectors, and the top-10 overlap of query-by-example (each of
the first 16 clips searched among all) between fp32 and the precision. Speed: median seconds to embed a batch
of 16 windows, precisions interleaved, 3 rounds (the machine is shared: relative figures).
"""
from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np
import torch

PRECISIONS = ("fp32", "bf16", "int8")
QUERIES = ["a dog barking", "rain falling on a roof", "someone coughing", "church bells ringing",
           "a helicopter flying overhead", "a baby crying", "keyboard typing", "a rooster crowing at dawn",
           "fireworks exploding", "a vacuum cleaner", "wind blowing", "a siren wailing"]


def default_model(esc50: Path) -> dict[str, dict[str, float]]:
    from clapsearch.benchmark.indexing import default_index_dir
    from clapsearch.search import SearchEngine

    names = [c.replace("_", " ") for c in sorted({r.split(",")[3] for r in
                                                  (esc50 / "meta" / "esc50.csv").read_text().splitlines()[1:]})]
    queries = QUERIES + [f"this is a sound of {c}" for c in names]
    vectors, hits = {}, {}
    for p in PRECISIONS:
        folder = default_index_dir(esc50, "default", p)
        if not folder.exists():
            print(f"  (no {p} index at {folder}: run clapsearch benchmark esc50 --precision {p} first)")
            continue
        engine = SearchEngine(folder, device="cpu", precision=p)
        store, dim = engine.index.store, engine.index.encoder.dim
        chunks = list(store.iter_vectors(dim))
        ids = np.concatenate([i for i, _ in chunks])
        where = store.segments(ids)
        vecs = np.concatenate([v for _, v in chunks])
        vectors[p] = {(where[int(i)].path, where[int(i)].start): v for i, v in zip(ids, vecs)}
        hits[p] = [{h.path for h in r} for r in engine.query_text(queries, 10)]
    out = {}
    for p in vectors:
        keys = sorted(vectors["fp32"].keys() & vectors[p].keys())
        cos = np.array([float(vectors["fp32"][k] @ vectors[p][k]) for k in keys])
        overlap = np.mean([len(a & b) / 10 for a, b in zip(hits["fp32"], hits[p])])
        out[p] = {"segments": len(keys), "cos_mean": cos.mean(), "cos_min": cos.min(), "top10": overlap}
    return out


def random_model(name: str, precision: str):  # -> ClapModel
    from clapsearch.model import load_config
    from clapsearch.model.factory import build_model

    cfg = load_config(name)
    key = "n_layer" if cfg.text.hf_config.get("model_type") == "gpt2" else "num_hidden_layers"
    cfg = dataclasses.replace(cfg, text=dataclasses.replace(cfg.text, hf_config={**cfg.text.hf_config, key: 2,
                                                                                  "vocab_size": 1000}))
    model = build_model(cfg, pretrained=False, seed=0).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    return model


def clips(esc50: Path, n: int, rate: int, samples: int) -> np.ndarray:
    from clapsearch.audio import fit_length, probe, read_window

    files = sorted((esc50 / "audio").glob("*.flac"))[:n]
    return np.stack([fit_length(read_window(f, 0.0, samples / rate, rate, probe(f)), samples, "repeat")
                     for f in files]).astype(np.float32)


def zoo_model(name: str, esc50: Path, n: int) -> dict[str, dict[str, float]]:
    from clapsearch.encoder import Encoder
    from clapsearch.encoder.encoder import calibration_waves

    encoders, emb = {}, {}
    base = random_model(name, "fp32")
    x = clips(esc50, n, base.config.audio.sample_rate, base.config.audio.clip_samples)
    from clapsearch.model.precision import apply_precision

    for p in PRECISIONS:
        model = random_model(name, p)
        enc = Encoder(model, device="cpu", precision="fp32")
        try:
            if p != "fp32":
                apply_precision(model, p, calibration_waves(model.config.audio.sample_rate) if p == "int8" else None)
        except Exception as e:  # int8 of a network torch.fx cannot trace
            print(f"  {name} {p}: not available ({str(e).splitlines()[0][:120]})")
            continue
        encoders[p] = enc
        emb[p] = np.concatenate([encoders[p].embed_waves(x[i:i + 16]) for i in range(0, len(x), 16)])
    speed = _speed(encoders, x[:16])
    out = {}
    for p in emb:
        cos = (emb["fp32"] * emb[p]).sum(axis=1)
        top = [set(np.argsort(-(e @ e[:16].T), axis=0)[:10, q]) for e in (emb["fp32"], emb[p]) for q in range(16)]
        overlap = np.mean([len(top[q] & top[16 + q]) / 10 for q in range(16)])
        out[p] = {"segments": len(x), "cos_mean": cos.mean(), "cos_min": cos.min(), "top10": overlap,
                  "batch16_s": speed[p]}
    return out


def _speed(encoders: dict, x: np.ndarray, rounds: int = 3) -> dict[str, float]:
    times: dict[str, list[float]] = {p: [] for p in encoders}
    for e in encoders.values():
        e.embed_waves(x)  # warm-up (oneDNN kernels)
    for _ in range(rounds):
        for p, e in encoders.items():
            t = time.perf_counter()
            e.embed_waves(x)
            times[p].append(time.perf_counter() - t)
    return {p: statistics.median(t) for p, t in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--esc50", required=True, type=Path)
    ap.add_argument("--clips", type=int, default=64)
    ap.add_argument("--models", default="default,msclap-2022,msclap-2023,laion-630k-audioset")
    args = ap.parse_args()
    from clapsearch.model.precision import cpu_has_bf16

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, CPU bf16: {cpu_has_bf16()}, "
          f"AMX: {torch.cpu._is_amx_tile_supported()}")
    print(f"{'model':22s} {'precision':9s} {'segments':>8s} {'cos mean':>9s} {'cos min':>9s} {'top-10':>7s} "
          f"{'s/16 win':>9s}")
    for name in args.models.split(","):
        rows = default_model(args.esc50) if name == "default" else zoo_model(name, args.esc50, args.clips)
        for p, r in rows.items():
            speed = f"{r['batch16_s']:9.3f}" if "batch16_s" in r else f"{'':9s}"
            print(f"{name:22s} {p:9s} {r['segments']:8d} {r['cos_mean']:9.5f} {r['cos_min']:9.5f} "
                  f"{r['top10']:7.3f} {speed}", flush=True)


if __name__ == "__main__":
    main()
