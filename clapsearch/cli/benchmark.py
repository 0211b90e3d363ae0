"""`clapsearch benchmark`: zero-shot, linear-probe and retrieval numbers on a data set, or on all of them."""
from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clapsearch.cli.common import check_output_path, console, err_console, line_path, user_errors, writing
from clapsearch.errors import DataError, OptionError
from clapsearch.paths import display_path

TASK_HELP = ("esc50, us8k, gtzan, gtzan-ms, fsdd, ravdess, folder, csv, speaker-count, clotho, audiocaps, "
             "or 'all' (every data set found under --root)")


def benchmark(
    task: str = typer.Argument(..., help=f"The task: {TASK_HELP}."),
    root: Path = typer.Option(..., "--root", help="The data set folder (for 'all': the folder of data sets)."),
    model: str = typer.Option("default", "--model", help="Model name or folder."),
    index_dir: Path = typer.Option(None, "--index", help="Index folder for the clips (default: a cache under "
                                   "~/.cache/clapsearch/bench; the data set's folder is never written)."),
    json_file: Path = typer.Option(None, "--json", help="Write the result as JSON to this file ('all': a list)."),
    plot: Path = typer.Option(None, "--plot", help="Write a PNG: confusion matrix (or per-class bars)."),
    prompts: list[str] = typer.Option(None, "--prompt", help="Prompt template with {label}; repeat to ensemble."),
    protocol: str = typer.Option("zeroshot", "--protocol", help="zeroshot, probe-l1, probe-l3 or finetune."),
    esc10: bool = typer.Option(False, "--esc10", help="esc50 only: the ESC-10 subset."),
    report: Path = typer.Option(Path("benchmark-report.md"), "--report", help="'all': the markdown report."),
    epochs: int = typer.Option(30, "--epochs", min=1, help="Training epochs for probes and finetune."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    workers: int = typer.Option(None, "--workers", min=0, help="Decoding processes while indexing."),
    queries: Path = typer.Option(None, "--queries", help="A CSV of label,query rows: search each query (a user's "
                                 "words for a class) over all clips and score P@10 against the class prompts."),
    precision: str = typer.Option("auto", "--precision", help="Audio network precision: auto, fp32, bf16 or int8 "
                                  "(auto: the fastest that keeps accuracy on this CPU/GPU)."),
) -> None:
    """Measure a model on a labelled or captioned data set: the clips are indexed, then searched."""
    from clapsearch.benchmark import RunOptions, plot_result, run_all, run_task, write_report

    t0 = time.monotonic()
    with user_errors():  # a typo in an output path is found before the run, not after it
        outputs = {"--json": json_file, "--plot": plot, "--report": report if task == "all" else None}
        for option, out_file in outputs.items():
            check_output_path(out_file, option)
        if queries is not None and task == "all":
            raise OptionError("--queries names one data set's classes: give it a task, not 'all'")
    with user_errors(), _progress() as on_progress:
        opts = RunOptions(model=model, protocol=protocol, prompts=prompts or None, esc10=esc10, epochs=epochs,
                          device=device, workers=workers, on_progress=on_progress, precision=precision,
                          queries=queries)
        if task == "all":
            results, notes = run_all(root, opts, index_dir,
                                     on_task=lambda t, f: err_console.print(f"[bold]{f.name}[/] ({t})"))
            if not results:
                raise DataError(f"no task could run under {root}: " + "; ".join(notes))
            with writing(report, "--report"):
                path = write_report(results, report, notes)
        else:
            results, notes = [run_task(task, root, opts, index_dir)], []
            if plot is not None:
                with writing(plot, "--plot"):
                    plot_result(results[0], plot)
    for r in results:
        _print_result(r)
    for n in notes:
        console.print(f"[yellow]note:[/] {escape(n)}")
    if task == "all":
        console.print(f"report written to {escape(display_path(str(path)))}")
    if json_file is not None:
        payload = [r.to_dict() for r in results] if task == "all" else results[0].to_dict()
        with user_errors(), writing(json_file, "--json"):
            json_file.write_text(json.dumps(payload, indent=2) + "\n")
    console.print(f"[dim]wall time {time.monotonic() - t0:.1f} s[/]")


class _progress:
    """A transient indexing progress bar on stderr; yields the on_progress callback."""

    def __enter__(self):
        self.bar = Progress(TextColumn("[bold]indexing"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                            TimeElapsedColumn(), console=err_console, transient=True)
        self.bar.__enter__()
        self.task = None

        def on_progress(p) -> None:
            if self.task is None:
                self.task = self.bar.add_task("index", total=p.files_total)
            self.bar.update(self.task, total=p.files_total, completed=p.files_done)
            if p.files_done >= p.files_total:
                self.bar.remove_task(self.task)
                self.task = None

        return on_progress

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


def _print_result(r) -> None:
    name = escape(f"{r.dataset} ({r.task})" if r.dataset and r.dataset != r.task else r.task)
    table = Table(title=f"[bold]{name}[/] {r.protocol}, model {escape(r.model)}", show_header=False,
                  title_justify="left")
    table.add_row("clips", str(r.n))
    table.add_row(r.metric, f"[bold]{r.value:.4f}")
    for k, v in r.metrics.items():
        if k != r.metric:
            table.add_row(escape(k), str(int(v)) if k in ("epochs", "captions", "queries") else f"{v:.4f}")
    if r.prompts:
        table.add_row("prompts", escape(" | ".join(r.prompts)))
    if r.skipped:
        first = r.skipped[0]
        table.add_row("skipped", escape(f"{len(r.skipped)} (e.g. {line_path(first['path'])}: {first['reason']})"))
    table.add_row("time", f"{r.seconds:.1f} s")
    console.print(table)
    if r.per_class:
        per = Table(title=f"per class ({r.metric})", title_justify="left")
        per.add_column("class")
        per.add_column(r.metric, justify="right")
        for name, v in sorted(r.per_class.items(), key=lambda kv: kv[1]):
            per.add_row(escape(name), f"{v:.3f}")
        console.print(per)
