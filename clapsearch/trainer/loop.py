"""The training loop: contrastive CLAP training that reads top to bottom (nanoGPT style).

Set the learning rate, forward/backward (with accumulation), clip, step, log; every eval_every steps
evaluate, keep the best model, checkpoint. A checkpoint is one dict, so resuming is loading it back.
"""
from __future__ import annotations

import itertools
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from clapsearch.audio import iter_windows
from clapsearch.encoder.encoder import resolve_device
from clapsearch.errors import DataNotFound, OptionError
from clapsearch.paths import display_path
from clapsearch.model import (ClapModel, ModelConfig, contrastive_loss, create_model, load_config, save_model,
                              semantic_targets)
from clapsearch.model.checkpoint import load_torch_checkpoint
from clapsearch.model.factory import blame_config, trainable_state
from clapsearch.model.zoo.registry import user_cache_dir
from clapsearch.model.towers import build_audio_tower, build_text_tower
from clapsearch.trainer.batching import BatchSampler
from clapsearch.trainer.cache import FeatureCache, crop_starts
from clapsearch.trainer.evaluate import ClipEmbedder, recall_at_k
from clapsearch.trainer.inputs import PairInputs
from clapsearch.trainer.manifest import Skipped, add_label_captions, load_manifests, split_holdout
from clapsearch.trainer.mixing import Mix, build_mixtures
from clapsearch.trainer.report import plot_curves

log = logging.getLogger(__name__)

