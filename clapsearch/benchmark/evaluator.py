"""The one evaluator protocol, for training and `benchmark`: `evaluator(model) -> dict[str, float]`.

Two back ends implement it: `clapsearch.trainer.evaluate` (the model in memory, audio-tower features cached, used
while training) and `clapsearch.benchmark.zeroshot.SearchEvaluator` (a saved model by name or folder, the clips
indexed and searched through the search engine, used by `clapsearch benchmark`). Both read their data through the
loaders of `clapsearch.benchmark.adapters` into one record type (`tasks.Clip`), and rank a file at its best
window (`clapsearch.search.engine.best_window_scores`, the rule `rank_files` applies).

`primary_metric` names the key of the returned dict that selects the model while training (`--select` empty)
and that a report shows first.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Evaluator(Protocol):
    """`evaluator(model) -> {metric: value}`; `primary_metric` is one of the returned keys."""

    primary_metric: str

    def __call__(self, model: Any) -> dict[str, float]: ...
