"""Disk cache of frozen-tower outputs, so that training the heads never runs the towers twice.

Audio entries are keyed by the audio tower's config fingerprint, the file's content hash and the crop
starts; text entries by the text tower's fingerprint and the caption. Entries are small .npy files,
written atomically, so several runs may share one cache folder.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from clapsearch.audio import AudioError, probe, read_window
from clapsearch.audio.decode import fit_length
from clapsearch.model import ClapModel
from clapsearch.model.config import AudioConfig, TextConfig
from clapsearch.trainer.mixing import Mix, render

log = logging.getLogger(__name__)

# Audio entries of format 1 were made with the tower's batch norm in training mode (each batch normalised by
# its own statistics, the running statistics drifting as it went), so they were not what the tower computes
# at inference; format 2 entries are the inference tower's outputs.
AUDIO_CACHE_FORMAT = 2


def tower_fingerprint(config: AudioConfig | TextConfig) -> str:
    """Return a short hash of one tower's config dataclass (what shapes its outputs).

    An audio adapter's rank does not shape the tower's map, which is what the cache holds, so variants of
    the adapter share their entries.
    """
    d = asdict(config)
    if isinstance(config, AudioConfig):
        d["cache_format"] = AUDIO_CACHE_FORMAT
    if d.get("arch", {}).get("adapter_rank"):
        d["arch"] = {**d["arch"], "adapter_rank": "map"}
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def _map_dir(root: Path, config: AudioConfig) -> Path | None:
    """Where an adapter variant of this (pooled, aisfx) tower caches its maps: their maximum over frames is
    this tower's output, so the frozen and adapter variants of one recipe run the CNN once between them."""
    if config.tower != "aisfx" or config.arch.get("adapter_rank") or config.long_audio == "window":
        return None
    return root / "audio" / tower_fingerprint(replace(config, arch={**config.arch, "adapter_rank": 1}))


def file_hash(path: str | Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:20]


def crop_starts(duration: float, clip_seconds: float, crops: int) -> list[float]:
    """Return the start seconds of `crops` evenly spaced training crops (one for a clip no longer than a crop)."""
    if duration <= clip_seconds or crops <= 1:
        return [0.0]
    return [round(float(s), 3) for s in np.linspace(0.0, duration - clip_seconds, crops)]


