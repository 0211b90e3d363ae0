"""The training loop: contrastive CLAP training that reads top to bottom (nanoGPT style).

Set the learning rate, forward/backward (with accumulation), clip, step, log; every eval_every steps
evaluate, keep the best model, checkpoint. A checkpoint is one dict, so resuming is loading it back.
The steps before the loop are named functions: the model (build), the data (prepare), the optimiser and
the weights' average (optim), evaluation and selection (selection), the checkpoint (checkpoint).
"""
from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from clapsearch.encoder.encoder import resolve_device
from clapsearch.errors import OptionError
from clapsearch.model import ClapModel, ModelConfig, contrastive_loss, save_model, semantic_targets
from clapsearch.model.factory import trainable_state
from clapsearch.paths import display_path
from clapsearch.trainer.batching import Pick
from clapsearch.trainer.build import fresh_model, load_trained_state, model_to_train
from clapsearch.trainer.checkpoint import (
    CHECKPOINT,
    read_checkpoint,
    rng_state,
    seed_everything,
    set_rng_state,
    write_checkpoint,
)
from clapsearch.trainer.config import TrainConfig, TrainResult
from clapsearch.trainer.optim import Ema, Optimiser, lr_factor, make_optimiser
from clapsearch.trainer.prepare import TrainData, prepare_data
from clapsearch.trainer.report import plot_curves
from clapsearch.trainer.selection import Evaluation, Evaluator

__all__ = ["CHECKPOINT", "Evaluator", "TrainConfig", "TrainResult", "lr_factor", "train"]

log = logging.getLogger(__name__)


