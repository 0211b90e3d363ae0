"""Benchmark metrics as pure functions on arrays: accuracy, confusion, (m)AP, and retrieval R@k / mAP@k.

Ranks are 1-based positions in a stable descending sort of the scores, so ties resolve by item order and every
run gives the same numbers.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Return the fraction of predictions equal to the truth (0.0 for no items)."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    return float((t == p).mean()) if len(t) else 0.0


def softmax(logits: np.ndarray) -> np.ndarray:
    """(..., classes) logits -> probabilities over the last axis; -inf logits (classes not in play) get 0."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> np.ndarray:
    """Return (n_classes, n_classes) counts: row = true class, column = predicted class."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return m


def hub_ratio(confusion: np.ndarray) -> float:
    """How lopsided predictions are: the most over-predicted class's predicted count over its true count
    (1 = no hub; a class predicted but never true counts its predictions). From a confusion matrix (row = true)."""
    conf = np.asarray(confusion)
    if not conf.size or not conf.sum():
        return 0.0
    return float((conf.sum(axis=0) / np.maximum(conf.sum(axis=1), 1)).max())


def hubs(confusion: np.ndarray | Sequence[Sequence[int]], classes: Sequence[str], factor: float = 2.0,
         ) -> list[tuple[str, int, int]]:
    """Return the classes predicted at least `factor` times as often as they occur: (class, predicted, true).

    A hub attracts clips of unrelated classes; most frequent first. From a confusion matrix (row = true).
    """
    m = np.asarray(confusion)
    predicted, true = m.sum(axis=0), m.sum(axis=1)
    found = [(classes[c], int(predicted[c]), int(true[c])) for c in range(len(classes))
             if predicted[c] >= factor * max(int(true[c]), 1)]
    return sorted(found, key=lambda h: (-h[1], h[0]))


def per_class_accuracy(y_true: ArrayLike, y_pred: ArrayLike, classes: Sequence[str]) -> dict[str, float]:
    """Return the accuracy (recall) of each class that has clips, by class name."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    return {name: float((p[t == c] == c).mean()) for c, name in enumerate(classes) if (t == c).any()}


def descending_ranks(scores: np.ndarray) -> np.ndarray:
    """(..., n) scores -> (..., n) 1-based rank of each item when sorted best first (stable on ties)."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, order.shape[-1] + 1), axis=-1)
    return ranks


def average_precision(scores: ArrayLike, relevant: ArrayLike) -> float:
    """Return AP: the mean, over relevant items, of the precision at each one's rank (nan when none is relevant)."""
    rel = np.asarray(relevant, dtype=bool)
    if not rel.any():
        return float("nan")
    ranks = np.sort(descending_ranks(np.asarray(scores))[rel])  # ranks of the relevant items, best first
    return float(np.mean(np.arange(1, len(ranks) + 1) / ranks))


def mean_average_precision(scores: np.ndarray, targets: np.ndarray) -> tuple[float, list[float]]:
    """Multi-label (clips, classes) scores and 0/1 targets -> (mAP over classes with positives, AP per class)."""
    aps = [average_precision(scores[:, c], targets[:, c]) for c in range(scores.shape[1])]
    valid = [a for a in aps if not np.isnan(a)]
    return (float(np.mean(valid)) if valid else float("nan")), aps


def relevant_ranks(scores: np.ndarray, relevant: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """(queries, items) scores and each query's relevant item indices -> each query's sorted ranks of them."""
    ranks = descending_ranks(scores)
    return [np.sort(ranks[q, list(rel)]) for q, rel in enumerate(relevant)]


def recall_at_k(ranks: Sequence[np.ndarray], k: int) -> float:
    """Return the fraction of queries with a relevant item in the top k (a query counts once, at its best rank)."""
    return float(np.mean([len(r) > 0 and r[0] <= k for r in ranks])) if len(ranks) else 0.0


def average_precision_at_k(ranks: np.ndarray, k: int = 10) -> float:
    """Return AP@k of one query from the sorted ranks of its relevant items.

    AP@k = (1 / min(R, k)) * sum over relevant items ranked <= k of (relevant items up to that rank) / rank,
    R = number of relevant items. With one relevant item this is 1/rank within the top k, else 0 (DCASE task 6).
    """
    if len(ranks) == 0:
        return 0.0
    hits = np.asarray(ranks)[np.asarray(ranks) <= k]
    return float(np.sum(np.arange(1, len(hits) + 1) / hits) / min(len(ranks), k))


def map_at_k(ranks: Sequence[np.ndarray], k: int = 10) -> float:
    """Return the mean AP@k over queries."""
    return float(np.mean([average_precision_at_k(r, k) for r in ranks])) if len(ranks) else 0.0


def retrieval_metrics(ranks: Sequence[np.ndarray], prefix: str) -> dict[str, float]:
    """Return {prefix R@1, R@5, R@10, mAP@10} for a list of per-query relevant ranks."""
    out = {f"{prefix}R@{k}": recall_at_k(ranks, k) for k in (1, 5, 10)}
    out[f"{prefix}mAP@10"] = map_at_k(ranks, 10)
    return out
