"""Caption retrieval (Clotho, AudioCaps): text->audio and audio->text R@1/5/10 and mAP@10."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from clapsearch.benchmark.indexing import indexed_engine, score_matrix
from clapsearch.benchmark.metrics import relevant_ranks, retrieval_metrics
from clapsearch.benchmark.tasks import BenchResult, CaptionSet
from clapsearch.errors import DataError
from clapsearch.indexer import Progress

HEADLINE = "t2a_mAP@10"


def retrieval_scores(sim: np.ndarray, caption_clip: Sequence[int]) -> dict[str, float]:
    """(captions, clips) similarities and each caption's clip -> t2a_* and a2t_* R@1, R@5, R@10, mAP@10.

    Text->audio: each caption is a query with one relevant clip. Audio->text: each clip is a query whose
    relevant items are all its captions; R@k counts its best-ranked caption, mAP@10 normalises by min(R, 10).
    """
    caption_clip = list(caption_clip)
    t2a = relevant_ranks(sim, [[c] for c in caption_clip])
    by_clip: list[list[int]] = [[] for _ in range(sim.shape[1])]
    for q, c in enumerate(caption_clip):
        by_clip[c].append(q)
    a2t = relevant_ranks(sim.T, by_clip)
    return {**retrieval_metrics(t2a, "t2a_"), **retrieval_metrics(a2t, "a2t_")}


def run_retrieval(data: CaptionSet, model: str = "default", index_dir: str | Path | None = None,
                  device: str = "auto", batch_size: int = 16, workers: int | None = None,
                  on_progress: Callable[[Progress], None] | None = None, precision: str = "fp32") -> BenchResult:
    """Index the clips, search every caption over every clip through the engine, and score both directions."""
    t0 = time.monotonic()
    folder, summary, engine = indexed_engine(data.root, data.clips, model, index_dir, device, batch_size, workers,
                                             on_progress, precision)
    text = engine.encoder.embed_texts(data.captions)
    sim = score_matrix(engine, text, data.clips)  # (captions, clips)
    kept = [j for j in range(len(data.clips)) if not np.isnan(sim[:, j]).any()]
    if not kept:
        raise DataError(f"{data.task}: none of the {len(data.clips)} clips under {data.root} could be indexed: check "
                        "that they are audio files clapsearch can decode")
    new_index = {j: i for i, j in enumerate(kept)}
    queries = [q for q, c in enumerate(data.caption_clip) if c in new_index]
    sub = sim[np.ix_(queries, kept)]
    metrics = retrieval_scores(sub, [new_index[data.caption_clip[q]] for q in queries])
    metrics["captions"] = float(len(queries))
    return BenchResult(data.task, model, "zeroshot", len(kept), HEADLINE, metrics[HEADLINE], metrics=metrics,
                       skipped=summary.skipped, index=str(folder), seconds=time.monotonic() - t0)
