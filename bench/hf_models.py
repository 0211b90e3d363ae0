"""hf: models: clapsearch's wrapper against transformers itself, at the published models' sizes.

    python bench/hf_models.py [--arch htsat-tiny|htsat-base] [--model hf:ORG/NAME|FOLDER] [--runs 5] [--threads N]

Without --model, the architecture of laion/clap-htsat-unfused (htsat-tiny: transformers' default ClapConfig) or
of the larger_clap models (htsat-base) is saved once with random weights (seeded) to /tmp/clapsearch-hf-<arch>,
with a small RoBERTa tokenizer trained here (no download). --model runs a downloaded or saved model instead.
Prints, for 4 windows of the clip length: the largest difference between clapsearch's audio and text embeddings
and transformers' get_audio_features / get_text_features, and the seconds per window of A (transformers: feature
extractor + get_audio_features) and B (clapsearch: encode_audio), interleaved A B A B, medians; and the text
query latency (one caption, encode_text), median.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

ARCHS = {"htsat-tiny": {}, "htsat-base": {"depths": [2, 2, 12, 2], "hidden_size": 1024,
                                          "patch_embeds_hidden_size": 128}}
CAPTIONS = ["a dog barking", "heavy rain on a tin roof", "someone playing the violin", "glass breaking"]


def random_model(arch: str) -> Path:
    """Save the architecture with random weights once (seed 0); return the folder."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, RobertaTokenizer

    folder = Path(f"/tmp/clapsearch-hf-{arch}")
    if (folder / "model.safetensors").is_file():
        return folder
    torch.manual_seed(0)
    ClapModel(ClapConfig(audio_config=ARCHS[arch])).eval().save_pretrained(folder)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CAPTIONS * 3, vocab_size=300, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    vocab = json.loads(bpe.to_str())["model"]
    RobertaTokenizer(vocab=vocab["vocab"], merges=[tuple(m) if isinstance(m, list) else tuple(m.split())
                                                   for m in vocab["merges"]]).save_pretrained(folder)
    ClapFeatureExtractor(truncation="rand_trunc").save_pretrained(folder)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(ARCHS), default="htsat-tiny")
    ap.add_argument("--model", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from transformers import AutoTokenizer, ClapFeatureExtractor, ClapModel

    from clapsearch.model import create_model
    from clapsearch.model.zoo.hf import is_hf_name, local_source

    source = args.model or str(random_model(args.arch))
    folder = local_source(source) if is_hf_name(source) else Path(source)
    model = create_model(source)
    hf = ClapModel.from_pretrained(folder, local_files_only=True).eval()
    extractor = ClapFeatureExtractor.from_pretrained(folder, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    rate, clip = extractor.sampling_rate, extractor.nb_max_samples
    waves = (0.1 * np.random.default_rng(0).standard_normal((4, clip))).astype(np.float32)

    @torch.no_grad()
    def reference() -> np.ndarray:
        inputs = extractor(list(waves), sampling_rate=rate, return_tensors="pt")
        inputs["is_longer"] = torch.zeros(len(waves), 1, dtype=torch.bool)  # as clapsearch: no window is longer
        return hf.get_audio_features(**inputs).pooler_output.numpy()

    with torch.no_grad():
        text_ref = hf.get_text_features(**tokenizer(CAPTIONS, padding=True, return_tensors="pt")).pooler_output
    audio_diff = float(np.abs(model.encode_audio(waves) - reference()).max())
    text_diff = float(np.abs(model.encode_text(CAPTIONS) - text_ref.numpy()).max())
    a, b, q = [], [], []
    for _ in range(args.runs):
        for side, fn in ((a, reference), (b, lambda: model.encode_audio(waves))):
            t = time.perf_counter()
            fn()
            side.append((time.perf_counter() - t) / len(waves))
        t = time.perf_counter()
        model.encode_text("a dog barking in the rain")
        q.append(time.perf_counter() - t)
    print(json.dumps({"model": source, "params_M": round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
                      "rate": rate, "clip_s": clip / rate, "max_abs_diff_audio": audio_diff,
                      "max_abs_diff_text": text_diff, "threads": torch.get_num_threads(),
                      "A_transformers_s_per_window": round(statistics.median(a), 3),
                      "B_clapsearch_s_per_window": round(statistics.median(b), 3),
                      "text_query_ms": round(1000 * statistics.median(q), 1)}))


if __name__ == "__main__":
    main()
