"""The cached-features back end of the Evaluator protocol (`clapsearch.benchmark.evaluator`), used while training.

Evaluators are callables `evaluator(model) -> dict[str, float]` with a `primary_metric` (the key that selects
the model when `--select` is empty). Built in: zero-shot classification of a labelled dev set, text-to-audio
top-k retrieval of its labels, and recall@k over held-out caption pairs (a pure function of embeddings).

Dev sets are read by the benchmark's loaders (`clapsearch.benchmark.adapters.load_dev_set`) into its one clip
record (`clapsearch.benchmark.tasks.Clip`); prompts are rendered as `benchmark` renders them, and each file scores
at its best window (`clapsearch.search.engine.best_window_scores`). A file the dev set names but that is missing
raises DataError naming it before training starts, as `clapsearch benchmark` does. Here the model is the one in
memory and the audio-tower features are cached; `clapsearch.benchmark.zeroshot.SearchEvaluator` is the other back
end (a saved model, searched through the index).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import torch

from clapsearch.audio import AudioError, iter_windows, probe, segment_windows
from clapsearch.benchmark.adapters import load_dev_set
from clapsearch.benchmark.metrics import confusion_matrix, hub_ratio
from clapsearch.benchmark.tasks import RETRIEVAL_PROMPT, SOUND_PROMPT, LabelledSet, label_text, render_prompt
from clapsearch.errors import DataError, OptionError
from clapsearch.model import ClapModel
from clapsearch.model.zoo.registry import user_cache_dir
from clapsearch.search.engine import best_window_scores
from clapsearch.trainer.cache import FeatureCache

log = logging.getLogger(__name__)

ZERO_SHOT_PROMPT = SOUND_PROMPT  # the benchmark's template, not a copy


def load_labelled_set(path: str | Path) -> LabelledSet:
    """Return a dev set (a CSV, or a folder with labels.csv, meta/esc50.csv or class sub-folders); see load_dev_set."""
    return load_dev_set(path)


def _dev_set(data: LabelledSet | str | Path) -> LabelledSet:
    data = data if isinstance(data, LabelledSet) else load_dev_set(data)
    if data.multi_label:
        raise DataError(f"dev set {data.root} has multi-label rows ('a;b'): the trainer's evaluators need one label "
                        "per file; give each file one label")
    return data


def _default_name(data: LabelledSet | str | Path) -> str:
    return data.task if isinstance(data, LabelledSet) else Path(data).stem


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
        shape = next((f.shape[1:] for f in feats if f is not None), (cfg.width,))  # (width,) or an adapter's map
        out = [f if f is not None else np.zeros((1, *shape), np.float32) for f in feats]
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
        return best_window_scores(emb @ queries.T, owner, len(self.files))  # (windows, queries) -> (files, queries)

    def __call__(self, model: ClapModel) -> np.ndarray:
        """Return (files, D) clip embeddings: the L2-normalised mean of each file's windows."""
        emb, owner = self.windows(model)
        out = np.zeros((len(self.files), emb.shape[1]), dtype=np.float32)
        np.add.at(out, owner, emb)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class ZeroShotEvaluator:
    """Top-1 accuracy of classifying each file by its nearest label prompt (within its group, if any; only the
    files of `groups` when given; every `every`-th file of the set's order, a subset for a quicker evaluation).

    data: a LabelledSet (benchmark.adapters) or a dev-set path. Returns {name}/accuracy (primary) and
    {name}/hub_ratio (the most over-predicted label's predicted count over its true count; 1 = no hub).
    """

    def __init__(self, data: LabelledSet | str | Path, name: str | None = None, prompt: str = ZERO_SHOT_PROMPT,
                 cache_dir: str | Path | None = None, within_group: bool = True,
                 groups: Sequence[str] = (), every: int = 1) -> None:
        self.data = _dev_set(data)
        self.name = name or _default_name(data)
        self.prompt = prompt
        self.within_group = within_group
        self.primary_metric = f"{self.name}/accuracy"
        clips = [c for c in self.data.clips if not groups or (c.group or "") in groups][::every]
        if not clips:
            raise DataError(f"dev set {self.data.root} has no clips in groups {list(groups)}: check groups= in --eval")
        self.truth = [label_text(c.labels[0]) for c in clips]
        self.groups = [c.group or "" for c in clips]
        self.embed = ClipEmbedder([c.path for c in clips], cache_dir)

    def __call__(self, model: ClapModel) -> dict[str, float]:
        labels = sorted(set(self.truth))
        text = model.encode_text([render_prompt(self.prompt, label) for label in labels])  # (labels, D)
        sims = self.embed.scores(model, text)  # (files, labels)
        if self.within_group:
            group_of = dict(zip(self.truth, self.groups))
            for i, group in enumerate(self.groups):
                sims[i, [group_of[label] != group for label in labels]] = -np.inf
        index = {label: j for j, label in enumerate(labels)}
        truth = np.array([index[t] for t in self.truth])
        predicted = sims.argmax(1)
        accuracy = float(np.mean(predicted == truth))
        hub = hub_ratio(confusion_matrix(truth, predicted, len(labels)))
        return {self.primary_metric: accuracy, f"{self.name}/hub_ratio": hub}


