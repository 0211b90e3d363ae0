"""`clapsearch train`: train a CLAP model on audio-caption manifests (see docs/TRAINING.md)."""
from __future__ import annotations

import shlex
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from clapsearch.cli.common import console, err_console, line_path, user_errors
from clapsearch.paths import display_path
from clapsearch.train_config import DEFAULT_MODEL, TrainConfig, defaults, read_train_file

# Each TrainConfig default is written once, in the dataclass: the options below read it from there (so --help
# shows it), and an option left at its default yields to the --train-config file's value.
_DEFAULTS = defaults()


def _setting(name: str, *decls: str, **kwargs: Any) -> Any:
    """Return the Typer option of TrainConfig field `name`, with the field's default."""
    default = _DEFAULTS[name]
    return typer.Option(list(default) if isinstance(default, tuple) else default, *decls, **kwargs)


def _given(ctx: typer.Context, name: str) -> bool:
    """Return whether option `name` was given on the command line, not left at its default."""
    source = ctx.get_parameter_source(name)  # an enum of Typer's bundled click: compared by name
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _from_command_line(ctx: typer.Context) -> dict[str, Any]:
    """Return the TrainConfig fields given on the command line."""
    given = {f.name: ctx.params[f.name] for f in fields(TrainConfig) if f.name in ctx.params and _given(ctx, f.name)}
    if "label_templates" in given:
        given["label_templates"] = tuple(t for t in given["label_templates"] if t.lower() != "none")
    if "cache_dir" in given:
        given["cache_dir"] = str(given["cache_dir"])
    return given


