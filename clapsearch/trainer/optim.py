"""The optimiser (AdamW, warm-up then cosine, mixed precision) and the moving average of the trained weights."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import torch

from clapsearch.errors import OptionError
from clapsearch.model import ClapModel


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Return the learning-rate multiplier: linear warm-up, then cosine decay to zero."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


@dataclass
class Optimiser:
    """AdamW over the trained parameters, its schedule, and the mixed-precision scaler and autocast."""

    params: list[torch.nn.Parameter]
    optimizer: torch.optim.AdamW
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    autocast: Callable[[], AbstractContextManager[Any]]

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "scaler": self.scaler.state_dict()}

    def load_state_dict(self, checkpoint: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        self.scaler.load_state_dict(checkpoint["scaler"])


def make_optimiser(model: ClapModel, lr: float, weight_decay: float, warmup: int, total: int, device: str,
                   amp: bool) -> Optimiser:
    """AdamW, weight decay on matrices only; LambdaLR holds the warm-up + cosine schedule."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, warmup, total))
    amp_dtype = None
    if device.startswith("cuda") and amp:
        amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    autocast = (lambda: torch.autocast("cuda", dtype=amp_dtype)) if amp_dtype else nullcontext
    return Optimiser(params, optimizer, scheduler, scaler, autocast)


class Ema:
    """An exponential moving average of the trained parameters (decay 0: off, and every method a no-op)."""

    def __init__(self, model: ClapModel, params: list[torch.nn.Parameter], decay: float) -> None:
        self.decay, self.params = decay, params
        self.names = [n for n, p in model.named_parameters() if p.requires_grad]  # the order of `params`
        self.average = [p.detach().clone() for p in params] if decay > 0 else None

    def update(self, step: int) -> None:
        if self.average is None:
            return
        decay = min(self.decay, (1 + step) / (10 + step))  # a short memory while the weights move fast
        with torch.no_grad():
            for e, p in zip(self.average, self.params):
                e.lerp_(p, 1.0 - decay)

    @contextmanager
    def averaged(self) -> Iterator[None]:
        """Hold the average in the model (when on), the raw weights back afterwards."""
        if self.average is None:
            yield
            return
        raw = [p.detach().clone() for p in self.params]
        with torch.no_grad():
            for p, e in zip(self.params, self.average):
                p.copy_(e)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, r in zip(self.params, raw):
                    p.copy_(r)

    def state_dict(self) -> dict[str, torch.Tensor] | None:
        return None if self.average is None else {n: e.cpu() for n, e in zip(self.names, self.average)}

    def load(self, checkpoint: dict[str, Any]) -> None:
        if self.average is None:
            return
        if "ema" not in checkpoint:
            raise OptionError("the checkpoint was written without --ema; resume it without --ema")
        for name, e in zip(self.names, self.average):
            e.copy_(checkpoint["ema"][name])
