"""Musical instruments rendered from the General MIDI programs and drum kits of Debian's SoundFonts.

Every melodic General MIDI program (0-119, less the synth effects 96-103) is rendered as a held note, chords,
slow and fast melodies and arpeggios (struck instruments: single hits and rhythms), and every GM/GS drum kit as
beats, fills, rolls and single hits. What is played is drawn from a seeded generator: notes within the
instrument's range, melodies as steps along a major or minor scale. Captions come from the General MIDI program
names and families in `catalogue/general_midi.json` ("a cello playing a slow melody", "a distorted electric guitar
chord", "a brass instrument"), never from an evaluation set's label names.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .manifest import Clip, SourceStats
from .soundfont import SAMPLE_RATE, Font, _generate, _trim, preset_name_at, tinysoundfont_synths
from .sources import CATALOGUE_DIR

synth_factory = tinysoundfont_synths  # the renderer the CLI passes to build_instruments

TAIL_SECONDS = 1.2
INSTRUMENT_FONTS = ("fluid-soundfont-gm", "timgm6mb-soundfont")  # FluidR3_GS's GM bank repeats FluidR3_GM
MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)
Event = tuple[float, float, tuple, int]  # (start s, duration s, notes, velocity)


@dataclass(frozen=True)
class Program:
    """A General MIDI program: number, GM name, noun phrase with its article, label, style and range."""

    program: int
    gm_name: str
    noun: str
    label: str
    style: str  # keys | mono | hit
    low: int
    high: int
    family: str


def load_gm(path: Path | None = None) -> tuple[list[Program], list[tuple], list[tuple]]:
    """Return (programs, drum kits, drum notes) from `catalogue/general_midi.json`."""
    data = json.loads(Path(path or CATALOGUE_DIR / "general_midi.json").read_text(encoding="utf-8"))
    fam = data["families"]
    progs = [Program(p, name, noun, label, style, lo, hi, fam[p // 8])
             for p, name, noun, label, style, lo, hi in data["programs"]]
    return progs, [tuple(k) for k in data["drum_kits"]], [tuple(n) for n in data["drum_notes"]]


def play(synth, events: list[Event], chan: int = 0) -> np.ndarray:
    """Render note events on one channel (its program already selected): mono float32 at SAMPLE_RATE."""
    marks = sorted([(s, 1, notes, v) for s, _, notes, v in events] +
                   [(s + d, 0, notes, v) for s, d, notes, v in events], key=lambda m: (m[0], m[1]))
    out, now = [], 0.0
    for t, on, notes, vel in marks:
        if t > now:
            out.append(_generate(synth, t - now))
            now = t
        for n in notes:
            synth.noteon(chan, n, vel) if on else synth.noteoff(chan, n)
    out.append(_generate(synth, TAIL_SECONDS))
    synth.notes_off()
    mono = _trim(np.concatenate(out).reshape(-1, 2).mean(axis=1))
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    return (mono / peak * 0.9 if peak > 0.9 else mono).astype(np.float32)


def _scale(rng: np.random.Generator, low: int, high: int) -> list[int]:
    root, steps = int(rng.integers(0, 12)), MAJOR if rng.random() < 0.6 else MINOR
    return [n for n in range(low, high + 1) if (n - root) % 12 in steps]


def melody(rng: np.random.Generator, low: int, high: int, count: int, beat: float) -> list[Event]:
    """A tune: count notes stepping along a scale (mostly by step, sometimes a leap), some held twice as long."""
    scale = _scale(rng, low, high)
    i, t, events = len(scale) // 2, 0.0, list[Event]()
    for _ in range(count):
        dur = beat * (2 if rng.random() < 0.2 else 1)
        events.append((t, dur * 0.95, (scale[i],), int(rng.integers(80, 120))))
        t += dur
        i = int(np.clip(i + rng.choice([-2, -1, -1, 1, 1, 2, 3, -3]), 0, len(scale) - 1))
    return events


def chord(rng: np.random.Generator, low: int, high: int) -> tuple[int, ...]:
    """A triad or seventh chord (major or minor) in the lower middle of the range."""
    root = int(rng.integers(low, max(low + 1, (low + high) // 2)))
    third = 4 if rng.random() < 0.6 else 3
    notes = [root, root + third, root + 7] + ([root + 10] if rng.random() < 0.3 else [])
    return tuple(n for n in notes if n <= high)


def phrases(prog: Program, rng: np.random.Generator) -> list[tuple[str, list[Event]]]:
    """The (kind, events) to render for a program, by its style."""
    lo, hi = prog.low, prog.high
    note = int(rng.integers(lo, hi + 1))
    if prog.style == "hit":
        beat = float(rng.uniform(0.15, 0.35))
        rhythm = [(k * beat, beat * 0.8, (int(rng.integers(lo, hi + 1)),), int(rng.integers(70, 125)))
                  for k in range(int(rng.integers(6, 12))) if k == 0 or rng.random() < 0.75]
        return [("hit", [(0.0, 1.5, (note,), 110)]), ("rhythm", rhythm)]
    out: list[tuple[str, list[Event]]] = [
           ("note", [(0.0, float(rng.uniform(1.5, 2.5)), (note,), 100)]),
           ("slow", melody(rng, lo, hi, int(rng.integers(6, 9)), float(rng.uniform(0.45, 0.75)))),
           ("fast", melody(rng, lo, hi, int(rng.integers(10, 17)), float(rng.uniform(0.11, 0.18))))]
    if prog.style == "keys":
        c = chord(rng, lo, hi)
        strum = 0.03 if "guitar" in prog.label or prog.label in ("banjo", "harp") else 0.0
        out.append(("chord", [(k * strum, 2.0, (n,), 100) for k, n in enumerate(c)]))
        up = list(c) + [c[0] + 12]
        beat = float(rng.uniform(0.14, 0.25))
        out.append(("arpeggio", [(k * beat, beat, (n,), 95) for k, n in enumerate(up + up[-2::-1])]))
    return out


def captions(prog: Program, kind: str) -> list[str]:
    """Captions of one render: what plays and how, from the GM program's noun phrase and family."""
    a, bare = prog.noun, re.sub(r"^(a|an) ", "", prog.noun)
    by_kind = {
        "note": [f"{a} playing a single note", f"one note on {a}", f"a held {bare} note"],
        "slow": [f"{a} playing a slow melody", f"a slow tune played on {a}", f"{prog.family} playing a melody"],
        "fast": [f"{a} playing a fast melody", f"a quick run of notes on {a}", f"{prog.family} playing quickly"],
        "chord": [f"{a} chord", f"{a} playing a chord", f"a chord on {a}"],
        "arpeggio": [f"{a} playing an arpeggio", f"broken chords on {a}", f"{prog.family} playing an arpeggio"],
        "hit": [f"{a} struck once", f"a single hit on {a}", f"{prog.family} being struck"],
        "rhythm": [f"{a} playing a rhythm", f"a rhythm played on {a}", f"{prog.family} playing a beat"],
    }[kind]
    return by_kind + [bare, f"the sound of {a}", prog.family]


