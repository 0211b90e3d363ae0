"""SoundFont sound-effect renders: preset checks, one-shot repetition, trimming, manifest rows."""
from __future__ import annotations

import json
import struct
from pathlib import Path

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


def _chunk(tag: bytes, data: bytes) -> bytes:
    pad = b"\0" if len(data) % 2 else b""
    return tag + struct.pack("<I", len(data)) + data + pad


def _list(kind: bytes, *chunks: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(chunks))


def write_sf2(path, presets: list[tuple[str, int, int, np.ndarray, bool]], rate: int = 22050) -> None:
    """Write a minimal SoundFont 2 file: one instrument and one sample per (name, bank, program, wave, looped)."""
    name = lambda s, n=20: s.encode()[:n - 1].ljust(n, b"\0")  # noqa: E731
    smpl, shdr, inst, ibag, igen, phdr, pbag, pgen = b"", b"", b"", b"", b"", b"", b"", b""
    start = 0
    for i, (label, bank, program, wave, looped) in enumerate(presets):
        pcm = (np.clip(wave, -1, 1) * 32767).astype("<i2")
        smpl += pcm.tobytes() + b"\0" * 2 * 46  # 46 zero samples after each sample, as the format asks
        end = start + pcm.size
        shdr += name(label) + struct.pack("<IIIIIbbHH", start, end, start + 8, end - 8, rate, 60, 0, 0, 1)
        start = end + 46
        inst += name(label) + struct.pack("<H", i)  # one zone (bag) per instrument
        ibag += struct.pack("<HH", 2 * i, 0)  # each instrument zone: sampleModes, sampleID
        igen += struct.pack("<Hh", 54, 1 if looped else 0) + struct.pack("<HH", 53, i)
        phdr += name(label) + struct.pack("<HHHIII", program, bank, i, 0, 0, 0)
        pbag += struct.pack("<HH", i, 0)
        pgen += struct.pack("<HH", 41, i)  # the preset zone names its instrument
    n = len(presets)
    shdr += name("EOS") + b"\0" * 26
    inst += name("EOI") + struct.pack("<H", n)
    ibag += struct.pack("<HH", 2 * n, 0)
    igen += b"\0" * 4
    phdr += name("EOP") + struct.pack("<HHHIII", 0, 0, n, 0, 0, 0)
    pbag += struct.pack("<HH", n, 0)
    pgen += b"\0" * 4
    body = b"sfbk" + _list(b"INFO", _chunk(b"ifil", struct.pack("<HH", 2, 1)), _chunk(b"isng", b"EMU8000\0"),
                           _chunk(b"INAM", b"test\0\0")) \
        + _list(b"sdta", _chunk(b"smpl", smpl)) \
        + _list(b"pdta", _chunk(b"phdr", phdr), _chunk(b"pbag", pbag), _chunk(b"pmod", b"\0" * 10),
                _chunk(b"pgen", pgen), _chunk(b"inst", inst), _chunk(b"ibag", ibag), _chunk(b"imod", b"\0" * 10),
                _chunk(b"igen", igen), _chunk(b"shdr", shdr))
    path.write_bytes(_chunk(b"RIFF", body))


def test_data_soundfont_renders_a_real_font_through_the_synthesiser(tmp_path, monkeypatch):
    """`clapsearch data soundfont` on a generated SoundFont: a looped rain held, a one-shot bark repeated."""
    pytest.importorskip("tinysoundfont")
    from typer.testing import CliRunner

    from clapsearch.cli.data import app
    from clapsearch.data import debian

    rng = np.random.default_rng(0)
    rain = (0.3 * rng.standard_normal(22050)).astype(np.float32)  # 1 s of noise, looped while held
    t = np.arange(4410) / 22050
    bark = (0.6 * np.sin(2 * np.pi * 500 * t) * np.exp(-t * 20)).astype(np.float32)  # 0.2 s, once
    tree = tmp_path / "tree"
    font = S.Font("test-soundfont", "usr/share/sounds/sf2/Test.sf2", "MIT")
    (tree / font.path).parent.mkdir(parents=True)
    write_sf2(tree / font.path, [("Rain", 1, 122, rain, True), ("Dog", 1, 123, bark, False),
                                 ("Organ", 5, 125, rain, True)])  # bank 5/125 should be a siren: skipped
    monkeypatch.setattr(S, "FONTS", (font,))
    monkeypatch.setattr(debian, "download", lambda package, cache: tmp_path / f"{package}.deb")
    monkeypatch.setattr(debian, "extract", lambda deb, dest: tree)

    out = tmp_path / "corpus"
    res = CliRunner().invoke(app, ["soundfont", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted({r["label"] for r in rows}) == ["dog", "rain"]
    assert len(rows) == 2 * len(S.NOTES)
    card = json.loads((out / "datacard.json").read_text())
    assert card["sources"]["debian:test-soundfont"]["skipped"]["preset_absent"] == len(S.PRESETS) - 2
    seconds = {}
    for r in rows:
        wave, sr = sf.read(out / r["audio"])
        assert sr == SR and np.sqrt(np.mean(wave ** 2)) > 0.01, r["audio"]
        seconds[Path(r["audio"]).name] = wave.size / sr
    rain_s = [s for n, s in seconds.items() if "rain" in n]
    dog_s = sorted(s for n, s in seconds.items() if "dog" in n)
    assert all(s >= S.HOLD_SECONDS for s in rain_s)  # held past the end of the 1 s recording
    assert dog_s[0] < 0.5 and dog_s[-1] > 2.0  # struck once at the root, repeated at the other pitches


def test_data_soundfont_goes_on_past_a_package_that_fails(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from clapsearch.cli.data import app
    from clapsearch.data import debian

    good, bad = S.Font("good-soundfont", "x.sf2", "MIT"), S.Font("gone-soundfont", "y.sf2", "MIT")

    def download(package, cache):
        if package == bad.package:
            raise debian.DebianError(f"`apt-get download {package}` failed")
        return tmp_path / f"{package}.deb"

    rain = next(p for p in S.PRESETS if p.label == "rain")
    recordings = {(rain.bank, rain.program): ("Rain", np.full(SR, 0.2, np.float32))}
    real_build = S.build_font
    monkeypatch.setattr(S, "build_font", lambda font, path, out: real_build(
        font, path, out, synth_factory=lambda: FakeSynth(recordings, loop=frozenset(recordings))))
    monkeypatch.setattr(S, "FONTS", (bad, good))
    monkeypatch.setattr(debian, "download", download)
    monkeypatch.setattr(debian, "extract", lambda deb, dest: tmp_path)
    res = CliRunner().invoke(app, ["soundfont", "--out", str(tmp_path / "corpus")])
    assert res.exit_code == 1 and "gone-soundfont failed" in res.output and "failed: gone-soundfont" in res.output
    rows = (tmp_path / "corpus" / "manifest.jsonl").read_text().splitlines()
    assert len(rows) == len(S.NOTES) and all('"debian:good-soundfont"' in r for r in rows)