@functools.cache
def bound_heap_growth() -> None:
    """Once per process: have glibc's malloc serve every block from 64 KiB on with its own mapping, returned when freed.

    Caching runs decode in a thread (buffers of every size, up to whole files) while the main thread keeps
    each item's outputs for the whole run. With malloc's default, the mapping threshold rises with the first
    large frees, so later decode buffers come from the heap, between long-lived outputs that pin it: caching
    24000 mixtures' maps reached 24 GB and was killed, against 4.6 GB with a fixed threshold. Setting
    MALLOC_MMAP_THRESHOLD_ in the environment does the same; elsewhere than glibc this does nothing.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "mallopt"):
            libc.mallopt(-3, 64 * 1024)  # M_MMAP_THRESHOLD (glibc's malloc.h)
    except OSError:
        pass


def _save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, array)
    tmp.replace(path)


class FeatureCache:
    """Frozen-tower outputs on disk: audio crops per file, text per caption."""

    def __init__(self, root: str | Path, model: ClapModel, batch_size: int = 32) -> None:
        self.model = model
        self.batch_size = batch_size
        self.audio_dir = Path(root) / "audio" / tower_fingerprint(model.config.audio)
        self.map_dir = _map_dir(Path(root), model.config.audio)
        bound_heap_growth()
        self.text_dir = Path(root) / "text" / tower_fingerprint(model.config.text)
        self._hashes: dict[str, str] = {}

    def _hash(self, path: str) -> str:
        if path not in self._hashes:
            self._hashes[path] = file_hash(path)
        return self._hashes[path]

    def _audio_path(self, path: str, starts: Sequence[float]) -> Path:
        crop_key = hashlib.sha1(json.dumps([float(s) for s in starts]).encode()).hexdigest()[:8]
        digest = self._hash(path)
        return self.audio_dir / digest[:2] / f"{digest}_{crop_key}.npy"

    def audio_features(self, items: Sequence[tuple[str, Sequence[float]]],
                       progress: Callable[[int, int], None] | None = None,
                       ) -> tuple[list[np.ndarray | None], dict[str, str]]:
        """Return the audio tower's outputs (crops, width) per (path, crop starts), and {path: reason} failures.

        Missing entries are decoded and run through the tower in batches, then stored.
        """
        cfg = self.model.config.audio

        def crops(i: int) -> list[np.ndarray]:
            path, starts = items[i]
            info = probe(path)
            return [fit_length(read_window(path, s, s + cfg.clip_seconds, cfg.sample_rate, info), cfg.clip_samples)
                    for s in starts]

        return self._features([path for path, _ in items], lambda i: self._audio_path(*items[i]), crops, progress)

    def mix_features(self, mixes: Sequence[Mix], progress: Callable[[int, int], None] | None = None,
                     ) -> tuple[list[np.ndarray | None], dict[str, str]]:
        """Return the audio tower's output (1, width) per mixture, and {mixture key: reason} failures."""
        cfg = self.model.config.audio

        def entry(i: int) -> Path:
            digest = f"{self._hash(mixes[i].fg)}_{self._hash(mixes[i].bg)}"
            return self.audio_dir / "mix" / digest[:2] / f"{digest}_{mixes[i].key()}.npy"

        return self._features([m.key() for m in mixes], entry,
                              lambda i: [render(mixes[i], cfg.sample_rate, cfg.clip_seconds)], progress)

    @torch.no_grad()
    def _features(self, names: Sequence[str], entry_of: Callable[[int], Path],
                  waves_of: Callable[[int], list[np.ndarray]], progress: Callable[[int, int], None] | None,
                  ) -> tuple[list[np.ndarray | None], dict[str, str]]:
        """Load each item's cached tower outputs, or make its waves, run them in batches and store them."""
        out: list[np.ndarray | None] = [None] * len(names)
        failed: dict[str, str] = {}
        todo: list[tuple[int, Path]] = []
        for i, name in enumerate(names):
            try:
                entry = entry_of(i)
            except OSError as e:
                failed[name] = f"cannot read file: {e.strerror or e}"
                continue
            if entry.is_file():
                out[i] = np.load(entry)
            elif self.map_dir is not None and (self.map_dir / entry.relative_to(self.audio_dir)).is_file():
                out[i] = np.load(self.map_dir / entry.relative_to(self.audio_dir)).max(axis=2)  # the tower's own max
            else:
                todo.append((i, entry))
        if todo:
            log.info("computing audio tower outputs for %d items (cached in %s)", len(todo), self.audio_dir)
        waves: list[np.ndarray] = []
        owners: list[tuple[int, Path, int]] = []  # (item, entry, waves) whose waves are in `waves`
        for n, ((i, entry), (made, error)) in enumerate(zip(todo, self._prefetch(waves_of, [i for i, _ in todo]))):
            if made is None:
                failed[names[i]] = error
                continue
            waves += made
            owners.append((i, entry, len(made)))
            if len(waves) >= self.batch_size:
                self._run_audio(waves, owners, out)
                waves, owners = [], []
            if progress:
                progress(n + 1, len(todo))
        if waves:
            self._run_audio(waves, owners, out)
        return out, failed

    def _prefetch(self, waves_of: Callable[[int], list[np.ndarray]], items: list[int],
                  ) -> Iterator[tuple[list[np.ndarray] | None, str]]:
        """Yield (waves, "") or (None, reason) per item, in order, decoding ahead in a thread.

        Decoding and resampling (libsndfile, torchaudio) release the GIL, so the next batch's files decode
        while the tower runs on this one; at most two batches are held ahead, whatever the item count.
        """
        def load(i: int) -> tuple[list[np.ndarray] | None, str]:
            try:
                return waves_of(i), ""
            except AudioError as e:
                return None, str(e)

        ahead = 2 * self.batch_size
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = deque(pool.submit(load, i) for i in items[:ahead])
            for k in range(len(items)):
                result = pending.popleft().result()
                if k + ahead < len(items):
                    pending.append(pool.submit(load, items[k + ahead]))
                yield result

    def _run_audio(self, waves: list[np.ndarray], owners: list[tuple[int, Path, int]],
                   out: list[np.ndarray | None]) -> None:
        x = torch.from_numpy(np.stack(waves)).to(self.model.device)  # (waves, samples)
        tower = self.model.audio_tower
        was_training = tower.training
        tower.eval()  # what inference computes: running batch-norm statistics, left as they are
        try:
            feats = tower(x).float().cpu().numpy()  # (waves, width), or an adapter's (waves, width, frames)
        finally:
            tower.train(was_training)
        k = 0
        for i, entry, n in owners:
            part = feats[k:k + n]
            out[i] = part
            _save(entry, part)
            k += n

    @torch.no_grad()
    def text_features(self, captions: Sequence[str]) -> np.ndarray:
        """Return the text tower's outputs (len(captions), width), computing only those not cached."""
        unique = list(dict.fromkeys(captions))  # mixtures repeat their foreground's captions many times over
        entries = [self.text_dir / f"{hashlib.sha1(c.encode()).hexdigest()[:20]}.npy" for c in unique]
        feats = np.zeros((len(unique), self.model.config.text.width), dtype=np.float32)
        todo = []
        for i, entry in enumerate(entries):
            if entry.is_file():
                feats[i] = np.load(entry)
            else:
                todo.append(i)
        if todo:
            log.info("computing text tower outputs for %d captions (cached in %s)", len(todo), self.text_dir)
        for b in range(0, len(todo), 64):
            idx = todo[b:b + 64]
            tokens = self.model.tokenize([unique[i] for i in idx])
            batch = self.model.text_tower(tokens).float().cpu().numpy()  # (batch, width)
            for i, f in zip(idx, batch):
                feats[i] = f
                _save(entries[i], f)
        row = {c: i for i, c in enumerate(unique)}
        return feats[[row[c] for c in captions]] if captions else feats
