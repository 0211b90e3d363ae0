"""Training CLAP models on audio-caption manifests: data, batching, feature cache, loop and evaluators."""
from __future__ import annotations

from clapsearch.trainer.batching import BatchSampler, Pick
from clapsearch.trainer.cache import FeatureCache
from clapsearch.trainer.evaluate import (
    RetrievalEvaluator,
    ZeroShotEvaluator,
    load_labelled_set,
    parse_evaluator,
    recall_at_k,
)
from clapsearch.trainer.loop import TrainConfig, TrainResult, train
from clapsearch.trainer.manifest import ManifestSummary, Skipped, TrainClip, load_manifests, read_manifest

__all__ = ["BatchSampler", "FeatureCache", "ManifestSummary", "Pick", "RetrievalEvaluator", "Skipped",
           "TrainClip", "TrainConfig", "TrainResult", "ZeroShotEvaluator", "load_labelled_set",
           "load_manifests", "parse_evaluator", "read_manifest", "recall_at_k", "train"]
