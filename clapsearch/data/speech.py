"""Speech rendered by Debian's free text-to-speech voices: words, digits, names, digit strings, sentences, overlaps.

Three engines from Debian main, each voice package DFSG-free: espeak-ng (`espeak-ng-data`, GPL-3+: eight English
accents times its voice variants, male, female, elderly, whispering, with pitch and speed drawn per voice), flite
(`libflite1`, the CMU voices kal, kal16, awb, rms, slt) and festival (`festvox-kallpc16k`, `festvox-kdlpc16k`,
`festvox-us-slt-hts`). mbrola voices live in non-free and are not used. Texts come from `catalogue/speech.json`.

A "voice" here is an engine voice with its pitch and speed. Every digit word is spoken by the same set of voices
(so the voice tells nothing about the digit); other words, names and numbers by voices drawn per word. Captions
name the speaker ("a woman saying 'seven'"), the bare word ("seven", the keyword-spotting prompt), whispering where
the voice whispers, and overlaps of two or three voices ("two people talking"). Every random choice comes from one
seeded generator, and the engines are deterministic, so a rerun writes the same clips.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from clapsearch.errors import MissingPackageError, OptionError

from .manifest import Clip, SourceStats
from .sources import CATALOGUE_DIR

SAMPLE_RATE = 22050  # overlaps are mixed at this rate; single clips keep their engine's rate
MIN_SECONDS, MAX_SECONDS = 0.1, 30.0  # the corpus's clip-length rules: shorter skipped, longer cut
PAD_SECONDS = 0.15  # silence kept around the speech after trimming


@dataclass(frozen=True)
class Engine:
    """A text-to-speech program and the Debian packages that provide it and its voices."""

    name: str
    binary: str
    package: str  # the package that installs the binary


ENGINES: dict[str, Engine] = {
    "espeak-ng": Engine("espeak-ng", "espeak-ng", "espeak-ng"),
    "flite": Engine("flite", "flite", "flite"),
    "festival": Engine("festival", "festival", "festival"),
}
# voice package -> licence (debian/copyright of each; all in Debian main)
LICENCES = {
    "espeak-ng-data": "GPL-3+",
    "libflite1": "BSD-style (CMU Flite licence)",
    "festvox-kallpc16k": "MIT-style (CSTR/CMU festival diphone licence)",
    "festvox-kdlpc16k": "MIT-style (CSTR/CMU festival diphone licence)",
    "festvox-us-slt-hts": "BSD-3-clause / EST (CMU ARCTIC, HTS)",
}
ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan",
                  "en-gb-x-gbcwmd")
# espeak-ng voice variants -> speaker (the gender each variant file declares; robot and demon voices left out)
ESPEAK_VARIANTS: dict[str, str] = {
    **{f"m{i}": "man" for i in range(1, 9)}, **{f"f{i}": "woman" for i in range(1, 6)},
    "Andy": "man", "Lee": "man", "Denis": "man", "Marco": "man", "travis": "man", "victor": "man", "michel": "man",
    "antonio": "man", "croak": "man", "grandpa": "man",
    "Alicia": "woman", "Andrea": "woman", "Annie": "woman", "anika": "woman", "aunty": "woman", "belinda": "woman",
    "linda": "woman", "steph": "woman", "steph2": "woman", "steph3": "woman", "grandma": "woman",
    "whisper": "man", "whisperf": "woman",
}
WHISPER_VARIANTS = frozenset({"whisper", "whisperf"})
FLITE_VOICES = {"kal": "man", "kal16": "man", "awb": "man", "rms": "man", "slt": "woman"}
FESTIVAL_VOICES = {  # festival voice -> (speaker, voice package, folder the package installs)
    "kal_diphone": ("man", "festvox-kallpc16k", "english/kal_diphone"),
    "ked_diphone": ("man", "festvox-kdlpc16k", "english/ked_diphone"),
    "cmu_us_slt_arctic_hts": ("woman", "festvox-us-slt-hts", "us/cmu_us_slt_arctic_hts"),
}
FESTIVAL_VOICE_DIR = Path("/usr/share/festival/voices")
ENGINE_WEIGHTS = {"espeak-ng": 0.6, "flite": 0.2, "festival": 0.2}
WHO = {"man": "a man", "woman": "a woman", "child": "a child"}
VOICE_OF = {"man": "a male voice", "woman": "a female voice", "child": "a child's voice"}
_WORD_RE = re.compile(r"^[A-Za-z][A-Za-z' -]*$")


@dataclass(frozen=True)
class Voice:
    """One engine voice at a given pitch and speed, and who it sounds like."""

    engine: str
    name: str  # espeak-ng "accent+variant", flite or festival voice name
    speaker: str  # man | woman | child
    package: str  # the Debian package holding the voice data
    pitch: int = 0  # espeak-ng -p (0-99); flite target F0 in Hz; 0 = the voice's own
    speed: float = 1.0  # 1 = the voice's own rate
    whisper: bool = False

    @property
    def id(self) -> str:
        """A file-name-safe identifier that differs for every distinct voice setting."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-")
        return f"{self.engine}-{slug}-p{self.pitch}-s{round(self.speed * 100)}"


