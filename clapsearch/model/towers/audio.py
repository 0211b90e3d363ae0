"""Audio towers: waveform (batch, samples) at the model's rate -> (batch, width)."""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from clapsearch.audio.features import LogMel
from clapsearch.model.checkpoint import load_torch_checkpoint
from clapsearch.model.config import AudioConfig
from clapsearch.model.towers.cnn import Cnn14, EmbeddingNet, TinyCnn

log = logging.getLogger(__name__)


class AudioTower(nn.Module):
    """Log-mel front end + CNN. The front end has no parameters; the CNN is what trains."""

    def __init__(self, cfg: AudioConfig, net: nn.Module) -> None:
        super().__init__()
        self.cfg = cfg
        self.features = LogMel(cfg.features, cfg.sample_rate)
        self.net = net
        self.width = cfg.width

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.net(self.features(wave))


def aisfx_checkpoint_path() -> Path:
    try:
        import aisfx
    except ImportError as e:
        raise RuntimeError(
            "the default model's audio tower needs the 'aisfx' package: pip install --no-deps aisfx==0.1.2"
        ) from e
    return Path(aisfx.__file__).resolve().parent / "models" / "checkpoint.pth"


def load_aisfx_weights(net: EmbeddingNet) -> None:
    """Load aisfx's pre-trained EmbeddingNet weights (its classifier heads are not needed)."""
    weights, _datasets = load_torch_checkpoint(aisfx_checkpoint_path())
    prefix = "embedding_net."
    state = {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}
    net.load_state_dict(state, strict=True)


def build_audio_tower(cfg: AudioConfig, pretrained: bool = True) -> AudioTower:
    """Return the audio tower a config names, with its published weights when pretrained."""
    if cfg.tower == "aisfx":
        net: nn.Module = EmbeddingNet()
        if pretrained:
            load_aisfx_weights(net)
    elif cfg.tower == "cnn14":
        net = Cnn14(cfg.features.n_mels, cfg.width)
        if pretrained and cfg.weights:
            state = load_torch_checkpoint(Path(cfg.weights))
            state = state.get("model", state)
            missing, unexpected = net.load_state_dict(state, strict=False)
            if missing:
                raise ValueError(f"CNN14 weights {cfg.weights} lack {len(missing)} tensors, e.g. {missing[:3]}")
            log.info("CNN14: ignored %d tensors not used for embeddings", len(unexpected))
    elif cfg.tower == "tiny":
        net = TinyCnn(cfg.width)
    else:
        raise ValueError(f"unknown audio tower {cfg.tower!r}: use 'aisfx', 'cnn14' or 'tiny'")
    if getattr(net, "width", cfg.width) != cfg.width:
        raise ValueError(f"audio tower {cfg.tower} gives {net.width}-d features, config says {cfg.width}")
    return AudioTower(cfg, net)
