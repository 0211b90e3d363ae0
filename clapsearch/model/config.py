"""Model configurations: architectures are data (named JSON files), read into typed dataclasses."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


@dataclass(frozen=True)
class FeatureConfig:
    """How a waveform becomes a (frames, n_mels) log-mel map."""

    kind: str  # "essentia_mel" (aisfx) or "log_mel" (PANNs / CNN14 style, dB)
    n_fft: int
    hop_length: int
    n_mels: int
    f_min: float
    f_max: float
    scale: float = 1.0  # divide the compressed mel values by this (aisfx's min-max normalisation)

    def __post_init__(self) -> None:
        if self.kind not in ("essentia_mel", "log_mel"):
            raise ValueError(f"unknown feature kind {self.kind!r}: use 'essentia_mel' or 'log_mel'")
        if self.f_max <= self.f_min:
            raise ValueError(f"f_max ({self.f_max}) must be above f_min ({self.f_min})")


@dataclass(frozen=True)
class AudioConfig:
    tower: str
    sample_rate: int
    clip_seconds: float
    hop_seconds: float
    features: FeatureConfig
    width: int
    weights: str | None = None

    @property
    def clip_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate))


@dataclass(frozen=True)
class TextConfig:
    tower: str  # "hf" (transformers) or "hash" (tests)
    width: int
    weights: str | None = None
    pooling: str = "mean"  # "mean" or "cls"
    max_length: int = 128
    buckets: int = 4096


@dataclass(frozen=True)
class ModelConfig:
    name: str
    embed_dim: int
    audio: AudioConfig
    text: TextConfig
    dropout: float = 0.5
    init_temperature: float = 0.007
    max_logit_scale: float = 100.0
    learnable_temperature: bool = True
    freeze_audio: bool = False
    freeze_text: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        audio = dict(d["audio"])
        audio["features"] = FeatureConfig(**audio["features"])
        temperature = d.get("temperature", {})
        freeze = d.get("freeze", {})
        return cls(
            name=d["name"],
            embed_dim=int(d["embed_dim"]),
            audio=AudioConfig(**audio),
            text=TextConfig(**d["text"]),
            dropout=float(d.get("head", {}).get("dropout", 0.5)),
            init_temperature=float(temperature.get("init", 0.007)),
            max_logit_scale=float(temperature.get("max_logit_scale", 100.0)),
            learnable_temperature=bool(temperature.get("learnable", True)),
            freeze_audio=bool(freeze.get("audio", False)),
            freeze_text=bool(freeze.get("text", False)),
            description=d.get("description", ""),
            extra=dict(d.get("extra", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        audio = asdict(self.audio)
        return {
            "name": self.name,
            "description": self.description,
            "embed_dim": self.embed_dim,
            "audio": audio,
            "text": asdict(self.text),
            "head": {"dropout": self.dropout},
            "temperature": {
                "init": self.init_temperature,
                "max_logit_scale": self.max_logit_scale,
                "learnable": self.learnable_temperature,
            },
            "freeze": {"audio": self.freeze_audio, "text": self.freeze_text},
            "extra": self.extra,
        }

    def fingerprint(self) -> str:
        """Return a short hash of everything that shapes an embedding (not the description)."""
        d = self.to_dict()
        d.pop("description", None)
        d.pop("extra", None)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def available_configs() -> list[str]:
    """Return the names of the built-in architectures (the JSON files in clapsearch/configs)."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.json"))


def load_config(name_or_path: str | Path) -> ModelConfig:
    """Return the config for a built-in name, a JSON file, or a saved model folder."""
    path = Path(name_or_path)
    if path.is_dir():
        path = path / "config.json"
    if path.suffix == ".json" and path.is_file():
        data = json.loads(path.read_text())
        return ModelConfig.from_dict(data.get("model", data))
    builtin = CONFIG_DIR / f"{name_or_path}.json"
    if builtin.is_file():
        return ModelConfig.from_dict(json.loads(builtin.read_text()))
    raise ValueError(
        f"unknown model {str(name_or_path)!r}: use one of {', '.join(available_configs())}, "
        "a config .json file, or a folder written by 'clapsearch train'"
    )
