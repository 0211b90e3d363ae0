"""Training manifests: audio-caption pairs from CSV or JSONL, grouped per clip, checked before training."""
from __future__ import annotations

import csv
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clapsearch.audio import AudioError, probe
from clapsearch.data.lexicon import WordNet
from clapsearch.errors import DataError, DataNotFound, OptionError
from clapsearch.manifest import Clip

log = logging.getLogger(__name__)


# The trainer's name for the one manifest record; kept so that `from clapsearch.trainer import TrainClip` holds.
TrainClip = Clip


def clip_of_row(row: dict[str, Any]) -> Clip:
    """Return the Clip of a user's manifest row: captions stripped and empty ones dropped, missing fields empty.

    Lenient where Clip.from_dict is exact (that one reads what a recipe wrote): a row may hold `caption` or
    `captions` (a list or one string), and null or missing label, source and licence read as "".
    """
    captions = row.get("captions")
    if captions is None:
        captions = [row["caption"]] if row.get("caption") else []
    if isinstance(captions, str):
        captions = [captions]
    return Clip(audio=str(row["audio"]), captions=[str(c).strip() for c in captions if str(c).strip()],
                label=str(row.get("label") or ""), source=str(row.get("source") or ""),
                licence=str(row.get("licence") or ""), duration=float(row.get("duration") or 0.0))


@dataclass
class Skipped:
    """A manifest row that cannot be trained on, and why."""

    audio: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"audio": self.audio, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Skipped:
        return cls(audio=d["audio"], reason=d["reason"])


@dataclass
class ManifestSummary:
    """What was read from each manifest: counts for provenance."""

    path: str
    rows: int = 0
    clips: int = 0
    labels: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rows": self.rows, "clips": self.clips, "labels": self.labels,
                "skipped": len(self.skipped)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ManifestSummary:
        return cls(path=d["path"], rows=int(d.get("rows", 0)), clips=int(d.get("clips", 0)),
                   labels=int(d.get("labels", 0)))


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "audio" not in reader.fieldnames or "caption" not in reader.fieldnames:
                raise DataError(f"manifest {path} must have CSV columns 'audio' and 'caption' "
                                f"(found {reader.fieldnames})")
            return list(reader)
    rows = []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{i}: not JSON ({e.msg}); fix or delete that line") from e
            if not isinstance(row, dict) or "audio" not in row:
                raise DataError(f"{path}:{i}: row has no 'audio' field; fix or delete that line")
            rows.append(row)
    return rows


def read_manifest(path: str | Path) -> tuple[list[Clip], ManifestSummary]:
    """Return the clips of one CSV (audio,caption[,label,source]) or JSONL (audio,captions[,label,source]) file.

    Rows naming the same audio file are merged into one clip with all their captions; relative paths
    resolve against the manifest's folder. Files are not opened here (see check_clips).
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFound(f"manifest {path} not found: check the --data path")
    by_audio: dict[str, Clip] = {}
    rows = _rows(path)
    for row in rows:
        clip = clip_of_row(row)
        audio = Path(clip.audio).expanduser()
        clip.audio = str(audio if audio.is_absolute() else (path.parent / audio).resolve())
        if clip.audio in by_audio:
            known = by_audio[clip.audio]
            known.captions += [c for c in clip.captions if c not in known.captions]
            known.label = known.label or clip.label
        else:
            by_audio[clip.audio] = clip
    clips = list(by_audio.values())
    summary = ManifestSummary(str(path), rows=len(rows), clips=len(clips),
                              labels=len({c.label for c in clips if c.label}))
    return clips, summary


def check_clips(clips: list[Clip]) -> tuple[list[Clip], list[Skipped]]:
    """Return (usable clips with durations, skipped rows with reasons); reads headers only."""
    good, skipped = [], []
    for clip in clips:
        if not clip.captions:
            skipped.append(Skipped(clip.audio, "no caption"))
            continue
        try:
            clip.duration = probe(clip.audio).duration
        except AudioError as e:
            skipped.append(Skipped(clip.audio, str(e)))
            continue
        good.append(clip)
    return good, skipped


def load_manifests(paths: list[str | Path]) -> tuple[list[Clip], list[ManifestSummary], list[Skipped]]:
    """Return the usable clips of several manifests, a summary per manifest, and every skipped row."""
    clips: list[Clip] = []
    summaries, skipped = [], []
    seen: set[str] = set()
    for p in paths:
        found, summary = read_manifest(p)
        found = [c for c in found if c.audio not in seen]
        seen.update(c.audio for c in found)
        good, bad = check_clips(found)
        summary.clips, summary.skipped = len(good), bad
        clips += good
        skipped += bad
        summaries.append(summary)
    if skipped:
        log.warning("skipped %d of %d manifest clips (unreadable or uncaptioned)", len(skipped),
                    len(skipped) + len(clips))
    if not clips:
        raise DataError(f"no usable clips in {', '.join(map(str, paths))}: check the paths in the manifest")
    return clips, summaries, skipped


def split_holdout(clips: list[Clip], fraction: float) -> tuple[list[Clip], list[Clip]]:
    """Return (train, held-out): a deterministic split by clip path hash, so it never changes between runs."""
    if fraction <= 0:
        return clips, []

    def bucket(c: Clip) -> float:
        return int(hashlib.sha1(c.audio.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF

    held = [c for c in clips if bucket(c) < fraction]
    train = [c for c in clips if bucket(c) >= fraction]
    if not train:
        raise OptionError(f"the held-out fraction {fraction} leaves no training clips: use a smaller --holdout")
    return train, held


def add_label_captions(clips: list[Clip], templates: tuple[str, ...] | list[str],
                       lexicon: WordNet | None = None, sentences: bool = False) -> None:
    """Append captions made from each labelled clip's label ("the sound of {label}") to its captions; with a
    lexicon, also one per other phrasing of the label ("the sound of equine galloping"), the templates taken in
    turn, so that each phrasing adds one caption, and with `sentences` the label as a sentence ("the dog
    barks", no template) where it reads "NOUN VERBing"."""
    if sentences and lexicon is None:
        raise OptionError("--sentences finds the verbs in WordNet: give --lexicon too")
    from_lexicon: dict[str, list[str]] = {}  # label -> its lexicon captions
    for clip in clips:
        label = clip.label.replace("_", " ").strip()
        if not label:
            continue
        captions = [template.format(label=label) for template in templates]
        if lexicon is not None and templates:
            if label not in from_lexicon:
                phrasings = lexicon.broaden(label)
                sentence = lexicon.sentence(label) if sentences else None
                from_lexicon[label] = [templates[i % len(templates)].format(label=p) for i, p in enumerate(phrasings)]
                from_lexicon[label] += [sentence] if sentence else []
            captions += from_lexicon[label]
        for caption in captions:
            if caption not in clip.captions:
                clip.captions.append(caption)
