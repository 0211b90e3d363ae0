"""The index a server answers from: the current SearchEngine (swapped whole after a watched update) and the
searches the API offers, each returning API result dicts ranked as `clapsearch query --json` ranks."""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from clapsearch.errors import UserError
from clapsearch.search import Hit, SearchEngine
from clapsearch.search.filters import AndQuery, FolderQuery, OrQuery, Query, parse_filters
from clapsearch.server import catalog
from clapsearch.store.store import FileInfo


class NotFound(UserError, LookupError):
    """An id the index does not hold (HTTP 404)."""


@dataclass
class Filters:
    """The API's filter parameters, as given (lists: repeated parameters)."""

    where: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    min_duration: float | None = None
    max_duration: float | None = None
    sample_rate: int | None = None

    def query(self) -> Query | None:
        """The filter as the engine takes it (None: no filter); a malformed one is a one-line OptionError.

        A folder is an absolute path (files under it) or a bare name (any folder so named): never relative to
        the server's working folder.
        """
        where = list(self.where)
        if self.min_duration is not None:
            where.append(f"duration>={self.min_duration!r}")
        if self.max_duration is not None:
            where.append(f"duration<={self.max_duration!r}")
        if self.sample_rate is not None:
            where.append(f"sample_rate={self.sample_rate}")
        parts = [q for q in [parse_filters(where=where, formats=self.formats, paths=self.paths)] if q is not None]
        folders: list[Query] = [FolderQuery(os.path.normpath(f)) if os.path.isabs(f)
                                else FolderQuery(f.strip("/"), anywhere=True) for f in self.folders if f.strip("/")]
        if folders:
            parts.append(folders[0] if len(folders) == 1 else OrQuery(tuple(folders)))
        return None if not parts else parts[0] if len(parts) == 1 else AndQuery(tuple(parts))


class Library:
    """Holds the engine the routes read. A route takes `engine` once, so it answers from one snapshot even when
    the watcher swaps in a newer one meanwhile."""

    def __init__(self, engine: SearchEngine, watching: bool = False) -> None:
        self.engine = engine
        self.watching = watching
        self.swap_lock = threading.Lock()
        self._summary: tuple[int, dict[str, object]] | None = None

    def swap(self, engine: SearchEngine) -> None:
        with self.swap_lock:
            self.engine = engine
            self._summary = None

    def info(self) -> dict[str, object]:
        engine = self.engine
        generation = engine.index.store.generation()
        if self._summary is None or self._summary[0] != generation:
            self._summary = (generation, catalog.summary(engine.index.store))
        meta = engine.index.store.meta()
        return {"model": meta.get("model", ""), **self._summary[1], "watch": self.watching}

    def file(self, file_id: str) -> FileInfo:
        """Return an indexed file by the id a client gave (digits only: anything else is unknown)."""
        if not file_id.isdigit() or len(file_id) > 18:
            raise NotFound(f"no indexed file with id {file_id[:40]!r}")
        info = catalog.file_by_id(self.engine.index.store, int(file_id))
        if info is None:
            raise NotFound(f"no indexed file with id {file_id}")
        return info

    def search_text(self, q: str, k: int, filters: Filters, engine: SearchEngine | None = None,
                    timings: dict[str, float] | None = None) -> list[dict[str, object]]:
        """Results for a text query (the engine's query_text, as the CLI's); timings, if given, receives the seconds
        of `rank` (text encoding and vector search) and `metadata` (the results' SQL)."""
        engine = engine or self.engine
        query = filters.query()  # a malformed filter fails before the text is encoded
        t0 = time.perf_counter()
        hits = engine.query_text([q], k, where=query)[0]
        t1 = time.perf_counter()
        out = results(engine, hits)
        if timings is not None:
            timings.update(rank=t1 - t0, metadata=time.perf_counter() - t1)
        return out

    def search_vector(self, vector: np.ndarray, k: int, filters: Filters) -> list[dict[str, object]]:
        engine = self.engine
        return results(engine, engine.search_vectors(vector[None, :], k, where=filters.query())[0])

    def similar(self, info: FileInfo, k: int, segment_id: int | None,
                filters: Filters) -> list[dict[str, object]]:
        """'More like this': files like an indexed file (its mean vector) or one of its segments, itself left out."""
        engine = self.engine
        try:
            hits = engine.similar_to_file(info.file_id, k, segment_id=segment_id, where=filters.query())
        except LookupError as e:
            raise NotFound(str(e)) from None
        return results(engine, hits)


def results(engine: SearchEngine, hits: list[Hit]) -> list[dict[str, object]]:
    """Hits as API results: each hit's file metadata, segment id and score (hits of files gone are dropped)."""
    files = engine.files(hits)
    out: list[dict[str, object]] = []
    for h in hits:
        f = files.get(h.file_id) if h.file_id is not None else None
        if f is not None:
            out.append({**catalog.file_fields(f), "segment_id": h.segment_id, "score": round(h.score, 6),
                        "start": round(h.start, 3), "end": round(h.end, 3)})
    return out
