"""Decoding: read headers first, then samples one window at a time (never a whole long file)."""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import soundfile as sf

from clapsearch.errors import UserError
from clapsearch.signal.padding import fit_length  # callers import it from here too
from clapsearch.signal.windows import segment_windows

if TYPE_CHECKING:  # torch and torchaudio are imported when a file is resampled, not for a header or a query
    import torchaudio

AUDIO_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".mp3", ".opus", ".aif", ".aiff", ".aifc"})


class AudioError(UserError):
    """A file that cannot be used as audio; the message says why, for the skip list."""


@dataclass(frozen=True)
class AudioInfo:
    path: str
    duration: float
    sample_rate: int
    channels: int
    frames: int
    format: str

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "duration": self.duration, "sample_rate": self.sample_rate,
                "channels": self.channels, "frames": self.frames, "format": self.format}


def probe(path: str | Path) -> AudioInfo:
    """Return the header facts of an audio file, or raise AudioError saying why it is unusable."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise AudioError(f"cannot read file: {e.strerror or e}") from e
    if size == 0:
        raise AudioError("empty file (0 bytes)")
    try:
        with _quiet_native_stderr(p.suffix.lower() == ".mp3"):
            info = sf.info(os.fsencode(p))  # bytes: a name that is not UTF-8 reaches libsndfile as it is
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        reason = _libsndfile_reason(e)
        what = ("not an audio file soundfile can read" if reason == _UNRECOGNISED
                else "damaged or unsupported audio file")
        raise AudioError(f"{what} ({reason})") from e
    if info.samplerate <= 0 or info.channels <= 0:
        raise AudioError("audio header has no sample rate or channels")
    if info.frames <= 0:
        raise AudioError("no audio frames in file")
    missing = _truncation(p, size, str(info.format), int(info.frames), int(info.samplerate))
    if missing:
        raise AudioError(f"truncated: {missing}")
    return AudioInfo(str(p), info.frames / info.samplerate, int(info.samplerate), int(info.channels),
                     int(info.frames), str(info.format))


def _truncation(path: Path, size: int, fmt: str, frames: int, sample_rate: int) -> str | None:
    """Return why a WAV, AIFF or Ogg file is cut short, or None.

    libsndfile reports a cut WAV or AIFF as a shorter file, and an Ogg file as long as its last whole page,
    so the header's own length (or the Ogg end-of-stream mark) is checked here. A WAV whose data size was never
    written (0 or 0xFFFFFFFF, as recorders that stream leave it) is read to its end, not called truncated.
    """
    try:
        with open(path, "rb") as f:
            if fmt == "WAV":
                return _wav_truncation(f, size, frames, sample_rate)
            if fmt in ("AIFF", "AIFC"):
                return _aiff_truncation(f, frames, sample_rate)
            if fmt == "OGG":
                f.seek(max(0, size - 65536))
                tail = f.read()
                last = tail.rfind(b"OggS")
                if last >= 0 and len(tail) > last + 5 and not tail[last + 5] & 0x04:
                    return f"no end-of-stream mark after {frames / sample_rate:.2f} s of audio"
    except OSError:
        return None
    return None


def _wav_truncation(f: BinaryIO, size: int, frames: int, sample_rate: int) -> str | None:
    head = f.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    block_align = 0
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            return None
        cid, csize = chunk[:4], int.from_bytes(chunk[4:], "little")
        if cid == b"fmt ":
            body = f.read(csize)
            block_align = int.from_bytes(body[12:14], "little") if len(body) >= 14 else 0
            if csize % 2:
                f.read(1)
            continue
        if cid == b"data":
            if csize in (0, 0xFFFFFFFF) or block_align <= 0:
                return None
            declared = csize // block_align
            if declared > frames:
                return _short_by(declared, frames, sample_rate)
            return None
        f.seek(csize + (csize % 2), 1)


def _short_by(declared: int, frames: int, sample_rate: int) -> str:
    """Say what is missing in frames too: "2.32 s, the file holds 2.32 s" reads as nothing missing."""
    return (f"the header says {declared} frames ({declared / sample_rate:.2f} s), the file holds {frames} "
            f"({frames / sample_rate:.2f} s): {declared - frames} frames missing")


def _aiff_truncation(f: BinaryIO, frames: int, sample_rate: int) -> str | None:
    head = f.read(12)
    if head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
        return None
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            return None
        cid, csize = chunk[:4], int.from_bytes(chunk[4:], "big")
        if cid == b"COMM":
            body = f.read(min(csize, 18))
            declared = int.from_bytes(body[2:6], "big") if len(body) >= 6 else 0
            if declared > frames:
                return _short_by(declared, frames, sample_rate)
            return None
        f.seek(csize + (csize % 2), 1)


@contextmanager
def _quiet_native_stderr(active: bool) -> Iterator[None]:
    """Silence libmpg123's resync notes on stderr while it probes a file (we report the error ourselves)."""
    if not active:
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@lru_cache(maxsize=32)
def _resampler(orig: int, new: int) -> torchaudio.transforms.Resample:
    import torchaudio

    return torchaudio.transforms.Resample(orig, new)