def beats(rng: np.random.Generator, notes: dict[str, int]) -> list[tuple[str, list[Event]]]:
    """Drum-kit phrases: a beat (slow or fast), a fill ending on a crash, a snare roll."""
    k, s, hh, crash = notes["kick drum"], notes["snare drum"], notes["closed hi-hat"], notes["crash cymbal"]
    out: list[tuple[str, list[Event]]] = []
    for kind, bpm in (("slow beat", float(rng.uniform(70, 95))), ("fast beat", float(rng.uniform(125, 170)))):
        eighth, ev = 30.0 / bpm, list[Event]()
        for i in range(16):
            hits = [hh] + ([k] if i % 8 in (0, 5 if rng.random() < 0.5 else 4) else []) + ([s] if i % 4 == 2 else [])
            ev.append((i * eighth, eighth * 0.9, tuple(hits), int(rng.integers(85, 120))))
        out.append((kind, ev))
    toms = [notes[n] for n in ("high tom", "low tom")]
    six = 60.0 / float(rng.uniform(90, 130)) / 4
    fill = [(i * six, six, (toms[i // 4 % 2] if i < 8 else s,), 100 + i) for i in range(12)]
    out.append(("fill", fill + [(12 * six, 1.5, (k, crash), 120)]))
    roll = [(i * 0.05, 0.05, (s,), min(127, 50 + i * 2)) for i in range(36)]
    out.append(("roll", roll))
    return out


DRUM_CAPTIONS = {
    "slow beat": ["{a} playing a slow beat", "a slow drum beat", "drums playing a steady rhythm"],
    "fast beat": ["{a} playing a fast beat", "a fast drum beat", "an energetic drum groove"],
    "fill": ["a drum fill on {a}", "a drum fill ending on a crash cymbal", "toms rolling into a cymbal crash"],
    "roll": ["a snare drum roll", "a drum roll getting louder", "a drum roll on {a}"],
}


def _render_programs(synth, sfid: int, progs: list[Program], rng: np.random.Generator) -> list[tuple]:
    out: list[tuple] = []
    for prog in progs:
        if not preset_name_at(synth, sfid, 0, prog.program):
            out.append((f"{prog.program:03d}_absent", None, "", []))
            continue
        synth.program_select(0, sfid, 0, prog.program)
        for kind, events in phrases(prog, rng):
            out.append((f"{prog.program:03d}_{kind}", play(synth, events), prog.label, captions(prog, kind)))
    return out


def _render_kits(synth, sfid: int, kits: list[tuple], hits: list[tuple], rng: np.random.Generator) -> list[tuple]:
    out: list[tuple] = []
    names = {noun: note for note, noun, _ in hits}
    for program, pattern, noun, label in kits:
        name = preset_name_at(synth, sfid, 128, program)
        if not name or not re.search(pattern, name, re.I):
            continue
        synth.program_select(9, sfid, 0, program, True)
        a = noun if noun.startswith("orchestral") else f"a {noun}"
        for kind, events in beats(rng, names):
            caps = [c.format(a=a) for c in DRUM_CAPTIONS[kind]] + [f"the sound of {a}", "drums"]
            out.append((f"kit{program:03d}_{kind.replace(' ', '_')}", play(synth, events, 9), label, caps))
        if program in (0, 25, 32):  # single hits: one acoustic, one electronic, one jazz kit
            for note, hit, hit_label in hits:
                caps = [f"a {hit} hit", f"a single {hit} hit", hit, f"a {hit} from {a}"]
                out.append((f"kit{program:03d}_hit{note}", play(synth, [(0.0, 0.8, (note,), 110)], 9), hit_label,
                            caps))
    return out


def build_instruments(font: Font, sf_path: Path, out: Path, synth_factory, seed: int = 0, takes: int = 2
                      ) -> tuple[list[Clip], SourceStats]:
    """Render every GM program and drum kit the font holds, ``takes`` times each with other notes, into
    ``<out>/audio/<package>-instruments/``; return (clips, SourceStats)."""
    import soundfile as sf

    t0 = time.time()
    synth = synth_factory()
    sfid = synth.sfload(str(sf_path))
    progs, kits, hits = load_gm()
    renders = []
    for take in range(takes):
        rng = np.random.default_rng([seed, take, sum(map(ord, font.package))])
        renders += [(f"{stem}_t{take}", *rest) for stem, *rest in
                    _render_programs(synth, sfid, progs, rng) + _render_kits(synth, sfid, kits, hits, rng)
                    if take == 0 or rest[0] is not None]
    stats = SourceStats(source=f"debian:{font.package}", licence=font.licence)
    dest = Path(out) / "audio" / f"{font.package}-instruments"
    dest.mkdir(parents=True, exist_ok=True)
    clips: list[Clip] = []
    for stem, wave, label, caps in renders:
        if wave is None:
            stats.skipped["program_absent"] = stats.skipped.get("program_absent", 0) + 1
            continue
        if wave.size < SAMPLE_RATE // 10 or float(np.sqrt(np.mean(wave ** 2))) < 1e-4:
            stats.skipped["silent"] = stats.skipped.get("silent", 0) + 1
            continue
        path = dest / f"{stem}.flac"
        sf.write(str(path), wave, SAMPLE_RATE, format="FLAC")
        clips.append(Clip(path.relative_to(out).as_posix(), caps, label, f"debian:{font.package}", font.licence))
        stats.clips += 1
        stats.seconds += wave.size / SAMPLE_RATE
    stats.concepts = sorted({c.label for c in clips})
    stats.wall_seconds = time.time() - t0
    return clips, stats
