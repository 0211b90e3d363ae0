"""What training aisfx's own conv blocks would cost (issue 18, lever 2: the audio tower unfrozen).

The default model keeps aisfx's EmbeddingNet frozen and trains only the heads over cached features. Unfreezing
its top block(s) means a forward and backward pass through them for every window of every batch. This prints
seconds per training step (a contrastive loss over a linear head) and what the shipped recipe's 2400 steps
would take at that rate, for the ways the tower could be trained:

    --start mel      from log-mel windows: the frozen lower blocks run every step too (mixtures rendered on
                     the fly need this)
    --start block3   from cached maps of the third block (166 KB a window in fp16): only the trained block runs;
                     the cheapest way, and the only one that could fit a CPU

    PYTHONPATH=. python bench/unfreeze_cost.py                        # this machine: block 4 over cached maps
    PYTHONPATH=. python bench/unfreeze_cost.py --device cuda --batch 384 --precision bf16 --start mel \
        --train 4 --train 3 --train 1

Random weights and inputs: the cost does not depend on them. Steps are timed after warm-up; the median is quoted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from clapsearch.model.towers.cnn import EmbeddingNet

FRAMES, MELS = 216, 96  # one 5-s window at 44.1 kHz, hop 1024: the default model's windows
RECIPE_STEPS = 2400  # recipes/default.json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=32, help="windows per step (the recipe's batch is 384)")
    parser.add_argument("--steps", type=int, default=3, help="timed steps (after one warm-up step)")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--start", choices=("mel", "block3"), default="block3")
    parser.add_argument(
        "--train", type=int, action="append", choices=(1, 2, 3, 4),
        help="first trained block: 4 = block 4 only, 3 = blocks 3-4, 1 = all (repeatable; default 4)",
    )
    args = parser.parse_args()
    firsts = args.train or [4]
    if args.start == "block3" and any(first < 4 for first in firsts):
        parser.error("--start block3 trains block 4 only: use --start mel to train lower blocks")
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    print(f"device {device} ({torch.get_num_threads()} torch threads), batch {args.batch}, {args.precision}, "
          f"from {'log-mel windows' if args.start == 'mel' else 'cached third-block maps'}")
    for first in firsts:
        seconds, params, peak = time_steps(args, device, first)
        name = {4: "block 4", 3: "blocks 3-4", 2: "blocks 2-4", 1: "all blocks"}[first]
        recipe = seconds * 384 / args.batch * RECIPE_STEPS / 3600
        memory = f", peak {peak / 2**30:.1f} GiB" if cuda else ""
        print(f"aisfx {name} trained ({params / 1e6:.2f} M parameters): {seconds:.3f} s/step "
              f"({args.batch / seconds:.1f} windows/s){memory}; the recipe's {RECIPE_STEPS} steps of 384 "
              f"windows: {recipe:.1f} h")


def time_steps(args: argparse.Namespace, device: torch.device, first: int) -> tuple[float, int, int]:
    net = EmbeddingNet().to(device).train()
    for i in range(1, 5):
        getattr(net, f"conv_block{i}").requires_grad_(i >= first)
    head = torch.nn.Linear(net.width, 512).to(device)
    params = [p for p in [*net.parameters(), *head.parameters()] if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    mel = torch.randn(args.batch, FRAMES, MELS, device=device)
    cached = None
    if args.start == "block3":
        with torch.no_grad():
            x = net.conv_block2(net.conv_block1(mel.unsqueeze(1), (2, 2), "max"), (2, 2), "max")
            cached = net.conv_block3(x, (2, 2), "max")

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            if cached is None:
                features = net(mel)
            else:
                features = net.conv_block4(cached, (1, 1), "max").mean(dim=3).amax(dim=2)
            z = torch.nn.functional.normalize(head(features).float(), dim=-1)
        loss = torch.nn.functional.cross_entropy(z @ z.T / 0.07, torch.arange(args.batch, device=device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    step()
    times = []
    for _ in range(args.steps):
        if cuda:
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        step()
        if cuda:
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated(device) if cuda else 0
    return statistics.median(times), sum(p.numel() for p in params), peak


if __name__ == "__main__":
    main()