def train(config: str, manifests: Sequence[str | Path], out: str | Path, cfg: TrainConfig | None = None,
          resume: str | Path | None = None, evaluators: Mapping[str, Evaluator] | None = None,
          progress: Callable[[dict[str, Any]], None] | None = None, command: str = "") -> TrainResult:
    """Train a CLAP model on manifests and write it to `out` (best model; `out/last`: last); return a summary.

    progress, if given, receives each step's log record (the CLI draws its progress bar from it).
    """
    began = time.monotonic()
    out = make_out_folder(out)
    checkpoint = None
    if resume is not None:
        checkpoint, path = read_checkpoint(resume)
        # the interrupted run's settings and data, so that the result matches
        cfg = TrainConfig.from_dict(checkpoint["train"])
        config, manifests = checkpoint["source"], checkpoint["manifests"]
    cfg = cfg or TrainConfig()  # its settings were checked when it was made, before any data is read
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)
    if checkpoint is not None:
        model = fresh_model(ModelConfig.from_dict(checkpoint["config"]), device)
        load_trained_state(model, checkpoint["model"], path)
    else:
        model = model_to_train(config, cfg.dropout, device, cfg.audio_centre)
    data = prepare_data(model, manifests, cfg, out)
    assert data.sampler is not None and data.pairs is not None  # prepare_data sets both
    total = cfg.steps or max(1, math.ceil(cfg.epochs * len(data.train_clips)
                                          / (data.sampler.batch_size * cfg.grad_accum)))
    log.info("training %s on %d clips (%d held out, %d skipped) for %d steps", model.config.name,
             len(data.train_clips), len(data.held_clips), len(data.skipped), total)
    opt = make_optimiser(model, cfg.lr, cfg.weight_decay, cfg.warmup if cfg.warmup >= 0 else max(1, total // 20),
                         total, device, cfg.amp)
    ema = Ema(model, opt.params, cfg.ema)
    run = Run(out, cfg, str(config), [str(m) for m in manifests], model, opt, ema,
              Evaluation(data, dict(evaluators or {}), cfg.select, device),
              provenance(command, config, cfg, data, total))
    start = run.restore(checkpoint) if checkpoint is not None else run.start_log()

    model.train()
    metrics: dict[str, float] = {}
    if start == 0 and cfg.eval_every > 0:
        metrics = run.evaluation(model)  # the untrained baseline, step 0
        run.log({"step": 0, "metrics": metrics})
    waves = data.pairs.waves(data.sampler, start, total, cfg.grad_accum,
                             cfg.workers if cfg.workers >= 0 else (4 if device.startswith("cuda") else 0))
    tic = time.monotonic()
    for step in range(start, total):
        lr = opt.scheduler.get_last_lr()[0]  # this step's rate, which LambdaLR set at the last step
        # forward/backward over the micro-batches; each is its own contrastive batch
        loss = forward_backward(model, opt, data, waves, step, cfg, device)
        # clip, step (and the schedule, the temperature's clip, the weights' average)
        opt.scaler.unscale_(opt.optimizer)
        torch.nn.utils.clip_grad_norm_(opt.params, cfg.clip_grad)
        opt.scaler.step(opt.optimizer)
        opt.scaler.update()
        opt.optimizer.zero_grad(set_to_none=True)
        model.clip_logit_scale_()
        opt.scheduler.step()
        ema.update(step)

        done = step + 1
        record: dict[str, Any] = {"step": done, "loss": loss, "temperature": 1.0 / model.scale().item(),
                                  "lr": lr, "steps_per_s": (done - start) / max(time.monotonic() - tic, 1e-9)}
        if cfg.eval_every > 0 and (done % cfg.eval_every == 0 or done == total):
            record["metrics"] = metrics = run.evaluate_and_keep(done)
            write_checkpoint(out, run.checkpoint(done))
        run.log({k: v for k, v in record.items() if k != "steps_per_s"})
        if progress:
            progress({**record, "total": total})

    run.save_last(total, metrics)
    if cfg.eval_every <= 0:
        write_checkpoint(out, run.checkpoint(total))
    plot_curves(run.log_path, out / "curves.png")
    return TrainResult(str(out), total, run.best_step, run.best_metric, metrics, data.skipped,
                       time.monotonic() - began)


def make_out_folder(out: str | Path) -> Path:
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OptionError(f"cannot make the --out folder {display_path(str(out))}: {e.strerror or e}: give a folder "
                          "you can write to") from None
    return out


def forward_backward(model: ClapModel, opt: Optimiser, data: TrainData, waves: Iterator[Any] | None, step: int,
                     cfg: TrainConfig, device: str) -> float:
    """Run the step's micro-batches forward and backward (gradients accumulate); return their mean loss."""
    assert data.sampler is not None  # set by prepare_data
    loss_sum = 0.0
    for micro in range(cfg.grad_accum):
        wave_batch, picks = next(waves) if waves is not None else (None, data.sampler.draw(step, micro))
        with opt.autocast():
            loss = batch_loss(model, data, picks, wave_batch, cfg, device)
        opt.scaler.scale(loss / cfg.grad_accum).backward()
        loss_sum += loss.item() / cfg.grad_accum
    return loss_sum


def batch_loss(model: ClapModel, data: TrainData, picks: list[Pick], wave_batch: torch.Tensor | None,
               cfg: TrainConfig, device: str) -> torch.Tensor:
    """The contrastive loss of one batch of pairs (with semantic soft targets when --soft-targets is on)."""
    assert data.pairs is not None and data.sampler is not None  # set by prepare_data
    inputs = data.pairs(picks, wave_batch)
    if cfg.soft_targets > 0 and "text" in inputs:  # a trained text tower: run it here, once
        inputs["text_features"] = model.text_tower(inputs.pop("text"))
    emb = model(**inputs)
    same = data.sampler.same_label(picks).to(device)
    targets = None
    if cfg.soft_targets > 0:  # from the tower's outputs, held constant
        targets = semantic_targets(inputs["text_features"].detach(), cfg.soft_targets, cfg.soft_temperature, same)
    return contrastive_loss(emb["audio"].float(), emb["text"].float(), emb["logit_scale"],
                            same_label=same, targets=targets)


def provenance(command: str, config: str, cfg: TrainConfig, data: TrainData, total: int) -> dict[str, Any]:
    """What a saved model records about the run that made it."""
    return {"command": command, "config": config, "train": cfg.to_dict(),
            "manifests": [s.to_dict() for s in data.summaries], "train_clips": len(data.train_clips),
            "held_out_clips": len(data.held_clips), "skipped": len(data.skipped), "steps": total}


@dataclass
class Run:
    """What the loop keeps between steps: the output folder and its log, the best model so far, the checkpoint."""

    out: Path
    cfg: TrainConfig
    source: str  # the --config the run was started with
    manifests: list[str]
    model: ClapModel
    opt: Optimiser
    ema: Ema
    evaluation: Evaluation
    provenance: dict[str, Any]
    best_step: int = 0
    best_metric: float | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.out / "log.jsonl"

    def start_log(self) -> int:
        self.log_path.write_text("")
        return 0

    def restore(self, checkpoint: dict[str, Any]) -> int:
        """Load the checkpoint's average, optimiser, best model and random state; cut the log back; return its step."""
        self.ema.load(checkpoint)
        self.opt.load_state_dict(checkpoint)
        start, self.best_step, self.best_metric = checkpoint["step"], checkpoint["best_step"], checkpoint["best_metric"]
        set_rng_state(checkpoint["rng"])
        rows = [json.loads(line) for line in self.log_path.read_text().splitlines()] if self.log_path.is_file() else []
        self.log_path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["step"] <= start))
        return start

    def log(self, row: dict[str, Any]) -> None:
        with self.log_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")

    def evaluate_and_keep(self, step: int) -> dict[str, float]:
        """Evaluate the averaged weights (or the raw ones); save them to `out` when they score best so far."""
        with self.ema.averaged():
            metrics = self.evaluation(self.model)
            score = self.evaluation.score(metrics)
            if score is not None and (self.best_metric is None or score > self.best_metric):
                self.best_step, self.best_metric = step, score
                save_model(self.model, self.out, {**self.provenance, "step": step, "metrics": metrics})
        return metrics

    def save_last(self, total: int, metrics: dict[str, float]) -> None:
        """The last model beside the best; without any selection metric the last is also the output."""
        final = {**self.provenance, "step": total, "metrics": metrics}
        with self.ema.averaged():
            save_model(self.model, self.out / "last", final)
            if self.best_metric is None:
                self.best_step = total
                save_model(self.model, self.out, final)

    def checkpoint(self, step: int) -> dict[str, Any]:
        """The one dict a run resumes from: the raw weights (not the average), optimiser, step, config, rng."""
        state = {"model": trainable_state(self.model), **self.opt.state_dict(), "step": step,
                 "config": self.model.config.to_dict(), "train": self.cfg.to_dict(), "best_step": self.best_step,
                 "source": self.source, "manifests": self.manifests, "best_metric": self.best_metric,
                 "rng": rng_state()}
        ema = self.ema.state_dict()
        if ema is not None:
            state["ema"] = ema
        return state
