"""TrainConfig: everything that decides a training run besides the model config and the data, checked when made.

Torch-free on purpose: the CLI reads the defaults of `clapsearch train` from it (`dataclasses.fields`) at start-up,
and a `--train-config` file (a JSON object of these fields) is read here. The trainer imports it from
`clapsearch.trainer.config`.
"""
from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from clapsearch.errors import ConfigError, OptionError

# Keys a --train-config file may hold besides the TrainConfig fields: the rest of a recipe (the model config, the
# training manifests and the dev-set evaluators), as the options --config, --data and --eval give them.
RUN_KEYS = ("config", "data", "eval")
DEFAULT_MODEL = "default"  # the model config that --config names when neither it nor the file does


def _feature_cache() -> str:
    from clapsearch.model.zoo.registry import user_cache_dir  # imports torch: only when a config is made

    return str(user_cache_dir() / "features")


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
    # Captions from a lexicon (""; "wordnet": Debian's WordNet; or a WordNet folder): each label's head noun
    # replaced by common synonyms and a broader name ("the sound of equine galloping"), beside the templates.
    lexicon: str = ""
    # With a lexicon, also caption a "NOUN VERBing" label as the sentence people write ("the dog barks"),
    # the verb found in WordNet.
    sentences: bool = False
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
    cache_dir: str = field(default_factory=_feature_cache)

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


def defaults() -> dict[str, Any]:
    """Return TrainConfig's default for each field that has a plain one (not cache_dir, made per user)."""
    return {f.name: f.default for f in fields(TrainConfig) if f.default is not MISSING}


# What a value in a --train-config file must be, by the field's annotation.
_KINDS: dict[str, tuple[str, tuple[type, ...]]] = {
    "int": ("a whole number", (int,)), "float": ("a number", (int, float)), "bool": ("true or false", (bool,)),
    "str": ("a string", (str,)), "float | None": ("a number or null", (int, float, type(None))),
    "bool | None": ("true, false or null", (bool, type(None))),
    "tuple[str, ...]": ("a list of strings", (list,)),
}


def read_train_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (TrainConfig fields, recipe keys config/data/eval) of a --train-config JSON file, checked.

    Raises ConfigError, in one line naming the file and the key, for anything but a JSON object of known keys
    whose values have the fields' types; the values themselves are checked when the TrainConfig is made.
    """
    path = Path(path)
    if not path.is_file():
        raise OptionError(f"--train-config {path} not found: give a JSON file of training settings, "
                          "e.g. recipes/default.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not JSON ({e}); fix the file") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: not a JSON object of training settings; write {{\"batch_size\": 64, ...}}")
    kinds = {f.name: str(f.type) for f in fields(TrainConfig)}
    known = sorted([*kinds, *RUN_KEYS])
    settings: dict[str, Any] = {}
    run: dict[str, Any] = {}
    for key, value in raw.items():
        if key in RUN_KEYS:
            if key == "config" and not isinstance(value, str):
                raise ConfigError(f"{path}: 'config' must be a config name, .json file or model folder (a string)")
            if key != "config" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{path}: '{key}' must be a list of strings, e.g. [\"corpus/manifest.jsonl\"]")
            run[key] = value
            continue
        if key not in kinds:
            raise ConfigError(f"{path}: unknown key '{key}'; known keys: {', '.join(known)}")
        what, types = _KINDS[kinds[key]]
        wrong = (isinstance(value, bool) and bool not in types) or not isinstance(value, types)
        if wrong or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{path}: '{key}' must be {what}, not {json.dumps(value)}")
        if isinstance(value, list):
            value = tuple(value)
        elif float in types and value is not None:
            value = float(value)  # as the command line gives it: "epochs": 3 is 3.0
        settings[key] = value
    return settings, run
