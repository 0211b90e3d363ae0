"""`clapsearch models`: the architectures and trained models this install knows; --download fetches one."""
from __future__ import annotations

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from clapsearch.cli.common import console, user_errors
from clapsearch.paths import display_path


def parameter_count(name: str) -> int | None:
    """Return a model's parameter count without building it (clapsearch.model.sizes), or None."""
    from clapsearch.model.config import load_config
    from clapsearch.model.sizes import parameter_count as count

    return count(load_config(name))


def models(
    download: str = typer.Option(None, "--download", help="Fetch a published model from its publisher's hub "
                                                          "into ~/.cache/clapsearch and convert it."),
) -> None:
    """List the models with their size, licence, sample rate, clip length and published zero-shot accuracy."""
    from clapsearch.model.config import available_configs, load_config
    from clapsearch.model.folders import resolve_model_dir
    from clapsearch.model.zoo import PUBLISHED

    if download:
        from clapsearch.model.zoo.download import download as fetch_model

        with user_errors():
            folder = fetch_model(download)
        console.print(f"[green]ready[/] {download} -> {escape(display_path(str(folder)))}; use it with "
                      f"--model {download}")
        return
    with user_errors():
        rows = []
        for name in available_configs():
            cfg = load_config(name)
            published = PUBLISHED.get(name)
            count = parameter_count(name)
            model_dir = resolve_model_dir(name)
            rows.append(dict(zip(COLUMNS, (
                name, f"{count / 1e6:.1f} M" if count else "?", published.licence if published else "-",
                f"{cfg.audio.sample_rate} Hz", f"{cfg.audio.clip_seconds:g} s", str(cfg.embed_dim),
                ", ".join(f"{k} {v:g}%" for k, v in published.zero_shot.items()) if published else "-",
                display_path(str(model_dir)) if model_dir else ("not yet" if published else "-"),
                cfg.description))))
        from clapsearch.model.zoo.hf_names import listing  # transformers' published CLAP models (--model hf:...)

        rows += [{c: row.get(c, "?") for c in COLUMNS} for row in listing()]
    if console.width >= WIDE:
        console.print(_table(rows))
    else:
        _blocks(rows)


COLUMNS = ("name", "params", "licence", "rate", "clip", "dim", "zero-shot (published)", "weights", "description")
WIDE = 160  # below this many characters the nine columns squeeze each other into ellipses: one block per model


def _table(rows: list[dict[str, str]]) -> Table:
    table = Table(title="models")
    table.add_column("name", no_wrap=True)
    for col in COLUMNS[1:]:
        table.add_column(col, overflow="fold" if col == "weights" else "ellipsis")
    for row in rows:
        table.add_row(*(escape(row[c]) for c in COLUMNS))
    return table


def _blocks(rows: list[dict[str, str]]) -> None:
    """Print each model as a heading line of its figures and indented lines that wrap within the indent."""
    for row in rows:
        figures = " · ".join(f"{row[c]}-d" if c == "dim" else row[c] for c in ("params", "rate", "clip", "dim")
                             if row[c] not in ("?", "-"))
        console.print(Text.assemble((row["name"], "bold"), "  " + figures if figures else ""))
        details = [row["description"]]
        details += [f"{c}: {row[c]}" for c in ("zero-shot (published)", "licence", "weights")
                    if row[c] not in ("?", "-", "")]
        for line in details:
            console.print(Padding(Text(line), (0, 0, 0, 4), expand=False))
