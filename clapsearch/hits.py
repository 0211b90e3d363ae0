"""Hit: one ranked file at its best segment, as the search engine returns it and `query --json` prints it.

A module of its own, importing nothing heavy, so `clapsearch query` answered by a running server can build the
same results without loading the search engine (SQL, FAISS)."""
from __future__ import annotations

from dataclasses import dataclass

from clapsearch.paths import display_path


@dataclass(frozen=True)
class Hit:
    path: str
    score: float
    start: float
    end: float
    file_id: int | None = None
    segment_id: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"path": display_path(self.path), "score": round(self.score, 6), "start": round(self.start, 3),
                "end": round(self.end, 3), "file_id": self.file_id, "segment_id": self.segment_id}
