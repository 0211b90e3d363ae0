"""The indexer: scan, decide what changed, decode in workers, embed in batches, write SQL and FAISS together."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clapsearch.audio import AudioError, AudioInfo, probe, segment_windows
from clapsearch.encoder import Encoder
from clapsearch.errors import UserError
from clapsearch.index import IndexDir, IndexLock, set_aside
from clapsearch.indexer.decoding import DecodeResult, DecodeTask, decode, warm_up
from clapsearch.indexer.scan import ROOTS_META, DiskFile, content_hash, merge_roots, scan_library, under
from clapsearch.indexer.workers import WorkerPool
from clapsearch.paths import display_path
from clapsearch.store.store import SQLITE_FILE

log = logging.getLogger(__name__)

WINDOWS_PER_TASK = 8
SILENCE_PEAK = 1e-4  # -80 dBFS: nothing audible to search for
SAVE_EVERY_SECONDS = 60.0
DECODE_TIMEOUT = 300.0  # seconds for one task (8 windows); only a hung decoder takes this long
# IndexSummary.stages: decode (read + decode + resample, summed over the worker processes), the main process's
# wait for decoded windows (the model starved), model (log-mel + network + heads), write (SQL + FAISS)
STAGES = ("decode (worker time)", "wait for decoding", "model", "write")


@dataclass
class IndexSummary:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    moved: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    audio_seconds: float = 0.0
    segments: int = 0
    interrupted: bool = False
    stages: dict[str, float] = field(default_factory=dict)  # seconds per pipeline stage (see STAGES)

    def to_dict(self) -> dict[str, object]:
        skipped = [{**s, "path": display_path(s["path"])} for s in self.skipped]
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "moved": self.moved, "skipped": skipped, "seconds": round(self.seconds, 3),
                "audio_seconds": round(self.audio_seconds, 3), "segments": self.segments,
                "interrupted": self.interrupted, "stages": {k: round(v, 3) for k, v in self.stages.items()}}


@dataclass(frozen=True)
class Progress:
    files_done: int
    files_total: int
    audio_done: float
    audio_total: float


@dataclass
class _Pending:
    disk: DiskFile
    info: AudioInfo
    content_hash: str
    kind: str  # "added" or "updated"
    tasks_left: int
    windows: list[tuple[float, float]]
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    peak: float = 0.0
    error: str | None = None


def index_paths(paths: Iterable[str | Path], index_dir: str | Path, model: str | None = None,
                db_url: str | None = None, device: str = "auto", batch_size: int = 16, workers: int | None = None,
                max_duration: float = 4 * 3600.0, rebuild: bool = False,
                on_progress: Callable[[Progress], None] | None = None, precision: str = "auto",
                vector_index: str | None = None, ray: str | None = None) -> IndexSummary:
    """Bring the index up to date with the audio files under paths; return what changed.

    Unchanged files (same size and mtime) are not decoded; changed ones are re-embedded; a new path whose
    content matches a vanished indexed file is a move and keeps its vectors; vanished files are removed.
    rebuild: first move the index folder's database and FAISS files aside (a damaged database), then build anew.
    vector_index: auto, flat, ivf or ivf-pq (recorded in the index); None keeps the index's recorded choice.
    ray: decode and embed on the Ray cluster at this address ('local', 'auto', HOST:PORT; see docs/RAY.md),
    `workers` actors (default: one per GPU, else per 2 CPUs); this process stays the single writer.
    """
    t0 = time.monotonic()
    summary = IndexSummary()
    found = scan_library(paths)
    disk_files, roots = found.files, found.roots
    summary.skipped += found.skipped
    if rebuild and db_url:
        raise UserError("--rebuild sets aside the index folder's own SQLite database; with --db, restore or drop "
                        "that database with its own tools, then run clapsearch index again")
    with IndexLock(index_dir), _early_decoders(index_dir, db_url, rebuild, len(disk_files), workers, ray) as early:
        if rebuild:
            set_aside(index_dir)
        idx = IndexDir.open(index_dir, db_url=db_url, model=model, device=device, create=True, precision=precision,
                            vector_index=vector_index)
        store = idx.store
        store.set_meta({ROOTS_META: merge_roots(store.meta().get(ROOTS_META), roots)})  # what serve --watch watches
        known = {p: s for p, s in store.file_states().items() if under(p, roots)}
        on_disk = {d.path for d in disk_files}
        vanished = {p: s for p, s in known.items() if p not in on_disk}
        by_hash = {s.content_hash: p for p, s in vanished.items() if s.status == "indexed"}

        skip_reasons = dict(store.skipped())  # unchanged files skipped before: reported again, not decoded
        todo: list[tuple[DiskFile, str, str]] = []  # (file, hash, kind)
        for d in disk_files:
            state = known.get(d.path)
            if state is not None and state.size == d.size and state.mtime == d.mtime:
                if state.status == "skipped":
                    summary.skipped.append({"path": d.path, "reason": skip_reasons.get(d.path, "skipped earlier")})
                else:
                    summary.unchanged += 1
                continue
            try:
                digest = content_hash(d.path)
            except OSError as e:
                summary.skipped.append({"path": d.path, "reason": f"cannot read file: {e.strerror or e}"})
                continue
            old = by_hash.pop(digest, None) if state is None else None
            if old is not None:
                idx.move_file(old, d.path, d.size, d.mtime)
                vanished.pop(old)
                summary.moved += 1
                continue
            todo.append((d, digest, "added" if state is None else "updated"))

        idx.remove_files(list(vanished))
        summary.removed = len(vanished)

        pending, tasks = _plan(todo, idx, summary, max_duration)
        audio_total = sum(p.info.duration for p in pending.values())
        try:
            _run(tasks, pending, idx, summary, batch_size, workers, audio_total, on_progress,
                 _on_ray(ray, tasks, idx, workers, batch_size) if ray is not None else None, early)
            idx.store.compact_vectors()  # when removed segments' rows are over half the vector file
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            idx.save_vectors()
            idx.store.close()
        summary.segments = idx.vectors.ntotal
    summary.seconds = time.monotonic() - t0
    return summary


def _plan(todo: list[tuple[DiskFile, str, str]], idx: IndexDir, summary: IndexSummary,
          max_duration: float) -> tuple[dict[int, _Pending], list[DecodeTask]]:
    """Read headers, record unusable files as skipped, and cut the rest into decode tasks."""
    encoder: Encoder = idx.encoder
    pending: dict[int, _Pending] = {}
    tasks: list[DecodeTask] = []
    clip_samples = int(round(encoder.clip_seconds * encoder.sample_rate))
    for i, (d, digest, kind) in enumerate(todo):
        try:
            info = probe(d.path)
            if info.duration > max_duration:
                raise AudioError(f"too long: {info.duration / 3600:.1f} h is over the limit of "
                                 f"{max_duration / 3600:.1f} h (raise --max-hours to index it)")
        except AudioError as e:
            _skip(idx, summary, d, digest, kind, str(e))
            continue
        windows = segment_windows(info.duration, encoder.clip_seconds, encoder.hop_seconds)
        chunks = [tuple(windows[j:j + WINDOWS_PER_TASK]) for j in range(0, len(windows), WINDOWS_PER_TASK)]
        pending[i] = _Pending(d, info, digest, kind, len(chunks), windows)
        tasks += [DecodeTask(i, d.path, info, c, encoder.sample_rate, clip_samples, encoder.padding)
                  for c in chunks]
    return pending, tasks


def _skip(idx: IndexDir, summary: IndexSummary, d: DiskFile, digest: str, kind: str, reason: str,
          info: AudioInfo | None = None) -> None:
    summary.skipped.append({"path": d.path, "reason": reason})
    fields = {"path": d.path, "size": d.size, "mtime": d.mtime, "content_hash": digest, "status": "skipped",
              "error": reason, "duration": info.duration if info else None,
              "sample_rate": info.sample_rate if info else None, "channels": info.channels if info else None,
              "format": info.format if info else None}
    idx.put_file(fields, [])


def _on_ray(address: str, tasks: list[DecodeTask], idx: IndexDir, actors: int | None,
            batch_size: int) -> Iterable[tuple[DecodeTask, DecodeResult]]:
    from clapsearch.indexer.distributed import embedded_tasks

    return embedded_tasks(tasks, idx.store.meta()["model"], idx.encoder.precision, idx.encoder.identity, address,
                          actors, batch_size)


def _on_gpu(idx: IndexDir) -> bool:
    return str(idx.encoder.device).startswith("cuda")


def _default_workers(idx: IndexDir | None) -> int:
    """Decode processes: on a GPU every core but this one's (the GPU embeds faster than a few cores decode),
    on the CPU up to 4, leaving cores to the model (idx None: the CPU's count)."""
    cores = os.cpu_count() or 2
    return max(1, min(32 if idx is not None and _on_gpu(idx) else 4, cores - 1))


@contextmanager
def _early_decoders(index_dir: str | Path, db_url: str | None, rebuild: bool, files: int, workers: int | None,
                    ray: str | None) -> Iterator[WorkerPool | None]:
    """Decode workers started before a new index is opened (every file of a new index is decoded): their start-up
    (torch, for resampling) overlaps the opening's (torch, for the device) and the model's load; stopped at the
    end. None for an existing index (maybe nothing to decode: no process is started), Ray, or --workers 0."""
    fresh = db_url is None and ray is None and (rebuild or not (Path(index_dir) / SQLITE_FILE).is_file())
    if not fresh or files <= 2 or workers == 0:
        yield None
        return
    pool = WorkerPool(decode, workers or _default_workers(None), _failed, timeout=DECODE_TIMEOUT, warm=warm_up)
    pool.start()
    try:
        yield pool
    finally:
        pool.close()


def _embedder(idx: IndexDir) -> Callable[[np.ndarray], np.ndarray]:
    """The encoder's embed_waves; on CUDA, batches go through pinned host memory with an asynchronous copy."""
    enc = idx.encoder
    if not _on_gpu(idx):
        return enc.embed_waves
    import torch

    def embed(waves: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(waves, dtype=np.float32)).pin_memory()
        return enc.audio_model.encode_audio(x.to(enc.device, non_blocking=True)).reshape(-1, enc.dim)

    return embed


def _failed(task: DecodeTask, reason: str) -> DecodeResult:
    return DecodeResult(task.file_index, None, 0.0, reason)


def _decoders(workers: int, idx: IndexDir, stages: dict[str, float],
              early: WorkerPool | None = None) -> WorkerPool | None:
    """The decode workers, started (None for none; `early`, those started before the index was opened, grown to
    `workers`); the model is built while they import, and its load counted in the model's stage."""
    if workers <= 0:
        return None
    pool = early or WorkerPool(decode, workers, _failed, timeout=DECODE_TIMEOUT, warm=warm_up)
    pool.size = max(pool.size, workers)
    pool.start()
    t = time.perf_counter()
    try:
        idx.encoder.audio_model  # noqa: B018 - built now, beside the workers' start-up rather than after it
    except BaseException:
        pool.close()
        raise
    stages["model"] += time.perf_counter() - t
    return pool


def _decoded(tasks: list[DecodeTask], pool: WorkerPool | None) -> Iterable[tuple[DecodeTask, DecodeResult]]:
    """Yield decoded tasks in order, with at most a few tasks in flight per worker (bounded memory).

    A worker that dies (the OOM killer, a crash in a native decoder) or hangs costs one retry of its task in
    a fresh worker, then that task's file is skipped with the reason; the run goes on.
    """
    if pool is None:
        for t in tasks:
            yield t, decode(t)
        return
    yield from pool.map(tasks)


def _run(tasks: list[DecodeTask], pending: dict[int, _Pending], idx: IndexDir, summary: IndexSummary,
         batch_size: int, workers: int | None, audio_total: float,
         on_progress: Callable[[Progress], None] | None,
         results: Iterable[tuple[DecodeTask, DecodeResult]] | None = None, early: WorkerPool | None = None) -> None:
    """Embed and write; `results` (Ray): tasks whose `waves` are already the windows' vectors."""
    if len(tasks) <= 2:
        workers = 0  # not worth starting processes
    elif workers is None:
        workers = _default_workers(idx)
    files_total = len(pending)
    files_done, audio_done = [0], [0.0]
    last_save = time.monotonic()
    batch: list[tuple[int, int, np.ndarray]] = []  # (file index, window index, wave)
    next_window: dict[int, int] = {}
    stages = summary.stages = dict.fromkeys(STAGES, 0.0)
    # with no task there is nothing to embed: the device (torch, CUDA) is not asked for
    embed = np.asarray if results is not None else _embedder(idx) if tasks else idx.encoder.embed_waves

    def finish(i: int) -> None:
        p = pending.pop(i)
        if p.error is None and p.peak < SILENCE_PEAK:
            p.error = "silent: no sound above -80 dBFS"
        if p.error is not None:
            _skip(idx, summary, p.disk, p.content_hash, p.kind, p.error, p.info)
        else:
            segs = [(a, b, p.vectors[j]) for j, (a, b) in enumerate(p.windows)]
            fields = {"path": p.disk.path, "size": p.disk.size, "mtime": p.disk.mtime,
                      "content_hash": p.content_hash, "status": "indexed", "error": None,
                      "duration": p.info.duration, "sample_rate": p.info.sample_rate,
                      "channels": p.info.channels, "format": p.info.format}
            t = time.perf_counter()
            idx.put_file(fields, segs)
            stages["write"] += time.perf_counter() - t
            setattr(summary, p.kind, getattr(summary, p.kind) + 1)
            summary.audio_seconds += p.info.duration
        files_done[0] += 1
        audio_done[0] += p.info.duration
        if on_progress:
            on_progress(Progress(files_done[0], files_total, audio_done[0], audio_total))

    def flush() -> None:
        if not batch:
            return
        t = time.perf_counter()
        vecs = embed(np.stack([w for _, _, w in batch]))
        stages["model"] += time.perf_counter() - t
        touched = []
        for (i, j, _), v in zip(batch, vecs):
            pending[i].vectors[j] = v
            touched.append(i)
        batch.clear()
        for i in dict.fromkeys(touched):
            p = pending[i]
            if p.tasks_left == 0 and len(p.vectors) == len(p.windows):
                finish(i)

    decoded = results if results is not None else _decoded(tasks, _decoders(workers, idx, stages, early))
    waited = time.perf_counter()
    for task, result in decoded:
        stages["wait for decoding"] += time.perf_counter() - waited
        stages["decode (worker time)"] += result.seconds
        p = pending[task.file_index]
        p.tasks_left -= 1
        if result.error is not None and p.error is None:
            p.error = result.error
        if p.error is None and result.waves is not None:
            p.peak = max(p.peak, result.peak)
            j0 = next_window.get(task.file_index, 0)
            for k, w in enumerate(result.waves):
                batch.append((task.file_index, j0 + k, w))
            next_window[task.file_index] = j0 + len(result.waves)
        if p.error is not None and p.tasks_left == 0:
            batch[:] = [b for b in batch if b[0] != task.file_index]
            finish(task.file_index)
        if len(batch) >= batch_size:
            flush()
        if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
            idx.save_vectors()
            last_save = time.monotonic()
        waited = time.perf_counter()
    flush()
