"""Distributed indexing on Ray: decoding and embedding run as Ray Data `map_batches` over an actor pool.

The driver keeps everything that makes an index an index: it scans, decides what changed, cuts files into the
same decode tasks as the local path, and is the single writer (IndexDir.put_file: SQL first, then FAISS, saved
as it goes, so a run is incremental and crash-safe). The cluster only turns tasks into vectors: each actor
loads the index's model once (the same name, or the same folder on shared storage: its config and weights
hash must equal the index's, or the run stops), decodes the tasks of a batch, embeds their windows and sends
the vectors back, which the driver writes in task order.
"""
from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from clapsearch.errors import MissingPackageError, UserError
from clapsearch.indexer.decoding import DecodeResult, DecodeTask, decode

log = logging.getLogger(__name__)

TASKS_PER_BATCH = 4  # decode tasks (8 windows each) an actor takes at a time: 32 windows
THREADS_PER_ACTOR = 2  # torch threads of one CPU actor (and the CPUs it reserves)


class RayError(UserError, RuntimeError):
    """A Ray cluster that cannot be used as asked (unreachable, another model on its nodes)."""


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is the extra that --ray needs
    except ImportError:
        raise MissingPackageError("--ray needs Ray Data: pip install 'clapsearch[ray]' (or pip install "
                                  "'ray[data]')") from None
    return ray


def connect(address: str) -> Any:
    """Join the Ray cluster at `address` ('local' starts one in this process; 'auto' finds a running one)."""
    ray = _ray()
    if ray.is_initialized():
        return ray
    try:
        if address == "local":
            ray.init(include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RayError(f"cannot join the Ray cluster at {address!r} ({first}): give the head's address as "
                       "--ray HOST:6379 (or ray://HOST:10001), 'auto' on a cluster node, or 'local'") from None
    return ray


def decode_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Ray Data task on CPUs: decode tasks into waveforms, ahead of the GPU actors."""
    decoded = [pickle.dumps(decode(pickle.loads(blob))) for blob in batch["task"]]
    return {"seq": batch["seq"], "decoded": np.array(decoded, dtype=object)}


class Embedder:
    """One Ray actor: the index's model, loaded once; decodes and embeds batches of decode tasks."""

    def __init__(self, model: str, precision: str, device: str, identity: dict[str, str], threads: int,
                 batch_size: int) -> None:
        import torch

        from clapsearch.encoder import Encoder

        torch.set_num_threads(max(1, threads))
        self.encoder = Encoder(model, device=device, precision=precision)
        mine = self.encoder.identity
        if (mine["config_hash"], mine["weights_hash"]) != (identity["config_hash"], identity["weights_hash"]):
            raise RuntimeError(f"model {model!r} on this Ray node is not the index's (config {mine['config_hash']}, "
                               f"weights {mine['weights_hash']}; the index has {identity['config_hash']}, "
                               f"{identity['weights_hash']})")
        self.encoder.audio_model  # noqa: B018 - built now, not inside the first batch
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if "decoded" in batch:  # decoded by CPU tasks upstream (GPU actors)
            results = [pickle.loads(blob) for blob in batch["decoded"]]
        else:
            results = [decode(pickle.loads(blob)) for blob in batch["task"]]
        waves = [r.waves for r in results if r.error is None and r.waves is not None]
        vectors = np.zeros((0, self.encoder.dim), np.float32)
        if waves:
            flat = np.concatenate(waves)
            vectors = np.concatenate([self.encoder.embed_waves(flat[i:i + self.batch_size])
                                      for i in range(0, len(flat), self.batch_size)])
        out, at = [], 0
        for r in results:
            if r.error is None and r.waves is not None:
                n = len(r.waves)
                r = DecodeResult(r.file_index, vectors[at:at + n], r.peak, None, r.seconds)
                at += n
            out.append(pickle.dumps(r))
        return {"seq": batch["seq"], "result": np.array(out, dtype=object)}


def _actor_env(threads: int) -> dict[str, str]:
    env = {"OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1"}
    if os.environ.get("CLAPSEARCH_CACHE"):  # where the driver finds downloaded models, so do the actors
        env["CLAPSEARCH_CACHE"] = os.environ["CLAPSEARCH_CACHE"]
    return env


def embedded_tasks(tasks: Sequence[DecodeTask], model: str, precision: str, identity: dict[str, str],
                   address: str = "local", actors: int | None = None,
                   batch_size: int = 16) -> Iterator[tuple[DecodeTask, DecodeResult]]:
    """Yield (task, result) in task order, where result.waves holds the task's window VECTORS (windows, dim),
    computed on the Ray cluster; a file that failed to decode comes back with its error, as locally."""
    if not tasks:
        return
    ray = connect(address)
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    cpus = int(resources.get("CPU", 1))
    if actors is None:
        threads = 1 if gpus else max(1, min(THREADS_PER_ACTOR, cpus))
        actors = gpus or max(1, cpus // threads)
    else:  # the CPUs shared among the actors asked for
        threads = 1 if gpus else max(1, min(THREADS_PER_ACTOR, cpus // actors))
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    log.info("Ray: %d actors (%s), %d tasks", actors, f"{gpus} GPUs" if gpus else f"{threads} CPUs each",
             len(tasks))
    ds = ray.data.from_items([{"seq": i, "task": pickle.dumps(t)} for i, t in enumerate(tasks)],
                             override_num_blocks=max(1, min(len(tasks), 4 * actors)))
    if gpus:  # decoding in CPU tasks, pipelined ahead of the GPU actors, so that the GPUs are fed
        ds = ds.map_batches(decode_batch, batch_size=TASKS_PER_BATCH, batch_format="numpy", num_cpus=1)
    ds = ds.map_batches(
        Embedder, batch_size=TASKS_PER_BATCH, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors),
        fn_constructor_kwargs={"model": model, "precision": precision, "device": "cuda" if gpus else "cpu",
                               "identity": identity, "threads": threads, "batch_size": batch_size},
        num_gpus=1 if gpus else 0, num_cpus=threads,
        runtime_env={"env_vars": _actor_env(threads)},
    )
    waiting: dict[int, DecodeResult] = {}
    next_seq = 0
    try:
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            for seq, blob in zip(batch["seq"], batch["result"]):
                waiting[int(seq)] = pickle.loads(blob)
            while next_seq in waiting:  # the writer takes tasks in order (windows are numbered by arrival)
                yield tasks[next_seq], waiting.pop(next_seq)
                next_seq += 1
    except Exception as e:
        if isinstance(e, (UserError, KeyboardInterrupt)):
            raise
        text = str(e)
        if "is not the index's" in text:
            line = next(ln for ln in text.splitlines() if "is not the index's" in ln)
            raise RayError(line.strip().split("RuntimeError: ")[-1]) from None
        raise
    if next_seq != len(tasks):
        raise RayError(f"the Ray cluster returned {next_seq} of {len(tasks)} decode tasks")
