"""Adapters: read a data set's own layout into a LabelledSet or CaptionSet (headers and CSVs only, no decoding)."""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from clapsearch.audio.decode import AUDIO_EXTENSIONS
from clapsearch.benchmark.tasks import CaptionSet, Clip, LabelledSet
from clapsearch.errors import DataError, DataNotFound, OptionError

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
RAVDESS_EMOTIONS = {"01": "neutral", "02": "calm", "03": "happy", "04": "sad", "05": "angry", "06": "fearful",
                    "07": "disgust", "08": "surprised"}


def _root(root: str | Path) -> Path:
    path = Path(root).expanduser().resolve()
    if not path.is_dir():
        raise DataNotFound(f"data set root {root} is not a folder: give --root the folder that holds the data set")
    return path


def _audio_in(folder: Path) -> list[Path]:
    """Return the audio files directly in a folder, sorted (hidden files left out)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in AUDIO_EXTENSIONS)


def _read_csv(path: Path, required: tuple[str, ...], task: str) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in required if c not in header]
        if missing:
            raise DataError(f"{task}: {path} lacks column(s) {', '.join(missing)} (has: {', '.join(header)})")
        return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def _existing(paths: list[Path], task: str, expected: str) -> list[Path]:
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise DataError(f"{task}: {len(missing)} audio file(s) named by the metadata are missing, e.g. "
                        f"{missing[0]} (expected {expected})")
    return paths


def _labelled(task: str, root: Path, clips: list[Clip], expected: str, multi_label: bool = False,
              class_groups: dict[str, str] | None = None) -> LabelledSet:
    if not clips:
        raise DataError(f"{task}: no labelled audio found under {root} (expected {expected})")
    classes = sorted({lab for c in clips for lab in c.labels})
    if len(classes) < 2:
        raise DataError(f"{task}: found only class {classes} under {root}; classification needs at least two "
                        "(check --root and the task)")
    return LabelledSet(task, root, clips, classes, multi_label, class_groups or {})


def load_esc50(root: str | Path, esc10: bool = False) -> LabelledSet:
    """ESC-50: audio/<filename> and meta/esc50.csv; every fold; the CSV's filename column is followed."""
    root = _root(root)
    expected = "audio/<filename> and meta/esc50.csv with columns filename, fold, category, esc10"
    meta = root / "meta" / "esc50.csv"
    if not meta.is_file():
        raise DataError(f"esc50: no {meta} (expected {expected})")
    rows = _read_csv(meta, ("filename", "fold", "category"), "esc50")
    if esc10:
        rows = [r for r in rows if r.get("esc10", "").lower() == "true"]
    paths = _existing([root / "audio" / r["filename"] for r in rows], "esc50", expected)
    clips = [Clip(str(p), (r["category"],), fold=int(r["fold"])) for p, r in zip(paths, rows)]
    return _labelled("esc50", root, clips, expected)


def load_us8k(root: str | Path) -> LabelledSet:
    """UrbanSound8K: audio/foldN/<slice_file_name> and metadata/UrbanSound8K.csv (10 folds)."""
    root = _root(root)
    expected = "audio/foldN/*.wav and metadata/UrbanSound8K.csv"
    meta = root / "metadata" / "UrbanSound8K.csv"
    if not meta.is_file():
        raise DataError(f"us8k: no {meta} (expected {expected})")
    rows = _read_csv(meta, ("slice_file_name", "fold", "class"), "us8k")
    paths = _existing([root / "audio" / f"fold{r['fold']}" / r["slice_file_name"] for r in rows], "us8k", expected)
    clips = [Clip(str(p), (r["class"],), fold=int(r["fold"])) for p, r in zip(paths, rows)]
    return _labelled("us8k", root, clips, expected)


def load_folder(root: str | Path, task: str = "folder") -> LabelledSet:
    """One sub-folder per class, audio files directly inside each."""
    root = _root(root)
    expected = "one sub-folder per class with audio files in it, e.g. dog/bark1.wav"
    clips = [Clip(str(p), (d.name,)) for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")
             for p in _audio_in(d)]
    return _labelled(task, root, clips, expected)


def load_gtzan(root: str | Path) -> LabelledSet:
    """GTZAN genres: genres/<genre>/*.wav (genres_original/ also accepted)."""
    root = _root(root)
    for name in ("genres", "genres_original", "Data/genres_original"):
        if (root / name).is_dir():
            return load_folder(root / name, "gtzan")
    raise DataError(f"gtzan: no genres/ folder under {root} (expected genres/<genre>/*.wav)")


def load_gtzan_ms(root: str | Path) -> LabelledSet:
    """GTZAN music/speech: a music* folder and a speech* folder (music_wav/, speech_wav/)."""
    root = _root(root)
    expected = "a music folder and a speech folder, e.g. music_wav/*.wav and speech_wav/*.wav"
    clips: list[Clip] = []
    for label in ("music", "speech"):
        folders = [d for d in sorted(root.iterdir()) if d.is_dir() and d.name.lower().startswith(label)]
        if not folders:
            raise DataError(f"gtzan-ms: no {label}* folder under {root} (expected {expected})")
        clips += [Clip(str(p), (label,)) for p in _audio_in(folders[0])]
    return _labelled("gtzan-ms", root, clips, expected)


