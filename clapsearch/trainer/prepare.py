"""Data preparation: usable clips, a held-out split by clip, frozen-tower outputs from the cache, mixtures,
the batch sampler and the pair inputs, all made once before the first step."""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from clapsearch.data.lexicon import load_lexicon
from clapsearch.manifest import Clip
from clapsearch.model import ClapModel
from clapsearch.trainer.batching import BatchSampler
from clapsearch.trainer.cache import FeatureCache, crop_starts
from clapsearch.trainer.config import TrainConfig
from clapsearch.trainer.evaluate import ClipEmbedder
from clapsearch.trainer.inputs import PairInputs
from clapsearch.trainer.manifest import ManifestSummary, Skipped, add_label_captions, load_manifests, split_holdout
from clapsearch.trainer.mixing import Mix, build_mixtures

log = logging.getLogger(__name__)


@dataclass
class TrainData:
    train_clips: list[Clip]
    held_clips: list[Clip]
    summaries: list[ManifestSummary]
    skipped: list[Skipped]
    audio_cache: list[np.ndarray] | None = None  # per training clip: its crops' audio-tower outputs
    centre_feats: torch.Tensor | None = None  # the training clips' own crops, for the audio centre
    mixes: dict[str, Mix] = field(default_factory=dict)  # rendered per batch (trained audio tower)
    held_out: ClipEmbedder | None = None
    sampler: BatchSampler | None = None
    pairs: PairInputs | None = None


def prepare_data(model: ClapModel, manifests: Sequence[str | Path], cfg: TrainConfig, out: Path) -> TrainData:
    """Read the manifests and cache what the frozen towers compute; `out/skipped.json` lists the clips left out."""
    clips, summaries, skipped = load_manifests(list(manifests))
    add_label_captions(clips, cfg.label_templates, load_lexicon(cfg.lexicon, Path(cfg.cache_dir) / "lexicon"),
                       sentences=cfg.sentences)
    train_clips, held_clips = split_holdout(clips, cfg.holdout)
    data = TrainData(train_clips, held_clips, summaries, skipped)
    cache = FeatureCache(cfg.cache_dir, model)
    if model.config.freeze_audio:
        _cache_audio(data, cache, model.config.audio.clip_seconds, cfg.crops)
    # The audio centre comes from the training clips' own crops (not the mixtures, not the held-out clips);
    # with a trained audio tower, from the held-out clips' windows (Evaluation.fit_centre).
    data.centre_feats = torch.from_numpy(np.concatenate(data.audio_cache)) if data.audio_cache else None
    if cfg.mix > 0:
        _add_mixtures(data, cache, cfg.mix, cfg.seed, model.config.audio.clip_seconds)
    data.held_out = ClipEmbedder([c.audio for c in data.held_clips], cfg.cache_dir)  # deterministic windows
    if data.skipped:  # reported once, as a list, before the first step
        (out / "skipped.json").write_text(json.dumps([s.to_dict() for s in data.skipped], indent=1) + "\n")
        log.warning("skipped %d clips (listed in %s), e.g. %s: %s", len(data.skipped), out / "skipped.json",
                    data.skipped[0].audio, data.skipped[0].reason)
    text_cache = _cache_text(data.train_clips, cache) if model.config.freeze_text else None
    labelled = any(c.label for c in data.train_clips)
    label_aware = labelled if cfg.label_aware is None else cfg.label_aware
    data.sampler = BatchSampler([c.group for c in data.train_clips], [len(c.captions) for c in data.train_clips],
                                cfg.batch_size, cfg.seed, label_aware, cfg.group_power,
                                [c.background for c in data.train_clips] if cfg.mask_background else None)
    data.pairs = PairInputs(model, data.train_clips, data.audio_cache, text_cache, data.mixes)
    return data


def _cache_audio(data: TrainData, cache: FeatureCache, clip_seconds: float, crops: int) -> None:
    """Frozen audio tower: cache every clip's crops; a clip that cannot be decoded is skipped."""
    items = [(c.audio, crop_starts(c.duration, clip_seconds, crops)) for c in data.train_clips + data.held_clips]
    feats, failed = cache.audio_features(items)
    data.skipped += [Skipped(p, r) for p, r in failed.items()]
    keep = [i for i, f in enumerate(feats) if f is not None]
    n_train = len(data.train_clips)
    data.held_clips = [data.held_clips[i - n_train] for i in keep if i >= n_train]
    data.train_clips = [data.train_clips[i] for i in keep if i < n_train]
    data.audio_cache = [f for i, f in enumerate(feats) if f is not None and i < n_train]  # those of keep


def _add_mixtures(data: TrainData, cache: FeatureCache, count: int, seed: int, clip_seconds: float) -> None:
    """Add waveform mixtures to the training clips: cached (frozen audio tower) or rendered per batch."""
    mix_clips, specs = build_mixtures(data.train_clips, count, seed, clip_seconds)
    if data.audio_cache is not None:
        mix_feats, mix_failed = cache.mix_features(specs)
        if mix_failed:
            log.warning("%d mixtures could not be rendered, e.g. %s", len(mix_failed), next(iter(mix_failed.values())))
        data.train_clips += [c for c, f in zip(mix_clips, mix_feats) if f is not None]
        data.audio_cache += [f for f in mix_feats if f is not None]
    else:
        data.train_clips += mix_clips
        data.mixes = {c.audio: m for c, m in zip(mix_clips, specs)}


def _cache_text(train_clips: list[Clip], cache: FeatureCache) -> list[np.ndarray]:
    """Frozen text tower: every training caption's features, in one batched pass, split back per clip."""
    flat = cache.text_features([t for c in train_clips for t in c.captions])
    bounds = np.cumsum([0] + [len(c.captions) for c in train_clips])
    return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
