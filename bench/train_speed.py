"""Training speed: optimiser steps/s of one config on synthetic batches (towers trained as the config says).

    python bench/train_speed.py                          # paper config, CPU, batch 4, 3 timed steps
    python bench/train_speed.py --device cuda --batch-size 64 --amp
    python bench/train_speed.py --device cuda --batch-size 64 --no-amp

Synthetic waves and captions isolate the model step (forward, loss, backward, AdamW) from decoding,
which the trainer overlaps with workers on a GPU.
"""
from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

import torch

from clapsearch.encoder.encoder import resolve_device
from clapsearch.model import contrastive_loss, create_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="paper")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--steps", type=int, default=3, help="timed steps (after one warm-up step)")
    ap.add_argument("--amp", action=argparse.BooleanOptionalAction, default=True, help="autocast on CUDA")
    args = ap.parse_args()
    device = resolve_device(args.device)
    model = create_model(args.config, device=device).train()
    cfg = model.config
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    amp = device.startswith("cuda") and args.amp
    dtype = torch.bfloat16 if amp and torch.cuda.is_bf16_supported() else torch.float16
    autocast = (lambda: torch.autocast("cuda", dtype=dtype)) if amp else nullcontext
    scaler = torch.amp.GradScaler("cuda", enabled=amp and dtype == torch.float16)
    waves = 0.1 * torch.randn(args.batch_size, cfg.audio.clip_samples, device=device)  # (B, samples)
    tokens = model.tokenize([f"a recording of sound number {i} in a quiet room" for i in range(args.batch_size)])

    def step() -> float:
        with autocast():
            out = model(audio=waves, text=tokens)
            loss = contrastive_loss(out["audio"].float(), out["text"].float(), out["logit_scale"])
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    step()  # warm-up: allocations, cuDNN autotuning
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    trained = sum(p.numel() for p in params) / 1e6
    precision = "on " + str(dtype) if amp else "off"
    print(f"config {cfg.name} on {device} (threads {torch.get_num_threads()}), amp {precision}, "
          f"batch {args.batch_size} x {cfg.audio.clip_seconds:g} s, {trained:.1f} M trained parameters")
    print(f"{args.steps / seconds:.3f} steps/s ({seconds / args.steps:.2f} s/step, "
          f"{args.steps * args.batch_size / seconds:.1f} pairs/s)")
    if device.startswith("cuda"):
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