@dataclass(frozen=True)
class Plan:
    """How much to render: voices per digit / number / word / name, digit strings, sentences, overlaps."""

    engines: tuple[str, ...] = ("espeak-ng", "flite", "festival")
    per_digit: int = 100  # voices that speak every digit word
    per_number: int = 12
    per_word: int = 6
    per_name: int = 4
    digit_strings: int = 300
    per_sentence: int = 4
    overlaps: int = 300
    seed: int = 0
    words: tuple[str, ...] = ()  # a given word list replaces the catalogue's texts (no strings, sentences, overlaps)


@dataclass
class Item:
    """One clip to write: its kind, what each voice says, the voices, and the captions and label."""

    kind: str  # digit | number | word | name | digits | sentence | overlap
    texts: tuple[str, ...]
    voices: tuple[Voice, ...]
    label: str = ""
    captions: list[str] = field(default_factory=list)


def load_texts(path: Path | None = None) -> dict[str, list[str]]:
    """Return the catalogue's texts by kind (digits, numbers, words, names, sentences)."""
    data = json.loads(Path(path or CATALOGUE_DIR / "speech.json").read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.items() if k != "comment"}


def check_engines(engines: tuple[str, ...]) -> None:
    """Raise a one-line error naming the Debian package to install for a missing engine or voice."""
    for name in engines:
        if name not in ENGINES:
            raise OptionError(f"unknown text-to-speech engine {name!r}; known: {', '.join(ENGINES)}")
        eng = ENGINES[name]
        if shutil.which(eng.binary) is None:
            raise MissingPackageError(f"`clapsearch data speech` needs the {eng.binary} program: "
                                      f"apt-get install {eng.package} (or leave it out with --engines)")
    if "festival" in engines:
        missing = [pkg for _, pkg, d in FESTIVAL_VOICES.values() if not (FESTIVAL_VOICE_DIR / d).is_dir()]
        if missing:
            raise MissingPackageError(f"festival voices missing: apt-get install {' '.join(missing)} "
                                      "(or leave festival out with --engines)")


def voice_pool(engines: tuple[str, ...], rng: np.random.Generator) -> dict[str, list[Voice]]:
    """Return the voices each engine offers at the pitches and speeds drawn for them."""
    pool: dict[str, list[Voice]] = {}
    if "espeak-ng" in engines:
        out = []
        for round_ in range(3):
            for variant, speaker in ESPEAK_VARIANTS.items():
                accent = ESPEAK_ACCENTS[int(rng.integers(len(ESPEAK_ACCENTS)))]
                pitch, speed = int(rng.integers(25, 76)), float(rng.uniform(0.8, 1.25))
                if round_ == 2 and speaker == "woman" and variant not in WHISPER_VARIANTS | {"grandma"}:
                    speaker, pitch, speed = "child", int(rng.integers(88, 100)), float(rng.uniform(1.0, 1.2))
                out.append(Voice("espeak-ng", f"{accent}+{variant}", speaker, "espeak-ng-data", pitch,
                                 round(speed, 2), variant in WHISPER_VARIANTS))
        pool["espeak-ng"] = out
    if "flite" in engines:
        pool["flite"] = [Voice("flite", name, speaker, "libflite1",
                               0 if name == "rms" else int(rng.integers(*((150, 260) if speaker == "woman"
                                                                          else (85, 150)))),
                               round(float(rng.uniform(0.8, 1.25)), 2))
                         for _ in range(6) for name, speaker in FLITE_VOICES.items()]
    if "festival" in engines:
        pool["festival"] = [Voice("festival", name, speaker, pkg, 0, speed)
                            for speed in (0.85, 1.0, 1.15) for name, (speaker, pkg, _) in FESTIVAL_VOICES.items()]
    return pool


