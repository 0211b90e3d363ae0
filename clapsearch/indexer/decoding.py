"""Decoding work units, run in worker processes: a few windows of one file, as model-rate waveforms."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from clapsearch.audio import AudioError, AudioInfo, read_window
from clapsearch.audio.decode import fit_length


@dataclass(frozen=True)
class DecodeTask:
    file_index: int
    path: str
    info: AudioInfo
    windows: tuple[tuple[float, float], ...]
    sample_rate: int
    clip_samples: int
    padding: str = "zero"


@dataclass
class DecodeResult:
    file_index: int
    waves: np.ndarray | None  # (windows, clip samples) float32
    peak: float
    error: str | None = None
    seconds: float = 0.0  # read + decode + resample time of this task, in the process that decoded it


def warm_up() -> None:
    """Import what the first decode would (torch and torchaudio, for resampling: over a second): a worker runs
    this before it reports ready, while the indexer loads its model, not inside its first task."""
    import torchaudio.transforms  # noqa: F401


def decode(task: DecodeTask) -> DecodeResult:
    """Decode a task's windows; errors come back as text, never as an exception across processes."""
    t0 = time.perf_counter()
    try:
        waves = np.stack([fit_length(read_window(task.path, a, b, task.sample_rate, task.info), task.clip_samples,
                                     task.padding)
                          for a, b in task.windows])
    except AudioError as e:
        return DecodeResult(task.file_index, None, 0.0, str(e))
    except Exception as e:  # a decoder crash in one file must not stop the run
        return DecodeResult(task.file_index, None, 0.0, f"decoding failed ({type(e).__name__}: {e})"[:300])
    return DecodeResult(task.file_index, waves, float(np.abs(waves).max(initial=0.0)), None,
                        time.perf_counter() - t0)
