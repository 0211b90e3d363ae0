"""`clapsearch train`: train a CLAP model on audio-caption manifests (see docs/TRAINING.md)."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.markup import escape
from rich.table import Table

from clapsearch.cli.common import console, err_console, user_errors
from clapsearch.paths import display_path


def train(
    config: str = typer.Option("default", "--config", help="Built-in config name, config .json, or saved model folder."),
    data: list[Path] = typer.Option([], "--data", help="Manifest (CSV audio,caption or JSONL audio,captions); repeatable."),
    out: Path = typer.Option(..., "--out", help="Output folder: the best model (a --model folder), last/, log, curves."),
    steps: int = typer.Option(0, "--steps", min=0, help="Optimiser steps (or use --epochs)."),
    epochs: float = typer.Option(0.0, "--epochs", min=0.0, help="Passes over the training clips."),
    batch_size: int = typer.Option(64, "--batch-size", min=2, help="Pairs per contrastive batch."),
    grad_accum: int = typer.Option(1, "--grad-accum", min=1, help="Batches accumulated per optimiser step."),
    lr: float = typer.Option(1e-3, "--lr", min=0.0, help="Peak learning rate (AdamW, warm-up then cosine)."),
    weight_decay: float = typer.Option(0.01, "--weight-decay", min=0.0),
    warmup: int = typer.Option(-1, "--warmup", help="Warm-up steps (-1: 5% of the steps)."),
    dropout: float = typer.Option(None, "--dropout", min=0.0, max=0.95, help="Override the config's head dropout."),
    audio_centre: float = typer.Option(None, "--audio-centre", min=0.0, max=1.0,
                                       help="Override the config's audio_centre: the share of the training clips' "
                                            "mean audio embedding that inference removes (0: none)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    amp: bool = typer.Option(True, "--amp/--no-amp", help="Mixed precision (bf16, else fp16) on CUDA."),
    workers: int = typer.Option(-1, "--workers", help="Decoding processes (-1: 4 on CUDA, 0 on CPU)."),
    resume: Path = typer.Option(None, "--resume", help="Continue the run whose checkpoint is in this folder."),
    seed: int = typer.Option(0, "--seed"),
    eval_every: int = typer.Option(50, "--eval-every", min=0, help="Evaluate and checkpoint every N steps (0: end only)."),
    evals: list[str] = typer.Option([], "--eval", help="Dev-set evaluator: zeroshot=PATH or retrieval=PATH[?options]."),
    select: str = typer.Option("", "--select", help="Metric(s) that pick the best model (comma: mean)."),
    holdout: float = typer.Option(0.05, "--holdout", min=0.0, max=0.5, help="Fraction of clips held out for R@k."),
    label_aware: bool = typer.Option(None, "--label-aware/--no-label-aware",
                                     help="At most one clip per label per batch (default: when labelled)."),
    group_power: float = typer.Option(1.0, "--group-power", min=0.0,
                                      help="Label groups drawn with weight size**power (0: every label alike)."),
    mix: int = typer.Option(0, "--mix", min=0,
                            help="Add N waveform mixtures: a clip over a quieter clip of another label, captioned "
                                 "as the first and as 'A and B'; some band-limited."),
    mask_background: bool = typer.Option(True, "--mask-background/--no-mask-background",
                                         help="Do not push a mixture away from captions of its background's label."),
    ema: float = typer.Option(0.0, "--ema", min=0.0, max=0.9999,
                              help="Evaluate, select and save an exponential moving average of the weights "
                                   "with this decay (e.g. 0.99; 0: off)."),
    soft_targets: float = typer.Option(0.0, "--soft-targets", min=0.0, max=0.99,
                                       help="Give this share of each pair's target to the batch's other captions "
                                            "by text similarity, so related sounds stay near (e.g. 0.4; 0: off)."),
    soft_temperature: float = typer.Option(0.05, "--soft-temperature", min=1e-4,
                                           help="Temperature of the caption similarities behind --soft-targets."),
    crops: int = typer.Option(3, "--crops", min=1, help="Crops cached per clip for a frozen audio tower."),
    label_templates: list[str] = typer.Option(
        ["this is a sound of {label}", "the sound of {label}"], "--label-template",
        help="Caption made from a clip's label, added to its captions (repeatable; 'none' for none)."),
    cache_dir: Path = typer.Option(None, "--cache", help="Feature cache folder (frozen towers; default: "
                                                         "~/.cache/clapsearch/features)."),
) -> None:
    """Train a model (heads only when the config freezes the towers) and save it to --out."""
    from clapsearch.trainer import TrainConfig, parse_evaluator
    from clapsearch.trainer import train as run_training

    if resume is None and (not data or not (steps or epochs)):
        err_console.print("[bold red]error:[/] give --data MANIFEST and --steps N or --epochs N "
                          "(or --resume DIR to continue a run with its own settings)")
        raise typer.Exit(2)
    command = "clapsearch " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with user_errors():
        if cache_dir is None:
            from clapsearch.model.zoo.registry import user_cache_dir

            cache_dir = user_cache_dir() / "features"
        cfg = TrainConfig(steps=steps, epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                          warmup=warmup, grad_accum=grad_accum, eval_every=eval_every, seed=seed, device=device,
                          amp=amp, workers=workers, crops=crops, label_aware=label_aware, group_power=group_power,
                          holdout=holdout, mix=mix, mask_background=mask_background, dropout=dropout,
                          audio_centre=audio_centre, ema=ema,
                          soft_targets=soft_targets, soft_temperature=soft_temperature, select=select,
                          cache_dir=str(cache_dir),
                          label_templates=tuple(t for t in label_templates if t.lower() != "none"))
        evaluators = {spec: parse_evaluator(spec, cache_dir) for spec in evals}
        columns = (TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                   TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task("train", total=None, info="preparing data (feature cache)")

            def on_step(r: dict) -> None:
                info = f"loss {r['loss']:.3f}  T {r['temperature']:.4f}  {r['steps_per_s']:.1f} steps/s"
                bar.update(task, total=r["total"], completed=r["step"], info=info)
                if r.get("metrics"):
                    bar.console.print(f"step {r['step']}: " + "  ".join(f"{k} {v:.3f}" for k, v in r["metrics"].items()))

            result = run_training(config, data, out, cfg, resume=resume, evaluators=evaluators,
                                  progress=on_step, command=command)
    table = Table(title=f"trained model in {escape(display_path(str(result.out)))}", show_header=False)
    table.add_row("steps", str(result.steps))
    table.add_row("best step", f"{result.best_step}" + (f" ({result.best_metric:.4f})" if result.best_metric is not None else ""))
    for k, v in result.metrics.items():
        table.add_row(k, f"{v:.4f}")
    table.add_row("skipped clips", str(len(result.skipped)))
    table.add_row("time", f"{result.seconds:.1f} s")
    console.print(table)
    for s in result.skipped[:20]:
        console.print(f"[yellow]skipped[/] {escape(display_path(s.audio))}: {escape(s.reason)}")
    if len(result.skipped) > 20:
        console.print(f"[yellow]... and {len(result.skipped) - 20} more skipped "
                      f"(see {escape(display_path(str(result.out)))}/skipped.json)[/]")