def resample(wave: np.ndarray, orig: int, new: int) -> np.ndarray:
    """Return mono float32 audio resampled from orig to new Hz (torchaudio's windowed sinc)."""
    if orig == new or wave.size == 0:
        return wave.astype(np.float32, copy=False)
    import torch

    with torch.no_grad():
        out = _resampler(orig, new)(torch.from_numpy(np.ascontiguousarray(wave, dtype=np.float32)))
    return out.numpy()


def read_window(path: str | Path, start: float, end: float, sample_rate: int,
                info: AudioInfo | None = None) -> np.ndarray:
    """Return seconds [start, end) of a file as mono float32 at sample_rate (downmixed, resampled)."""
    info = info or probe(path)
    first = int(round(start * info.sample_rate))
    count = max(0, min(info.frames, int(round(end * info.sample_rate))) - first)
    try:
        with sf.SoundFile(os.fsencode(path)) as f:
            f.seek(first)
            data = f.read(count, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as e:
        raise AudioError(f"decoding failed at {start:.1f}s ({_short(e)})") from e
    if data.shape[0] < count * 0.9 and count > 0:
        raise AudioError(f"file ends early: {data.shape[0] / info.sample_rate:.2f}s read of "
                         f"{count / info.sample_rate:.2f}s expected at {start:.1f}s (truncated?)")
    mono = data.mean(axis=1)  # (samples,)
    if not np.all(np.isfinite(mono)):
        raise AudioError(f"non-finite samples at {start:.1f}s")
    return resample(mono, info.sample_rate, sample_rate)


def iter_windows(path: str | Path, sample_rate: int, clip_seconds: float, hop_seconds: float,
                 info: AudioInfo | None = None, padding: str = "zero") -> Iterator[tuple[float, float, np.ndarray]]:
    """Yield (start, end, wave) per window; each wave is clip-length at sample_rate (short ones filled)."""
    info = info or probe(path)
    samples = int(round(clip_seconds * sample_rate))
    for start, end in segment_windows(info.duration, clip_seconds, hop_seconds):
        yield start, end, fit_length(read_window(path, start, end, sample_rate, info), samples, padding)


_UNRECOGNISED = "format not recognised"


def _libsndfile_reason(e: BaseException) -> str:
    text = str(e)
    # libsndfile reports an unrecognised format as "does not exist or is not a regular file"
    if "not a regular file" in text or "Format not recognised" in text or "unknown format" in text.lower():
        return _UNRECOGNISED
    detail = getattr(e, "error_string", None)  # LibsndfileError: libsndfile's own words, without the file's path
    if isinstance(detail, str) and detail.strip():  # ("Error opening b'take: 2.flac': ..." cannot be split on ": ")
        return re.sub(r"^Error\s*:\s*", "", detail.strip()).rstrip(".")[:160]
    return _short(e).split(": ", 1)[-1]


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:160]