def train(
    ctx: typer.Context,
    config: str = typer.Option(DEFAULT_MODEL, "--config",
                               help="Built-in config name, config .json, or saved model folder."),
    data: list[Path] = typer.Option([], "--data",
                                    help="Manifest (CSV audio,caption or JSONL audio,captions); repeatable."),
    out: Path = typer.Option(..., "--out",
                             help="Output folder: the best model (a --model folder), last/, log, curves."),
    train_config: Path = typer.Option(None, "--train-config",
                                      help="JSON file of training settings (TrainConfig fields; config, data, "
                                           "eval), e.g. recipes/default.json; options given here override it."),
    steps: int = _setting("steps", "--steps", min=0, help="Optimiser steps (or use --epochs)."),
    epochs: float = _setting("epochs", "--epochs", min=0.0, help="Passes over the training clips."),
    batch_size: int = _setting("batch_size", "--batch-size", min=2, help="Pairs per contrastive batch."),
    grad_accum: int = _setting("grad_accum", "--grad-accum", min=1, help="Batches accumulated per optimiser step."),
    lr: float = _setting("lr", "--lr", min=0.0, help="Peak learning rate (AdamW, warm-up then cosine)."),
    weight_decay: float = _setting("weight_decay", "--weight-decay", min=0.0),
    warmup: int = _setting("warmup", "--warmup", help="Warm-up steps (-1: 5% of the steps)."),
    dropout: float = _setting("dropout", "--dropout", min=0.0, max=0.95, help="Override the config's head dropout."),
    audio_centre: float = _setting("audio_centre", "--audio-centre", min=0.0, max=1.0,
                                   help="Override the config's audio_centre: the share of the training clips' "
                                        "mean audio embedding that inference removes (0: none)."),
    device: str = _setting("device", "--device", help="auto, cpu or cuda."),
    amp: bool = _setting("amp", "--amp/--no-amp", help="Mixed precision (bf16, else fp16) on CUDA."),
    workers: int = _setting("workers", "--workers", help="Decoding processes (-1: 4 on CUDA, 0 on CPU)."),
    resume: Path = typer.Option(None, "--resume", help="Continue the run whose checkpoint is in this folder."),
    seed: int = _setting("seed", "--seed"),
    eval_every: int = _setting("eval_every", "--eval-every", min=0,
                               help="Evaluate and checkpoint every N steps (0: end only)."),
    evals: list[str] = typer.Option([], "--eval", help="Dev-set evaluator: zeroshot=PATH or retrieval=PATH[?options]."),
    select: str = _setting("select", "--select", help="Metric(s) that pick the best model (comma: mean)."),
    holdout: float = _setting("holdout", "--holdout", min=0.0, max=0.5, help="Fraction of clips held out for R@k."),
    label_aware: bool = _setting("label_aware", "--label-aware/--no-label-aware",
                                 help="At most one clip per label per batch (default: when labelled)."),
    group_power: float = _setting("group_power", "--group-power", min=0.0,
                                  help="Label groups drawn with weight size**power (0: every label alike)."),
    mix: int = _setting("mix", "--mix", min=0,
                        help="Add N waveform mixtures: a clip over a quieter clip of another label, captioned "
                             "as the first and as 'A and B'; some band-limited."),
    mask_background: bool = _setting("mask_background", "--mask-background/--no-mask-background",
                                     help="Do not push a mixture away from captions of its background's label."),
    ema: float = _setting("ema", "--ema", min=0.0, max=0.9999,
                          help="Evaluate, select and save an exponential moving average of the weights "
                               "with this decay (e.g. 0.99; 0: off)."),
    soft_targets: float = _setting("soft_targets", "--soft-targets", min=0.0, max=0.99,
                                   help="Give this share of each pair's target to the batch's other captions "
                                        "by text similarity, so related sounds stay near (e.g. 0.4; 0: off)."),
    soft_temperature: float = _setting("soft_temperature", "--soft-temperature", min=1e-4,
                                       help="Temperature of the caption similarities behind --soft-targets."),
    crops: int = _setting("crops", "--crops", min=1, help="Crops cached per clip for a frozen audio tower."),
    label_templates: list[str] = _setting(
        "label_templates", "--label-template",
        help="Caption made from a clip's label, added to its captions (repeatable; 'none' for none)."),
    lexicon: str = _setting("lexicon", "--lexicon",
                            help="Also caption each label with WordNet synonyms and a broader name of its head "
                                 "noun: 'wordnet' (Debian's wordnet-base, downloaded once) or a WordNet folder."),
    sentences: bool = _setting("sentences", "--sentences/--no-sentences",
                               help="With --lexicon, also caption a 'NOUN VERBing' label as a sentence "
                                    "('dog barking' -> 'the dog barks')."),
    cache_dir: Path = typer.Option(None, "--cache", help="Feature cache folder (frozen towers; default: "
                                                         "~/.cache/clapsearch/features)."),
) -> None:
    """Train a model (heads only when the config freezes the towers) and save it to --out."""
    with user_errors():
        settings, recipe = read_train_file(train_config) if train_config is not None else ({}, {})
    settings.update(_from_command_line(ctx))  # the command line overrides the file
    config = config if _given(ctx, "config") else recipe.get("config", config)
    data = data if _given(ctx, "data") else [Path(p) for p in recipe.get("data", [])]
    evals = evals if _given(ctx, "evals") else list(recipe.get("eval", []))
    if resume is None and (not data or not (settings.get("steps") or settings.get("epochs"))):
        err_console.print("[bold red]error:[/] give --data MANIFEST and --steps N or --epochs N "
                          "(or --resume DIR to continue a run with its own settings)")
        raise typer.Exit(2)
    command = "clapsearch " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with user_errors():
        from clapsearch.trainer import parse_evaluator
        from clapsearch.trainer import train as run_training

        cfg = TrainConfig(**settings)
        evaluators = {spec: parse_evaluator(spec, Path(cfg.cache_dir)) for spec in evals}
        columns = (TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
                   TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task("train", total=None, info="preparing data (feature cache)")

            def on_step(r: dict) -> None:
                info = f"loss {r['loss']:.3f}  T {r['temperature']:.4f}  {r['steps_per_s']:.1f} steps/s"
                bar.update(task, total=r["total"], completed=r["step"], info=info)
                if r.get("metrics"):
                    bar.console.print(f"step {r['step']}: "
                                      + "  ".join(f"{k} {v:.3f}" for k, v in r["metrics"].items()))

            result = run_training(config, data, out, cfg, resume=resume, evaluators=evaluators,
                                  progress=on_step, command=command)
    table = Table(title=f"trained model in {escape(display_path(str(result.out)))}", show_header=False)
    table.add_row("steps", str(result.steps))
    table.add_row("best step", f"{result.best_step}"
                  + (f" ({result.best_metric:.4f})" if result.best_metric is not None else ""))
    for k, v in result.metrics.items():
        table.add_row(k, f"{v:.4f}")
    table.add_row("skipped clips", str(len(result.skipped)))
    table.add_row("time", f"{result.seconds:.1f} s")
    console.print(table)
    for s in result.skipped[:20]:
        console.print(f"[yellow]skipped[/] {escape(line_path(s.audio))}: {escape(s.reason)}")
    if len(result.skipped) > 20:
        console.print(f"[yellow]... and {len(result.skipped) - 20} more skipped "
                      f"(see {escape(display_path(str(result.out)))}/skipped.json)[/]")
