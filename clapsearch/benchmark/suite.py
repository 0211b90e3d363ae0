"""Run one task by name with a protocol, or every task whose data is found under a data root."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clapsearch.benchmark.adapters import load_task
from clapsearch.benchmark.probe import run_probe
from clapsearch.benchmark.queries import load_queries, run_queries
from clapsearch.benchmark.retrieval import run_retrieval
from clapsearch.benchmark.tasks import PROTOCOLS, BenchResult, CaptionSet, task_for_folder
from clapsearch.benchmark.zeroshot import run_zero_shot
from clapsearch.errors import DataError, DataNotFound, OptionError
from clapsearch.indexer import Progress
from clapsearch.model.precision import precision_for_model

log = logging.getLogger(__name__)


@dataclass
class RunOptions:
    model: str = "default"
    protocol: str = "zeroshot"
    prompts: Sequence[str] | None = None
    esc10: bool = False
    epochs: int = 30
    device: str = "auto"
    workers: int | None = None
    precision: str = "auto"  # the audio network's (clapsearch.model.precision); auto is resolved per model
    queries: Path | None = None  # a queries file (clapsearch.benchmark.queries): free-text queries, not prompts
    on_progress: Callable[[Progress], None] | None = field(default=None, repr=False)


def run_task(task: str, root: str | Path, opts: RunOptions, index_dir: str | Path | None = None) -> BenchResult:
    """Load a task's data from root and run it under opts.protocol."""
    if opts.protocol not in PROTOCOLS:
        raise OptionError(f"unknown protocol {opts.protocol!r}: use {', '.join(PROTOCOLS)}")
    if opts.epochs < 1:
        raise OptionError(f"--epochs must be at least 1, got {opts.epochs}")
    data = load_task(task, root, esc10=opts.esc10)
    if opts.queries is not None and (isinstance(data, CaptionSet) or opts.protocol != "zeroshot"):
        raise OptionError("--queries searches a labelled data set with free text: it needs a classification task "
                          "and --protocol zeroshot")
    common: dict[str, Any] = {"model": opts.model, "index_dir": index_dir, "device": opts.device,
                              "workers": opts.workers, "on_progress": opts.on_progress,
                              "precision": precision_for_model(opts.precision, opts.model, opts.device)}
    if isinstance(data, CaptionSet):
        if opts.protocol != "zeroshot":
            raise OptionError(f"{task} is a retrieval task: only --protocol zeroshot applies")
        result = run_retrieval(data, **common)
    elif opts.queries is not None:
        result = run_queries(data, load_queries(opts.queries, data.classes), prompts=opts.prompts, **common)
    elif opts.protocol == "zeroshot":
        result = run_zero_shot(data, prompts=opts.prompts, **common)
    else:
        result = run_probe(data, opts.protocol, epochs=opts.epochs, **common)
    result.dataset = Path(root).expanduser().resolve().name
    return result


def discover(data_root: str | Path) -> list[tuple[str, Path]]:
    """Return (task, folder) for every sub-folder of data_root that holds a known data set.

    Folders are matched by name (esc50*, us8k*, gtzan*, fsdd*, ravdess*, clotho*, audiocaps*); a folder with a
    labels.csv (e.g. gcompris) runs as a csv task.
    """
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise DataNotFound(f"data root {data_root} is not a folder: give --root the folder that holds the data sets")
    found = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        task = task_for_folder(d.name) or ("csv" if (d / "labels.csv").is_file() else None)
        if task:
            found.append((task, d))
    if not found:
        raise DataError(f"no data set found under {data_root}: expected sub-folders named esc50*, us8k*, gtzan*, "
                        f"fsdd*, ravdess*, clotho*, audiocaps*, or with a labels.csv")
    return found


def run_all(data_root: str | Path, opts: RunOptions, index_root: str | Path | None = None,
            on_task: Callable[[str, Path], None] | None = None) -> tuple[list[BenchResult], list[str]]:
    """Run every discovered task; return the results and notes on what could not run (and why)."""
    results: list[BenchResult] = []
    notes: list[str] = []
    for task, folder in discover(data_root):
        if on_task:
            on_task(task, folder)
        if opts.protocol != "zeroshot" and task in ("clotho", "audiocaps"):
            notes.append(f"{folder.name}: {task} is retrieval, run under zeroshot only")
            continue
        index_dir = Path(index_root) / folder.name if index_root else None
        try:
            results.append(run_task(task, folder, RunOptions(**{**opts.__dict__, "esc10": False}), index_dir))
        except ValueError as e:
            log.warning("%s: %s", folder, e)
            notes.append(f"{folder.name} ({task}) not run: {e}")
    return results, notes
