from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from clapsearch.manifest import Clip
from clapsearch.trainer import TrainConfig, train
from clapsearch.trainer.manifest import load_manifests
from clapsearch.trainer.mixing import MIX_PREFIX, Mix, build_mixtures, draw_mixes, render


def _clips(corpus: Path) -> list[Clip]:
    clips, _, _ = load_manifests([corpus])
    return clips


def test_mixtures_are_drawn_from_the_seed_and_pair_different_labels(corpus: Path) -> None:
    clips = _clips(corpus)
    a = draw_mixes(clips, 30, seed=3, clip_seconds=1.0)
    assert a == draw_mixes(clips, 30, seed=3, clip_seconds=1.0)
    assert a != draw_mixes(clips, 30, seed=4, clip_seconds=1.0)
    assert len(a) == 30
    # a larger --mix extends the draw: its first mixtures and their captions are the smaller run's (cache hits)
    assert draw_mixes(clips, 60, seed=3, clip_seconds=1.0)[:30] == a
    small, more = build_mixtures(clips, 30, 3, 1.0), build_mixtures(clips, 60, 3, 1.0)
    assert more[0][:30] == small[0] and more[1][:30] == small[1]
    for mix, fg, bg in a:
        assert clips[fg].label != clips[bg].label
        assert (mix.fg, mix.bg) == (clips[fg].audio, clips[bg].audio)
        assert 3.0 <= mix.snr_db <= 15.0 and mix.band in (0, 8000, 11025, 16000, 22050)
        assert 0.0 <= mix.fg_start <= max(0.0, clips[fg].duration - 1.0)


def test_mixture_captions_name_the_foreground_alone_and_both(corpus: Path) -> None:
    clips = _clips(corpus)
    made, specs = build_mixtures(clips, 10, seed=0, clip_seconds=1.0)
    by_audio = {c.audio: c for c in clips}
    for clip, mix in zip(made, specs):
        fg, bg = by_audio[mix.fg], by_audio[mix.bg]
        assert clip.audio == MIX_PREFIX + mix.key() and clip.label == fg.label
        assert clip.background == bg.group != clip.group  # what the batch mask spares
        assert clip.captions[:len(fg.captions)] == fg.captions
        compounds = clip.captions[len(fg.captions):]
        assert compounds and all(" and " in c for c in compounds)
        assert all(any(c.startswith(f + " and ") for f in fg.captions) for c in compounds)
        assert all(any(c.endswith(" and " + b) for b in bg.captions) for c in compounds)


def _write(path: Path, wave: np.ndarray, sr: int = 44100) -> str:
    sf.write(path, wave, sr)
    return str(path)


def test_render_sets_the_background_level_and_band_limit(tmp_path: Path) -> None:
    sr = 44100
    t = np.arange(sr) / sr
    fg = _write(tmp_path / "fg.wav", (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))
    bg = _write(tmp_path / "bg.wav", (0.5 * np.sin(2 * np.pi * 15000 * t)).astype(np.float32))
    wave = render(Mix(fg, bg, 0.0, 0.0, snr_db=10.0, band=0), sr, 1.0)
    spec = np.abs(np.fft.rfft(wave))
    freqs = np.fft.rfftfreq(len(wave), 1 / sr)
    level = spec[np.argmin(np.abs(freqs - 15000))] / spec[np.argmin(np.abs(freqs - 440))]
    assert abs(20 * np.log10(level) + 10.0) < 0.5  # background 10 dB under the foreground
    limited = render(Mix(fg, bg, 0.0, 0.0, snr_db=10.0, band=16000), sr, 1.0)
    spec = np.abs(np.fft.rfft(limited))
    assert spec[np.argmin(np.abs(freqs - 15000))] < 1e-3 * spec[np.argmin(np.abs(freqs - 440))]
    assert limited.shape == (sr,) and limited.dtype == np.float32
    loud = render(Mix(fg, bg, 0.0, 0.0, snr_db=-20.0, band=0), sr, 1.0)
    assert np.max(np.abs(loud)) <= 1.0 + 1e-6  # never clips


def test_training_with_mixtures_caches_them_and_logs_no_skips(corpus: Path, tmp_path: Path,
                                                               frozen_config: Path) -> None:
    cache = tmp_path / "cache"
    cfg = TrainConfig(steps=6, batch_size=6, eval_every=0, holdout=0.0, mix=12, cache_dir=str(cache))
    train(str(frozen_config), [corpus], tmp_path / "out", cfg)
    assert len(list(cache.rglob("mix/*/*.npy"))) == 12
    assert not (tmp_path / "out" / "skipped.json").exists()
    saved = json.loads((tmp_path / "out" / "config.json").read_text())
    assert saved["provenance"]["train"]["mix"] == 12
    assert saved["provenance"]["train_clips"] == 48 + 12
    # trained towers render mixtures on the fly instead (the GPU path)
    cfg = TrainConfig(steps=3, batch_size=6, eval_every=0, holdout=0.0, mix=6, cache_dir=str(cache))
    train("tiny", [corpus], tmp_path / "out2", cfg)
    assert json.loads((tmp_path / "out2" / "config.json").read_text())["provenance"]["train_clips"] == 48 + 6


def test_a_big_label_neither_floods_the_foregrounds_nor_the_backgrounds() -> None:
    clips = [Clip(f"/big/{i}.wav", ["a woman speaking"], "speech", duration=3.0) for i in range(400)]
    clips += [Clip(f"/{g}/{i}.wav", [f"a {g}"], g, duration=3.0) for g in "abcd" for i in range(4)]
    mixes = draw_mixes(clips, 2000, seed=0, clip_seconds=1.0)
    fg_big = np.mean([clips[fg].label == "speech" for _, fg, _ in mixes])
    bg_big = np.mean([clips[bg].label == "speech" for _, _, bg in mixes])
    assert 0.65 < fg_big < 0.78  # by group weight sqrt(size): 20 / (20 + 4 * 2) = 0.71; by clip it would be 0.96
    assert 0.03 < bg_big < 0.12  # 1 of the 4 other groups when the foreground is small: 0.29 / 4 = 0.07
