"""Evaluators: callables `evaluator(model) -> dict[str, float]`, used during training and by `benchmark`.

Built in: zero-shot classification of a labelled dev set, text-to-audio top-k retrieval of its labels,
and recall@k over held-out caption pairs (a pure function of embeddings).
"""
from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import torch

from clapsearch.audio import AudioError, iter_windows, probe, segment_windows
from clapsearch.audio.decode import AUDIO_EXTENSIONS
from clapsearch.errors import DataError, DataNotFound, OptionError
from clapsearch.model import ClapModel
from clapsearch.model.zoo.registry import user_cache_dir
from clapsearch.trainer.cache import FeatureCache

log = logging.getLogger(__name__)

ZERO_SHOT_PROMPT = "this is a sound of {label}"
RETRIEVAL_PROMPT = "the sound of a {label}"


@dataclass(frozen=True)
class LabelledFile:
    path: str
    label: str
    group: str = ""


def _find_audio(csv_path: Path, name: str) -> Path:
    # Layouts seen in the wild: files beside the CSV, in audio/ beside it, or in ../audio (ESC-50's meta/).
    for folder in (csv_path.parent, csv_path.parent / "audio", csv_path.parent.parent / "audio"):
        if (folder / name).is_file():
            return folder / name
    return csv_path.parent / name


def load_labelled_set(path: str | Path) -> list[LabelledFile]:
    """Return the files of a dev set: a CSV (filename, label|category[, group]), a folder holding
    labels.csv or meta/<one>.csv, or a folder with one subfolder per class."""
    path = Path(path)
    if path.is_dir():
        csvs = [path / "labels.csv"] if (path / "labels.csv").is_file() else sorted((path / "meta").glob("*.csv"))
        if len(csvs) == 1:
            path = csvs[0]
        else:
            files = [LabelledFile(str(f), d.name.replace("_", " ")) for d in sorted(path.iterdir()) if d.is_dir()
                     for f in sorted(d.rglob("*")) if f.suffix.lower() in AUDIO_EXTENSIONS]
            if not files:
                raise DataError(f"dev set {path} has no labels.csv, meta/*.csv or class subfolders with audio: "
                                "give --eval a labelled folder or CSV")
            return files
    if not path.is_file():
        raise DataNotFound(f"dev set {path} not found: check the PATH in --eval KIND=PATH")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "filename" not in rows[0] or not ({"label", "category"} & set(rows[0])):
        raise DataError(f"dev set {path} needs CSV columns filename and label (or category): fix its header")
    key = "label" if "label" in rows[0] else "category"
    return [LabelledFile(str(_find_audio(path, r["filename"])), r[key].replace("_", " "), r.get("group", ""))
            for r in rows]


class ClipEmbedder:
    """Embeds whole files: deterministic windows (as the indexer cuts them), one embedding per window.

    With a frozen audio tower the tower outputs are computed once (and kept in a FeatureCache when given),
    so each later call only runs the projection head.
    """

    def __init__(self, files: Sequence[str], cache_dir: str | Path | None = None) -> None:
        self.files = list(files)
        self.cache_dir = cache_dir
        self._features: tuple[str, list[np.ndarray]] | None = None  # (tower fingerprint, per file (windows, width))

    def _tower_features(self, model: ClapModel) -> list[np.ndarray]:
        cfg = model.config.audio
        key = model.config.fingerprint()
        if self._features is not None and self._features[0] == key:
            return self._features[1]
        items = []
        for f in self.files:
            try:
                duration = probe(f).duration
            except AudioError:
                duration = 0.0
            items.append((f, [s for s, _ in segment_windows(duration, cfg.clip_seconds, cfg.hop_seconds)]))
        cache = FeatureCache(self.cache_dir or user_cache_dir() / "features", model)
        feats, failed = cache.audio_features(items)
        if failed:
            log.warning("dev set: %d files cannot be decoded, e.g. %s", len(failed), next(iter(failed.items())))
        out = [f if f is not None else np.zeros((1, cfg.width), np.float32) for f in feats]
        self._features = (key, out)
        return out

    @torch.no_grad()
    def windows(self, model: ClapModel) -> tuple[np.ndarray, np.ndarray]:
        """Return (windows, D) L2-normalised window embeddings and the file index of each window."""
        was_training = model.training
        model.eval()
        if model.config.freeze_audio:
            feats = self._tower_features(model)
            flat = torch.from_numpy(np.concatenate(feats)).to(model.device)  # (all windows, width)
            emb = model(audio_features=flat)["audio"].float().cpu().numpy()
        else:
            cfg = model.config.audio
            feats = []
            for f in self.files:
                waves = [w for _, _, w in iter_windows(f, cfg.sample_rate, cfg.clip_seconds, cfg.hop_seconds)]
                feats.append(model.encode_audio(np.stack(waves)))
            emb = np.concatenate(feats)
        model.train(was_training)
        return emb, np.repeat(np.arange(len(feats)), [len(f) for f in feats])

    def scores(self, model: ClapModel, queries: np.ndarray) -> np.ndarray:
        """Return (files, queries) similarities, each file at its best window (as the search engine ranks)."""
        emb, owner = self.windows(model)
        sims = emb @ queries.T  # (windows, queries)
        out = np.full((len(self.files), len(queries)), -np.inf, dtype=np.float32)
        np.maximum.at(out, owner, sims)
        return out

    def __call__(self, model: ClapModel) -> np.ndarray:
        """Return (files, D) clip embeddings: the L2-normalised mean of each file's windows."""
        emb, owner = self.windows(model)
        out = np.zeros((len(self.files), emb.shape[1]), dtype=np.float32)
        np.add.at(out, owner, emb)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class ZeroShotEvaluator:
    """Top-1 accuracy of classifying each file by its nearest label prompt (within its group, if any)."""

    def __init__(self, path: str | Path, name: str | None = None, prompt: str = ZERO_SHOT_PROMPT,
                 cache_dir: str | Path | None = None, within_group: bool = True) -> None:
        self.files = load_labelled_set(path)
        self.name = name or Path(path).stem
        self.prompt = prompt
        self.within_group = within_group
        self.embed = ClipEmbedder([f.path for f in self.files], cache_dir)

    def __call__(self, model: ClapModel) -> dict[str, float]:
        labels = sorted({f.label for f in self.files})
        text = model.encode_text([self.prompt.format(label=label) for label in labels])  # (labels, D)
        sims = self.embed.scores(model, text)  # (files, labels)
        if self.within_group:
            group_of = {f.label: f.group for f in self.files}
            for i, f in enumerate(self.files):
                sims[i, [group_of[label] != f.group for label in labels]] = -np.inf
        predicted = [labels[j] for j in sims.argmax(1)]
        accuracy = float(np.mean([p == f.label for p, f in zip(predicted, self.files)]))
        # hub check: the most over-predicted label's predicted count over its true count (1 = no hub)
        true = Counter(f.label for f in self.files)
        hub = max(n / true[label] for label, n in Counter(predicted).items())
        return {f"{self.name}/accuracy": accuracy, f"{self.name}/hub_ratio": float(hub)}


