"""`clapsearch models`: the architectures and trained models this install knows."""
from __future__ import annotations

from rich.table import Table

from clapsearch.cli.common import console


def models() -> None:
    """List the built-in models with their sample rate, clip length and embedding size."""
    from clapsearch.model import available_configs, load_config
    from clapsearch.model.factory import resolve_model_dir

    table = Table(title="models")
    for col in ("name", "rate", "clip", "dim", "trained weights", "description"):
        table.add_column(col)
    for name in available_configs():
        cfg = load_config(name)
        shipped = resolve_model_dir(name)
        table.add_row(name, f"{cfg.audio.sample_rate} Hz", f"{cfg.audio.clip_seconds:g} s", str(cfg.embed_dim),
                      "shipped" if shipped else "-", cfg.description)
    console.print(table)
