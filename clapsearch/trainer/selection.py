"""Evaluation during training (held-out R@k and the dev-set evaluators) and the score that picks the best model."""
from __future__ import annotations

import itertools
import logging

import numpy as np
import torch

from clapsearch.audio import iter_windows
from clapsearch.benchmark.evaluator import Evaluator
from clapsearch.errors import OptionError
from clapsearch.model import ClapModel
from clapsearch.trainer.evaluate import recall_at_k
from clapsearch.trainer.prepare import TrainData

log = logging.getLogger(__name__)

__all__ = ["Evaluation", "Evaluator"]


class Evaluation:
    """`evaluation(model) -> metrics`; `score(metrics)`: the mean of the selection metrics, None without any.

    Selection metrics: `select` (comma-separated keys), or when it is empty each evaluator's `primary_metric`,
    or without evaluators holdout R@10.
    """

    def __init__(self, data: TrainData, evaluators: dict[str, Evaluator], select: str, device: str) -> None:
        self.data, self.evaluators, self.device = data, evaluators, device
        self.select = [k for k in select.split(",") if k]
        if not self.select:
            for key, ev in evaluators.items():
                primary = getattr(ev, "primary_metric", None)
                if not isinstance(primary, str) or not primary:
                    raise OptionError(f"evaluator {key!r} has no primary_metric: give it one (the key of its "
                                      "result that selects the model) or pass --select")
                if primary not in self.select:
                    self.select.append(primary)
        self.centre_waves: list[np.ndarray] | None = None  # a trained tower's: decoded once, not per evaluation

    def __call__(self, model: ClapModel) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if model.config.audio_centre > 0:
            self.fit_centre(model)
        held = self.data.held_clips
        if len(held) >= 2:
            assert self.data.held_out is not None  # prepare_data sets it
            a = self.data.held_out(model)
            t = model.encode_text([c.captions[0] for c in held])
            metrics.update({f"holdout/{k}": v for k, v in recall_at_k(t, a).items()})
        for ev in self.evaluators.values():
            metrics.update(ev(model))
        return metrics

    def score(self, metrics: dict[str, float]) -> float | None:
        found = [metrics[k] for k in (self.select or ["holdout/R@10"]) if k in metrics]
        return float(np.mean(found)) if found else None

    def fit_centre(self, model: ClapModel) -> None:
        """Refit the audio centre to the weights being evaluated (the trained ones or their average)."""
        if self.data.centre_feats is not None:
            model.fit_audio_centre(self.data.centre_feats)
            return
        if self.centre_waves is None:
            cfg_a = model.config.audio
            windows = (w for c in self.data.held_clips
                       for _, _, w in iter_windows(c.audio, cfg_a.sample_rate, cfg_a.clip_seconds, cfg_a.hop_seconds))
            self.centre_waves = list(itertools.islice(windows, 128))
            if not self.centre_waves:
                log.warning("no clips to fit the audio centre to (no held-out clips): it stays at zero")
        if not self.centre_waves:
            return
        waves = self.centre_waves
        model.eval()
        with torch.no_grad():
            feats = torch.cat([model.audio_tower(torch.from_numpy(np.stack(waves[b:b + 16])).to(self.device)).float()
                               for b in range(0, len(waves), 16)])
        model.train()
        model.fit_audio_centre(feats)
