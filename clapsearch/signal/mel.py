"""Log-mel maths: mel filters, the power spectrogram through them, and the compressions the models use.

Pure functions with plain arguments; the modules that hold the constant tensors for a model's config are
in clapsearch.model.towers.frontend. aisfx's front end is Essentia's (HTK-warped unit-sum filters, log10
compression); PANNs/CNN14 use torchaudio's Slaney filters; msclap and LAION's waveform path use
torchlibrosa (librosa's Slaney filters, power spectrogram, dB with amin 1e-10 and no top_db); LAION's
fusion path uses torchaudio's MelSpectrogram (HTK scale, no area norm) and AmplitudeToDB.
"""
from __future__ import annotations

import math

import torch
import torchaudio

_F_SP = 200.0 / 3  # Slaney mel scale: linear below 1 kHz, logarithmic above
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def htk_mel(hz: torch.Tensor) -> torch.Tensor:
    return 2595.0 * torch.log10(1.0 + hz / 700.0)


def slaney_hz_to_mel(hz: torch.Tensor) -> torch.Tensor:
    log_part = _MIN_LOG_MEL + torch.log(torch.clamp(hz, min=1e-10) / _MIN_LOG_HZ) / _LOGSTEP
    return torch.where(hz >= _MIN_LOG_HZ, log_part, hz / _F_SP)


def slaney_mel_to_hz(mel: torch.Tensor) -> torch.Tensor:
    log_part = _MIN_LOG_HZ * torch.exp(_LOGSTEP * (mel - _MIN_LOG_MEL))
    return torch.where(mel >= _MIN_LOG_MEL, log_part, _F_SP * mel)


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


def torchaudio_slaney_fbanks(n_freqs: int, sample_rate: int, n_mels: int, f_min: float, f_max: float) -> torch.Tensor:
    """Return (n_freqs, n_mels) Slaney-scale, area-normalised filters as torchaudio draws them (PANNs/CNN14)."""
    return torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm="slaney",
                                                 mel_scale="slaney")


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


def mel_power(wave: torch.Tensor, fbanks: torch.Tensor, window: torch.Tensor, hop_length: int,
              pad_mode: str = "reflect") -> torch.Tensor:
    """Return (batch, samples) -> (batch, frames, n_mels): the centred power spectrogram through the filters.

    fbanks: (n_fft // 2 + 1, n_mels); window: (n_fft,), its length is the FFT size.
    """
    spec = torch.stft(wave.float(), window.shape[-1], hop_length, window=window, center=True,
                      pad_mode=pad_mode, return_complex=True)  # (batch, freqs, frames)
    power = spec.real.square() + spec.imag.square()
    return torch.matmul(power.transpose(1, 2), fbanks)  # (batch, frames, n_mels)


def power_to_db(power: torch.Tensor, amin: float = 1e-10) -> torch.Tensor:
    """Return 10 log10(max(power, amin)) (reference 1.0, no top_db), as torchlibrosa and torchaudio do."""
    return 10.0 * torch.log10(torch.clamp(power, min=amin))


def essentia_log(mel: torch.Tensor) -> torch.Tensor:
    """Return log10(10^4 mel + 1), the compression aisfx applies to Essentia's mel bands."""
    return torch.log10(mel * 1e4 + 1.0)


def quantize_int16(wave: torch.Tensor) -> torch.Tensor:
    """Return the wave rounded through int16 as LAION's hook does: clip to [-1, 1], truncate, rescale."""
    ints = (wave.float().clamp(-1.0, 1.0) * 32767.0).to(torch.int16)
    return (ints.double() / 32767.0).float()
