"""`clapsearch convert`: turn a publisher's CLAP checkpoint into a clapsearch model folder."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from clapsearch.cli.common import console, user_errors
from clapsearch.paths import display_path


def convert(
    src: Path = typer.Argument(..., help="The official file: CLAP_weights_2022.pth, CLAP_weights_2023.pth, "
                                         "630k-audioset-best.pt ..."),
    to: Path = typer.Option(None, "--to", help="Output folder; default: the cache that --model NAME reads."),
    model: str = typer.Option(None, "--model", help="Which published model (see 'clapsearch models'); "
                                                    "default: guessed from the file name."),
    tokenizer: Path = typer.Option(None, "--tokenizer", help="Folder with the text model's tokenizer files "
                                                             "(vocab.json, merges.txt...), copied beside the weights."),
) -> None:
    """Convert an MS-CLAP or LAION-CLAP checkpoint (read safely: tensors only) into safetensors + config."""
    from clapsearch.model.zoo.convert import convert_checkpoint

    with user_errors():
        folder, report = convert_checkpoint(src, to, model, tokenizer)
    console.print(f"[green]converted[/] {escape(display_path(str(src)))} -> {escape(display_path(str(folder)))} "
                  f"({report.model}): {len(report.loaded)} tensors loaded, "
                  f"{len(report.rebuilt)} rebuilt by clapsearch, {len(report.unused)} not used for embeddings")
    for key, value in report.checks.items():
        console.print(f"  {key}: {value:.3g}")
    if report.unused:
        more = " ..." if len(report.unused) > 4 else ""
        console.print(f"  not used for embeddings: {', '.join(report.unused[:4])}{more}")
