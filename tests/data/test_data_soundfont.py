"""SoundFont sound-effect renders: preset checks, one-shot repetition, trimming, manifest rows."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from clapsearch.data import soundfont as S

SR = S.SAMPLE_RATE


class FakeSynth:
    """A stand-in for tinysoundfont.Synth: each preset is a recording that plays while its note is on.

    ``recordings`` maps (bank, program) to (name, mono wave); a one-shot wave ends by itself, a looped one
    (``loop=True``) sounds for as long as the note is held.
    """

    def __init__(self, recordings: dict, loop: frozenset = frozenset()):
        self.recordings, self.loop = recordings, loop
        self.current = None
        self.pos = 0
        self.on = False
        self.calls: list[tuple] = []

    def sfload(self, path):
        return 7

    def sfpreset_name(self, sfid, bank, program):
        assert sfid == 7
        return self.recordings[(bank, program)][0] if (bank, program) in self.recordings else None

    def program_select(self, chan, sfid, bank, program):
        self.current = (bank, program)

    def noteon(self, chan, note, vel):
        self.calls.append(("on", self.current, note))
        self.on, self.pos = True, 0

    def noteoff(self, chan, note):
        self.on = False

    def notes_off(self):
        self.on = False

    def generate(self, samples):
        wave = self.recordings[self.current][1]
        if self.current in self.loop:
            out = np.resize(wave, samples) if self.on else np.zeros(samples, dtype=np.float32)
        else:
            out = np.zeros(samples, dtype=np.float32)
            seg = wave[self.pos:self.pos + samples]
            out[:seg.size] = seg
            self.pos += samples
        return np.repeat(out.astype(np.float32), 2).tobytes()  # interleaved stereo


def _tone(seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_presets_have_concept_labels_and_phrases():
    seen = set()
    for p in S.PRESETS:
        assert (p.bank, p.program) not in seen, "each preset once"
        seen.add((p.bank, p.program))
        assert p.label and len(p.captions) >= 2
        assert all(c and not any(ch.isdigit() for ch in c) for c in p.captions), "no id-like tokens in captions"


def test_looped_preset_is_held_then_trimmed():
    rain = next(p for p in S.PRESETS if p.label == "rain")
    synth = FakeSynth({(rain.bank, rain.program): ("Rain", _tone(0.5))}, loop=frozenset({(rain.bank, rain.program)}))
    wave = S.render(synth, 7, rain, 60, gap=0.7)
    assert wave.dtype == np.float32
    # held for HOLD_SECONDS, then the note stops (the fake has no release): no repetition, no trailing silence
    assert wave.size == int(S.HOLD_SECONDS * SR)
    assert abs(wave[-1]) > 0 or abs(wave[-2]) > 0


def test_one_shot_repeats_only_with_a_gap():
    dog = next(p for p in S.PRESETS if p.label == "dog")
    synth = FakeSynth({(dog.bank, dog.program): ("Dog", _tone(0.3))})
    single = S.render(synth, 7, dog, 60, gap=0.0)
    assert single.size == int(0.3 * SR)
    repeated = S.render(synth, 7, dog, 57, gap=0.7)
    step = int(0.3 * SR) + int(0.7 * SR)
    hits = int(S.HOLD_SECONDS * SR) // step
    assert hits == 4
    assert repeated.size == step * (hits - 1) + int(0.3 * SR)
    np.testing.assert_allclose(repeated[step:step + single.size], single)
    assert not repeated[int(0.3 * SR) + 10:step - 10].any(), "silence between the hits"


def test_build_font_skips_absent_renamed_and_silent_presets(tmp_path):
    rain = next(p for p in S.PRESETS if p.label == "rain")
    dog = next(p for p in S.PRESETS if p.label == "dog")
    siren = next(p for p in S.PRESETS if p.label == "siren")
    recordings = {
        (rain.bank, rain.program): ("Rain", _tone(1.0)),
        (dog.bank, dog.program): ("Dog", np.zeros(SR, dtype=np.float32)),  # silent: no sample behind it
        (siren.bank, siren.program): ("Organ", _tone(1.0)),  # something else in that slot
    }
    font = S.Font("some-soundfont", "x.sf2", "MIT")
    clips, stats = S.build_font(font, tmp_path / "x.sf2", tmp_path,
                                synth_factory=lambda: FakeSynth(recordings, loop=frozenset(recordings)))
    assert [c.label for c in clips] == ["rain"] * len(S.NOTES)
    assert stats.skipped == {"preset_absent": len(S.PRESETS) - 2, "silent": len(S.NOTES)}
    assert stats.concepts == ["rain"]
    row = clips[0].to_dict()
    assert row["source"] == "debian:some-soundfont" and row["licence"] == "MIT"
    assert row["captions"] == list(rain.captions)
    audio, sr = sf.read(tmp_path / row["audio"])
    assert sr == SR and audio.size == int(S.HOLD_SECONDS * SR)
    json.dumps(stats.to_dict())


def test_real_soundfont_renders_when_installed():
    """With tinysoundfont and Debian's FluidR3_GS.sf2 installed, its dog and siren presets render real sound."""
    tsf = pytest.importorskip("tinysoundfont")
    path = "/usr/share/sounds/sf2/FluidR3_GS.sf2"
    import os

    if not os.path.isfile(path):
        pytest.skip(f"{path} not installed (apt-get install fluid-soundfont-gs)")
    synth = tsf.Synth(samplerate=SR)
    sfid = synth.sfload(path)
    siren = next(p for p in S.PRESETS if p.label == "siren")
    wave = S.render(synth, sfid, siren, 60)
    assert wave.size > 2 * SR and np.sqrt(np.mean(wave ** 2)) > 0.01
