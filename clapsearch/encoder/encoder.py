"""Encoder: batches waveforms and texts through a ClapModel on the chosen device."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from clapsearch.audio import iter_windows, probe
from clapsearch.errors import OptionError
from clapsearch.model import ClapModel, create_model, model_identity


def resolve_device(device: str = "auto") -> str:
    """Return 'cuda' or 'cpu' for auto|cpu|cuda, with a clear error when CUDA is asked for but absent."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise OptionError(f"--device {device} was asked for, but PyTorch sees no CUDA GPU here: use --device cpu "
                          "(or auto)")
    if device != "cpu" and not device.startswith("cuda"):
        raise OptionError(f"unknown device {device!r}: use --device auto, cpu or cuda")
    return device


class Encoder:
    """Embeds audio windows and texts with one model; every vector is L2-normalised float32."""

    def __init__(self, model: str | Path | ClapModel = "default", device: str = "auto") -> None:
        self.device = resolve_device(device)
        self.model = model if isinstance(model, ClapModel) else create_model(model, device=self.device)
        self.model.to(self.device).eval()
        self.identity = model_identity(self.model)
        cfg = self.model.config.audio
        self.sample_rate, self.clip_seconds, self.hop_seconds = cfg.sample_rate, cfg.clip_seconds, cfg.hop_seconds
        self.dim = self.model.config.embed_dim
        # short clips are filled as the model's reference implementation does (silence unless it says)
        self.padding = cfg.padding if cfg.padding in ("repeat", "repeatpad") else "zero"

    def embed_waves(self, waves: np.ndarray) -> np.ndarray:
        """(batch, clip samples) -> (batch, dim). Windows are embedded one batch at a time, as given."""
        return self.model.encode_audio(np.asarray(waves, dtype=np.float32)).reshape(-1, self.dim)

    def embed_texts(self, texts: str | Sequence[str]) -> np.ndarray:
        return self.model.encode_text(texts)

    def embed_file(self, path: str | Path, batch_size: int = 16) -> list[tuple[float, float, np.ndarray]]:
        """Return (start, end, vector) for each window of a file (used for 'sounds like this file')."""
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
