"""Benchmark plots (matplotlib, Agg: no display needed) and the markdown report of a `benchmark all` run."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from clapsearch.benchmark.metrics import hubs
from clapsearch.benchmark.tasks import BenchResult
from clapsearch.paths import display_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(result: BenchResult, path: str | Path) -> Path:
    """Write the confusion matrix (rows: true class, normalised per row) as a PNG; return its path."""
    if result.confusion is None:
        raise ValueError(f"{result.task}: no confusion matrix for a {result.metric} result")
    plt = _pyplot()
    m = np.asarray(result.confusion, dtype=np.float64)
    m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    n = len(result.classes)
    size = max(4.0, 0.32 * n + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(m, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), result.classes, rotation=90, fontsize=7)
    ax.set_yticks(range(n), result.classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{result.dataset or result.task} {result.protocol} ({result.model}): accuracy {result.value:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_per_class(result: BenchResult, path: str | Path) -> Path:
    """Write a horizontal bar chart of the per-class metric, worst first, as a PNG; return its path."""
    plt = _pyplot()
    items = sorted(result.per_class.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, max(2.5, 0.22 * len(items) + 1)))
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:blue")
    ax.axvline(result.value, color="tab:red", linestyle="--", label=f"overall {result.value:.3f}")
    ax.set_xlim(0, 1)
    ax.set_xlabel(result.metric if result.metric != "accuracy" else "per-class accuracy")
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title(f"{result.dataset or result.task} {result.protocol} ({result.model})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_result(result: BenchResult, path: str | Path) -> Path:
    """Write the most telling plot of a result: its confusion matrix, else its per-class bars."""
    if result.confusion is not None:
        return plot_confusion(result, path)
    if result.per_class:
        return plot_per_class(result, path)
    return plot_metrics(result, path)


def plot_metrics(result: BenchResult, path: str | Path) -> Path:
    """Write a bar chart of a result's metrics in [0, 1] (retrieval: R@k and mAP@10 both ways); return its path."""
    plt = _pyplot()
    items = [(k, v) for k, v in result.metrics.items() if 0.0 <= v <= 1.0 and k != "captions"]
    fig, ax = plt.subplots(figsize=(max(4.0, 0.6 * len(items) + 1), 3.5))
    ax.bar([k for k, _ in items], [v for _, v in items], color="tab:blue")
    ax.set_ylim(0, 1)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.set_title(f"{result.dataset or result.task} {result.protocol} ({result.model}), {result.n} clips")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def _fmt(v: float) -> str:
    return f"{v:.3f}"


def write_report(results: Sequence[BenchResult], path: str | Path, notes: Sequence[str] = ()) -> Path:
    """Write a markdown report: a summary table, then per task its numbers and plots (PNG beside the report)."""
    path = Path(path)
    assets = path.parent / (path.stem + "-plots")
    assets.mkdir(parents=True, exist_ok=True)
    lines = ["# clapsearch benchmark report", "",
             "| data | task | protocol | model | clips | metric | value | time (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        cells = (r.dataset, r.task, r.protocol, r.model, r.n, r.metric, _fmt(r.value), f"{r.seconds:.0f}")
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    for r in results:
        lines += ["", f"## {r.dataset or r.task}: {r.task} ({r.protocol})", ""]
        if r.prompts:
            lines.append("Prompts: " + ", ".join(f"`{p}`" for p in r.prompts))
        extra = {k: v for k, v in r.metrics.items() if k != r.metric}
        if extra:
            lines.append("")
            lines.append(", ".join(f"{k} {_fmt(v)}" for k, v in extra.items()))
        if r.skipped:
            lines.append(f"\n{len(r.skipped)} clip(s) skipped by the indexer, "
                         f"e.g. {display_path(r.skipped[0]['path'])}: {r.skipped[0]['reason']}")
        stem = f"{r.dataset or r.task}-{r.protocol}"
        found = hubs(r.confusion, r.classes) if r.confusion is not None and r.classes else []
        if found:
            lines.append("\nHubs (classes predicted at least twice as often as they occur): "
                         + ", ".join(f"{c} {p} predicted / {t} true" for c, p, t in found))
        if r.confusion is not None:
            png = plot_confusion(r, assets / f"{stem}-confusion.png")
            lines += ["", f"![{r.task} confusion matrix]({os.path.relpath(png, path.parent)})"]
        if r.per_class:
            png = plot_per_class(r, assets / f"{stem}-per-class.png")
            lines += ["", f"![{r.task} per class]({os.path.relpath(png, path.parent)})"]
        elif r.confusion is None:
            png = plot_metrics(r, assets / f"{stem}-metrics.png")
            lines += ["", f"![{r.task} metrics]({os.path.relpath(png, path.parent)})"]
    path.write_text("\n".join(lines) + "\n")
    return path
