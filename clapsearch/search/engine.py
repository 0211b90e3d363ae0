"""SearchEngine: the one similarity code path, for queries, 'sounds like this', and zero-shot benchmarks."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from clapsearch.audio import AudioError, probe
from clapsearch.encoder import Encoder
from clapsearch.errors import UserError
from clapsearch.index import IndexDir
from clapsearch.paths import display_path
from clapsearch.search.dupes import DEFAULT_THRESHOLD, DupeGroup, find_dupes
from clapsearch.search.filters import Query, as_query
from clapsearch.search.ranking import Candidates, Hit, best_window_scores, rank_files
from clapsearch.store.store import FileInfo

__all__ = ["Candidates", "Hit", "SearchEngine", "UnknownFile", "best_window_scores", "check_query_audio",
           "rank_files"]

Where = Query | Sequence[str] | str | None


class UnknownFile(UserError, LookupError):
    """A file or segment id the index does not hold."""


def check_query_audio(path: str | Path) -> None:
    """Refuse a query file that is missing, a folder or not audio.

    The AudioError names the path and the fix."""
    shown = display_path(str(path))
    p = Path(path)
    if p.is_dir():
        raise AudioError(f"--audio {shown} is a folder, not an audio file: give one recording (to search the "
                         f"sounds in that folder, index it with 'clapsearch index {shown}')")
    if not p.exists():
        raise AudioError(f"--audio {shown}: no such file: give the path of a recording to find sounds like it")
    try:
        probe(p)
    except AudioError as e:
        raise AudioError(f"--audio {shown} cannot be used: {e}; give a recording clapsearch can decode "
                         "(WAV, FLAC, OGG, MP3, AIFF...)") from None


class SearchEngine:
    """Opens an index read-only with the model it was built with."""

    def __init__(self, index: str | Path, db_url: str | None = None, model: str | None = None,
                 device: str = "auto", precision: str = "auto") -> None:
        self.index = IndexDir.open(index, db_url=db_url, model=model, device=device, create=False,
                                   precision=precision)

    @property
    def encoder(self) -> Encoder:
        return self.index.encoder

    def candidates(self, where: Where) -> Candidates | None:
        """The segments of the files a filter selects (in SQL, before any vector search); None: no filter."""
        query = as_query(where)
        if query is None:
            return None
        ids, files = self.index.store.segment_ids_where(query.clause())
        return Candidates(ids, files)

    def search_vectors(self, queries: np.ndarray, k: int = 10, exclude: Iterable[str | int] | None = None,
                       where: Where = None) -> list[list[Hit]]:
        """Return, per query vector, the k best files (exclude: paths or file ids), among those `where` selects."""
        return rank_files(queries, self.index.vectors, self.index.store, k, exclude, self.candidates(where))

    def query_text(self, texts: list[str], k: int = 10, where: Where = None) -> list[list[Hit]]:
        """Return the k best files for each text query."""
        return self.search_vectors(self.encoder.embed_texts(list(texts)), k, where=where)

    def query_audio(self, path: str | Path, k: int = 10, where: Where = None) -> list[Hit]:
        """Return the k files that sound most like the given file (the file itself left out).

        The query is the mean of the file's window vectors, re-normalised: one vector for the whole sound.
        """
        check_query_audio(path)
        resolved = str(Path(path).resolve())
        vecs = self.index.store.vectors_of(resolved, self.encoder.dim)
        if not len(vecs):  # not indexed: embed it now
            try:
                vecs = np.stack([v for _, _, v in self.encoder.embed_file(path)])
            except AudioError as e:  # the header was fine, the samples are not (a truncated file)
                raise AudioError(f"--audio {display_path(str(path))} cannot be used: {e}; give a recording "
                                 "clapsearch can decode (WAV, FLAC, OGG, MP3, AIFF...)") from None
        return self.search_vectors(_mean_direction(vecs)[None, :], k, exclude={resolved}, where=where)[0]

    def similar_to_file(self, file_id: int, k: int = 10, segment_id: int | None = None,
                        where: Where = None) -> list[Hit]:
        """"More like this": the k files most like an indexed file (its mean vector) or one of its segments,
        the file itself left out. An unknown id is an UnknownFile error."""
        info = self.index.store.files_by_id([file_id]).get(int(file_id))
        segments = self.index.store.file_segments(int(file_id)) if info is not None else []
        if info is None or not segments:
            raise UnknownFile(f"no indexed file with id {file_id}")
        vecs = self.index.store.vectors_of(info.path, self.index.vectors.dim)
        if segment_id is not None:
            rows = [i for i, (sid, _, _) in enumerate(segments) if sid == int(segment_id)]
            if not rows or len(vecs) != len(segments):
                raise UnknownFile(f"file {file_id} has no segment {segment_id}")
            vecs = vecs[rows]
        return self.search_vectors(_mean_direction(vecs)[None, :], k, exclude={int(file_id)}, where=where)[0]

    def dupes(self, threshold: float = DEFAULT_THRESHOLD) -> list[DupeGroup]:
        """Groups of exact and near-duplicate files of the whole index (see clapsearch.search.dupes)."""
        return find_dupes(self.index.vectors, self.index.store, threshold)

    def files(self, hits: Iterable[Hit]) -> dict[int, FileInfo]:
        """The metadata of the hits' files, in one query (by file id)."""
        return self.index.store.files_by_id(h.file_id for h in hits if h.file_id is not None)

    def file_count(self) -> int:
        return len([s for s in self.index.store.file_states().values() if s.status == "indexed"])


def _mean_direction(vecs: np.ndarray) -> np.ndarray:
    """(n, D) vectors -> (D,) their mean, re-normalised: one query for a whole sound."""
    q = np.asarray(vecs, dtype=np.float32).mean(axis=0)
    return q / max(float(np.linalg.norm(q)), 1e-12)
