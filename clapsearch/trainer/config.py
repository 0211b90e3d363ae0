"""TrainConfig (defined torch-free in clapsearch.train_config, so that the CLI reads its defaults) and TrainResult."""
from __future__ import annotations

from dataclasses import dataclass, field

from clapsearch.train_config import TrainConfig
from clapsearch.trainer.manifest import Skipped

__all__ = ["TrainConfig", "TrainResult"]


@dataclass
class TrainResult:
    out: str
    steps: int
    best_step: int
    best_metric: float | None
    metrics: dict[str, float]
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
