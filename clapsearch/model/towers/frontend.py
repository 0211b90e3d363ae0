"""The published models' waveform front ends: clip fitting, int16 rounding and their exact log-mel maps.

msclap and LAION's waveform path use torchlibrosa (librosa's Slaney filters, power spectrogram, dB with
amin 1e-10 and no top_db); LAION's fusion path uses torchaudio's MelSpectrogram (HTK scale, no area norm)
and AmplitudeToDB. Maths lives in functions; MelFrontEnd builds its filters once.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
import torchaudio
from torch import nn

from clapsearch.model.config import FeatureConfig

_F_SP = 200.0 / 3  # Slaney mel scale: linear below 1 kHz, logarithmic above
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def slaney_hz_to_mel(hz: torch.Tensor) -> torch.Tensor:
    log_part = _MIN_LOG_MEL + torch.log(torch.clamp(hz, min=1e-10) / _MIN_LOG_HZ) / _LOGSTEP
    return torch.where(hz >= _MIN_LOG_HZ, log_part, hz / _F_SP)


def slaney_mel_to_hz(mel: torch.Tensor) -> torch.Tensor:
    log_part = _MIN_LOG_HZ * torch.exp(_LOGSTEP * (mel - _MIN_LOG_MEL))
    return torch.where(mel >= _MIN_LOG_MEL, log_part, _F_SP * mel)


def slaney_mel_fbanks(n_fft: int, sample_rate: int, n_mels: int, f_min: float, f_max: float) -> torch.Tensor:
    """Return (n_freqs, n_mels) filters exactly as librosa.filters.mel(htk=False, norm='slaney') makes them.

    librosa works in float64, stores each triangle in float32, then scales the float32 rows by the
    float64 area norm and rounds again; the two roundings are kept so the filters agree to the bit.
    """
    fft_freqs = torch.arange(n_fft // 2 + 1, dtype=torch.float64) * sample_rate / n_fft
    mel_edges = torch.linspace(float(slaney_hz_to_mel(torch.tensor(f_min, dtype=torch.float64))),
                               float(slaney_hz_to_mel(torch.tensor(f_max, dtype=torch.float64))),
                               n_mels + 2, dtype=torch.float64)
    hz_edges = slaney_mel_to_hz(mel_edges)
    widths = hz_edges.diff()
    ramps = hz_edges[:, None] - fft_freqs[None, :]  # (n_mels + 2, n_freqs)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = torch.clamp(torch.minimum(lower, upper), min=0.0).float()
    area = 2.0 / (hz_edges[2:] - hz_edges[:-2])
    return (weights.double() * area[:, None]).float().t().contiguous()


def htk_mel_fbanks(n_fft: int, sample_rate: int, n_mels: int, f_min: float, f_max: float) -> torch.Tensor:
    """Return (n_freqs, n_mels) filters as torchaudio's MelSpectrogram draws them (HTK scale, no norm)."""
    return torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate,
                                                 norm=None, mel_scale="htk")


def power_to_db(power: torch.Tensor, amin: float = 1e-10) -> torch.Tensor:
    """Return 10 log10(max(power, amin)) (reference 1.0, no top_db), as torchlibrosa and torchaudio do."""
    return 10.0 * torch.log10(torch.clamp(power, min=amin))


def quantize_int16(wave: torch.Tensor) -> torch.Tensor:
    """Return the wave rounded through int16 as LAION's hook does: clip to [-1, 1], truncate, rescale."""
    ints = (wave.float().clamp(-1.0, 1.0) * 32767.0).to(torch.int16)
    return (ints.double() / 32767.0).float()


def fit_clip(wave: torch.Tensor, samples: int, padding: str) -> torch.Tensor:
    """Return (..., samples): a shorter wave filled as the model's reference does, a longer one cut.

    "repeat" (msclap): tile the clip enough times, then cut. "repeatpad" (LAION): whole repeats, then
    zeros. "zero": zeros. "none": the wave as it is.
    """
    n = wave.shape[-1]
    if padding == "none" or n == samples:
        return wave
    if n > samples:
        return wave[..., :samples]
    if n == 0:
        return wave.new_zeros(*wave.shape[:-1], samples)
    if padding == "repeat":
        wave = wave.repeat(*([1] * (wave.dim() - 1)), math.ceil(samples / n))[..., :samples]
    elif padding == "repeatpad":
        wave = wave.repeat(*([1] * (wave.dim() - 1)), samples // n)
    return F.pad(wave, (0, samples - wave.shape[-1]))


def window_starts(samples: int, clip: int, hop: int) -> list[int]:
    """Return the start of each clip-long window over a longer wave: every hop, plus one ending with it."""
    starts = list(range(0, max(samples - clip, 0), max(hop, 1)))
    return starts + [max(samples - clip, 0)]


class MelFrontEnd(nn.Module):
    """Waveform (batch, samples) -> log-mel (batch, frames, n_mels) in dB, torchlibrosa or torchaudio style."""

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
        cfg = self.cfg
        spec = torch.stft(wave.float(), cfg.n_fft, cfg.hop_length, window=self.window, center=True,
                          pad_mode="reflect", return_complex=True)  # (batch, freqs, frames)
        power = spec.real.square() + spec.imag.square()
        return power_to_db(torch.matmul(power.transpose(1, 2), self.fbanks))  # (batch, frames, n_mels)
