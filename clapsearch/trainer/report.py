"""Training curves from log.jsonl: loss, temperature and every evaluation metric against steps."""
from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def plot_curves(log_path: str | Path, png_path: str | Path) -> Path | None:
    """Draw the curves of a training log into a PNG; return its path, or None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("matplotlib is not installed: no %s (pip install matplotlib)", png_path)
        return None
    rows = [json.loads(line) for line in Path(log_path).read_text().splitlines() if line.strip()]
    steps = [r for r in rows if "loss" in r]
    evals = [r for r in rows if r.get("metrics")]
    names = sorted({k for r in evals for k in r["metrics"]})
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    axes[0].plot([r["step"] for r in steps], [r["loss"] for r in steps], lw=0.8)
    axes[0].set(title="contrastive loss", xlabel="step")
    axes[1].plot([r["step"] for r in steps], [r["temperature"] for r in steps])
    axes[1].set(title="temperature", xlabel="step", yscale="log")
    for name in names:
        pts = [(r["step"], r["metrics"][name]) for r in evals if name in r["metrics"]]
        if all(0.0 <= v <= 1.0 for _, v in pts):  # rates and accuracies share one axis; counts are left out
            axes[2].plot(*zip(*pts), marker="o", label=name)
    axes[2].set(title="evaluation", xlabel="step")
    if names:
        axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return Path(png_path)
