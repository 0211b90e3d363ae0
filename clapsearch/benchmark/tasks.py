"""What a benchmark runs on: labelled clips or captioned clips, the task names, and each task's prompts."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from clapsearch.errors import OptionError
from clapsearch.paths import display_path

SOUND_PROMPT = "this is a sound of {label}"
RETRIEVAL_PROMPT = "the sound of a {label}"  # a dev set's labels as text->audio queries (trainer --eval retrieval=)

# Prompt templates as in the CLAP paper (Elizalde et al. 2022, table 2 set-up).
DEFAULT_PROMPTS: dict[str, list[str]] = {
    "esc50": [SOUND_PROMPT],
    "us8k": [SOUND_PROMPT],
    "gtzan": [SOUND_PROMPT],
    "gtzan-ms": [SOUND_PROMPT],
    "folder": [SOUND_PROMPT],
    "csv": [SOUND_PROMPT],
    "fsdd": ["{label}"],  # keyword spotting: the bare word
    "ravdess": ["this person is feeling {label}"],
    "speaker-count": ["{label} persons speaking"],
}

CLASSIFICATION_TASKS = ("esc50", "us8k", "gtzan", "gtzan-ms", "fsdd", "ravdess", "folder", "csv", "speaker-count")
RETRIEVAL_TASKS = ("clotho", "audiocaps")
TASKS = CLASSIFICATION_TASKS + RETRIEVAL_TASKS
PROTOCOLS = ("zeroshot", "probe-l1", "probe-l3", "finetune")
N_SPLITS = 5


@dataclass(frozen=True)
class Clip:
    """One labelled recording. path is absolute; labels has one entry for single-label tasks."""

    path: str
    labels: tuple[str, ...]
    group: str | None = None
    fold: int | None = None


@dataclass
class LabelledSet:
    """A classification data set: clips, its classes, and (csv with a group column) which classes compete."""

    task: str
    root: Path
    clips: list[Clip]
    classes: list[str]
    multi_label: bool = False
    class_groups: dict[str, str] = field(default_factory=dict)  # class -> group, when grouped

    @property
    def grouped(self) -> bool:
        return bool(self.class_groups)

    def folds(self) -> list[int]:
        """Return each clip's fold: the data set's own (ESC-50, US8K), else a deterministic 5-way split."""
        if self.clips and all(c.fold is not None for c in self.clips):
            return [int(c.fold) for c in self.clips if c.fold is not None]  # all are, as checked above
        return [stable_fold(Path(c.path).name) for c in self.clips]


@dataclass
class CaptionSet:
    """A retrieval data set: clips, captions, and for each caption the index of the clip it describes."""

    task: str
    root: Path
    clips: list[str]
    captions: list[str]
    caption_clip: list[int]


def stable_fold(name: str, n_splits: int = N_SPLITS) -> int:
    """Return a fold in 1..n_splits from a file name, the same on every machine and run."""
    return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) % n_splits + 1


def label_text(label: str) -> str:
    """Return a class name as prompt text: underscores become spaces."""
    return label.replace("_", " ").strip()


def render_prompt(template: str, label: str) -> str:
    """Fill a template's {label} (or {n}, or {}) with the class name as text."""
    if not any(k in template for k in ("{label}", "{n}", "{}")):
        raise OptionError(f"prompt template {template!r} has no {{label}} placeholder, e.g. 'a sound of {{label}}'")
    text = label_text(label)
    return template.replace("{label}", text).replace("{n}", text).replace("{}", text)


def task_for_folder(name: str) -> str | None:
    """Guess the task of a data set folder by its name (for `benchmark all`); None when unknown."""
    n = name.lower()
    for prefix, task in (("esc50", "esc50"), ("esc-50", "esc50"), ("us8k", "us8k"), ("urbansound", "us8k"),
                         ("gtzan-ms", "gtzan-ms"), ("gtzan_ms", "gtzan-ms"), ("music_speech", "gtzan-ms"),
                         ("gtzan", "gtzan"), ("fsdd", "fsdd"), ("ravdess", "ravdess"), ("clotho", "clotho"),
                         ("audiocaps", "audiocaps")):
        if n.startswith(prefix):
            return task
    return None


@dataclass
class BenchResult:
    """One benchmark run: the headline metric plus every number, ready for JSON and the report."""

    task: str
    model: str
    protocol: str
    n: int
    metric: str
    value: float
    per_class: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    confusion: list[list[int]] | None = None
    prompts: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    index: str = ""
    seconds: float = 0.0
    dataset: str = ""  # the data folder's name (gcompris for a csv task)
    per_query: list[dict[str, object]] = field(default_factory=list)  # --queries: each query's own scores

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"task": self.task, "dataset": self.dataset, "model": self.model,
                                  "protocol": self.protocol, "n": self.n, "metric": self.metric,
                                  "value": round(self.value, 6)}
        out.update({k: round(v, 6) for k, v in self.metrics.items()})
        out["per_class"] = {k: round(v, 6) for k, v in self.per_class.items()}
        out.update({"classes": self.classes, "confusion": self.confusion, "prompts": self.prompts,
                    "skipped": [{**s, "path": display_path(s["path"])} for s in self.skipped],
                    "index": display_path(self.index), "seconds": round(self.seconds, 3)})
        if self.per_query:
            out["per_query"] = self.per_query
        return out