def draw_voices(pool: dict[str, list[Voice]], n: int, rng: np.random.Generator) -> list[Voice]:
    """Return n distinct voices (as far as the pool allows), engines drawn by ENGINE_WEIGHTS."""
    names = sorted(pool)
    weights = np.array([ENGINE_WEIGHTS[e] for e in names])
    order = {e: [pool[e][i] for i in rng.permutation(len(pool[e]))] for e in names}
    picked: list[Voice] = []
    while len(picked) < n:
        if not any(order.values()):  # every voice used: go round again
            order = {e: [pool[e][i] for i in rng.permutation(len(pool[e]))] for e in names}
        w = weights * np.array([bool(order[e]) for e in names])
        picked.append(order[names[int(rng.choice(len(names), p=w / w.sum()))]].pop())
    return picked


def word_captions(word: str, kind: str, voice: Voice) -> list[str]:
    """Captions of one spoken word: the bare word, who says it, and what kind of word it is."""
    who, verb = WHO[voice.speaker], ("whispering" if voice.whisper else "saying")
    caps = [word, f"{who} {verb} '{word}'", f"someone {verb} the word {word}",
            f"the word '{word}' {'whispered' if voice.whisper else 'spoken'} by {who}"]
    caps += {"digit": [f"{who} {verb} the number {word}", "a spoken digit"],
             "number": [f"{who} {verb} the number {word}", "a number being said"],
             "name": [f"{who} {verb} the name {word}", f"{who} calling out a name"],
             }.get(kind, [f"{who} {verb} a single word"])
    caps.append("someone whispering" if voice.whisper else f"{VOICE_OF[voice.speaker]} speaking one word")
    if voice.engine == "espeak-ng":
        caps.append(f"a computer voice {verb} '{word}'")
    return caps


def item_captions(item: Item) -> tuple[str, list[str]]:
    """Return (label, captions) for an item."""
    v = item.voices[0]
    who, gender = WHO[v.speaker], VOICE_OF[v.speaker]
    if item.kind in ("digit", "number", "word", "name"):
        word = item.texts[0]
        return f"the word {word.lower()}", word_captions(word, item.kind, v)
    if item.kind == "digits":
        s = item.texts[0]
        verb = "whispering" if v.whisper else "reading out"
        return "someone reading out numbers", [s, f"{who} {verb} the numbers {s}", f"{who} {verb} digits",
                                               f"{gender} reading a string of numbers", "someone saying numbers"]
    if item.kind == "sentence":
        said = item.texts[0].rstrip(".?!").lower()
        if v.whisper:
            return "whispering", [f"{who} whispering", "someone whispering", f"whispered speech: {said}",
                                  f"{who} whispering: {said}"]
        return f"{v.speaker} speaking", [f"{who} speaking", f"{who} saying: {said}", f"{gender} reading a sentence",
                                         f"{who} talking", "speech", said]
    speakers = sorted({x.speaker for x in item.voices})
    n = len(item.voices)
    count = {2: "two", 3: "three"}.get(n, "several")
    caps = [f"{count} people talking at the same time", "overlapping voices", "several people speaking at once",
            "people talking", "a conversation"]
    if len(speakers) == 2 and n == 2:
        caps.insert(1, f"{WHO[speakers[0]]} and {WHO[speakers[1]]} talking")
    elif len(speakers) == 1:
        caps.insert(1, f"{count} {speakers[0].replace('man', 'men') if speakers[0] != 'child' else 'children'} "
                       "talking")
    return "people talking", caps


def plan_items(plan: Plan, texts: dict[str, list[str]], pool: dict[str, list[Voice]],
               rng: np.random.Generator) -> list[Item]:
    """Return every clip the plan asks for, in a fixed order (voices and strings drawn from rng)."""
    items: list[Item] = []
    if plan.words:
        for w in plan.words:
            items += [Item("word", (w,), (v,)) for v in draw_voices(pool, plan.per_word, rng)]
    else:
        items += _catalogue_items(plan, texts, pool, rng)
    for it in items:
        it.label, it.captions = item_captions(it)
    return items