def load_fsdd(root: str | Path) -> LabelledSet:
    """Free Spoken Digit Dataset: recordings/{digit}_{speaker}_{n}.wav; labels are the words zero..nine."""
    root = _root(root)
    expected = "recordings/{digit}_{speaker}_{n}.wav"
    folder = root / "recordings" if (root / "recordings").is_dir() else root
    pattern = re.compile(r"^(\d)_([^_]+)_(\d+)$")
    clips = []
    for p in _audio_in(folder):
        m = pattern.match(p.stem)
        if m:
            clips.append(Clip(str(p), (DIGITS[int(m.group(1))],)))
    return _labelled("fsdd", root, clips, expected)


def load_ravdess(root: str | Path) -> LabelledSet:
    """RAVDESS: Actor_NN/MM-VV-EE-II-SS-RR-AA.wav, the emotion is the 3rd field of the file name."""
    root = _root(root)
    expected = "files named like 03-01-05-01-02-01-12.wav (3rd field: emotion 01..08), in Actor_NN folders"
    clips = []
    for p in sorted(q for q in root.rglob("*") if q.suffix.lower() in AUDIO_EXTENSIONS and not q.name.startswith(".")):
        fields = p.stem.split("-")
        if len(fields) == 7 and fields[2] in RAVDESS_EMOTIONS:
            clips.append(Clip(str(p), (RAVDESS_EMOTIONS[fields[2]],)))
    return _labelled("ravdess", root, clips, expected)


def load_speaker_count(root: str | Path) -> LabelledSet:
    """Speaker counting: one folder per count, named by the number (1/, 2/, ...)."""
    data = load_folder(root, "speaker-count")
    bad = [c for c in data.classes if not c.isdigit()]
    if bad:
        raise DataError(f"speaker-count: folders must be named by the number of speakers, got {bad[:3]}")
    return data


def _split_labels(value: str) -> tuple[str, ...]:
    parts = re.split(r"[;,]", value) if re.search(r"[;,]", value) else [value]
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _find_audio(name: str, bases: list[Path]) -> Path | None:
    for base in bases:
        if (base / name).is_file():
            return base / name
    return None


def load_csv(root: str | Path, csv_path: str | Path | None = None, label_column: str = "label") -> LabelledSet:
    """A CSV of filename,label[,group]: labels may be lists ('a;b' or "a,b" in quotes) for multi-label.

    With a group column, classes compete only within their group (e.g. gcompris: instrument, animal, effect).
    Files are looked up beside the CSV, then in its audio/ folder.
    """
    root = _root(root)
    expected = "a labels.csv (or one .csv) with columns filename,label[,group] beside the audio or its audio/ folder"
    if csv_path is None:
        found = [root / "labels.csv"] if (root / "labels.csv").is_file() else sorted(root.glob("*.csv"))
        if len(found) != 1:
            raise DataError(f"csv: {'no' if not found else 'several'} CSV file(s) in {root} (expected {expected})")
        csv_path = found[0]
    csv_path = Path(csv_path)
    rows = _read_csv(csv_path, ("filename", label_column), "csv")
    bases = [csv_path.parent, csv_path.parent / "audio", root, root / "audio"]
    clips: list[Clip] = []
    missing: list[str] = []
    class_groups: dict[str, str] = {}
    has_group = bool(rows) and "group" in rows[0]
    for r in rows:
        path = _find_audio(r["filename"], bases)
        if path is None:
            missing.append(r["filename"])
            continue
        labels = _split_labels(r[label_column])
        group = (r.get("group") or None) if has_group else None
        for lab in labels:
            if has_group and class_groups.setdefault(lab, group or "") != (group or ""):
                raise DataError(f"csv: label {lab!r} is in groups {class_groups[lab]!r} and {group!r} in {csv_path}; "
                                f"give it one group (or rename one)")
        clips.append(Clip(str(path), labels, group=group))
    if missing:
        raise DataError(f"csv: {len(missing)} file(s) in {csv_path} not found beside it or in audio/, "
                        f"e.g. {missing[0]}")
    multi = any(len(c.labels) > 1 for c in clips)
    return _labelled("csv", root, clips, expected, multi_label=multi, class_groups=class_groups if has_group else None)


