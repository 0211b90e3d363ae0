"""Precision and recall of `clapsearch dupes` on generated copies of real recordings (ESC-50 dev).

Each chosen clip is copied as: MP3, Ogg Vorbis, resampled to 22.05 kHz, trimmed by 0.5 s, -6 dB, stereo (the
originals are mono), and all of trim + -6 dB + MP3 at once, written with soundfile. Negatives are different clips of
the same class (one take per source recording, so two excerpts of one recording are not counted as negatives).

The rule (clapsearch/search/dupes.py): a pair of files is a duplicate when its vectors' pair score reaches T, or
when it reaches the floor F and the waveforms' cross-correlation reaches W. (T, F, W) are chosen on the first
half of the classes (by ESC-50 target; the highest F1 over same-class pairs; ties to the higher precision, then the
stricter W, then the lower T) and
reported on the other half, twice: over same-class pairs (the sweep's protocol) and end to end, as the groups
`find_dupes` returns over the whole held-out index (every pair of files in one group is a predicted pair; ground
truth: copies of one clip, so a wrong link between two groups costs many pairs).

    python bench/dupes_quality.py [--clips-per-class 6] [--model default] [--work DIR (reused if built)]
"""
from __future__ import annotations

import argparse
import csv
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clapsearch.audio.decode import resample  # noqa: E402
from clapsearch.audio.similarity import load_wave, waveform_similarity  # noqa: E402
from clapsearch.index import IndexDir  # noqa: E402
from clapsearch.indexer import index_paths  # noqa: E402
from clapsearch.search import dupes  # noqa: E402

ESC50 = ROOT.parent / "shared" / "data" / "esc50-dev"
THRESHOLDS = [round(t, 3) for t in np.arange(0.80, 1.0001, 0.01)] + [0.985, 0.995]
FLOORS = [0.80, 0.85, 0.90]
HIGHS = [0.95, 0.97, 0.98, 0.99, 1.01]  # 1.01: always compare waveforms from the floor on
WAVES = [0.5, 0.6, 0.7, 0.8, 0.9]
Pairs = list[tuple[float, float, bool, str]]  # (vector score, waveform score or -1, is a copy pair, kind)


def variants(wave: np.ndarray, sr: int) -> dict[str, tuple[np.ndarray, int, str, dict[str, str]]]:
    """name -> (samples, rate, file suffix, soundfile options) of each copy of a mono clip."""
    trimmed = wave[int(0.5 * sr):]
    return {
        "orig": (wave, sr, ".flac", {}),
        "mp3": (wave, sr, ".mp3", {"format": "MP3", "subtype": "MPEG_LAYER_III"}),
        "ogg": (wave, sr, ".ogg", {"format": "OGG", "subtype": "VORBIS"}),
        "sr22k": (resample(wave, sr, 22050), 22050, ".wav", {"subtype": "PCM_16"}),
        "trim": (trimmed, sr, ".flac", {}),
        "gain-6db": (wave * 10 ** (-6 / 20), sr, ".flac", {}),
        "stereo": (np.stack([wave, wave], axis=1), sr, ".flac", {}),
        "trim-6db-mp3": (trimmed * 10 ** (-6 / 20), sr, ".mp3", {"format": "MP3", "subtype": "MPEG_LAYER_III"}),
    }


