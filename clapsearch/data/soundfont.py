"""Sound effects rendered from the General MIDI / GS sound-effect presets of Debian's SoundFont packages.

General MIDI reserves programs 120-127 for sound effects (sea shore, bird tweet, telephone, helicopter, applause,
gun shot...), and Roland's GS set adds variations of them in banks 1-8 (rain, thunder, dog, siren, train, jet
plane...). The SoundFonts that Debian packages under free licences hold real recordings for many of those
presets. Each preset is rendered as a held note (the synthesiser loops the recording) at three pitches around
its root, then released, with TinySoundFont. A concept gets at most a handful of recordings this way, all alike,
so a render joins the label group of the same concept from other sources instead of standing alone.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clapsearch.errors import MissingPackageError

from .manifest import Clip, SourceStats

SAMPLE_RATE = 44100
# (note, seconds between hits): the root and a little below and above, the same recording at three speeds; a
# one-shot recording (a bark, a punch) is struck once at the root and repeated at the other two pitches
NOTES = ((60, 0.0), (57, 0.3), (63, 0.7))
HOLD_SECONDS = 4.0
TAIL_SECONDS = 1.5
SILENT_RMS = 1e-4  # a render this quiet means the font has no sample for the preset


@dataclass(frozen=True)
class Font:
    """One Debian package holding a SoundFont: the file inside it and its licence."""

    package: str
    path: str  # inside the extracted package
    licence: str


FONTS: tuple[Font, ...] = (
    Font("fluid-soundfont-gm", "usr/share/sounds/sf2/FluidR3_GM.sf2", "MIT"),
    Font("fluid-soundfont-gs", "usr/share/sounds/sf2/FluidR3_GS.sf2", "MIT"),
    Font("timgm6mb-soundfont", "usr/share/sounds/sf2/TimGM6mb.sf2", "GPL-2+"),
)
# Not used: musescore-general-soundfont(-small), whose sound effects are FluidR3's recordings again.


@dataclass(frozen=True)
class Preset:
    """A sound-effect preset: where it is (bank, program), the name the font must give it, its concept."""

    bank: int
    program: int
    name: str  # regex the font's preset name must match, so a font that puts something else there is skipped
    label: str
    captions: tuple[str, ...]


PRESETS: tuple[Preset, ...] = (
    # General MIDI programs 121-128 (0-based 120-127), bank 0
    Preset(0, 120, r"fret", "guitar fret noise", ("fingers sliding on guitar strings", "guitar fret noise",
                                                  "a squeak of fingers on a guitar string")),
    Preset(0, 121, r"breath", "breathing", ("a person breathing", "someone breathing in and out", "heavy breathing")),
    Preset(0, 122, r"sea ?shore", "waves", ("waves crashing on a beach", "the sea washing on the shore",
                                            "ocean surf rolling in")),
    Preset(0, 123, r"bird", "bird", ("a bird chirping", "a small bird tweeting", "birdsong")),
    Preset(0, 124, r"telephone", "phone ringing", ("a telephone ringing", "an old phone bell ringing",
                                                   "a ringing telephone")),
    Preset(0, 125, r"helicopter", "helicopter", ("a helicopter flying", "the thumping rotor blades of a helicopter",
                                                 "a helicopter hovering overhead")),
    Preset(0, 126, r"applause", "applause", ("an audience applauding", "a crowd clapping their hands",
                                             "people clapping and applauding")),
    Preset(0, 127, r"gun ?shot", "gunshot", ("a gun shot", "a gun being fired", "a single gunshot")),
    Preset(8, 14, r"church bell", "church bell", ("a church bell ringing", "a church bell tolling",
                                                  "a large bell ringing out")),
    # GS variations (banks 1-8 of programs 120-127)
    Preset(1, 122, r"rain", "rain", ("rain falling", "heavy rain pouring down", "the sound of rainfall")),
    Preset(2, 122, r"thunder", "thunder", ("thunder rumbling", "a clap of thunder", "a thunderstorm rumbling")),
    Preset(3, 122, r"wind", "wind", ("wind blowing", "a strong wind howling", "gusts of wind")),
    Preset(4, 122, r"stream|river", "stream", ("a stream flowing", "water running in a brook",
                                               "a river babbling")),
    Preset(5, 122, r"bubble", "bubbles", ("water bubbling", "bubbles rising in water", "air bubbling through water")),
    Preset(1, 123, r"dog", "dog", ("a dog barking", "a dog barks", "a barking dog")),
    Preset(2, 123, r"horse", "horse galloping", ("a horse galloping", "hooves clattering", "a galloping horse")),
    Preset(3, 123, r"bird", "bird", ("birds chirping", "a bird singing", "birds tweeting")),
    Preset(1, 124, r"telephone", "phone ringing", ("a telephone ringing", "a phone ringing", "a ringing phone")),
    Preset(2, 124, r"door creak", "door creaking", ("a door creaking open", "squeaky door hinges",
                                                    "a creaking door")),
    Preset(3, 124, r"door slam", "door slamming", ("a door slamming shut", "a door being slammed",
                                                   "a slamming door")),
    Preset(5, 124, r"wind chime", "wind chimes", ("wind chimes tinkling", "wind chimes ringing in the breeze",
                                                  "chimes jingling")),
    Preset(1, 125, r"car.?engine", "car engine", ("a car engine running", "a car engine starting and revving",
                                                  "an engine idling")),
    Preset(2, 125, r"car.?stop", "car braking", ("a car braking to a stop", "tyres screeching as a car stops",
                                                 "a car skidding to a halt")),
    Preset(3, 125, r"car.?pass", "car passing", ("a car driving past", "a car passing by", "a vehicle going past")),
    Preset(4, 125, r"car.?crash", "car crash", ("a car crash", "cars colliding", "a vehicle crashing")),
    Preset(5, 125, r"siren", "siren", ("a siren wailing", "an emergency vehicle siren", "a police siren")),
    Preset(6, 125, r"train", "train passing", ("a train passing", "a train rolling along the tracks",
                                               "a passing train")),
    Preset(7, 125, r"jet", "jet flying", ("a jet plane flying overhead", "the roar of a jet aircraft",
                                          "an airplane flying past")),
    Preset(1, 126, r"laugh", "laughing", ("people laughing", "a person laughing", "laughter")),
    Preset(2, 126, r"scream", "screaming", ("a person screaming", "someone screaming", "a scream")),
    Preset(3, 126, r"punch", "punch", ("a punch landing", "someone being punched", "a fist hitting a body")),
    Preset(4, 126, r"heart", "heartbeat", ("a heart beating", "a heartbeat", "a pounding heartbeat")),
    Preset(5, 126, r"footstep", "footsteps", ("footsteps walking", "someone walking", "footsteps")),
    Preset(1, 127, r"machine gun", "machine gun", ("a machine gun firing", "automatic gunfire",
                                                   "a burst of machine gun fire")),
    Preset(3, 127, r"explosion", "explosion", ("an explosion", "a loud blast", "a bomb exploding")),
)


def _generate(synth, seconds: float) -> np.ndarray:
    return np.frombuffer(synth.generate(int(round(seconds * SAMPLE_RATE))), dtype=np.float32).copy()


def _trim(mono: np.ndarray) -> np.ndarray:
    """Drop the silence after the last sound."""
    nz = np.flatnonzero(np.abs(mono) > 1e-5)
    return mono[: nz[-1] + 1] if nz.size else mono[:0]


def render(synth, sfid: int, preset: Preset, note: int, gap: float = 0.0, velocity: int = 110) -> np.ndarray:
    """Return one note of a preset held for HOLD_SECONDS, released and let ring: mono float32 at SAMPLE_RATE.

    With ``gap`` > 0 a one-shot recording (shorter than the hold) is struck again ``gap`` seconds after each
    hit ends, until the hold is filled. ``synth`` is a ``tinysoundfont.Synth`` (or anything with its
    program_select/noteon/noteoff/generate/notes_off).
    """
    synth.program_select(0, sfid, preset.bank, preset.program)
    synth.noteon(0, note, velocity)
    held = _generate(synth, HOLD_SECONDS)
    synth.noteoff(0, note)
    tail = _generate(synth, TAIL_SECONDS)
    synth.notes_off()
    mono = _trim(np.concatenate([held, tail]).reshape(-1, 2).mean(axis=1))
    if gap > 0 and 0 < mono.size < 0.8 * HOLD_SECONDS * SAMPLE_RATE:
        step = mono.size + int(gap * SAMPLE_RATE)
        hits = max(1, int(HOLD_SECONDS * SAMPLE_RATE) // step)
        out = np.zeros(step * (hits - 1) + mono.size, dtype=np.float32)
        for k in range(hits):
            out[k * step: k * step + mono.size] += mono
        mono = out
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    return (mono / peak * 0.9 if peak > 1.0 else mono).astype(np.float32)


def preset_name(synth, sfid: int, preset: Preset) -> str | None:
    return preset_name_at(synth, sfid, preset.bank, preset.program)


def preset_name_at(synth, sfid: int, bank: int, program: int) -> str | None:
    """Return the font's preset name at (bank, program), or None where it has none."""
    try:
        return synth.sfpreset_name(sfid, bank, program)
    except (RuntimeError, ValueError):
        return None


