"""Free-text queries over a labelled set: each query asks for one class in a user's own words.

A queries file is a CSV with the columns `label` and `query` (lines starting with `#` are comments), e.g.

    label,query
    dog,a dog barking at a stranger
    rain,heavy rain on a tin roof

Every query searches all the clips through the engine, as a user's search would (in a grouped csv set too, where
zero-shot compares classes within a group), and is scored by how many of its top 10 clips carry its label.
The same labels' class prompts (the task's zero-shot template, e.g. "this is a sound of {label}", or --prompt) are
scored alongside, so the gap between the words of a data set and the words of a user shows in one run.
"""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clapsearch.benchmark.indexing import indexed_engine, prompt_embeddings, score_matrix
from clapsearch.benchmark.metrics import average_precision
from clapsearch.benchmark.tasks import BenchResult, LabelledSet, label_text, render_prompt
from clapsearch.benchmark.zeroshot import templates_for
from clapsearch.errors import DataError, DataNotFound
from clapsearch.indexer import Progress
from clapsearch.paths import display_path

HEADLINE = "P@10"


@dataclass(frozen=True)
class LabelQuery:
    """One query of a queries file: the class it asks for and the words it uses."""

    label: str
    text: str


def _key(label: str) -> str:
    return " ".join(label_text(label).lower().split())


def load_queries(path: str | Path, classes: Sequence[str]) -> list[LabelQuery]:
    """Read a queries file against a data set's classes; a one-line DataError names the line of any problem."""
    path = Path(path).expanduser()
    shown = display_path(str(path))
    if path.is_dir():
        raise DataError(f"queries file {shown} is a folder: give --queries a CSV file with the columns label,query")
    if not path.is_file():
        raise DataNotFound(f"queries file {shown} not found: give --queries a CSV with the columns label,query")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"queries file {shown} is not UTF-8 text (byte {e.start}): save it as UTF-8") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")]
    if not lines:
        raise DataError(f"queries file {shown} has no rows: expected a header label,query and one query per line")
    numbers = [n for n, _ in lines]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "label" not in header or "query" not in header:
        raise DataError(f"queries file {shown}, line {numbers[0]}: the header must name the columns label and query, "
                        f"got {','.join(reader.fieldnames or [])!r}")
    reader.fieldnames = header
    by_key = {_key(c): c for c in classes}
    out: list[LabelQuery] = []
    for i, row in enumerate(reader, 1):
        n = numbers[i] if i < len(numbers) else numbers[-1]
        label, query = (row.get("label") or "").strip(), " ".join((row.get("query") or "").split())
        if not query:
            raise DataError(f"queries file {shown}, line {n}: the query is empty")
        cls = by_key.get(_key(label))
        if cls is None:
            known = ", ".join(sorted(classes)[:5]) + (", ..." if len(classes) > 5 else "")
            raise DataError(f"queries file {shown}, line {n}: {label!r} is not a class of the data set ({known})")
        out.append(LabelQuery(cls, query))
    if not out:
        raise DataError(f"queries file {shown} has a header but no queries")
    return out


def precision_at_k(scores: np.ndarray, relevant: np.ndarray, k: int = 10) -> float:
    """Relevant items among the k best-scored, over min(k, relevant items): 1.0 is reachable with few relevant."""
    if not relevant.any():
        return float("nan")
    top = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:k]  # the k best, best first
    return float(relevant[top].sum() / min(k, int(relevant.sum())))


def query_scores(cos: np.ndarray, relevant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(queries, clips) cosines and relevance -> each query's P@10 and its average precision over all clips."""
    p10 = np.array([precision_at_k(cos[q], relevant[q]) for q in range(len(cos))])
    ap = np.array([average_precision(cos[q], relevant[q]) for q in range(len(cos))])
    return p10, ap


def run_queries(data: LabelledSet, queries: Sequence[LabelQuery], model: str = "default",
                index_dir: str | Path | None = None, prompts: Sequence[str] | None = None,
                device: str = "auto", batch_size: int = 16,
                workers: int | None = None, on_progress: Callable[[Progress], None] | None = None,
                precision: str = "fp32") -> BenchResult:
    """Index the clips, search each query over all of them through the engine, and score P@10 and mAP."""
    t0 = time.monotonic()
    templates = templates_for(data.task, prompts)
    paths = [c.path for c in data.clips]
    folder, summary, engine = indexed_engine(data.root, paths, model, index_dir, device, batch_size, workers,
                                             on_progress, precision)
    labels = sorted({q.label for q in queries}, key=list(data.classes).index)
    text = np.concatenate([engine.encoder.embed_texts([q.text for q in queries]),
                           prompt_embeddings(engine, [[render_prompt(t, c) for c in labels] for t in templates])])
    cos = score_matrix(engine, text, paths)  # (queries + class prompts, clips)
    rows = [j for j in range(len(paths)) if not np.isnan(cos[:, j]).any()]
    if not rows:
        raise DataError(f"{data.task}: none of the {len(paths)} clips under {data.root} could be indexed: check that "
                        "they are audio files clapsearch can decode")
    cos = cos[:, rows]
    clip_labels = [set(data.clips[j].labels) for j in rows]
    asks = [q.label for q in queries] + labels
    relevant = np.array([[lab in have for have in clip_labels] for lab in asks])
    p10, ap = query_scores(cos, relevant)
    n = len(queries)
    found = ~np.isnan(p10[:n])  # a label none of whose clips could be indexed has nothing to find
    if not found.any():
        raise DataError(f"{data.task}: no clip of any queried label could be indexed")
    kept = [(q, float(p), float(a)) for q, p, a, ok in zip(queries, p10, ap, found) if ok]
    per_class = {c: float(np.mean([p for q, p, _ in kept if q.label == c]))
                 for c in labels if any(q.label == c for q, _, _ in kept)}
    metrics = {"P@10": float(np.nanmean(p10[:n])), "mAP": float(np.nanmean(ap[:n])), "queries": float(len(kept)),
               "prompt_P@10": float(np.nanmean(p10[n:])), "prompt_mAP": float(np.nanmean(ap[n:]))}
    per_query: list[dict[str, object]] = [
        {"label": q.label, "query": q.text, "P@10": round(p, 6), "AP": round(a, 6)} for q, p, a in kept]
    return BenchResult(data.task, model, "queries", len(rows), HEADLINE, metrics["P@10"], per_class=per_class,
                       metrics=metrics, classes=labels, prompts=templates, skipped=summary.skipped,
                       index=str(folder), seconds=time.monotonic() - t0, per_query=per_query)
