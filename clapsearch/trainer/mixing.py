"""Waveform mixtures: a foreground clip over a quieter background clip, captioned as both.

Game and sound-library clips are single, clean events on silence; recordings that users search are
not. A mixture puts a training clip over another clip of a different concept, at a random level
below it, and sometimes band-limits the result (telephone to FM bandwidth). Its captions are the
foreground's own ("a dog barking") and compound ones ("a dog barking and rain falling"), so the model
learns that a sound is still itself over a background, and compound queries find compound scenes.

Every mixture is fixed by its `Mix` spec, drawn from the seed: the same run builds the same mixtures,
and the feature cache keys each one by its spec and both files' contents.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from clapsearch.audio import read_window
from clapsearch.audio.decode import fit_length, resample
from clapsearch.manifest import Clip

BANDS = (8000, 11025, 16000, 22050)  # sample rates a band-limited mixture passes through
MIX_PREFIX = "mix:"


@dataclass(frozen=True)
class Mix:
    """One mixture: which clips, where each crop starts, the background's level, an optional band limit."""

    fg: str  # audio paths
    bg: str
    fg_start: float
    bg_start: float
    snr_db: float  # foreground RMS over background RMS
    band: int  # 0: full band, else the sample rate the mixture is passed through

    def key(self) -> str:
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def draw_mixes(clips: Sequence[Clip], count: int, seed: int, clip_seconds: float,
               snr_db: tuple[float, float] = (3.0, 15.0), band_prob: float = 0.5) -> list[tuple[Mix, int, int]]:
    """Return `count` mixtures as (spec, foreground index, background index); the two differ in label."""
    if count <= 0:
        return []
    rng = np.random.default_rng([seed, 0x6D6978])  # its own stream: drawing mixes never shifts the batches
    # Both clips are drawn by label group first, so that a big narrow set (hundreds of one speaker's prompts)
    # neither takes most of the mixtures nor becomes the background of everything: foreground groups with
    # weight sqrt(size), background groups alike.
    names, group_of = np.unique(np.asarray([c.group for c in clips], dtype=str), return_inverse=True)
    members = [np.flatnonzero(group_of == g) for g in range(len(names))]
    if len(members) < 2:
        return []
    weight = np.sqrt([len(m) for m in members])
    weight /= weight.sum()
    out = []
    for _ in range(count):
        g_fg = int(rng.choice(len(members), p=weight))
        g_bg = int(rng.integers(len(members) - 1))
        g_bg += g_bg >= g_fg  # any group but the foreground's
        fg, bg = int(rng.choice(members[g_fg])), int(rng.choice(members[g_bg]))

        def start(c: Clip) -> float:
            return round(float(rng.random() * max(0.0, c.duration - clip_seconds)), 3)

        snr = round(float(rng.uniform(*snr_db)), 2)
        band = int(rng.choice(BANDS)) if rng.random() < band_prob else 0
        out.append((Mix(clips[fg].audio, clips[bg].audio, start(clips[fg]), start(clips[bg]), snr, band), fg, bg))
    return out


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def render(mix: Mix, sample_rate: int, clip_seconds: float) -> np.ndarray:
    """Return the mixture's waveform: (clip samples,) float32 at sample_rate, peak at most 1."""
    samples = int(round(clip_seconds * sample_rate))
    fg = fit_length(read_window(mix.fg, mix.fg_start, mix.fg_start + clip_seconds, sample_rate), samples)
    bg = fit_length(read_window(mix.bg, mix.bg_start, mix.bg_start + clip_seconds, sample_rate), samples, "repeat")
    fg_rms, bg_rms = _rms(fg), _rms(bg)
    if bg_rms > 0 and fg_rms > 0:
        bg = bg * (fg_rms / bg_rms) * 10.0 ** (-mix.snr_db / 20.0)
    out = fg + bg
    if mix.band and mix.band < sample_rate:
        out = resample(resample(out, sample_rate, mix.band), mix.band, sample_rate)[:samples]
        out = fit_length(out, samples)
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > 1.0:
        out = out / peak
    return out.astype(np.float32)


def _phrases(clip: Clip) -> list[str]:
    """The captions that read as a phrase inside "A and B": label templates ("the sound of x") only as a fallback."""
    own = [c for c in clip.captions if not c.lower().startswith(("this is a sound of ", "the sound of "))]
    return own or [c.split(" of ", 1)[-1] for c in clip.captions]


def mixture_clip(mix: Mix, fg: Clip, bg: Clip, rng: np.random.Generator, compounds: int = 2) -> Clip:
    """Return the Clip of a mixture: the foreground's captions plus `compounds` "A and B" captions."""
    own = list(fg.captions)
    pairs = {(str(rng.choice(_phrases(fg))), str(rng.choice(_phrases(bg)))) for _ in range(compounds)}
    compound = [f"{a} and {b}" for a, b in sorted(pairs)]
    return Clip(audio=MIX_PREFIX + mix.key(), captions=own + compound, label=fg.label,
                     source=f"mix of {fg.source or fg.audio} and {bg.source or bg.audio}", duration=0.0,
                     background=bg.group)


def build_mixtures(clips: Sequence[Clip], count: int, seed: int, clip_seconds: float,
                   ) -> tuple[list[Clip], list[Mix]]:
    """Return the mixture clips and their specs (same order) for the training clips."""
    rng = np.random.default_rng([seed, 0x636170])
    made, specs = [], []
    for mix, fg, bg in draw_mixes(clips, count, seed, clip_seconds):
        made.append(mixture_clip(mix, clips[fg], clips[bg], rng))
        specs.append(mix)
    return made, specs
