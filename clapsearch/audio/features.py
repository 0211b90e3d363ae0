"""Log-mel front ends: pure functions plus thin modules that hold their constant tensors."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torchaudio
from torch import nn

if TYPE_CHECKING:  # the model package imports this module; the config is only a type here
    from clapsearch.model.config import FeatureConfig


def htk_mel(hz: torch.Tensor) -> torch.Tensor:
    return 2595.0 * torch.log10(1.0 + hz / 700.0)


def warped_unit_sum_fbanks(n_freqs: int, sample_rate: int, n_mels: int, f_min: float, f_max: float) -> torch.Tensor:
    """Return (n_freqs, n_mels) triangular filters drawn in the HTK mel domain, each summing to one.

    This is Essentia's MelBands(warpingFormula='htkMel', weighting='warping', normalize='unit_sum'),
    the front end aisfx was trained with.
    """
    freqs = torch.linspace(0.0, sample_rate / 2.0, n_freqs, dtype=torch.float64)
    mel = htk_mel(freqs)
    edges = torch.linspace(float(htk_mel(torch.tensor(f_min))), float(htk_mel(torch.tensor(f_max))), n_mels + 2,
                           dtype=torch.float64)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (mel[:, None] - lower[None, :]) / (centre - lower)[None, :]
    down = (upper[None, :] - mel[:, None]) / (upper - centre)[None, :]
    fb = torch.clamp(torch.minimum(up, down), min=0.0)
    sums = fb.sum(dim=0, keepdim=True)
    fb = fb / torch.where(sums > 0, sums, torch.ones_like(sums))
    return fb.float()


class LogMel(nn.Module):
    """Waveform (batch, samples) -> log-mel (batch, frames, n_mels), as the config says."""

    def __init__(self, cfg: FeatureConfig, sample_rate: int) -> None:
        super().__init__()
        if cfg.f_max > sample_rate / 2 + 1e-6:
            raise ValueError(f"f_max {cfg.f_max} Hz is above the Nyquist frequency of {sample_rate} Hz")
        self.cfg = cfg
        n_freqs = cfg.n_fft // 2 + 1
        if cfg.kind == "essentia_mel":
            fb = warped_unit_sum_fbanks(n_freqs, sample_rate, cfg.n_mels, cfg.f_min, cfg.f_max)
            window = torch.hann_window(cfg.n_fft, periodic=False)
        else:  # librosa/PANNs: Slaney mel scale and area normalisation
            fb = torchaudio.functional.melscale_fbanks(
                n_freqs, cfg.f_min, cfg.f_max, cfg.n_mels, sample_rate, norm="slaney", mel_scale="slaney"
            )
            window = torch.hann_window(cfg.n_fft, periodic=True)
        self.register_buffer("fbanks", fb, persistent=False)
        self.register_buffer("window", window, persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        pad_mode = "constant" if cfg.kind == "essentia_mel" else "reflect"
        spec = torch.stft(
            wave.float(), cfg.n_fft, cfg.hop_length, window=self.window, center=True,
            pad_mode=pad_mode, return_complex=True,
        )  # (batch, freqs, frames)
        power = spec.real.square() + spec.imag.square()
        mel = torch.matmul(power.transpose(1, 2), self.fbanks)  # (batch, frames, n_mels)
        if cfg.kind == "essentia_mel":
            return torch.log10(mel * 1e4 + 1.0) / cfg.scale
        return 10.0 * torch.log10(torch.clamp(mel, min=1e-10)) / cfg.scale
