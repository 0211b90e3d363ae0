"""Zero-shot classification as a search: class prompts are text queries, every clip's score comes from the engine."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clapsearch.benchmark.indexing import indexed_engine, prompt_embeddings, score_matrix
from clapsearch.benchmark.metrics import (
    accuracy,
    confusion_matrix,
    hub_ratio,
    mean_average_precision,
    per_class_accuracy,
    softmax,
)
from clapsearch.benchmark.tasks import (
    DEFAULT_PROMPTS,
    SOUND_PROMPT,
    BenchResult,
    CaptionSet,
    LabelledSet,
    render_prompt,
)
from clapsearch.errors import DataError
from clapsearch.indexer import Progress


@dataclass
class Scored:
    """Classification numbers: the headline metric, every metric, per class, and the confusion matrix."""

    metric: str
    value: float
    metrics: dict[str, float]
    per_class: dict[str, float]
    confusion: list[list[int]] | None = None


def group_mask(data: LabelledSet, rows: Sequence[int]) -> np.ndarray:
    """(clips, classes) bool: which classes compete for each clip (all, unless the data set is grouped)."""
    mask = np.ones((len(rows), len(data.classes)), dtype=bool)
    if data.grouped:
        groups = np.array([data.class_groups[c] for c in data.classes])
        for i, r in enumerate(rows):
            mask[i] = groups == (data.clips[r].group or "")
    return mask


def classification_result(data: LabelledSet, logits: np.ndarray, rows: Sequence[int]) -> Scored:
    """Score (clips, classes) logits of the clips data.clips[rows] against their labels.

    Single-label: softmax over the competing classes, top-1 accuracy, per-class accuracy, confusion matrix, and
    nll (mean -log probability of the true class: how confident the right answers are).
    Multi-label: sigmoid per class, mAP (ranked by the logits, which sigmoid keeps in order without saturating)
    and top-1 accuracy (the best class is one of the clip's labels).
    """
    rows = list(rows)
    mask = group_mask(data, rows)
    masked = np.where(mask, logits, -np.inf)
    index = {c: i for i, c in enumerate(data.classes)}
    pred = masked.argmax(axis=1)
    metrics: dict[str, float] = {}
    if not data.multi_label:
        truth = np.array([index[data.clips[r].labels[0]] for r in rows])
        probs = softmax(masked)
        pred = probs.argmax(axis=1)
        metrics["accuracy"] = accuracy(truth, pred)
        metrics["nll"] = float(-np.log(np.maximum(probs[np.arange(len(rows)), truth], 1e-300)).mean()) if rows else 0.0
        if data.grouped:
            for g in sorted({data.clips[r].group or "" for r in rows}):
                sel = np.array([(data.clips[r].group or "") == g for r in rows])
                metrics[f"accuracy[{g}]"] = accuracy(truth[sel], pred[sel])
        conf = confusion_matrix(truth, pred, len(data.classes))
        metrics["hub_ratio"] = hub_ratio(conf)  # the most over-predicted class's share against its true share
        return Scored("accuracy", metrics["accuracy"], metrics, per_class_accuracy(truth, pred, data.classes),
                      conf.tolist())
    targets = np.zeros_like(mask)
    for i, r in enumerate(rows):
        targets[i, [index[lab] for lab in data.clips[r].labels]] = True
    # Per class, clips are ranked by sigmoid(logit), i.e. by the logit; a class only among its group's clips.
    value, aps = mean_average_precision(masked, targets & mask)
    metrics["mAP"] = value
    metrics["accuracy"] = float(targets[np.arange(len(rows)), pred].mean()) if rows else 0.0
    per_class = {c: ap for c, ap in zip(data.classes, aps) if not np.isnan(ap)}
    return Scored("mAP", value, metrics, per_class)


def templates_for(task: str, prompts: Sequence[str] | None) -> list[str]:
    """Return the prompt templates: the user's, else the task's paper templates."""
    templates = list(prompts or DEFAULT_PROMPTS.get(task, [SOUND_PROMPT]))
    for t in templates:
        render_prompt(t, "x")  # raises on a template without a placeholder
    return templates


def run_zero_shot(data: LabelledSet, model: str = "default", index_dir: str | Path | None = None,
                  prompts: Sequence[str] | None = None, device: str = "auto", batch_size: int = 16,
                  workers: int | None = None, on_progress: Callable[[Progress], None] | None = None,
                  precision: str = "fp32") -> BenchResult:
    """Index the clips, embed the class prompts, rank every clip for every class through the engine, score."""
    t0 = time.monotonic()
    templates = templates_for(data.task, prompts)
    paths = [c.path for c in data.clips]
    folder, summary, engine = indexed_engine(data.root, paths, model, index_dir, device, batch_size, workers,
                                             on_progress, precision)
    text = prompt_embeddings(engine, [[render_prompt(t, c) for c in data.classes] for t in templates])
    cos = score_matrix(engine, text, paths).T  # (clips, classes)
    rows = [i for i in range(len(paths)) if not np.isnan(cos[i]).any()]
    if not rows:
        raise DataError(f"{data.task}: none of the {len(paths)} clips under {data.root} could be indexed (skipped: "
                        f"{summary.skipped[0]['reason'] if summary.skipped else 'unknown'}): check that they are "
                        "audio files clapsearch can decode")
    scale = float(engine.encoder.model.scale().item())
    out = classification_result(data, scale * cos[rows], rows)
    return BenchResult(data.task, model, "zeroshot", len(rows), out.metric, out.value, per_class=out.per_class,
                       metrics=out.metrics, classes=list(data.classes), confusion=out.confusion, prompts=templates,
                       skipped=summary.skipped, index=str(folder), seconds=time.monotonic() - t0)


class SearchEvaluator:
    """The search-engine back end of the Evaluator protocol (`clapsearch.benchmark.evaluator`):
    evaluator(model name or folder) -> {"<task>/<metric>": value}, the numbers `clapsearch benchmark` prints.

    primary_metric: "<task>/accuracy" (single-label), "<task>/mAP" (multi-label) or the retrieval headline.
    """

    def __init__(self, data: LabelledSet | CaptionSet, prompts: Sequence[str] | None = None,
                 index_root: str | Path | None = None, device: str = "auto", workers: int | None = None) -> None:
        from clapsearch.benchmark.retrieval import HEADLINE

        self.data, self.prompts, self.index_root = data, prompts, index_root
        self.device, self.workers = device, workers
        metric = HEADLINE if isinstance(data, CaptionSet) else "mAP" if data.multi_label else "accuracy"
        self.primary_metric = f"{data.task}/{metric}"

    def __call__(self, model: str) -> dict[str, float]:
        from clapsearch.benchmark.indexing import model_cache_key
        from clapsearch.benchmark.retrieval import run_retrieval

        folder = Path(self.index_root) / model_cache_key(model) if self.index_root else None
        if isinstance(self.data, CaptionSet):
            result = run_retrieval(self.data, model, folder, device=self.device, workers=self.workers)
        else:
            result = run_zero_shot(self.data, model, folder, self.prompts, device=self.device, workers=self.workers)
        return {f"{self.data.task}/{k}": v for k, v in {result.metric: result.value, **result.metrics}.items()}