class RetrievalEvaluator:
    """For each label (of the chosen groups): is one of its files in the top k for the label's prompt?

    Returns {name}/top{k}_rate (primary) and {name}/top{k} (the count).
    """

    def __init__(self, data: LabelledSet | str | Path, name: str | None = None, prompt: str = RETRIEVAL_PROMPT,
                 k: int = 5, groups: Sequence[str] = (), cache_dir: str | Path | None = None) -> None:
        self.data = _dev_set(data)
        self.name = name or _default_name(data)
        self.prompt, self.k = prompt, k
        self.primary_metric = f"{self.name}/top{k}_rate"
        self.truth = [label_text(c.labels[0]) for c in self.data.clips]
        self.labels = sorted({t for t, c in zip(self.truth, self.data.clips)
                              if not groups or (c.group or "") in groups})
        if not self.labels:
            raise DataError(f"dev set {self.data.root} has no labels in groups {list(groups)}: check groups= in --eval")
        self.embed = ClipEmbedder([c.path for c in self.data.clips], cache_dir)

    def __call__(self, model: ClapModel) -> dict[str, float]:
        text = model.encode_text([render_prompt(self.prompt, label) for label in self.labels])
        top = np.argsort(-self.embed.scores(model, text).T, axis=1)[:, :self.k]  # (labels, k) file indices
        hits = sum(any(self.truth[j] == label for j in row) for label, row in zip(self.labels, top))
        return {self.primary_metric: hits / len(self.labels), f"{self.name}/top{self.k}": float(hits)}


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
    groups = [g for g in options.pop("groups", "").split(",") if g]
    if kind == "zeroshot":
        ev: ZeroShotEvaluator | RetrievalEvaluator = ZeroShotEvaluator(
            path, name, options.pop("prompt", ZERO_SHOT_PROMPT), cache_dir,
            within_group=options.pop("within_group", "1") not in ("0", "false", "no"), groups=groups,
            every=_whole(spec, "every", options.pop("every", "1")))
    else:
        k = _whole(spec, "k", options.pop("k", "5"))
        ev = RetrievalEvaluator(path, name, options.pop("prompt", RETRIEVAL_PROMPT), k, groups, cache_dir)
    if options:
        raise OptionError(f"evaluator {spec!r}: unknown options {sorted(options)}; known: name, prompt, groups and "
                          f"{'within_group, every' if kind == 'zeroshot' else 'k'}")
    return ev


def _whole(spec: str, key: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise OptionError(f"evaluator {spec!r}: {key} must be a whole number of at least 1, got {value!r}")
    return int(value)
