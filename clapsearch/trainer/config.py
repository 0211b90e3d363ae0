"""TrainConfig: everything that decides a training run besides the model config and the data, checked when made."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from clapsearch.errors import OptionError
from clapsearch.model.zoo.registry import user_cache_dir
from clapsearch.trainer.manifest import Skipped


@dataclass
class TrainConfig:
    """Everything that decides a training run besides the model config and the data."""

    steps: int = 0  # 0: from epochs
    epochs: float = 0.0  # passes over the training clips (steps = epochs * clips / batch)
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = -1  # steps of linear warm-up; -1: 5% of the steps
    grad_accum: int = 1  # micro-batches per step, each its own contrastive batch
    clip_grad: float = 1.0
    eval_every: int = 50
    seed: int = 0
    device: str = "auto"
    amp: bool = True  # bf16/fp16 autocast, on CUDA only
    workers: int = -1  # decoding processes for trained audio towers; -1: 4 on CUDA, 0 on CPU
    crops: int = 3  # fixed crops cached per clip for frozen audio towers
    label_aware: bool | None = None  # None: when the manifests have labels
    group_power: float = 1.0  # label groups drawn with weight size ** power (0: every label alike)
    # Captions made from each clip's label, added to its own: a label-derived corpus then also speaks the
    # way people query ("the sound of a cow"), not only the way its file names read.
    label_templates: tuple[str, ...] = ("this is a sound of {label}", "the sound of {label}")
    holdout: float = 0.05  # fraction of clips held out for R@k
    mix: int = 0  # waveform mixtures (a clip over another, quieter one) added to the training clips
    mask_background: bool = True  # a mixture and a clip of its background's label are not negatives
    dropout: float | None = None  # overrides the config's head dropout
    audio_centre: float | None = None  # overrides the config's audio_centre (the share of the mean removed)
    # Exponential moving average of the trained weights (0: off). Evaluated, selected and saved in place of
    # the raw weights: small-data contrastive heads jump from step to step, and the average is steadier.
    ema: float = 0.0
    # Semantic soft targets (0: off): this much of each pair's target goes to the batch's other captions, by
    # their text-tower similarity at soft_temperature, so that related concepts are not pushed apart.
    soft_targets: float = 0.0
    soft_temperature: float = 0.05
    select: str = ""  # metric(s) to keep the best model by (comma: mean); "": first metric of each evaluator
    cache_dir: str = field(default_factory=lambda: str(user_cache_dir() / "features"))

    def __post_init__(self) -> None:
        """Reject settings that cannot work now, before an hour of feature caching and mixture rendering."""
        checks = [
            ("--ema", self.ema, 0.0 <= self.ema < 1.0, "give a decay in [0, 1), e.g. 0.99, or 0 for off"),
            ("--soft-targets", self.soft_targets, 0.0 <= self.soft_targets < 1.0,
             "soft targets need a share in [0, 1), e.g. 0.4, or 0 for off"),
            ("--soft-temperature", self.soft_temperature, self.soft_temperature > 0.0,
             "soft targets need a positive temperature, e.g. 0.05"),
            ("--grad-accum", self.grad_accum, self.grad_accum >= 1, "give 1 or more micro-batches per step"),
            ("--crops", self.crops, self.crops >= 1, "give 1 or more crops per clip"),
            ("--mix", self.mix, self.mix >= 0, "give 0 or more mixtures"),
            ("--holdout", self.holdout, 0.0 <= self.holdout < 1.0, "give a fraction in [0, 1), e.g. 0.05"),
            ("--dropout", self.dropout, self.dropout is None or 0.0 <= self.dropout < 1.0,
             "give a probability in [0, 1)"),
        ]
        for option, value, ok, fix in checks:
            if not ok:
                raise OptionError(f"{option} {value} cannot be used: {fix}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        d = {"mask_background": False, **d}  # runs saved before the mask existed resume without it
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class TrainResult:
    out: str
    steps: int
    best_step: int
    best_metric: float | None
    metrics: dict[str, float]
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
