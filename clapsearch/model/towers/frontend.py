"""The audio towers' front ends: a FeatureConfig's constant tensors, built once, around the log-mel maths.

The maths (filters, spectrogram, compressions) and the wave helpers are pure functions in clapsearch.signal;
these modules only hold a config's filters and window as buffers and call them.
"""
from __future__ import annotations

import torch
from torch import nn

from clapsearch.model.config import FeatureConfig
from clapsearch.signal.mel import (
    essentia_log,
    htk_mel_fbanks,
    mel_power,
    power_to_db,
    quantize_int16,
    slaney_mel_fbanks,
    torchaudio_slaney_fbanks,
    warped_unit_sum_fbanks,
)
from clapsearch.signal.padding import fit_clip
from clapsearch.signal.windows import window_starts

# fit_clip, quantize_int16 and window_starts are imported from here by tests/model/zoo; their home is clapsearch.signal
__all__ = ["LogMel", "MelFrontEnd", "build_front_end", "fit_clip", "quantize_int16", "window_starts"]


class LogMel(nn.Module):
    """Waveform (batch, samples) -> log-mel (batch, frames, n_mels): aisfx's Essentia bands, or PANNs' dB."""

    fbanks: torch.Tensor  # buffers, registered in __init__
    window: torch.Tensor

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
            fb = torchaudio_slaney_fbanks(n_freqs, sample_rate, cfg.n_mels, cfg.f_min, cfg.f_max)
            window = torch.hann_window(cfg.n_fft, periodic=True)
        self.register_buffer("fbanks", fb, persistent=False)
        self.register_buffer("window", window, persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        if cfg.kind == "essentia_mel":
            return essentia_log(mel_power(wave, self.fbanks, self.window, cfg.hop_length, "constant")) / cfg.scale
        return power_to_db(mel_power(wave, self.fbanks, self.window, cfg.hop_length, "reflect")) / cfg.scale


class MelFrontEnd(nn.Module):
    """Waveform (batch, samples) -> log-mel (batch, frames, n_mels) in dB, torchlibrosa or torchaudio style."""

    fbanks: torch.Tensor  # buffers, registered in __init__
    window: torch.Tensor

    def __init__(self, cfg: FeatureConfig, sample_rate: int) -> None:
        super().__init__()
        if cfg.kind not in ("librosa_mel", "htk_mel"):
            raise ValueError(f"MelFrontEnd makes 'librosa_mel' or 'htk_mel' features, not {cfg.kind!r}")
        rate = cfg.filter_rate or sample_rate
        if cfg.f_max > rate / 2 + 1e-6:
            raise ValueError(f"f_max {cfg.f_max} Hz is above the Nyquist frequency of {rate} Hz")
        self.cfg = cfg
        draw = slaney_mel_fbanks if cfg.kind == "librosa_mel" else htk_mel_fbanks
        with torch.device("cpu"):  # constants are computed, even when the model is built on "meta" to count it
            fbanks = draw(cfg.n_fft, rate, cfg.n_mels, cfg.f_min, cfg.f_max)
        self.register_buffer("fbanks", fbanks, persistent=False)
        self.register_buffer("window", torch.hann_window(cfg.n_fft, periodic=True), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return power_to_db(mel_power(wave, self.fbanks, self.window, self.cfg.hop_length, "reflect"))


def build_front_end(cfg: FeatureConfig, sample_rate: int) -> nn.Module:
    """Return the module that turns (batch, samples) at sample_rate into the (batch, frames, n_mels) cfg names."""
    if cfg.kind in ("librosa_mel", "htk_mel"):
        return MelFrontEnd(cfg, sample_rate)
    return LogMel(cfg, sample_rate)