def _audio_by_stem(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() in AUDIO_EXTENSIONS and not any(part.startswith(".") for part in p.relative_to(root).parts):
            found.setdefault(p.name, p)
            found.setdefault(p.stem, p)
    return found


def _caption_set(task: str, root: Path, pairs: list[tuple[Path, str]]) -> CaptionSet:
    clips: dict[str, int] = {}
    captions, caption_clip = [], []
    for path, caption in pairs:
        i = clips.setdefault(str(path), len(clips))
        captions.append(caption)
        caption_clip.append(i)
    return CaptionSet(task, root, list(clips), captions, caption_clip)


def _caption_csv(root: Path, column: str, task: str, expected: str) -> Path:
    csvs = [p for p in sorted(root.rglob("*.csv")) if not any(s.startswith(".") for s in p.relative_to(root).parts)]
    for p in csvs:
        with open(p, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
        if column in [h.strip() for h in header]:
            return p
    raise DataError(f"{task}: no caption CSV under {root} (expected {expected})")


def load_clotho(root: str | Path, csv_path: str | Path | None = None) -> CaptionSet:
    """Clotho: a captions CSV (file_name, caption_1..caption_5) and the audio files it names, anywhere below."""
    root = _root(root)
    expected = "a CSV with columns file_name,caption_1..caption_5 and the audio files it names"
    path = Path(csv_path) if csv_path else _caption_csv(root, "caption_1", "clotho", expected)
    rows = _read_csv(path, ("file_name", "caption_1"), "clotho")
    audio = _audio_by_stem(root)
    pairs, missing = [], []
    for r in rows:
        p = audio.get(r["file_name"])
        if p is None:
            missing.append(r["file_name"])
            continue
        pairs += [(p, r[k]) for k in sorted(r) if k.startswith("caption_") and r[k]]
    if missing or not pairs:
        raise DataError(f"clotho: {len(missing)} file(s) named in {path} not found under {root}"
                        + (f", e.g. {missing[0]}" if missing else "") + f" (expected {expected})")
    return _caption_set("clotho", root, pairs)


def load_audiocaps(root: str | Path, csv_path: str | Path | None = None) -> CaptionSet:
    """AudioCaps: a CSV (audiocap_id, youtube_id, start_time, caption); audio named by youtube_id or audiocap_id.

    Clips whose audio is absent (AudioCaps is distributed as YouTube ids, many gone) are left out with their
    captions; it is an error only when none is found.
    """
    root = _root(root)
    expected = ("a CSV with columns audiocap_id,youtube_id,start_time,caption and audio named <youtube_id>.* "
                "or <audiocap_id>.*")
    path = Path(csv_path) if csv_path else _caption_csv(root, "audiocap_id", "audiocaps", expected)
    rows = _read_csv(path, ("audiocap_id", "youtube_id", "caption"), "audiocaps")
    audio = _audio_by_stem(root)
    pairs = []
    for r in rows:
        p = audio.get(r["youtube_id"]) or audio.get(r["audiocap_id"])
        if p is not None and r["caption"]:
            pairs.append((p, r["caption"]))
    if not pairs:
        raise DataError(f"audiocaps: none of the {len(rows)} clips of {path} found under {root} (expected {expected})")
    return _caption_set("audiocaps", root, pairs)


def load_dev_set(path: str | Path) -> LabelledSet:
    """Return the labelled dev set a trainer `--eval KIND=PATH` names, through the task loaders above.

    PATH is a CSV (filename,label or filename,category[,group]; ESC-50's meta/esc50.csv), or a folder holding
    labels.csv, meta/<one>.csv (meta/esc50.csv: the esc50 task), recordings/ (FSDD: the digit words) or one
    sub-folder per class (folder task). A file
    the metadata names but that is missing raises DataError naming it, as `clapsearch benchmark` does (no zero
    vector, no silent skip).
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DataNotFound(f"dev set {path} not found: check the PATH in --eval KIND=PATH")
    if path.is_dir():
        metas = sorted((path / "meta").glob("*.csv"))
        if (path / "labels.csv").is_file():
            return _dev_csv(path, path / "labels.csv")
        if (path / "recordings").is_dir() and not metas:  # FSDD's layout: labels from the file names
            return load_fsdd(path)
        if len(metas) != 1:
            return load_folder(path)
        path = metas[0]
    if path.name == "esc50.csv" and path.parent.name == "meta":
        return load_esc50(path.parent.parent)
    return _dev_csv(path.parent.parent if path.parent.name == "meta" else path.parent, path)


def _dev_csv(root: Path, csv_path: Path) -> LabelledSet:
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        header = [h.strip() for h in next(csv.reader(f), [])]
    return load_csv(root, csv_path, "category" if "category" in header and "label" not in header else "label")


LOADERS: dict[str, Callable[..., LabelledSet | CaptionSet]] = {
    "esc50": load_esc50, "us8k": load_us8k, "gtzan": load_gtzan, "gtzan-ms": load_gtzan_ms, "fsdd": load_fsdd,
    "ravdess": load_ravdess, "folder": load_folder, "csv": load_csv, "speaker-count": load_speaker_count,
    "clotho": load_clotho, "audiocaps": load_audiocaps,
}


def load_task(task: str, root: str | Path, esc10: bool = False) -> LabelledSet | CaptionSet:
    """Return the data set of a task read from root; ValueError naming the expected layout when it does not fit."""
    if task not in LOADERS:
        raise OptionError(f"unknown benchmark task {task!r}: use one of {', '.join(LOADERS)} or 'all'")
    if esc10 and task != "esc50":
        raise OptionError("--esc10 applies to the esc50 task only: leave it out, or run the esc50 task")
    return load_esc50(root, esc10=True) if esc10 else LOADERS[task](root)
