"""Audio towers: waveform (batch, samples) at the model's rate -> (batch, width)."""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from clapsearch.errors import MissingPackageError, WeightsError
from clapsearch.model.checkpoint import load_torch_checkpoint
from clapsearch.model.config import AudioConfig
from clapsearch.model.towers.cnn import Cnn14, EmbeddingNet, TinyCnn
from clapsearch.model.towers.frontend import build_front_end
from clapsearch.model.towers.htsat import Htsat
from clapsearch.paths import display_path
from clapsearch.signal.mel import quantize_int16
from clapsearch.signal.padding import fit_clip
from clapsearch.signal.windows import window_starts

log = logging.getLogger(__name__)


class AudioTower(nn.Module):
    """Log-mel front end + network. The front end has no parameters; the network is what trains.

    With arch.adapter_rank the tower returns its last map, (batch, width, frames), and the model's
    FrameAdapter (which trains while the tower stays frozen) pools it.

    With the published models' settings the tower also fits clips itself (cfg.padding, cfg.long_audio):
    a short clip is filled as the model's reference does, a long one is windowed and its features
    averaged, or, for LAION's fusion models, handed whole to the network. The old configs leave both
    at "none": the wave goes through as it is.
    """

    def __init__(self, cfg: AudioConfig, net: nn.Module) -> None:
        super().__init__()
        self.cfg = cfg
        self.features = build_front_end(cfg.features, cfg.sample_rate)
        self.net = net
        self.width = cfg.width

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        cfg, clip = self.cfg, self.cfg.clip_samples
        if cfg.quantize_int16:
            wave = quantize_int16(wave)
        if wave.shape[-1] > clip and cfg.long_audio == "window":
            hop = max(1, int(round(cfg.hop_seconds * cfg.sample_rate)))
            starts = window_starts(wave.shape[-1], clip, hop)
            windows = torch.stack([wave[:, s:s + clip] for s in starts], dim=1)  # (B, windows, clip)
            feats = self.net(self.features(windows.flatten(0, 1)))
            return feats.view(wave.shape[0], len(starts), -1).mean(dim=1)
        if cfg.long_audio != "fusion" or wave.shape[-1] < clip:
            wave = fit_clip(wave, clip, cfg.padding)
        return self.net(self.features(wave))


def adapter_rank(cfg: AudioConfig) -> int:
    """The rank of the trained adapter over the tower's last map (arch.adapter_rank), 0 for none."""
    rank = cfg.arch.get("adapter_rank", 0)
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
        raise ValueError(f"arch.adapter_rank must be a whole number >= 0, got {rank!r}")
    return rank


def aisfx_checkpoint_path() -> Path:
    try:
        import aisfx
    except ImportError as e:
        raise MissingPackageError(
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
        embedding = EmbeddingNet()
        if pretrained:
            load_aisfx_weights(embedding)
        net: nn.Module = embedding
    elif cfg.tower == "cnn14":
        net = Cnn14(cfg.features.n_mels, cfg.width)
        if pretrained and cfg.weights:
            state = load_torch_checkpoint(Path(cfg.weights))
            state = state.get("model", state)
            missing, unexpected = net.load_state_dict(state, strict=False)
            if missing:
                raise WeightsError(f"CNN14 weights {display_path(str(cfg.weights))} lack {len(missing)} tensors, "
                                   f"e.g. {missing[:3]}: give the PANNs Cnn14 checkpoint (audio.weights)")
            log.info("CNN14: ignored %d tensors not used for embeddings", len(unexpected))
    elif cfg.tower == "tiny":
        net = TinyCnn(cfg.width)
    elif cfg.tower == "htsat":
        net = Htsat.from_arch(cfg.arch, cfg.features.n_mels, cfg.clip_samples // cfg.features.hop_length + 1)
    else:
        raise ValueError(f"unknown audio tower {cfg.tower!r}: use 'aisfx', 'cnn14', 'htsat' or 'tiny'")
    if adapter_rank(cfg):
        if not isinstance(net, EmbeddingNet) or cfg.long_audio == "window":
            raise ValueError(f"arch.adapter_rank needs the aisfx tower without long_audio 'window' (got tower "
                             f"{cfg.tower!r}, long_audio {cfg.long_audio!r})")
        net.pool = False  # the map goes to the model's FrameAdapter, which trains
    if cfg.arch.get("with_block3"):
        if not isinstance(net, EmbeddingNet) or adapter_rank(cfg):
            raise ValueError("arch.with_block3 needs the aisfx tower without an adapter")
        net.with_block3 = True
        net.width += net.conv_block3.conv2.out_channels
    if getattr(net, "width", cfg.width) != cfg.width:
        raise ValueError(f"audio tower {cfg.tower} gives {net.width}-d features, config says {cfg.width}")
    if cfg.tower != "htsat":
        # NHWC conv weights: oneDNN's channels-last kernels run the CNNs about twice as fast on CPU, with the
        # same outputs to float rounding (saved weights are made contiguous again)
        net = net.to(memory_format=torch.channels_last)
    return AudioTower(cfg, net)
