"""`serve --watch`: new, changed, moved and deleted files are indexed within seconds while queries go on.

watchdog reports file-system events under the index's recorded roots. After a quiet second (debounce) the
folders that saw events are brought up to date by the ordinary incremental indexer, under the index's lock, in
a background thread; then the server's engine is swapped for one holding the new vectors (requests in flight
keep the snapshot they started with).
"""
from __future__ import annotations

import copy
import dataclasses
import logging
import os
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from clapsearch.audio.decode import AUDIO_EXTENSIONS
from clapsearch.errors import UserError
from clapsearch.index import IndexLocked
from clapsearch.indexer import IndexSummary, index_paths
from clapsearch.indexer.scan import ROOTS_META, recorded_roots, under
from clapsearch.search import SearchEngine
from clapsearch.server.library import Library

log = logging.getLogger(__name__)

EVENTS = {"created", "modified", "closed", "deleted", "moved"}
LOCKED_RETRY_SECONDS = 2.0


def watched_roots(engine: SearchEngine) -> list[str]:
    """The folders and files the index was built from (recorded by the indexer), or, for an index built before
    roots were recorded, the top-most folders holding its files."""
    store = engine.index.store
    roots = recorded_roots(store.meta().get(ROOTS_META))
    if not roots:
        folders = sorted({os.path.dirname(p) for p, s in store.file_states().items() if s.status == "indexed"})
        for f in folders:
            if not under(f, roots):
                roots.append(f)
    return [r for r in roots if os.path.exists(r)]


def reopened(engine: SearchEngine) -> SearchEngine:
    """A new engine on the index's current state (its FAISS file agreeing with SQL), sharing the loaded model."""
    index = dataclasses.replace(engine.index)
    index.vectors = index._load_vectors(writable=False)
    fresh = copy.copy(engine)
    fresh.index = index
    return fresh


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in EVENTS or (event.is_directory and event.event_type == "modified"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        self.watcher.touched([os.fsdecode(p) for p in paths if p], event.is_directory)


class Watcher:
    """Watches the index's roots and keeps the library's engine up to date (start/stop)."""

    def __init__(self, library: Library, index_dir: str | Path, db_url: str | None = None, device: str = "auto",
                 debounce: float = 1.0) -> None:
        self.library = library
        self.index_dir = Path(index_dir).resolve()
        self.db_url, self.device, self.debounce = db_url, device, debounce
        self.roots = watched_roots(library.engine)
        self.updates = 0  # batches applied (tests and the log read it)
        self.last_summary: IndexSummary | None = None
        self._pending: set[str] = set()
        self._last_event = 0.0
        self._cond = threading.Condition()
        self._stopping = False
        self._observer = Observer()
        self._thread = threading.Thread(target=self._loop, name="clapsearch-watch", daemon=True)

    def start(self) -> None:
        handler = _Handler(self)
        for root in self.roots:
            folder = root if os.path.isdir(root) else os.path.dirname(root)
            self._observer.schedule(handler, folder, recursive=os.path.isdir(root))
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._observer.stop()
        self._observer.join(5)
        self._thread.join(30)

    def touched(self, paths: list[str], is_directory: bool) -> None:
        """Note the folders to bring up to date for an event on these paths."""
        scopes = set()
        for p in paths:
            name = os.path.basename(p)
            if name.startswith(".") or under(p, [str(self.index_dir)]) or not under(p, self.roots):
                continue
            if not is_directory and os.path.splitext(name)[1].lower() not in AUDIO_EXTENSIONS:
                continue
            scopes.add(p if p in self.roots else os.path.dirname(p))
        if scopes:
            with self._cond:
                self._pending |= scopes
                self._last_event = time.monotonic()
                self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._pending
                                              or time.monotonic() - self._last_event < self.debounce):
                    wait = self.debounce - (time.monotonic() - self._last_event) if self._pending else None
                    self._cond.wait(max(wait, 0.05) if wait is not None else None)
                if self._stopping:
                    return
                scopes, self._pending = self._pending, set()
            self._update(scopes)

    def _update(self, scopes: set[str]) -> None:
        paths = self._existing(scopes)
        if not paths:
            return
        try:
            summary = index_paths(paths, self.index_dir, db_url=self.db_url, device=self.device, workers=0)
        except IndexLocked:  # `clapsearch index` is writing: try again shortly
            with self._cond:
                self._pending |= scopes
                self._last_event = time.monotonic() + LOCKED_RETRY_SECONDS
            return
        except UserError as e:
            log.warning("watch: could not update %s: %s", ", ".join(paths), e)
            return
        except Exception:  # noqa: BLE001 - a watcher that dies would silently stop updates: log and go on
            log.exception("watch: internal error updating %s", ", ".join(paths))
            return
        self.library.swap(reopened(self.library.engine))
        self.last_summary = summary
        self.updates += 1
        log.info("watch: %s", summary.to_dict())

    def _existing(self, scopes: set[str]) -> list[str]:
        """The scopes as folders to index: each the nearest existing one inside a root, none inside another."""
        out: set[str] = set()
        for s in scopes:
            while not os.path.exists(s) and s not in self.roots and under(os.path.dirname(s), self.roots):
                s = os.path.dirname(s)
            if os.path.exists(s):
                out.add(s)
        kept: list[str] = []
        for s in sorted(out, key=len):
            if not under(s, kept):
                kept.append(s)
        return kept