Evaluator = Callable[[ClapModel], dict[str, float]]
CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainConfig:
    """Everything that decides a training run besides the model config and the data."""

    steps: int = 0  # 0: from epochs
    epochs: float = 0.0  # passes over the training clips (steps = epochs * clips / batch)
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: int = -1  # steps of linear warm-up; -1: 5% of the steps
    grad_accum: int = 1  # micro-batches per step, each its own contrastive batch
    clip_grad: float = 1.0
    eval_every: int = 50
    seed: int = 0
    device: str = "auto"
    amp: bool = True  # bf16/fp16 autocast, on CUDA only
    workers: int = -1  # decoding processes for trained audio towers; -1: 4 on CUDA, 0 on CPU
    crops: int = 3  # fixed crops cached per clip for frozen audio towers
    label_aware: bool | None = None  # None: when the manifests have labels
    group_power: float = 1.0  # label groups drawn with weight size ** power (0: every label alike)
    # Captions made from each clip's label, added to its own: a label-derived corpus then also speaks the
    # way people query ("the sound of a cow"), not only the way its file names read.
    label_templates: tuple[str, ...] = ("this is a sound of {label}", "the sound of {label}")
    holdout: float = 0.05  # fraction of clips held out for R@k
    mix: int = 0  # waveform mixtures (a clip over another, quieter one) added to the training clips
    mask_background: bool = True  # a mixture and a clip of its background's label are not negatives
    dropout: float | None = None  # overrides the config's head dropout
    audio_centre: float | None = None  # overrides the config's audio_centre (the share of the mean removed)
    # Exponential moving average of the trained weights (0: off). Evaluated, selected and saved in place of
    # the raw weights: small-data contrastive heads jump from step to step, and the average is steadier.
    ema: float = 0.0
    # Semantic soft targets (0: off): this much of each pair's target goes to the batch's other captions, by
    # their text-tower similarity at soft_temperature, so that related concepts are not pushed apart.
    soft_targets: float = 0.0
    soft_temperature: float = 0.05
    select: str = ""  # metric(s) to keep the best model by (comma: mean); "": first metric of each evaluator
    cache_dir: str = field(default_factory=lambda: str(user_cache_dir() / "features"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        d = {"mask_background": False, **d}  # runs saved before the mask existed resume without it
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class TrainResult:
    out: str
    steps: int
    best_step: int
    best_metric: float | None
    metrics: dict[str, float]
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0


def build_model(config: str, dropout: float | None, device: str, audio_centre: float | None = None) -> ClapModel:
    """Return the model to train: fresh heads for a config name or file, or a saved model folder to continue.

    A built-in name never picks up the shipped weights, so that retraining `default` starts from scratch.
    """
    if Path(config).is_dir():
        model = create_model(config, device=device)
    else:
        path = Path(config)
        with blame_config(path if path.suffix == ".json" and path.is_file() else None):
            model = model_from_config(load_config(config), device)
    if dropout is not None:
        model.config = replace(model.config, dropout=dropout)
        for head in (model.audio_head, model.text_head):
            head.dropout.p = dropout
    if audio_centre is not None:
        model.set_audio_centre_weight(audio_centre)
    return model


def model_from_config(cfg: ModelConfig, device: str) -> ClapModel:
    """Return a model with pretrained towers and heads initialised from the current torch seed."""
    return ClapModel(cfg, build_audio_tower(cfg.audio), build_text_tower(cfg.text)).to(device)


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Return the learning-rate multiplier: linear warm-up, then cosine decay to zero."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    return {"python": random.getstate(), "numpy": torch.from_numpy(np_state[1].astype(np.int64)),
            "numpy_pos": int(np_state[2]), "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate((state["python"][0], tuple(state["python"][1]), state["python"][2]))
    np.random.set_state(("MT19937", state["numpy"].numpy().astype(np.uint32), state["numpy_pos"], 0, 0.0))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def train(config: str, manifests: Sequence[str | Path], out: str | Path, cfg: TrainConfig | None = None,
          resume: str | Path | None = None, evaluators: dict[str, Evaluator] | None = None,
          progress: Callable[[dict[str, Any]], None] | None = None, command: str = "") -> TrainResult:
    """Train a CLAP model on manifests and write it to `out` (best model; `out/last`: last); return a summary.

    progress, if given, receives each step's log record (the CLI draws its progress bar from it).
    """
    began = time.monotonic()
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OptionError(f"cannot make the --out folder {display_path(str(out))}: {e.strerror or e}: give a folder "
                          "you can write to") from None
    evaluators = dict(evaluators or {})
    checkpoint = None
    if resume is not None:
        path = Path(resume) / CHECKPOINT if Path(resume).is_dir() else Path(resume)
        if not path.is_file():
            raise DataNotFound(f"no checkpoint to resume from at {path}: give --resume the --out folder of a run "
                               "that has saved one (it is written every --eval-every steps)")
        checkpoint = load_torch_checkpoint(path)  # tensors and plain values only; a damaged file is a WeightsError
        # the interrupted run's settings and data, so that the result matches
        cfg = TrainConfig.from_dict(checkpoint["train"])
        config, manifests = checkpoint["source"], checkpoint["manifests"]
    cfg = cfg or TrainConfig()
    device = resolve_device(cfg.device)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    if checkpoint is not None:
        model = model_from_config(ModelConfig.from_dict(checkpoint["config"]), device)
        model.load_state_dict(checkpoint["model"], strict=False)
    else:
        model = build_model(config, cfg.dropout, device, cfg.audio_centre)
    mcfg = model.config

    # Data: usable clips, a held-out split by clip, and frozen-tower outputs from the cache.
    clips, summaries, skipped = load_manifests(list(manifests))
    add_label_captions(clips, cfg.label_templates)
    train_clips, held_clips = split_holdout(clips, cfg.holdout)
    cache = FeatureCache(cfg.cache_dir, model)
    audio_cache = None
    if mcfg.freeze_audio:
        items = [(c.audio, crop_starts(c.duration, mcfg.audio.clip_seconds, cfg.crops))
                 for c in train_clips + held_clips]
        feats, failed = cache.audio_features(items)
        skipped += [Skipped(p, r) for p, r in failed.items()]
        keep = [i for i, f in enumerate(feats) if f is not None]
        n_train = len(train_clips)
        train_clips = [train_clips[i] for i in keep if i < n_train]
        held_clips = [held_clips[i - n_train] for i in keep if i >= n_train]
        audio_cache = [feats[i] for i in keep if i < n_train]
    # The audio centre comes from the training clips' own crops (not the mixtures, not the held-out clips);
    # with a trained audio tower, from the held-out clips' windows (fit_centre).
    centre_feats = torch.from_numpy(np.concatenate(audio_cache)) if audio_cache else None
    mixes: dict[str, Mix] = {}
    if cfg.mix > 0:
        mix_clips, specs = build_mixtures(train_clips, cfg.mix, cfg.seed, mcfg.audio.clip_seconds)
        if audio_cache is not None:
            mix_feats, mix_failed = cache.mix_features(specs)
            if mix_failed:
                log.warning("%d mixtures could not be rendered, e.g. %s", len(mix_failed), next(iter(mix_failed.values())))
            train_clips += [c for c, f in zip(mix_clips, mix_feats) if f is not None]
            audio_cache += [f for f in mix_feats if f is not None]
        else:
            train_clips += mix_clips
            mixes = {c.audio: m for c, m in zip(mix_clips, specs)}
    held_out = ClipEmbedder([c.audio for c in held_clips], cfg.cache_dir)  # deterministic windows
    if skipped:  # reported once, as a list, before the first step
        (out / "skipped.json").write_text(json.dumps([s.to_dict() for s in skipped], indent=1) + "\n")
        log.warning("skipped %d clips (listed in %s), e.g. %s: %s", len(skipped), out / "skipped.json",
                    skipped[0].audio, skipped[0].reason)
    text_cache = None
    if mcfg.freeze_text:
        flat = cache.text_features([t for c in train_clips for t in c.captions])  # one batched pass
        bounds = np.cumsum([0] + [len(c.captions) for c in train_clips])
        text_cache = [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    labelled = any(c.label for c in train_clips)
    label_aware = labelled if cfg.label_aware is None else cfg.label_aware
    sampler = BatchSampler([c.group for c in train_clips], [len(c.captions) for c in train_clips],
                           cfg.batch_size, cfg.seed, label_aware, cfg.group_power,
                           [c.background for c in train_clips] if cfg.mask_background else None)
    pairs = PairInputs(model, train_clips, audio_cache, text_cache, mixes)
    total = cfg.steps or max(1, math.ceil(cfg.epochs * len(train_clips) / (sampler.batch_size * cfg.grad_accum)))
    warmup = cfg.warmup if cfg.warmup >= 0 else max(1, total // 20)
    log.info("training %s on %d clips (%d held out, %d skipped) for %d steps", mcfg.name, len(train_clips),
             len(held_clips), len(skipped), total)

    # Optimiser: AdamW, weight decay on matrices only; LambdaLR holds the warm-up + cosine schedule.
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, warmup, total))
    amp_dtype = None
    if device.startswith("cuda") and cfg.amp:
        amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    autocast = (lambda: torch.autocast("cuda", dtype=amp_dtype)) if amp_dtype else nullcontext

    if not 0.0 <= cfg.ema < 1.0:
        raise OptionError(f"ema must be in [0, 1), got {cfg.ema}")
    if not 0.0 <= cfg.soft_targets < 1.0 or cfg.soft_temperature <= 0.0:
        raise OptionError(f"soft targets need a weight in [0, 1) and a positive temperature, got "
                         f"{cfg.soft_targets} and {cfg.soft_temperature}")
    ema_names = [n for n, p in model.named_parameters() if p.requires_grad]  # the order of `params`
    ema = [p.detach().clone() for p in params] if cfg.ema > 0 else None

    start, best_step, best_metric = 0, 0, None
    log_path = out / "log.jsonl"
    if checkpoint is not None:
        if ema is not None:
            if "ema" not in checkpoint:
                raise OptionError("the checkpoint was written without --ema; resume it without --ema")
            for name, e in zip(ema_names, ema):
                e.copy_(checkpoint["ema"][name])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        scaler.load_state_dict(checkpoint["scaler"])
        start, best_step, best_metric = checkpoint["step"], checkpoint["best_step"], checkpoint["best_metric"]
        set_rng_state(checkpoint["rng"])
        rows = [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.is_file() else []
        log_path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["step"] <= start))
    else:
        log_path.write_text("")
    provenance = {"command": command, "config": config, "train": cfg.to_dict(),
                  "manifests": [s.to_dict() for s in summaries], "train_clips": len(train_clips),
                  "held_out_clips": len(held_clips), "skipped": len(skipped), "steps": total}

    select = [k for k in cfg.select.split(",") if k]  # "": the first metric of each evaluator, else R@10

    @contextmanager
    def averaged() -> Iterator[None]:
        """Hold the EMA weights in the model (when --ema is on), the raw weights back afterwards."""
        if ema is None:
            yield
            return
        raw = [p.detach().clone() for p in params]
        with torch.no_grad():
            for p, e in zip(params, ema):
                p.copy_(e)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, r in zip(params, raw):
                    p.copy_(r)

    centre_waves: list[np.ndarray] | None = None  # a trained tower's centre windows: decoded once, not per evaluation

    def fit_centre() -> None:
        """Refit the audio centre to the weights being evaluated (the trained ones or their average)."""
        nonlocal centre_waves
        if centre_feats is not None:
            model.fit_audio_centre(centre_feats)
            return
        if centre_waves is None:
            cfg_a = mcfg.audio
            windows = (w for c in held_clips
                       for _, _, w in iter_windows(c.audio, cfg_a.sample_rate, cfg_a.clip_seconds, cfg_a.hop_seconds))
            centre_waves = list(itertools.islice(windows, 128))
            if not centre_waves:
                log.warning("no clips to fit the audio centre to (no held-out clips): it stays at zero")
        if not centre_waves:
            return
        model.eval()
        with torch.no_grad():
            feats = torch.cat([model.audio_tower(torch.from_numpy(np.stack(centre_waves[b:b + 16])).to(device)).float()
                               for b in range(0, len(centre_waves), 16)])
        model.train()
        model.fit_audio_centre(feats)

    def evaluate() -> dict[str, float]:
        metrics: dict[str, float] = {}
        if mcfg.audio_centre > 0:
            fit_centre()
        if len(held_clips) >= 2:
            a = held_out(model)
            t = model.encode_text([c.captions[0] for c in held_clips])
            metrics.update({f"holdout/{k}": v for k, v in recall_at_k(t, a).items()})
        for ev in evaluators.values():
            found = ev(model)
            first = next(iter(found), None)
            if not cfg.select and first is not None and first not in select:
                select.append(first)
            metrics.update(found)
        return metrics

    def selection(metrics: dict[str, float]) -> float | None:
        found = [metrics[k] for k in (select or ["holdout/R@10"]) if k in metrics]
        return float(np.mean(found)) if found else None

    def write_checkpoint(step: int) -> None:
        state = {"model": trainable_state(model), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(), "step": step,
                 "config": mcfg.to_dict(), "train": cfg.to_dict(), "best_step": best_step, "source": str(config),
                 "manifests": [str(m) for m in manifests],
                 "best_metric": best_metric, "rng": rng_state()}
        if ema is not None:
            state["ema"] = {name: e.cpu() for name, e in zip(ema_names, ema)}
        torch.save(state, out / (CHECKPOINT + ".tmp"))
        (out / (CHECKPOINT + ".tmp")).replace(out / CHECKPOINT)

    model.train()
    metrics: dict[str, float] = {}
    if start == 0 and cfg.eval_every > 0:
        metrics = evaluate()  # the untrained baseline, step 0
        with log_path.open("a") as fh:
            fh.write(json.dumps({"step": 0, "metrics": metrics}) + "\n")
    waves = pairs.waves(sampler, start, total, cfg.grad_accum,
                        cfg.workers if cfg.workers >= 0 else (4 if device.startswith("cuda") else 0))
    tic = time.monotonic()
    for step in range(start, total):
        # forward/backward over the micro-batches; each is its own contrastive batch
        loss_sum = 0.0
        for micro in range(cfg.grad_accum):
            wave_batch, picks = next(waves) if waves is not None else (None, sampler.draw(step, micro))
            with autocast():
                inputs = pairs(picks, wave_batch)
                if cfg.soft_targets > 0 and "text" in inputs:  # a trained text tower: run it here, once
                    inputs["text_features"] = model.text_tower(inputs.pop("text"))
                emb = model(**inputs)
                same = sampler.same_label(picks).to(device)
                targets = None
                if cfg.soft_targets > 0:  # from the tower's outputs, held constant
                    targets = semantic_targets(inputs["text_features"].detach(), cfg.soft_targets,
                                               cfg.soft_temperature, same)
                loss = contrastive_loss(emb["audio"].float(), emb["text"].float(), emb["logit_scale"],
                                        same_label=same, targets=targets)
            scaler.scale(loss / cfg.grad_accum).backward()
            loss_sum += loss.item() / cfg.grad_accum
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, cfg.clip_grad)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        model.clip_logit_scale_()
        lr = scheduler.get_last_lr()[0]
        scheduler.step()
        if ema is not None:
            decay = min(cfg.ema, (1 + step) / (10 + step))  # a short memory while the weights move fast
            with torch.no_grad():
                for e, p in zip(ema, params):
                    e.lerp_(p, 1.0 - decay)

        done = step + 1
        record: dict[str, Any] = {"step": done, "loss": loss_sum, "temperature": 1.0 / model.scale().item(),
                                  "lr": lr, "steps_per_s": (done - start) / max(time.monotonic() - tic, 1e-9)}
        if cfg.eval_every > 0 and (done % cfg.eval_every == 0 or done == total):
            with averaged():
                metrics = evaluate()
                record["metrics"] = metrics
                score = selection(metrics)
                if score is not None and (best_metric is None or score > best_metric):
                    best_step, best_metric = done, score
                    save_model(model, out, {**provenance, "step": done, "metrics": metrics})
            write_checkpoint(done)
        with log_path.open("a") as fh:
            fh.write(json.dumps({k: v for k, v in record.items() if k != "steps_per_s"}) + "\n")
        if progress:
            progress({**record, "total": total})

    # The last model beside the best; without any selection metric the last is also the output.
    final = {**provenance, "step": total, "metrics": metrics}
    with averaged():
        save_model(model, out / "last", final)
        if best_metric is None:
            best_step = total
            save_model(model, out, final)
    if cfg.eval_every <= 0:
        write_checkpoint(total)
    plot_curves(log_path, out / "curves.png")
    return TrainResult(str(out), total, best_step, best_metric, metrics, skipped, time.monotonic() - began)
