"""The vector file through the indexer and the search engine: an older blob index migrated by the next index run,
damaged rows re-embedded, compaction after removals, and ivf-pq re-ranking from the file."""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import noise

from clapsearch.indexer import IndexDir, index_paths
from clapsearch.search import SearchEngine
from clapsearch.store import Store
from clapsearch.store.vectorfile import HEADER, VectorFile
from clapsearch.vectors import VectorIndex

DIM = 32


def run(lib: Path, index: Path, **kw: object):
    return index_paths([lib], index, model="tiny", workers=0, **kw)


def vectors_by_path(folder: Path) -> dict[str, np.ndarray]:
    store = Store.sqlite_in(folder, readonly=True)
    return {p: store.vectors_of(p, DIM) for p, s in store.file_states().items() if s.status == "indexed"}


def make_old(folder: Path) -> None:
    """Turn an index into one of an older clapsearch: float32 blobs, no row columns, no vector file."""
    held = vectors_by_path(folder)
    with sqlite3.connect(folder / "metadata.sqlite") as c:
        for path, vecs in held.items():
            ids = [i for i, in c.execute("select s.id from segments s join files f on f.id = s.file_id "
                                         "where f.path = ? order by s.id", (path,))]
            for i, v in zip(ids, vecs):
                c.execute("update segments set vector = ? where id = ?", (v.astype("<f4").tobytes(), i))
        c.execute("alter table segments drop column vector_row")
        c.execute("alter table segments drop column vector_crc")
        c.execute("delete from index_meta where key in ('vector_file', 'vector_rows', 'vector_blobs')")
    (folder / "vectors.f16").unlink()


@pytest.mark.parametrize("kind", ["flat", "ivf-pq"])
def test_an_older_blob_index_answers_then_the_next_run_moves_its_vectors_to_the_file(library: Path, tmp_path: Path,
                                                                                     kind: str) -> None:
    idx = tmp_path / "idx"
    run(library, idx, vector_index=kind)
    before = vectors_by_path(idx)
    hits = [(h.path, round(h.score, 5)) for h in SearchEngine(idx, device="cpu").query_text(["a tone"], k=4)[0]]
    make_old(idx)
    old = SearchEngine(idx, device="cpu")  # read as it is: the blobs
    assert [(h.path, round(h.score, 5)) for h in old.query_text(["a tone"], k=4)[0]] == hits
    assert not (idx / "vectors.f16").exists()
    summary = run(library, idx)
    assert summary.unchanged == 4 and summary.added == summary.updated == 0
    assert VectorFile(idx / "vectors.f16").rows == sum(len(v) for v in before.values())
    with sqlite3.connect(idx / "metadata.sqlite") as c:
        assert c.execute("select count(*) from segments where vector_row is null or length(vector) > 0"
                         ).fetchone() == (0,)
    after = vectors_by_path(idx)
    for p in before:
        np.testing.assert_array_equal(after[p], before[p])  # the blobs held float16 values already
    engine = SearchEngine(idx, device="cpu")
    assert engine.index.vectors.kind == kind
    assert [(h.path, round(h.score, 5)) for h in engine.query_text(["a tone"], k=4)[0]] == hits


def test_a_damaged_row_is_found_on_rebuild_and_its_file_embedded_again(library: Path, tmp_path: Path,
                                                                      caplog) -> None:
    idx = tmp_path / "idx"
    run(library, idx)
    clean = vectors_by_path(idx)
    data = bytearray((idx / "vectors.f16").read_bytes())
    data[HEADER + 5] ^= 0x10  # row 0: the first file's first segment
    (idx / "vectors.f16").write_bytes(bytes(data))
    (idx / "vectors.json").unlink()  # FAISS must be rebuilt: the bulk read finds the damage
    with caplog.at_level(logging.WARNING):
        reader = SearchEngine(idx, device="cpu")
    assert reader.index.vectors.ntotal == reader.index.store.count_segments() - 1  # the damaged row left out
    assert sum("damaged" in r.getMessage() for r in caplog.records) == 1
    assert VectorIndex.load(idx, DIM) is None  # a reader does not save a FAISS that lacks vectors
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        summary = run(library, idx)
    assert sum("damaged" in r.getMessage() for r in caplog.records) == 1
    assert summary.updated == 1 and summary.unchanged == 3
    again = vectors_by_path(idx)
    for p in clean:
        np.testing.assert_allclose(again[p], clean[p], atol=1e-6)
    engine = SearchEngine(idx, device="cpu")
    assert engine.index.vectors.ntotal == engine.index.store.count_segments()
    assert {h.path for h in engine.query_text(["a tone"], k=10)[0]} == set(clean)


def test_removals_past_half_the_file_compact_it_at_the_end_of_the_run(library: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    for n in range(4):
        sf.write(library / f"extra{n}.wav", noise(3.5, 16000, seed=20 + n), 16000)
    run(library, idx)
    rows = VectorFile(idx / "vectors.f16").rows
    for n in range(4):
        (library / f"extra{n}.wav").unlink()
    summary = run(library, idx)
    assert summary.removed == 4
    assert not (idx / "vectors.f16").exists() and VectorFile(idx / "vectors-1.f16").rows == summary.segments < rows / 2
    engine = SearchEngine(idx, device="cpu")
    assert engine.index.vectors.ntotal == summary.segments
    assert len(engine.query_text(["a tone"], k=10)[0]) == 4


def test_ivf_pq_reranks_its_shortlist_from_the_vector_file(library: Path, tmp_path: Path, monkeypatch) -> None:
    idx = tmp_path / "idx"
    run(library, idx, vector_index="ivf-pq")
    opened = IndexDir.open(idx, device="cpu")
    q = opened.store.vectors_of(next(iter(vectors_by_path(idx))), DIM)[:1]
    asked: list[int] = []
    real = VectorFile.read

    def counted(self, rows):
        asked.append(len(rows))
        return real(self, rows)

    monkeypatch.setattr(VectorFile, "read", counted)
    scores, ids = opened.vectors.search(q, 3)
    assert asked == [opened.vectors.ntotal]  # the whole (tiny) index is the shortlist, read from the file
    exact = opened.store.vectors_by_ids(ids[0], DIM) @ q[0]
    np.testing.assert_allclose(scores[0], exact, rtol=1e-6)
