"""SearchEngine: the one similarity code path, for queries, 'sounds like this', and zero-shot benchmarks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clapsearch.audio import AudioError, probe
from clapsearch.encoder import Encoder
from clapsearch.index import IndexDir
from clapsearch.paths import display_path
from clapsearch.store import Store
from clapsearch.vectors import VectorIndex


@dataclass(frozen=True)
class Hit:
    path: str
    score: float
    start: float
    end: float

    def to_dict(self) -> dict[str, object]:
        return {"path": display_path(self.path), "score": round(self.score, 6), "start": round(self.start, 3),
                "end": round(self.end, 3)}


def best_window_scores(window_scores: np.ndarray, owner: np.ndarray, n_files: int) -> np.ndarray:
    """(windows, queries) scores and each window's file index -> (n_files, queries): each file at its best window.

    The ranking rule of the engine: a file scores as its best segment (rank_files keeps each file's first, i.e.
    best, hit). Used where the windows are in memory rather than in an index (the trainer's dev sets). A file
    without windows scores -inf.
    """
    out = np.full((n_files, window_scores.shape[1]), -np.inf, dtype=np.float32)
    np.maximum.at(out, owner, window_scores)
    return out


def rank_files(queries: np.ndarray, vectors: VectorIndex, store: Store, k: int,
               exclude: set[str] | None = None) -> list[list[Hit]]:
    """Return, per query vector, the k best files by cosine similarity, each at its best segment
    (as best_window_scores).

    Segments are searched exactly (FAISS inner product on normalised vectors). A file appears once; since
    a long file has many segments, the segment search widens until k distinct files are found or the index
    is exhausted.
    """
    queries = np.asarray(queries, dtype=np.float32).reshape(-1, vectors.dim)
    exclude = exclude or set()
    out: list[list[Hit]] = []
    for q in queries:
        want = k + len(exclude)
        n = min(vectors.ntotal, max(4 * want, 32))
        while True:
            scores, ids = vectors.search(q[None, :], n)
            meta = store.segments(ids[0][ids[0] >= 0])
            best: dict[str, Hit] = {}
            for score, sid in zip(scores[0], ids[0]):
                seg = meta.get(int(sid))
                if seg is None or seg.path in exclude or seg.path in best:
                    continue
                best[seg.path] = Hit(seg.path, float(score), seg.start, seg.end)
            if len(best) >= k or n >= vectors.ntotal:
                break
            n = min(vectors.ntotal, n * 4)
        out.append(list(best.values())[:k])
    return out


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
                 device: str = "auto") -> None:
        self.index = IndexDir.open(index, db_url=db_url, model=model, device=device, create=False)

    @property
    def encoder(self) -> Encoder:
        return self.index.encoder

    def search_vectors(self, queries: np.ndarray, k: int = 10, exclude: set[str] | None = None) -> list[list[Hit]]:
        return rank_files(queries, self.index.vectors, self.index.store, k, exclude)

    def query_text(self, texts: list[str], k: int = 10) -> list[list[Hit]]:
        """Return the k best files for each text query."""
        return self.search_vectors(self.encoder.embed_texts(list(texts)), k)

    def query_audio(self, path: str | Path, k: int = 10) -> list[Hit]:
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
        q = vecs.mean(axis=0)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        return self.search_vectors(q[None, :], k, exclude={resolved})[0]

    def file_count(self) -> int:
        return len([s for s in self.index.store.file_states().values() if s.status == "indexed"])