def tinysoundfont_synths():
    """Return a function making tinysoundfont synthesisers, or raise naming the package to install."""
    try:
        import tinysoundfont
    except ImportError as exc:
        raise MissingPackageError("rendering SoundFonts needs the 'tinysoundfont' package: "
                                  "pip install --no-deps tinysoundfont==0.3.7") from exc
    return lambda: tinysoundfont.Synth(samplerate=SAMPLE_RATE)


def build_font(font: Font, sf_path: Path, out: Path, synth_factory=None) -> tuple[list[Clip], SourceStats]:
    """Render every preset the font holds into ``<out>/audio/<package>/``; return (clips, SourceStats).
    synth_factory: a function making synthesisers (default: tinysoundfont's, tinysoundfont_synths())."""
    import soundfile as sf

    t0 = time.time()
    synth = (synth_factory or tinysoundfont_synths())()
    sfid = synth.sfload(str(sf_path))
    stats = SourceStats(source=f"debian:{font.package}", licence=font.licence)
    skipped: dict[str, int] = {}
    labels: set[str] = set()
    clips: list[Clip] = []
    dest = Path(out) / "audio" / font.package
    dest.mkdir(parents=True, exist_ok=True)
    for preset in PRESETS:
        name = preset_name(synth, sfid, preset)
        if not name or not re.search(preset.name, name, re.I):
            skipped["preset_absent"] = skipped.get("preset_absent", 0) + 1
            continue
        for note, gap in NOTES:
            wave = render(synth, sfid, preset, note, gap)
            if wave.size < SAMPLE_RATE // 10 or float(np.sqrt(np.mean(wave ** 2))) < SILENT_RMS:
                skipped["silent"] = skipped.get("silent", 0) + 1
                continue
            slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
            path = dest / f"{preset.bank:03d}_{preset.program:03d}_{slug}_n{note}.flac"
            sf.write(str(path), wave, SAMPLE_RATE, format="FLAC")
            clips.append(Clip(path.relative_to(out).as_posix(), list(preset.captions), preset.label,
                              f"debian:{font.package}", font.licence))
            labels.add(preset.label)
            stats.clips += 1
            stats.seconds += wave.size / SAMPLE_RATE
    stats.concepts = sorted(labels)
    stats.skipped = skipped
    stats.wall_seconds = time.time() - t0
    return clips, stats
