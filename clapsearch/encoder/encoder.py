"""Encoder: batches waveforms and texts through a ClapModel on the chosen device.

The model is built on first use: opening an index and checking that its model is this one (config fingerprint,
weights hash) needs only the model's folder, and a text query of a BERT-family model runs its text tower in numpy
(clapsearch.textquery), so `clapsearch query TEXT` imports no torch. Audio builds the torch model, without its text
tower where a saved folder's weights make that the same audio model (indexing imports no transformers).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from clapsearch.errors import OptionError
from clapsearch.model.config import ModelConfig, load_config
from clapsearch.model.folders import WEIGHTS_FILE, folder_identity, resolve_model_dir

if TYPE_CHECKING:
    import torch

    from clapsearch.model import ClapModel
    from clapsearch.textquery import NumpyTextEncoder

TEXT_BACKENDS = ("auto", "numpy", "torch")


def check_device(device: str) -> str:
    """Refuse a --device that is none of auto, cpu, cuda[:N] (without importing torch)."""
    if device not in ("auto", "cpu") and not device.startswith("cuda"):
        raise OptionError(f"unknown device {device!r}: use --device auto, cpu or cuda")
    return device


def resolve_device(device: str = "auto") -> str:
    """Return 'cuda' or 'cpu' for auto|cpu|cuda, with a clear error when CUDA is asked for but absent."""
    import torch

    check_device(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise OptionError(f"--device {device} was asked for, but PyTorch sees no CUDA GPU here: use --device cpu "
                          "(or auto)")
    return device


def calibration_waves(sample_rate: int, seconds: float = 5.0) -> torch.Tensor:
    """The package's own sample clips (clapsearch/samples), first `seconds` at the model's rate: int8 calibration."""
    import torch

    from clapsearch.audio import fit_length, probe, read_window

    folder = Path(__file__).resolve().parent.parent / "samples"
    waves = [fit_length(read_window(f, 0.0, seconds, sample_rate, probe(f)), int(round(seconds * sample_rate)),
                        "repeat") for f in sorted(folder.glob("*.flac"))]
    return torch.from_numpy(np.stack(waves))


def _own_config(model: str | Path) -> tuple[ModelConfig, Path | None] | None:
    """The config and folder of a clapsearch model name or path; None for another kind (transformers' CLAP)."""
    if isinstance(model, str) and model.startswith("hf:"):
        return None
    path = Path(model)
    if path.is_dir() and (path / "config.json").is_file():
        try:
            if json.loads((path / "config.json").read_text(encoding="utf-8")).get("model_type") == "clap":
                return None
        except (OSError, ValueError, AttributeError):
            pass  # clapsearch's loader reports a damaged config.json
    folder = resolve_model_dir(model)
    return load_config(folder if folder else model), folder


class Encoder:
    """Embeds audio windows and texts with one model; every vector is L2-normalised float32.

    model: a name, config or folder (built when first needed) or a ClapModel (used as it is).
    text_backend: "auto" runs text in numpy where that path reproduces the model (clapsearch.textquery), else in
    torch; "numpy" or "torch" force one (numpy: an OptionError where it cannot).
    """

    device: str  # "cpu" or "cuda[:N]", and
    precision: str  # the audio network's: both resolved on first use (__getattr__), without building the model

    def __init__(self, model: str | Path | ClapModel = "default", device: str = "auto",
                 precision: str = "fp32", text_backend: str = "auto") -> None:
        if text_backend not in TEXT_BACKENDS:
            raise OptionError(f"unknown text backend {text_backend!r}: use one of {', '.join(TEXT_BACKENDS)}")
        self._device, self._precision = check_device(device), precision
        self._model: ClapModel | None = None  # the whole model
        self._audio: ClapModel | None = None  # or one built without its text tower, for audio only
        self._identity: dict[str, str] | None = None
        self._numpy_text: NumpyTextEncoder | None = None
        self.text_backend = text_backend
        self._name: str | Path | None = None
        self.folder: Path | None = None
        own = _own_config(model) if isinstance(model, (str, Path)) else None
        if isinstance(model, (str, Path)) and own is not None:
            self._name = model
            config, self.folder = own
        else:  # a built model, or a transformers CLAP: built now
            self._set_model(model if not isinstance(model, (str, Path)) else self._create(model))
            config = self.model.config
        self.config = config
        cfg = config.audio
        self.sample_rate, self.clip_seconds, self.hop_seconds = cfg.sample_rate, cfg.clip_seconds, cfg.hop_seconds
        self.dim = config.embed_dim
        # short clips are filled as the model's reference implementation does (silence unless it says)
        self.padding = cfg.padding if cfg.padding in ("repeat", "repeatpad") else "zero"
        if text_backend == "numpy" and self.numpy_text is None:
            raise OptionError(f"the text tower of model {config.name!r} has no numpy path: use the torch backend")

    # -- the torch model, built on first use --------------------------------------------------------------------
    def _create(self, model: str | Path, parts: tuple[str, ...] = ("audio", "text")) -> ClapModel:
        from clapsearch.model import create_model

        return create_model(model, device=resolve_device(self._device), parts=parts)

    def _set_model(self, model: ClapModel) -> None:
        self._model = self._prepared(model)
        self._audio = None  # the whole model embeds audio from now on (the same vectors)

    def _prepared(self, model: ClapModel) -> ClapModel:
        """The model on its device, in eval mode and the audio network's precision, its identity taken."""
        from clapsearch.model import model_identity
        from clapsearch.model.precision import apply_precision, resolve_precision

        model.to(self.device).eval()
        if self._identity is None:
            self._identity = model_identity(model)  # before a precision changes the weights
        # the audio network's precision (fp32, bf16, int8; 'auto' per clapsearch.model.precision.AUTO)
        if "precision" not in self.__dict__:
            self.precision = resolve_precision(self._precision, model.config.name, self.device)
        if self.precision != getattr(model, "precision", "fp32"):
            apply_precision(model, self.precision, calibration_waves(model.config.audio.sample_rate)
                            if self.precision == "int8" else None)
        return model

    @property
    def model(self) -> ClapModel:
        if self._model is None:
            assert self._name is not None
            self._set_model(self._create(self._name))
        assert self._model is not None
        return self._model

    @property
    def audio_model(self) -> ClapModel:
        """The model audio goes through: the whole model once built; else, for a saved folder's weights, one built
        without its text tower (the same audio vectors, bit for bit; no transformers, no BERT to load)."""
        if self._model is not None:
            return self._model
        if self._audio is None:
            if self._name is None or self.folder is None or not (self.folder / WEIGHTS_FILE).is_file():
                return self.model  # no saved heads: the whole model (its random heads follow its text tower)
            self.identity  # noqa: B018 - the folder's record, not a hash of a model without its text tower
            self._audio = self._prepared(self._create(self._name, ("audio",)))
        return self._audio

    @property
    def model_built(self) -> bool:
        return self._model is not None or self._audio is not None

    def __getattr__(self, name: str) -> Any:
        """device and precision, resolved on first use (torch is imported, no model is built)."""
        if name == "device":
            self.device = resolve_device(self.__dict__["_device"])
            return self.device
        if name == "precision" and "config" in self.__dict__:
            from clapsearch.model.precision import resolve_precision

            self.precision = resolve_precision(self._precision, self.config.name, self.device)
            return self.precision
        raise AttributeError(name)

    @property
    def identity(self) -> dict[str, str]:
        """{name, config_hash, weights_hash}: from the saved folder's record when there is one, without building
        the model; else from the built model."""
        if self._identity is None:
            if self.folder is not None and (self.folder / WEIGHTS_FILE).is_file():
                self._identity = folder_identity(self.folder, self.config)
            else:
                self.model  # noqa: B018 - model_identity of the built model
        assert self._identity is not None
        return self._identity

    # -- embedding --------------------------------------------------------------------------------------------------
    @property
    def numpy_text(self) -> NumpyTextEncoder | None:
        """The numpy text path of this model, or None (a built model given as such, or not a BERT-family tower)."""
        if self._numpy_text is None and self._name is not None and self.text_backend != "torch":
            from clapsearch.textquery import numpy_text_encoder

            self._numpy_text = numpy_text_encoder(self.config, self.folder)
            if self._numpy_text is None:
                self.text_backend = "torch"
        return self._numpy_text

    def embed_waves(self, waves: np.ndarray) -> np.ndarray:
        """(batch, clip samples) -> (batch, dim). Windows are embedded one batch at a time, as given."""
        return self.audio_model.encode_audio(np.asarray(waves, dtype=np.float32)).reshape(-1, self.dim)

    def embed_texts(self, texts: str | Sequence[str]) -> np.ndarray:
        numpy_text = self.numpy_text
        if numpy_text is not None:
            if isinstance(texts, str) or len(texts):
                return numpy_text(texts)
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.model.encode_text(texts)

    def embed_file(self, path: str | Path, batch_size: int = 16) -> list[tuple[float, float, np.ndarray]]:
        """Return (start, end, vector) for each window of a file (used for 'sounds like this file')."""
        from clapsearch.audio import iter_windows, probe

        info = probe(path)
        out: list[tuple[float, float, np.ndarray]] = []
        batch: list[tuple[float, float, np.ndarray]] = []
        for window in iter_windows(path, self.sample_rate, self.clip_seconds, self.hop_seconds, info,
                                   self.padding):
            batch.append(window)
            if len(batch) == batch_size:
                out += self._flush(batch)
                batch = []
        return out + self._flush(batch)

    def _flush(self, batch: list[tuple[float, float, np.ndarray]]) -> list[tuple[float, float, np.ndarray]]:
        if not batch:
            return []
        vecs = self.embed_waves(np.stack([w for _, _, w in batch]))
        return [(a, b, v) for (a, b, _), v in zip(batch, vecs)]