def choose_clips(per_class: int) -> dict[str, list[tuple[str, str]]]:
    """class -> [(filename, clip key)], one take per source recording, in target order of classes."""
    rows = list(csv.DictReader((ESC50 / "meta" / "esc50.csv").open()))
    by_class: dict[tuple[int, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_class[(int(r["target"]), r["category"])].append(r)
    out: dict[str, list[tuple[str, str]]] = {}
    for (_, cat), rs in sorted(by_class.items()):
        seen: set[str] = set()
        picked = []
        for r in sorted(rs, key=lambda r: r["filename"]):
            if r["src_file"] not in seen:
                seen.add(r["src_file"])
                picked.append((r["filename"], f"{cat}-{r['src_file']}"))
        out[cat] = picked[:per_class]
    return out


def generate(classes: dict[str, list[tuple[str, str]]], folder: Path) -> dict[str, tuple[str, str, str]]:
    """Write the copies; return path -> (class, clip key, variant)."""
    truth = {}
    for cat, clips in classes.items():
        for filename, key in clips:
            wave, sr = sf.read(ESC50 / "audio" / filename, dtype="float32", always_2d=True)
            wave = wave.mean(axis=1)
            (folder / key).mkdir(parents=True, exist_ok=True)
            for name, (samples, rate, suffix, opts) in variants(wave, sr).items():
                path = folder / key / f"{name}{suffix}"
                sf.write(path, np.clip(samples, -1, 1), rate, **opts)
                truth[str(path.resolve())] = (cat, key, name)
    return truth


def file_vectors(index: Path) -> dict[str, np.ndarray]:
    idx = IndexDir.open(index, device="cpu")
    out = {p: idx.store.vectors_of(p, idx.vectors.dim) for p, s in idx.store.file_states().items()
           if s.status == "indexed"}
    idx.store.close()
    return out


def same_class_pairs(vecs: dict[str, np.ndarray], truth: dict[str, tuple[str, str, str]],
                     wave_from: float) -> Pairs:
    """Every pair of files of one class: vector score, waveform score (from wave_from on), copy or not, kind."""
    by_class: dict[str, list[str]] = defaultdict(list)
    for p in vecs:
        by_class[truth[p][0]].append(p)
    waves: dict[str, np.ndarray] = {}
    out = []
    for paths in by_class.values():
        for a, b in itertools.combinations(sorted(paths), 2):
            same = truth[a][1] == truth[b][1]
            kind = ("+".join(sorted({truth[a][2], truth[b][2]} - {"orig"})) or "orig") if same else "neg"
            s = dupes.file_pair_score(vecs[a], vecs[b])
            w = -1.0
            if s >= wave_from:
                for p in (a, b):
                    if p not in waves:
                        waves[p] = load_wave(Path(p))
                w = waveform_similarity(waves[a], waves[b])
            out.append((s, w, same, kind))
    return out


def decide(pairs: Pairs, high: float, floor: float, wave: float) -> list[tuple[bool, bool, str]]:
    """(predicted, actual, kind) per pair under the rule (high, floor, wave)."""
    return [(s >= high or (s >= floor and w >= wave), y, k) for s, w, y, k in pairs]


def prf(rows: list[tuple[bool, bool, str]]) -> tuple[float, float, float]:
    tp = sum(1 for p, y, _ in rows if p and y)
    fp = sum(1 for p, y, _ in rows if p and not y)
    fn = sum(1 for p, y, _ in rows if not p and y)
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def end_to_end(index: Path, truth: dict[str, tuple[str, str, str]], rule: tuple[float, float, float],
               ) -> tuple[float, float, int, float]:
    idx = IndexDir.open(index, device="cpu")
    start = time.perf_counter()
    groups = dupes.find_dupes(idx.vectors, idx.store, rule[0], wave_floor=rule[1], wave_threshold=rule[2])
    took = time.perf_counter() - start
    predicted = {tuple(sorted((a.path, b.path))) for g in groups for a, b in itertools.combinations(g.members, 2)}
    by_clip: dict[str, list[str]] = defaultdict(list)
    for p, (_, key, _) in truth.items():
        by_clip[key].append(p)
    actual = {tuple(sorted(pair)) for ps in by_clip.values() for pair in itertools.combinations(ps, 2)}
    tp = len(predicted & actual)
    idx.store.close()
    return (tp / len(predicted) if predicted else 1.0, tp / len(actual) if actual else 1.0, len(groups), took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips-per-class", type=int, default=6)
    ap.add_argument("--model", default="default")
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = ap.parse_args()
    if not ESC50.is_dir():
        sys.exit(f"ESC-50 dev set not found at {ESC50}")
    work = args.work or Path(tempfile.mkdtemp(prefix="dupes-quality-"))
    classes = choose_clips(args.clips_per_class)
    names = list(classes)
    halves = {"tune": {c: classes[c] for c in names[: (len(names) + 1) // 2]},
              "test": {c: classes[c] for c in names[(len(names) + 1) // 2:]}}
    truth: dict[str, dict[str, tuple[str, str, str]]] = {}
    pairs: dict[str, Pairs] = {}
    for half, cls in halves.items():
        if (work / half / "idx").is_dir():  # built by an earlier run: the same files
            truth[half] = {str(p.resolve()): (p.parent.name.rsplit("-", 1)[0], p.parent.name, p.stem)
                           for p in (work / half / "audio").glob("*/*.*")}
        else:
            truth[half] = generate(cls, work / half / "audio")
            start = time.perf_counter()
            index_paths([work / half / "audio"], work / half / "idx", model=args.model, workers=1)
            print(f"{half}: {len(cls)} classes, {len(truth[half])} files indexed in "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
        pairs[half] = same_class_pairs(file_vectors(work / half / "idx"), truth[half], min(FLOORS))
    tune = pairs["tune"]
    print(f"\nsweep on the tune half ({sum(y for *_, y, _ in tune)} copy pairs, "
          f"{sum(not y for *_, y, _ in tune)} same-class negative pairs)")
    print("\nvectors alone (no waveform stage):\n| threshold | precision | recall | F1 |\n|---|---|---|---|")
    for t in sorted(THRESHOLDS):
        p, r, f = prf(decide(tune, t, 2.0, 2.0))
        print(f"| {t:.3f} | {p:.3f} | {r:.3f} | {f:.3f} |")
    rules = [(h, f, w) for h in HIGHS for f in FLOORS for w in WAVES]
    scored = {rule: prf(decide(tune, *rule)) for rule in rules}
    best = max(rules, key=lambda r: (scored[r][2], scored[r][0], r[2], -r[0]))  # ties: the stricter W, lower T
    print("\nwith the waveform stage (T: vectors alone; F: floor of the waveform stage; W: cross-correlation):")
    print("| T | F | W | precision | recall | F1 |\n|---|---|---|---|---|---|")
    for rule in sorted(rules, key=lambda r: -scored[r][2])[:15]:
        p, r, f = scored[rule]
        print(f"| {rule[0]:.2f} | {rule[1]:.2f} | {rule[2]:.2f} | {p:.3f} | {r:.3f} | {f:.3f} |"
              f"{' <- chosen' if rule == best else ''}")
    shipped = (dupes.DEFAULT_THRESHOLD, dupes.WAVE_FLOOR, dupes.WAVE_THRESHOLD)
    for rule in dict.fromkeys([best, shipped]):
        rows = decide(pairs["test"], *rule)
        p, r, f = prf(rows)
        label = ("chosen" if rule == best else "") + (" = shipped default" if rule == shipped else "")
        print(f"\ntest half, T {rule[0]:.2f} F {rule[1]:.2f} W {rule[2]:.2f} ({label.strip(' =')}), same-class pairs: "
              f"precision {p:.3f}, recall {r:.3f}, F1 {f:.3f}")
        for k in sorted({k for _, y, k in rows if y and "+" not in k}):  # the original vs one copy
            print(f"  recall {k}: {prf([x for x in rows if x[2] == k])[1]:.3f}")
        ep, er, n, took = end_to_end(work / "test" / "idx", truth["test"], rule)
        print(f"  end to end (find_dupes over the test index, all pairs): precision {ep:.3f}, recall {er:.3f}, "
              f"{n} groups, {took:.2f} s")
    neg = [(s, w) for s, w, y, _ in pairs["test"] if not y]
    print(f"\ntest half same-class negatives: vector score max {max(s for s, _ in neg):.3f}; waveform max "
          f"{max(w for _, w in neg):.3f}")


if __name__ == "__main__":
    main()
