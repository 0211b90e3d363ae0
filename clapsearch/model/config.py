"""Model configurations: architectures are data (named JSON files), read into typed dataclasses."""
from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from clapsearch.errors import ConfigError
from clapsearch.paths import display_path

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"

FEATURE_KINDS = ("essentia_mel", "log_mel", "librosa_mel", "htk_mel")
PADDINGS = ("none", "zero", "repeat", "repeatpad")
LONG_AUDIO = ("none", "window", "fusion")
POOLINGS = ("mean", "cls", "last_nonpad", "pooler")
HEADS = ("projection", "mlp")


def _without_defaults(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Return asdict(obj) minus the named fields that hold their default.

    Fields added for the published models are written only when they differ from their default, so the
    configs (and fingerprints) of the existing models stay exactly what they were.
    """
    d = asdict(obj)
    for f in fields(obj):
        if f.name in names:
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            if d[f.name] == default:
                del d[f.name]
    return d


@dataclass(frozen=True)
class FeatureConfig:
    """How a waveform becomes a (frames, n_mels) log-mel map."""

    # "essentia_mel" (aisfx), "log_mel" (PANNs / CNN14 style, dB), "librosa_mel" (torchlibrosa's
    # Slaney filters in float64, as msclap and LAION's waveform path) or "htk_mel" (torchaudio's
    # MelSpectrogram, HTK scale, no area norm: LAION's fusion path), all in dB but essentia_mel.
    kind: str
    n_fft: int
    hop_length: int
    n_mels: int
    f_min: float
    f_max: float
    scale: float = 1.0  # divide the compressed mel values by this (aisfx's min-max normalisation)
    # The rate the mel filters are drawn for, when it is not the audio's: msclap-2023's HTSAT draws
    # them for 32 kHz while it is fed 44.1 kHz audio, and its weights were trained that way.
    filter_rate: int | None = None

    NEW_FIELDS = ("filter_rate",)

    def __post_init__(self) -> None:
        if self.kind not in FEATURE_KINDS:
            raise ValueError(f"unknown feature kind {self.kind!r}: use one of {', '.join(FEATURE_KINDS)}")
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
    # What the tower does itself with clips that are not clip_samples long. "none": nothing (the caller
    # gives clip-length windows); "zero" / "repeat" (msclap: tile, then cut) / "repeatpad" (LAION: whole
    # repeats, then zeros) for short clips; long clips are cut, or with long_audio "window" embedded
    # window by window (hop_seconds) and averaged, or with "fusion" (LAION) seen as one global view
    # plus three local chunks.
    padding: str = "none"
    long_audio: str = "none"
    quantize_int16: bool = False  # LAION rounds float input through int16 before its front end
    arch: dict[str, Any] = field(default_factory=dict)  # tower hyper-parameters (HTSAT size, fusion...)

    NEW_FIELDS = ("padding", "long_audio", "quantize_int16", "arch")

    def __post_init__(self) -> None:
        if self.padding not in PADDINGS:
            raise ValueError(f"unknown padding {self.padding!r}: use one of {', '.join(PADDINGS)}")
        if self.long_audio not in LONG_AUDIO:
            raise ValueError(f"unknown long_audio {self.long_audio!r}: use one of {', '.join(LONG_AUDIO)}")

    @property
    def clip_samples(self) -> int:
        return int(round(self.clip_seconds * self.sample_rate))


@dataclass(frozen=True)
class TextConfig:
    tower: str  # "hf" (transformers) or "hash" (tests)
    width: int
    weights: str | None = None
    pooling: str = "mean"  # "mean", "cls", "last_nonpad" (msclap's GPT-2) or "pooler" (LAION's RoBERTa)
    max_length: int = 128
    buckets: int = 4096
    # For the published models: the transformers config (model_type plus what differs from its
    # defaults) the encoder is built from, how captions are tokenised, and where the tokenizer lives
    # (a folder, relative to the saved model's folder or absolute).
    hf_config: dict[str, Any] = field(default_factory=dict)
    tokenizer: str | None = None
    pad_to_max_length: bool = False
    text_suffix: str = ""  # msclap-2023 appends " <|endoftext|>" to every caption
    pad_token: str | None = None  # msclap-2023 pads GPT-2 with "!" (id 0)
    pad_id: int = 0  # last_nonpad pooling: the token after the caption is the first one equal to this

    NEW_FIELDS = ("hf_config", "tokenizer", "pad_to_max_length", "text_suffix", "pad_token", "pad_id")

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {self.pooling!r}: use one of {', '.join(POOLINGS)}")


@dataclass(frozen=True)
class ModelConfig:
    name: str
    embed_dim: int
    audio: AudioConfig
    text: TextConfig
    dropout: float = 0.5
    head: str = "projection"  # "projection" (CLAP's, msclap) or "mlp" (LAION: Linear, ReLU, Linear)
    # The share of the audio embeddings' mean direction that inference removes (0: none; ClapModel.audio_centre)
    audio_centre: float = 0.0
    init_temperature: float = 0.007
    max_logit_scale: float = 100.0
    learnable_temperature: bool = True
    freeze_audio: bool = False
    freeze_text: bool = False
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.audio_centre <= 1.0:
            raise ValueError(f"audio_centre must be in [0, 1], got {self.audio_centre}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        audio = dict(d["audio"])
        audio["features"] = FeatureConfig(**audio["features"])
        if d.get("head", {}).get("type", "projection") not in HEADS:
            raise ValueError(f"unknown head type {d['head']['type']!r}: use one of {', '.join(HEADS)}")
        temperature = d.get("temperature", {})
        freeze = d.get("freeze", {})
        return cls(
            name=d["name"],
            embed_dim=int(d["embed_dim"]),
            audio=AudioConfig(**audio),
            text=TextConfig(**d["text"]),
            dropout=float(d.get("head", {}).get("dropout", 0.5)),
            head=str(d.get("head", {}).get("type", "projection")),
            audio_centre=float(d.get("head", {}).get("audio_centre", 0.0)),
            init_temperature=float(temperature.get("init", 0.007)),
            max_logit_scale=float(temperature.get("max_logit_scale", 100.0)),
            learnable_temperature=bool(temperature.get("learnable", True)),
            freeze_audio=bool(freeze.get("audio", False)),
            freeze_text=bool(freeze.get("text", False)),
            description=d.get("description", ""),
            extra=dict(d.get("extra", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        audio = _without_defaults(self.audio, AudioConfig.NEW_FIELDS)
        audio["features"] = _without_defaults(self.audio.features, FeatureConfig.NEW_FIELDS)
        head: dict[str, Any] = {"dropout": self.dropout}
        if self.head != "projection":
            head["type"] = self.head
        if self.audio_centre:  # written only when set, so that other models' configs stay what they were
            head["audio_centre"] = self.audio_centre
        return {
            "name": self.name,
            "description": self.description,
            "embed_dim": self.embed_dim,
            "audio": audio,
            "text": _without_defaults(self.text, TextConfig.NEW_FIELDS),
            "head": head,
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
    """Return the config for a built-in name, a JSON file, or a saved model folder.

    A file that cannot be used (not JSON, an unknown or missing key, a bad value) raises a ConfigError naming
    the file and the key.
    """
    path = Path(name_or_path)
    builtin = CONFIG_DIR / f"{name_or_path}.json"
    if path.is_dir():
        if not (path / "config.json").is_file() and not builtin.is_file():
            raise ConfigError(f"{display_path(str(path))} is not a model folder (it has no config.json): give a "
                              "folder written by 'clapsearch train' or 'clapsearch convert', or a model name "
                              f"({', '.join(available_configs())})")
        path = path / "config.json"
    if path.suffix == ".json" and path.is_file():
        return config_from_file(path)
    if builtin.is_file():
        return ModelConfig.from_dict(json.loads(builtin.read_text()))
    if path.suffix == ".json":
        raise ConfigError(f"config file {display_path(str(path))} not found: check the path, or give a model name "
                          f"({', '.join(available_configs())})")
    raise ConfigError(
        f"unknown model {display_path(str(name_or_path))!r}: use one of {', '.join(available_configs())}, "
        "a config .json file, or a folder written by 'clapsearch train'"
    )


# The keys a config may hold, per section (the free-form dicts "arch", "hf_config" and "extra" are not checked).
_SAVED_KEYS = ("model", "provenance", "saved", "versions")  # config.json of a saved model folder
_HEAD_KEYS = ("dropout", "type", "audio_centre")
_TEMPERATURE_KEYS = ("init", "max_logit_scale", "learnable")
_FREEZE_KEYS = ("audio", "text")
_TOP_KEYS = ("name", "description", "embed_dim", "audio", "text", "head", "temperature", "freeze", "extra")


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def config_from_file(path: Path) -> ModelConfig:
    """Return the config in a JSON file (a bare config, or a saved folder's config.json with its "model" part)."""
    shown = display_path(str(path))
    fix = "fix the file, or copy config.json again from where the model was saved"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ConfigError(f"{shown} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}): {fix}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown} is not a text file (not UTF-8): {fix}") from None
    except OSError as e:
        raise ConfigError(f"cannot read {shown}: {e.strerror or e}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{shown} holds a JSON {type(data).__name__}, not a model config object: {fix}")
    if isinstance(data.get("model"), dict):
        _check_keys(data, _SAVED_KEYS, "", shown)
        data = data["model"]
    _check_keys(data, _TOP_KEYS, "", shown)
    sections = {"audio": _field_names(AudioConfig), "text": _field_names(TextConfig), "head": _HEAD_KEYS,
                "temperature": _TEMPERATURE_KEYS, "freeze": _FREEZE_KEYS}
    for section, known in sections.items():
        if section in data:
            if not isinstance(data[section], dict):
                raise ConfigError(f"{shown}: {section!r} must be a JSON object ({{...}}), not "
                                  f"{json.dumps(data[section])[:40]}: {fix}")
            _check_keys(data[section], known, f"{section}.", shown)
    features = data.get("audio", {}).get("features")
    if isinstance(features, dict):
        _check_keys(features, _field_names(FeatureConfig), "audio.features.", shown)
    try:
        return ModelConfig.from_dict(data)
    except KeyError as e:
        raise ConfigError(f"{shown} lacks the key {e.args[0]!r}: {fix}") from None
    except (TypeError, ValueError, AttributeError) as e:
        raise ConfigError(f"{shown}: {e}: {fix}") from None


def _check_keys(d: dict[str, Any], known: tuple[str, ...], where: str, shown: str) -> None:
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise ConfigError(f"{shown}: unknown key {where + unknown[0]!r}"
                          f"{f' (and {len(unknown) - 1} more)' if len(unknown) > 1 else ''}; the known keys "
                          f"{f'of {where[:-1]!r} ' if where else ''}are {', '.join(sorted(known))}: "
                          "remove or rename it")