class RetrievalEvaluator:
    """For each label (of the chosen groups): is one of its files in the top k for the label's prompt?"""

    def __init__(self, path: str | Path, name: str | None = None, prompt: str = RETRIEVAL_PROMPT, k: int = 5,
                 groups: Sequence[str] = (), cache_dir: str | Path | None = None) -> None:
        self.files = load_labelled_set(path)
        self.name = name or Path(path).stem
        self.prompt, self.k = prompt, k
        self.labels = sorted({f.label for f in self.files if not groups or f.group in groups})
        if not self.labels:
            raise DataError(f"dev set {path} has no labels in groups {list(groups)}: check groups= in --eval")
        self.embed = ClipEmbedder([f.path for f in self.files], cache_dir)

    def __call__(self, model: ClapModel) -> dict[str, float]:
        text = model.encode_text([self.prompt.format(label=label) for label in self.labels])
        top = np.argsort(-self.embed.scores(model, text).T, axis=1)[:, :self.k]  # (labels, k) file indices
        hits = sum(any(self.files[j].label == label for j in row) for label, row in zip(self.labels, top))
        return {f"{self.name}/top{self.k}_rate": hits / len(self.labels), f"{self.name}/top{self.k}": float(hits)}


def recall_at_k(text: np.ndarray, audio: np.ndarray, ks: Sequence[int] = (1, 10)) -> dict[str, float]:
    """Return text->audio R@k where text[i] describes audio[i]; both (N, D) L2-normalised."""
    sims = text @ audio.T  # (N, N)
    rank = (sims > sims[np.arange(len(sims)), np.arange(len(sims))][:, None]).sum(1)  # rank of the true clip
    return {f"R@{k}": float(np.mean(rank < k)) for k in ks}


def parse_evaluator(spec: str, cache_dir: str | Path | None = None) -> ZeroShotEvaluator | RetrievalEvaluator:
    """Return the evaluator a spec names: `zeroshot=PATH` or `retrieval=PATH`, options after `?`,
    e.g. `retrieval=data/gcompris?groups=animal,instrument&k=5&prompt=the sound of a {label}&name=gcompris`."""
    kind, sep, rest = spec.partition("=")
    if not sep or kind not in ("zeroshot", "retrieval"):
        raise OptionError(f"evaluator {spec!r}: write zeroshot=PATH or retrieval=PATH (options after '?')")
    path, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=False))
    name = options.pop("name", None) or Path(path).name.replace(".csv", "")
    if kind == "zeroshot":
        ev: ZeroShotEvaluator | RetrievalEvaluator = ZeroShotEvaluator(
            path, name, options.pop("prompt", ZERO_SHOT_PROMPT), cache_dir,
            within_group=options.pop("within_group", "1") not in ("0", "false", "no"))
    else:
        groups = [g for g in options.pop("groups", "").split(",") if g]
        k = options.pop("k", "5")
        if not k.isdigit() or int(k) < 1:
            raise OptionError(f"evaluator {spec!r}: k must be a whole number of at least 1, got {k!r}")
        ev = RetrievalEvaluator(path, name, options.pop("prompt", RETRIEVAL_PROMPT), int(k), groups, cache_dir)
    if options:
        raise OptionError(f"evaluator {spec!r}: unknown options {sorted(options)}; known: name, prompt and "
                          f"{'within_group' if kind == 'zeroshot' else 'groups, k'}")
    return ev
