"""A benchmark's clips go through the indexer, and its scores through the search engine: one similarity path."""
from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from clapsearch.indexer import IndexSummary, Progress, index_paths
from clapsearch.indexer.scan import scan
from clapsearch.model.factory import WEIGHTS_FILE, resolve_model_dir
from clapsearch.model.zoo.registry import user_cache_dir
from clapsearch.search import SearchEngine

log = logging.getLogger(__name__)


def model_cache_key(model: str) -> str:
    """Return a folder name for a model: its name plus a digest of its saved config and weights.

    New weights (a retrained 'default') get a new cache folder instead of an index that refuses to open.
    """
    folder = resolve_model_dir(model)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(model).name if Path(model).exists() else model) or "model"
    if folder is None:
        return name
    h = hashlib.sha1()
    for part in ("config.json", WEIGHTS_FILE):
        if (folder / part).is_file():
            h.update((folder / part).read_bytes())
    return f"{name}-{h.hexdigest()[:8]}"


def default_index_dir(root: str | Path, model: str, precision: str = "fp32") -> Path:
    """Return the index cache of a data set and model: <user cache>/bench/<data set>-<hash>, never inside the data.

    The hash covers the resolved data set path and the model's identity (name, config and weights), so two data
    sets of the same name, or a retrained model, never share an index. A data set folder is left as it was:
    it may be read-only, shared, or under version control. A precision other than fp32 has its own index.
    """
    root = Path(root).resolve()
    where = str(Path(model).resolve()) if Path(model).exists() else model  # an index records its model's path
    identity = f"{root}\n{where}\n{model_cache_key(model)}" + (f"\n{precision}" if precision != "fp32" else "")
    digest = hashlib.sha1(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", root.name) or "data"
    return user_cache_dir() / "bench" / f"{name}-{digest}"


def _index_roots(paths: Sequence[str]) -> list[str]:
    """Return what to hand the indexer: the clips' folders when they hold exactly the clips, else the clips.

    Folders keep the indexer's bookkeeping linear in the number of files; single files let a subset (ESC-10,
    a CSV naming some of a folder's files) leave the other files alone.
    """
    folders = sorted({os.path.dirname(p) for p in paths})
    on_disk, _ = scan(folders)
    if {d.path for d in on_disk} == set(paths):
        return folders
    return list(paths)


def index_clips(paths: Sequence[str], index_dir: str | Path, model: str, device: str = "auto",
                batch_size: int = 16, workers: int | None = None,
                on_progress: Callable[[Progress], None] | None = None, precision: str = "fp32") -> IndexSummary:
    """Embed the clips into the index folder (only new or changed ones are decoded)."""
    summary = index_paths(_index_roots(paths), index_dir, model=model, device=device, batch_size=batch_size,
                          workers=workers, on_progress=on_progress, precision=precision)
    if summary.interrupted:
        raise KeyboardInterrupt
    return summary


def open_engine(index_dir: str | Path, model: str, device: str = "auto", precision: str = "fp32") -> SearchEngine:
    return SearchEngine(index_dir, model=model, device=device, precision=precision)


def indexed_engine(root: str | Path, paths: Sequence[str], model: str, index_dir: str | Path | None = None,
                   device: str = "auto", batch_size: int = 16, workers: int | None = None,
                   on_progress: Callable[[Progress], None] | None = None,
                   precision: str = "fp32") -> tuple[Path, IndexSummary, SearchEngine]:
    """Index a data set's clips (into index_dir, else its cache folder) and open the engine over them:
    (the index folder, the indexing summary, the engine)."""
    folder = Path(index_dir) if index_dir else default_index_dir(root, model, precision)
    summary = index_clips(paths, folder, model, device, batch_size, workers, on_progress, precision)
    return folder, summary, open_engine(folder, model, device, precision)


def score_matrix(engine: SearchEngine, queries: np.ndarray, paths: Sequence[str]) -> np.ndarray:
    """(queries, D) -> (queries, len(paths)) cosine scores from engine.search_vectors with k = every file.

    A file scores at its best segment (the engine's rule). Clips the index does not hold (skipped as silent or
    undecodable) are nan.
    """
    column: dict[str, int] = {}
    for j, p in enumerate(paths):
        column[p] = j
        column.setdefault(str(Path(p).resolve()), j)
    out = np.full((len(queries), len(paths)), np.nan, dtype=np.float64)
    k = max(engine.file_count(), 1)
    for q, hits in enumerate(engine.search_vectors(np.asarray(queries, dtype=np.float32), k)):
        for h in hits:
            col = column.get(h.path)
            if col is not None:
                out[q, col] = h.score
    return out


def prompt_embeddings(engine: SearchEngine, texts_per_template: list[list[str]]) -> np.ndarray:
    """Embed one list of class prompts per template; return their mean, renormalised: (classes, D).

    Several templates make an ensemble: the mean of the normalised text embeddings.
    """
    embs = np.stack([engine.encoder.embed_texts(texts) for texts in texts_per_template])  # (templates, C, D)
    mean = embs.mean(axis=0)
    return (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32)