def _catalogue_items(plan: Plan, texts: dict[str, list[str]], pool: dict[str, list[Voice]],
                     rng: np.random.Generator) -> list[Item]:
    items: list[Item] = []
    digit_voices = draw_voices(pool, plan.per_digit, rng)
    items += [Item("digit", (d,), (v,)) for v in digit_voices for d in texts["digits"]]
    for kind, key, n in (("number", "numbers", plan.per_number), ("word", "words", plan.per_word),
                         ("name", "names", plan.per_name)):
        for w in texts[key]:
            items += [Item(kind, (w,), (v,)) for v in draw_voices(pool, n, rng)]
    for v in draw_voices(pool, plan.digit_strings, rng):
        k = int(rng.integers(2, 8))
        items.append(Item("digits", (" ".join(texts["digits"][int(i)] for i in rng.integers(0, 10, k)),), (v,)))
    for s in texts["sentences"]:
        items += [Item("sentence", (s,), (v,)) for v in draw_voices(pool, plan.per_sentence, rng)]
    sayable = texts["sentences"] + texts["words"] + texts["names"]
    for _ in range(plan.overlaps):
        n = 2 if rng.random() < 0.75 else 3
        voices = draw_voices(pool, n, rng)
        picks = tuple(sayable[int(i)] for i in rng.choice(len(sayable), n, replace=False))
        items.append(Item("overlap", picks, tuple(voices)))
    return items


def _festival_script(jobs: list[tuple[Voice, str, Path]]) -> str:
    lines, current = [], None
    for voice, text, out in jobs:
        if voice.name != current:
            lines.append(f"(voice_{voice.name})")
            current = voice.name
        lines.append(f"(Parameter.set 'Duration_Stretch {1 / voice.speed:.3f})")
        said = text.replace("\\", " ").replace('"', " ")
        lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{said}")) "{out}" \'riff)')
    return "\n".join(lines) + "\n"


def _command(voice: Voice, text: str, out: Path) -> list[str]:
    if voice.engine == "espeak-ng":
        return ["espeak-ng", "-v", voice.name, "-p", str(voice.pitch), "-s", str(round(175 * voice.speed)),
                "-w", str(out), text]
    cmd = ["flite", "-voice", voice.name, "-t", text, "-o", str(out),
           "--setf", f"duration_stretch={1 / voice.speed:.3f}"]
    return cmd + (["--setf", f"int_f0_target_mean={voice.pitch}"] if voice.pitch else [])


