"""Linear probe and fine-tuning (CLAP paper sec. 3.3): k-fold, classifiers trained on cached embeddings.

probe-l1 / probe-l3 train on the frozen joint embeddings the index already holds (each clip: the mean of its
segment vectors, renormalised). finetune trains a copy of the audio projection head plus a classifier on
cached audio-tower features, which is what fits a CPU; the towers themselves stay as they are.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from clapsearch.audio import iter_windows, probe
from clapsearch.benchmark.indexing import indexed_engine
from clapsearch.benchmark.tasks import BenchResult, LabelledSet
from clapsearch.benchmark.zeroshot import classification_result
from clapsearch.errors import DataError
from clapsearch.indexer import Progress
from clapsearch.search import SearchEngine

LEARNING_RATES = {"probe-l1": 1e-3, "probe-l3": 1e-3, "finetune": 1e-4}
BATCH_SIZE = 64


class Normalize(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(x, dim=-1)


def make_classifier(protocol: str, dim: int, n_classes: int, audio_head: nn.Module | None = None) -> nn.Module:
    """Return the trainable part: (B, dim) -> (B, n_classes) logits."""
    if protocol == "probe-l1":
        return nn.Linear(dim, n_classes)
    if protocol == "probe-l3":
        return nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, n_classes))
    if protocol == "finetune":
        if audio_head is None:
            raise ValueError("finetune needs the model's audio head")
        head = copy.deepcopy(audio_head)
        for p in head.parameters():
            p.requires_grad_(True)
        # a ProjectionHead's LayerNorm gives the width (an MlpHead has none: AttributeError, as before)
        layer_norm = cast(nn.LayerNorm, head.layer_norm)
        return nn.Sequential(head, Normalize(), nn.Linear(layer_norm.normalized_shape[0], n_classes))
    raise ValueError(f"unknown protocol {protocol!r}: use probe-l1, probe-l3 or finetune")


def fit_predict(net: nn.Module, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, lr: float,
                epochs: int, multi_label: bool, seed: int = 0) -> np.ndarray:
    """Train net with Adam on (x_train, y_train) for some epochs; return its (test, classes) logits.

    y_train: (N,) class indices, or (N, classes) 0/1 targets when multi_label.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(y_train, dtype=torch.float32 if multi_label else torch.long)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for b in range(0, len(x), BATCH_SIZE):
            idx = order[b:b + BATCH_SIZE]
            logits = net(x[idx])
            if multi_label:
                loss = F.binary_cross_entropy_with_logits(logits, y[idx])
            else:
                loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return net(torch.as_tensor(x_test, dtype=torch.float32)).numpy()


def clip_embeddings(engine: SearchEngine, paths: Sequence[str]) -> np.ndarray:
    """(clips, D): each clip's segment vectors from the index, averaged and renormalised; nan if not indexed."""
    dim = engine.encoder.dim
    out = np.full((len(paths), dim), np.nan, dtype=np.float32)
    for i, p in enumerate(paths):
        vecs = engine.index.store.vectors_of(p, dim)
        if not len(vecs):
            vecs = engine.index.store.vectors_of(str(Path(p).resolve()), dim)
        if len(vecs):
            m = vecs.mean(axis=0)
            out[i] = m / max(float(np.linalg.norm(m)), 1e-12)
    return out


@torch.no_grad()
def tower_features(engine: SearchEngine, paths: Sequence[str], cache: Path) -> np.ndarray:
    """(clips, tower width): audio-tower outputs averaged over each clip's windows, cached in an .npz file."""
    enc = engine.encoder
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache) as z:
            known = dict(zip(z["paths"].tolist(), z["features"]))
    tower = enc.model.audio_tower.eval()
    todo = [p for p in paths if p not in known]
    for p in todo:
        waves = [w for _, _, w in iter_windows(p, enc.sample_rate, enc.clip_seconds, enc.hop_seconds, probe(p))]
        out = enc.model.pool_audio(tower(torch.as_tensor(np.stack(waves)).to(enc.device)))
        feats = out.float().cpu().numpy()  # (windows, width)
        known[p] = feats.mean(axis=0)
    if todo:
        np.savez(cache, paths=np.array(list(known)), features=np.stack(list(known.values())))
    return np.stack([known[p] for p in paths])


def run_probe(data: LabelledSet, protocol: str, model: str = "default", index_dir: str | Path | None = None,
              epochs: int = 30, device: str = "auto", batch_size: int = 16, workers: int | None = None,
              on_progress: Callable[[Progress], None] | None = None, seed: int = 0,
              precision: str = "fp32") -> BenchResult:
    """k-fold by the data set's folds (else a deterministic 5-fold split): train on k-1 folds, test on the last."""
    if protocol not in LEARNING_RATES:
        raise ValueError(f"unknown protocol {protocol!r}: use zeroshot, probe-l1, probe-l3 or finetune")
    t0 = time.monotonic()
    paths = [c.path for c in data.clips]
    folder, summary, engine = indexed_engine(data.root, paths, model, index_dir, device, batch_size, workers,
                                             on_progress, precision)
    emb = clip_embeddings(engine, paths)
    rows = [i for i in range(len(paths)) if not np.isnan(emb[i]).any()]
    if protocol == "finetune":
        x = tower_features(engine, [paths[r] for r in rows], folder / "tower-features.npz")
    else:
        x = emb[rows]
    index = {c: i for i, c in enumerate(data.classes)}
    if data.multi_label:
        y = np.zeros((len(rows), len(data.classes)), dtype=np.float32)
        for i, r in enumerate(rows):
            y[i, [index[lab] for lab in data.clips[r].labels]] = 1.0
    else:
        y = np.array([index[data.clips[r].labels[0]] for r in rows])
    folds = np.array(data.folds())[rows]
    if len(set(folds.tolist())) < 2:
        raise DataError(f"{data.task}: {protocol} needs at least two folds, found {sorted(set(folds.tolist()))} "
                        f"under {data.root}: use --protocol zeroshot, or a data set with folds")
    logits = np.zeros((len(rows), len(data.classes)), dtype=np.float32)
    fold_scores: dict[str, float] = {}
    for k, fold in enumerate(sorted(set(folds.tolist()))):
        test = folds == fold
        torch.manual_seed(seed + k)
        net = make_classifier(protocol, x.shape[1], len(data.classes), engine.encoder.model.audio_head)
        logits[test] = fit_predict(net, x[~test], y[~test], x[test], LEARNING_RATES[protocol], epochs,
                                   data.multi_label, seed + k)
        part = classification_result(data, logits[test], [r for r, t in zip(rows, test) if t])
        fold_scores[f"fold{fold}"] = part.value
    out = classification_result(data, logits, rows)
    metrics = {**out.metrics, **{f"{out.metric}[{k}]": v for k, v in fold_scores.items()}, "epochs": float(epochs)}
    return BenchResult(data.task, model, protocol, len(rows), out.metric, out.value, per_class=out.per_class,
                       metrics=metrics, classes=list(data.classes), confusion=out.confusion,
                       skipped=summary.skipped, index=str(folder), seconds=time.monotonic() - t0)
