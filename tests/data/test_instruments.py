"""General MIDI instrument and drum-kit renders (`clapsearch data soundfont --instruments`)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import soundfile as sf

from clapsearch.data import instruments as I
from clapsearch.data.soundfont import SAMPLE_RATE as SR
from clapsearch.data.soundfont import Font


class ToneSynth:
    """A stand-in for tinysoundfont.Synth: a sine per sounding note; presets exist where ``names`` says."""

    def __init__(self, names: dict[tuple[int, int], str]):
        self.names = names
        self.on: dict[int, int] = {}
        self.log: list[tuple] = []
        self.t = 0

    def sfload(self, path):
        return 1

    def sfpreset_name(self, sfid, bank, program):
        if (bank, program) not in self.names:
            raise RuntimeError("no preset")
        return self.names[(bank, program)]

    def program_select(self, chan, sfid, bank, program, is_drums=False):
        self.log.append(("program", chan, bank, program, is_drums))

    def noteon(self, chan, note, vel):
        self.on[note] = vel
        self.log.append(("on", self.t, note))

    def noteoff(self, chan, note):
        self.on.pop(note, None)

    def notes_off(self):
        self.on.clear()

    def generate(self, samples):
        t = (self.t + np.arange(samples)) / SR
        out = sum((0.2 * np.sin(2 * np.pi * 440 * 2 ** ((n - 69) / 12) * t) for n in self.on), np.zeros(samples))
        self.t += samples
        return np.repeat(np.asarray(out, dtype=np.float32), 2).tobytes()


def test_catalogue_covers_the_melodic_programs_with_plain_captions() -> None:
    progs, kits, hits = I.load_gm()
    numbers = [p.program for p in progs]
    assert numbers == sorted(set(numbers)) and set(numbers) == set(range(120)) - set(range(96, 104))
    for p in progs:
        assert p.style in ("keys", "mono", "hit") and 0 <= p.low <= p.high <= 127 and p.label
        for kind in ("note", "slow", "fast", "chord", "arpeggio", "hit", "rhythm"):
            caps = I.captions(p, kind)
            assert all(c and not re.search(r"\d|\(|\)", c) for c in caps), caps
            assert not any(re.search(r"\b(a|an) (a|an)\b", c) for c in caps), "one article"
    assert I.captions(progs[42], "slow")[0] == "a cello playing a slow melody"
    assert I.captions(progs[30], "chord")[0] == "a distorted electric guitar chord"
    assert {"kick drum", "snare drum", "closed hi-hat", "crash cymbal", "high tom", "low tom"} <= {h[1] for h in hits}
    assert [k[0] for k in kits] == sorted({k[0] for k in kits})


def test_phrases_stay_in_range_and_follow_the_seed() -> None:
    progs, _, _ = I.load_gm()
    cello = progs[42]
    a = I.phrases(cello, np.random.default_rng(5))
    b = I.phrases(cello, np.random.default_rng(5))
    assert a == b
    assert [k for k, _ in a] == ["note", "slow", "fast"]
    notes = [n for _, ev in a for _, _, ns, _ in ev for n in ns]
    assert min(notes) >= cello.low and max(notes) <= cello.high
    slow = dict(a)["slow"]
    pcs = {n % 12 for _, _, ns, _ in slow for n in ns}
    assert len(pcs) <= 7, "a melody stays on one seven-note scale"
    piano = I.phrases(progs[0], np.random.default_rng(1))
    assert [k for k, _ in piano] == ["note", "slow", "fast", "chord", "arpeggio"]
    assert len(dict(piano)["chord"][0][2]) == 1 and len(dict(piano)["chord"]) >= 3, "chord notes sound together"


def test_play_renders_events_in_time_and_trims_the_tail() -> None:
    synth = ToneSynth({})
    wave = I.play(synth, [(0.0, 0.5, (60,), 100), (0.5, 0.5, (64,), 100)])
    ons = [(t, n) for kind, t, n in synth.log if kind == "on"]
    assert ons == [(0, 60), (int(0.5 * SR), 64)]
    assert abs(wave.size / SR - 1.0) < 0.01, "the silent release tail is trimmed"
    assert np.abs(wave).max() <= 0.9


def test_build_instruments_writes_captioned_clips_and_counts_absent_programs(tmp_path: Path) -> None:
    progs, kits, _ = I.load_gm()
    names = {(0, 42): "Cello", (0, 0): "Piano", (128, 0): "Standard", (128, 25): "Organ"}  # 25 is no 808 kit
    font = Font("some-soundfont", "x.sf2", "MIT")
    clips, stats = I.build_instruments(font, tmp_path / "x.sf2", tmp_path, lambda: ToneSynth(names), takes=2)
    labels = [c.label for c in clips]
    assert labels.count("cello") == 2 * 3 and labels.count("piano") == 2 * 5
    assert labels.count("drum kit") == 2 * 4, "the standard kit's beats, fill and roll; no 808 (wrong name)"
    assert stats.skipped["program_absent"] == len(progs) - 2
    cello = [c for c in clips if c.label == "cello"]
    assert cello[0].captions[0] == "a cello playing a single note" and cello[0].source == "debian:some-soundfont"
    for c in clips[:12]:
        audio, sr = sf.read(tmp_path / c.audio)
        assert sr == SR and 0.3 < audio.size / sr < 15 and np.abs(audio).max() > 0.01
    again, _ = I.build_instruments(font, tmp_path / "x.sf2", tmp_path / "b", lambda: ToneSynth(names), takes=2)
    assert [c.to_dict() for c in again] == [c.to_dict() for c in clips]
    first = tmp_path / cello[1].audio
    np.testing.assert_array_equal(sf.read(first)[0], sf.read(tmp_path / "b" / cello[1].audio)[0])
    assert cello[1].audio != cello[4].audio and not np.array_equal(
        sf.read(first)[0][:1000], sf.read(tmp_path / cello[4].audio)[0][:1000]), "takes play other notes"


def test_cli_instruments_renders_the_instrument_fonts_only(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from clapsearch.cli import data as cli

    fetched: list[str] = []
    monkeypatch.setattr(cli.debian, "download", lambda pkg, cache: fetched.append(pkg) or tmp_path / f"{pkg}.deb")
    monkeypatch.setattr(cli.debian, "extract", lambda deb, dest: dest)
    monkeypatch.setattr(I, "synth_factory", lambda: (lambda: ToneSynth({(0, 73): "Flute"})))
    res = CliRunner().invoke(cli.app, ["soundfont", "--out", str(tmp_path / "c"), "--instruments", "--takes", "1"])
    assert res.exit_code == 0, res.output
    assert fetched == list(I.INSTRUMENT_FONTS)
    rows = (tmp_path / "c" / "manifest.jsonl").read_text().splitlines()
    assert len(rows) == 2 * 3 and all('"label": "flute"' in r for r in rows)
