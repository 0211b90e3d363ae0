"""`clapsearch index`: embed folders of recordings into an index."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from clapsearch.cli.common import DEFAULT_INDEX, console, err_console, line_path, user_errors


def index(
    paths: list[Path] = typer.Argument(..., help="Audio files or folders to index (searched recursively)."),
    index_dir: Path = typer.Option(DEFAULT_INDEX, "--index", help="Index folder (created if missing)."),
    model: str = typer.Option(None, "--model", help="Model name or folder; default: the index's own, else 'default'."),
    db: str = typer.Option(None, "--db", help="SQLAlchemy URL for the metadata (default: SQLite in the index)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Windows embedded per batch."),
    workers: int = typer.Option(None, "--workers", min=0, help="Decoding processes (0: decode in this process)."),
    max_duration: float = typer.Option(4.0, "--max-hours", min=0.0, help="Skip files longer than this many hours."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Move the index's database and vectors aside (a damaged "
                                 "database) into a replaced-<time> subfolder, then build the index anew."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    vector_index: str = typer.Option(None, "--vector-index", help="auto (by size), flat (exact), ivf or ivf-pq; "
                                     "recorded in the index: later runs without it keep the recorded choice."),
    precision: str = typer.Option("auto", "--precision", help="Audio network precision: auto, fp32, bf16 or int8 "
                                  "(auto: an existing index's, else the fastest that keeps accuracy here)."),
    ray: str = typer.Option(None, "--ray", metavar="ADDRESS", help="Decode and embed on a Ray cluster: 'auto' (a "
                            "node of it), HOST:6379, ray://HOST:10001, or 'local'; --workers: actors (docs/RAY.md)."),
    profile: bool = typer.Option(False, "--profile", help="Print the seconds spent per pipeline stage."),
) -> None:
    """Index audio files: new and changed files are embedded, vanished ones removed."""
    from clapsearch.indexer import index_paths

    with user_errors():
        if as_json:
            summary = index_paths(paths, index_dir, model=model, db_url=db, device=device, batch_size=batch_size,
                                  workers=workers, max_duration=max_duration * 3600, rebuild=rebuild,
                                  vector_index=vector_index, precision=precision, ray=ray)
            print(json.dumps(summary.to_dict()))
        else:
            summary = _with_progress(paths, index_dir, model, db, device, batch_size, workers, max_duration * 3600,
                                     rebuild, vector_index, precision, ray)
            _print_summary(summary, index_dir)
            if profile:
                _print_stages(summary)
    if summary.interrupted:
        raise typer.Exit(130)


def _with_progress(paths, index_dir, model, db, device, batch_size, workers, max_duration, rebuild,
                   vector_index=None, precision="auto", ray=None):
    from clapsearch.indexer import index_paths

    columns = (TextColumn("[bold]indexing"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
               TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[hours]}"), TimeElapsedColumn(),
               TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("index", total=None, rate="", hours="")
        import time
        start = time.monotonic()

        def on_progress(p) -> None:
            elapsed = max(time.monotonic() - start, 1e-6)
            bar.update(task, total=p.files_total, completed=p.files_done,
                       rate=f"{p.files_done / elapsed:.1f} files/s",
                       hours=f"{p.audio_done / 3600:.2f}/{p.audio_total / 3600:.2f} h audio")

        return index_paths(paths, index_dir, model=model, db_url=db, device=device, batch_size=batch_size,
                           workers=workers, max_duration=max_duration, rebuild=rebuild, on_progress=on_progress,
                           vector_index=vector_index, precision=precision, ray=ray)


def _print_stages(summary) -> None:
    table = Table(title="pipeline stages", title_justify="left")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("x real time", justify="right")
    for stage, seconds in summary.stages.items():
        table.add_row(stage, f"{seconds:.2f}", f"{summary.audio_seconds / seconds:.0f}" if seconds > 0 else "-")
    table.add_row("whole run", f"{summary.seconds:.2f}", f"{summary.audio_seconds / max(summary.seconds, 1e-9):.0f}")
    console.print(table)


def _print_summary(summary, index_dir: Path) -> None:
    from rich.markup import escape

    from clapsearch.paths import display_path

    table = Table(title=escape(f"index {display_path(str(index_dir))}"), show_header=False)
    for key in ("added", "updated", "moved", "removed", "unchanged"):
        table.add_row(key, str(getattr(summary, key)))
    table.add_row("skipped", str(len(summary.skipped)))
    table.add_row("segments in index", str(summary.segments))
    rate = summary.audio_seconds / summary.seconds if summary.seconds else 0.0
    table.add_row("time", f"{summary.seconds:.1f} s for {summary.audio_seconds / 60:.1f} min of audio "
                          f"({rate:.0f}x real time)")
    console.print(table)
    for s in summary.skipped:
        console.print(f"[yellow]skipped[/] {escape(line_path(s['path']))}: {escape(s['reason'])}", soft_wrap=True)
    if summary.interrupted:
        console.print("[yellow]interrupted:[/] what was embedded is saved; run the same command to finish")