def synthesise(jobs: list[tuple[Voice, str, Path]], workers: int = 1) -> None:
    """Render each (voice, text, wav path); festival jobs run as one festival batch per call."""
    fest = sorted((j for j in jobs if j[0].engine == "festival"), key=lambda j: j[0].name)
    rest = [j for j in jobs if j[0].engine != "festival"]

    def run(job: tuple[Voice, str, Path]) -> None:
        proc = subprocess.run(_command(*job), capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or not job[2].is_file():
            raise RuntimeError(f"{job[0].engine} failed on {job[1]!r} ({job[0].name}): "
                               f"{(proc.stderr or proc.stdout).strip()[:200]}")

    with ThreadPoolExecutor(max(1, workers)) as pool:
        list(pool.map(run, rest))
    if fest:
        with tempfile.NamedTemporaryFile("w", suffix=".scm", delete=False) as fh:
            fh.write(_festival_script(fest))
        try:
            proc = subprocess.run(["festival", "-b", fh.name], capture_output=True, text=True, timeout=3600)
        finally:
            Path(fh.name).unlink(missing_ok=True)
        bad = [j for j in fest if not j[2].is_file()]
        if bad:
            raise RuntimeError(f"festival wrote {len(fest) - len(bad)} of {len(fest)} clips: "
                               f"{(proc.stderr or proc.stdout).strip()[:200]}")


def _trim(wave: np.ndarray, sr: int) -> np.ndarray:
    """Cut the silence before and after the speech, keeping PAD_SECONDS of it."""
    loud = np.flatnonzero(np.abs(wave) > 0.01 * (np.max(np.abs(wave)) if wave.size else 0))
    if not loud.size:
        return wave[:0]
    pad = int(PAD_SECONDS * sr)
    return wave[max(0, loud[0] - pad): loud[-1] + 1 + pad]


def _load(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return _trim(data.mean(axis=1), sr), sr


def assemble(item: Item, raws: list[Path], rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Return the clip's waveform and rate: one render, or two or three mixed with random offsets and levels."""
    from clapsearch.audio.decode import resample

    if len(raws) == 1:
        wave, sr = _load(raws[0])
    else:
        parts = [resample(*_load(p), SAMPLE_RATE) for p in raws]
        starts = [0] + [int(rng.uniform(0, 0.6) * p.size) for p in parts[1:]]
        sr, wave = SAMPLE_RATE, np.zeros(max(s + p.size for s, p in zip(starts, parts)), dtype=np.float32)
        for s, p in zip(starts, parts):
            wave[s: s + p.size] += p / (np.max(np.abs(p)) + 1e-9) * float(rng.uniform(0.5, 1.0))
    peak = float(np.max(np.abs(wave))) if wave.size else 0.0
    level = float(rng.uniform(0.3, 0.95))
    return (wave / peak * level if peak > 0 else wave).astype(np.float32)[: int(MAX_SECONDS * sr)], sr


def build(out: Path, plan: Plan | None = None, workers: int = 1,
          texts: dict[str, list[str]] | None = None) -> list[tuple[SourceStats, list[Clip]]]:
    """Render the plan into ``<out>/audio/speech/``; return (SourceStats, clips) per voice package.

    Clips of several voices (overlaps) are counted under one "speech-overlaps" entry; each clip's ``source``
    names every voice package it holds."""
    import soundfile as sf

    plan = plan or Plan()
    bad = [w for w in plan.words if not _WORD_RE.match(w)]
    if bad:
        raise OptionError(f"--words: {bad[0]!r} is not a word (letters, spaces, apostrophes and hyphens only)")
    check_engines(plan.engines)
    t0 = time.time()
    rng = np.random.default_rng(plan.seed)
    items = plan_items(plan, texts or load_texts(), voice_pool(plan.engines, rng), rng)
    out = Path(out)
    dest = out / "audio" / "speech"
    dest.mkdir(parents=True, exist_ok=True)
    stats: dict[str, SourceStats] = {}
    clips: dict[str, list[Clip]] = {}
    with tempfile.TemporaryDirectory(prefix="clapsearch-speech-") as tmp:
        raw: dict[tuple[Voice, str], Path] = {}
        for it in items:
            for v, t in zip(it.voices, it.texts):
                raw.setdefault((v, t), Path(tmp) / f"{len(raw):06d}.wav")
        synthesise([(v, t, p) for (v, t), p in raw.items()], workers)
        for i, it in enumerate(items):
            wave, sr = assemble(it, [raw[(v, t)] for v, t in zip(it.voices, it.texts)], rng)
            pkgs = sorted({v.package for v in it.voices})
            source, licence = "+".join(f"debian:{p}" for p in pkgs), " + ".join(LICENCES[p] for p in pkgs)
            bucket = source if len(it.voices) == 1 else "speech-overlaps"  # overlaps: one card entry
            st = stats.setdefault(bucket, SourceStats(bucket, licence if len(it.voices) == 1
                                                      else "per clip: the licences of the voices' packages"))
            if wave.size < MIN_SECONDS * sr:
                st.skipped["too short"] = st.skipped.get("too short", 0) + 1
                continue
            slug = re.sub(r"[^a-z0-9]+", "_", " ".join(it.texts).lower()).strip("_")[:40]
            path = dest / it.kind / f"{i:05d}_{it.voices[0].id}_{slug}.flac"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(path), wave, sr, format="FLAC")
            clips.setdefault(bucket, []).append(
                Clip(path.relative_to(out).as_posix(), it.captions, it.label, source, licence))
            st.clips += 1
            st.seconds += wave.size / sr
            if it.label not in st.concepts:
                st.concepts.append(it.label)
    for st in stats.values():
        st.wall_seconds = time.time() - t0
    return [(st, clips.get(key, [])) for key, st in stats.items()]


def with_engines(plan: Plan, engines: str | None) -> Plan:
    """Return the plan restricted to a comma-separated engine list (None keeps it)."""
    if not engines:
        return plan
    return replace(plan, engines=tuple(e.strip() for e in engines.split(",") if e.strip()))
