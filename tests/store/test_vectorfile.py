"""Vectors stored once: the float16 vector file, its rows recorded in SQL, crash rules, migration, compaction."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from clapsearch.store import Store
from clapsearch.store import storage as storage_module
from clapsearch.store.storage import VectorStorage
from clapsearch.store.vectorfile import HEADER, VectorFile, VectorFileError, row_crcs, to_rows


def fields(path: str, **kw: object) -> dict[str, object]:
    base = {"path": path, "size": 1, "mtime": 1.0, "content_hash": path[::-1], "status": "indexed", "error": None,
            "duration": 2.0, "sample_rate": 16000, "channels": 1, "format": "WAV"}
    return base | kw


def unit(n: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sql(folder: Path, query: str) -> list[tuple]:
    with sqlite3.connect(folder / "metadata.sqlite") as c:
        return c.execute(query).fetchall()


class Boom(Exception):
    pass


def test_append_read_truncate_and_header_checks(tmp_path: Path) -> None:
    f = VectorFile.create(tmp_path / "v.f16", 8)
    assert f.rows == 0 and f.read(np.zeros(0, np.int64))[0].shape == (0, 8)
    a, b = unit(3, 8, 1), unit(2, 8, 2)
    start, crcs = f.append(a)
    assert start == 0 and f.append(b)[0] == 3 and f.rows == 5
    got, held = VectorFile(tmp_path / "v.f16").read(np.array([4, 0, 9]))  # dim from the header
    assert held.tolist() == [True, True, False]
    np.testing.assert_array_equal(got[:2], to_rows(np.stack([b[1], a[0]]), 8))
    np.testing.assert_allclose(got[:2].astype(np.float32), np.stack([b[1], a[0]]), atol=1e-3)  # float16
    assert crcs.tolist() == row_crcs(to_rows(a, 8)).tolist()
    with open(tmp_path / "v.f16", "ab") as out:  # a crash mid-append leaves a partial row
        out.write(b"\1" * 5)
    assert f.rows == 5 and f.append(a[:1])[0] == 5  # written over the partial row
    assert f.truncate(2) == 4 and (tmp_path / "v.f16").stat().st_size == HEADER + 2 * 16
    with pytest.raises(VectorFileError, match="8-d vectors, the index 4-d"):
        VectorFile(tmp_path / "v.f16", 4)
    (tmp_path / "bad.f16").write_bytes(b"\0" * 100)
    with pytest.raises(VectorFileError, match="damaged header"):
        VectorFile(tmp_path / "bad.f16")


def test_new_segments_store_their_vector_once_in_the_file(tmp_path: Path) -> None:
    store = Store.sqlite_in(tmp_path)
    vecs = unit(3, 16)
    _, ids = store.put_file(fields("/a.wav"), [(0.0, 1.0, vecs[0]), (0.5, 1.5, vecs[1])])
    _, more = store.put_file(fields("/b.wav"), [(0.0, 1.0, vecs[2])])
    rows = sql(tmp_path, "select id, vector_row, length(vector) from segments order by id")
    assert rows == [(ids[0], 0, 0), (ids[1], 1, 0), (more[0], 2, 0)]  # no blob: the row in vectors.f16
    assert (tmp_path / "vectors.f16").stat().st_size == HEADER + 3 * 16 * 2
    np.testing.assert_allclose(store.vectors_of("/a.wav", 16), vecs[:2], atol=1e-3)
    np.testing.assert_array_equal(store.vectors_of("/a.wav", 16), Store.stored(vecs[:2]))
    np.testing.assert_array_equal(store.vectors_by_ids(np.array([more[0], 999, ids[0]]), 16),
                                  Store.stored(np.stack([vecs[2], np.zeros(16), vecs[0]])))
    got = np.concatenate([v for _, v in Store.sqlite_in(tmp_path, readonly=True).iter_vectors(16, chunk=2)])
    np.testing.assert_array_equal(got, Store.stored(vecs))
    assert store.damaged == set()


def test_rows_appended_before_a_failed_commit_are_cut_off_on_open(tmp_path: Path, monkeypatch) -> None:
    store = Store.sqlite_in(tmp_path)
    store.put_file(fields("/a.wav"), [(0.0, 1.0, unit(1, 8)[0])])
    monkeypatch.setattr(VectorStorage, "committed", staticmethod(lambda s, end: (_ for _ in ()).throw(Boom())))
    with pytest.raises(Boom):  # appended and fsynced, then the SQL transaction fails: nothing refers to the rows
        store.put_file(fields("/b.wav"), [(0.0, 1.0, unit(1, 8, 1)[0]), (1.0, 2.0, unit(1, 8, 2)[0])])
    monkeypatch.undo()
    assert VectorFile(tmp_path / "vectors.f16").rows == 3 and store.count_segments() == 1
    Store.sqlite_in(tmp_path, readonly=True)  # a reader cuts nothing
    assert VectorFile(tmp_path / "vectors.f16").rows == 3
    store = Store.sqlite_in(tmp_path)  # a writer cuts the file back to the rows SQL knows
    assert VectorFile(tmp_path / "vectors.f16").rows == 1
    _, ids = store.put_file(fields("/b.wav"), [(0.0, 1.0, unit(1, 8, 3)[0])])
    assert sql(tmp_path, f"select vector_row from segments where id = {ids[0]}") == [(1,)]
    np.testing.assert_array_equal(store.vectors_of("/b.wav", 8), Store.stored(unit(1, 8, 3)))


OLD_SCHEMA = """
CREATE TABLE files (id INTEGER NOT NULL, path VARCHAR(4096) NOT NULL, size BIGINT NOT NULL, mtime FLOAT NOT NULL,
    content_hash VARCHAR(64) NOT NULL, duration FLOAT, sample_rate INTEGER, channels INTEGER, format VARCHAR(32),
    status VARCHAR(16) NOT NULL, error TEXT, PRIMARY KEY (id));
CREATE UNIQUE INDEX ix_files_path ON files (path);
CREATE INDEX ix_files_content_hash ON files (content_hash);
CREATE TABLE segments (id INTEGER NOT NULL, file_id INTEGER NOT NULL, start FLOAT NOT NULL, "end" FLOAT NOT NULL,
    vector BLOB NOT NULL, PRIMARY KEY (id), FOREIGN KEY(file_id) REFERENCES files (id) ON DELETE CASCADE);
CREATE INDEX ix_segments_file_id ON segments (file_id);
CREATE TABLE index_meta ("key" VARCHAR(64) NOT NULL, value TEXT NOT NULL, PRIMARY KEY ("key"));
"""


def old_index(folder: Path, files: int, per_file: int, dim: int) -> np.ndarray:
    """An index as clapsearch wrote it before the vector file: float32 blobs in segments.vector."""
    folder.mkdir(parents=True, exist_ok=True)
    vecs = unit(files * per_file, dim, 7)
    with sqlite3.connect(folder / "metadata.sqlite") as c:
        c.executescript(OLD_SCHEMA)
        c.execute("insert into index_meta values ('generation', '5'), ('dim', ?)", (str(dim),))
        for f in range(files):
            c.execute("insert into files (id, path, size, mtime, content_hash, status) values (?, ?, 1, 1.0, ?, "
                      "'indexed')", (f + 1, f"/old/{f}.wav", f"h{f}"))
            for j in range(per_file):
                c.execute("insert into segments (file_id, start, \"end\", vector) values (?, ?, ?, ?)",
                          (f + 1, float(j), j + 1.0, vecs[f * per_file + j].astype("<f4").tobytes()))
    return vecs


def test_an_old_blob_index_is_read_as_it_is_then_migrated_crash_safe(tmp_path: Path, monkeypatch) -> None:
    vecs = old_index(tmp_path, 5, 3, 8)
    reader = Store.sqlite_in(tmp_path, readonly=True)  # no row columns yet: the blobs, bit for bit
    np.testing.assert_array_equal(np.concatenate([v for _, v in reader.iter_vectors(8)]), vecs)
    np.testing.assert_array_equal(reader.vectors_of("/old/1.wav", 8), vecs[3:6])
    monkeypatch.setattr(storage_module, "MIGRATE_BATCH", 4)
    real, calls = VectorStorage.committed, [0]

    def fail_third(s, end):
        calls[0] += 1
        if calls[0] == 3:
            raise Boom
        real(s, end)

    monkeypatch.setattr(VectorStorage, "committed", staticmethod(fail_third))
    store = Store.sqlite_in(tmp_path)  # columns added, NULL: still the blobs
    np.testing.assert_array_equal(store.vectors_of("/old/4.wav", 8), vecs[12:])
    with pytest.raises(Boom):  # two batches committed, the third appended but not committed
        store.migrate_vectors()
    monkeypatch.setattr(VectorStorage, "committed", staticmethod(real))
    assert sql(tmp_path, "select count(*) from segments where vector_row is null") == [(7,)]
    got = np.concatenate([v for _, v in Store.sqlite_in(tmp_path, readonly=True).iter_vectors(8)])
    np.testing.assert_allclose(got, vecs, atol=1e-3)  # 8 from the file, 7 still blobs
    store = Store.sqlite_in(tmp_path)
    assert VectorFile(tmp_path / "vectors.f16").rows == 8  # the uncommitted batch cut off
    assert store.migrate_vectors() == 7 and store.migrate_vectors() == 0
    assert store.meta()["vector_blobs"] == "none"  # later opens do not look for blobs again
    assert sql(tmp_path, "select count(*), sum(length(vector)) from segments where vector_row is null") == [(0, None)]
    assert sql(tmp_path, "select max(vector_row), count(distinct vector_row) from segments") == [(14, 15)]
    np.testing.assert_array_equal(np.concatenate([v for _, v in store.iter_vectors(8)]), Store.stored(vecs))
    assert store.generation() == 5  # the vectors did not change (beyond float16): FAISS stays current


def _filled(folder: Path, files: int = 6) -> tuple[Store, dict[str, np.ndarray]]:
    store = Store.sqlite_in(folder)
    held = {}
    for f in range(files):
        v = unit(2, 8, f)
        store.put_file(fields(f"/{f}.wav"), [(0.0, 1.0, v[0]), (1.0, 2.0, v[1])])
        held[f"/{f}.wav"] = Store.stored(v)
    return store, held


def test_compaction_keeps_live_rows_only_and_runs_past_half_garbage(tmp_path: Path) -> None:
    store, held = _filled(tmp_path)
    store.remove_files(["/0.wav", "/2.wav"])
    assert store.compact_vectors() == 0  # 4 of 12 rows garbage: not yet
    store.put_file(fields("/3.wav", size=2), [(0.0, 1.0, unit(1, 8, 30)[0])])
    held["/3.wav"] = Store.stored(unit(1, 8, 30))
    store.remove_files(["/4.wav"])  # 13 rows, 5 live
    gen = store.generation()
    assert store.compact_vectors() == 8
    assert sorted(p.name for p in tmp_path.glob("*.f16")) == ["vectors-1.f16"]
    assert VectorFile(tmp_path / "vectors-1.f16").rows == 5 and store.generation() == gen
    for p in ("/1.wav", "/3.wav", "/5.wav"):
        np.testing.assert_array_equal(store.vectors_of(p, 8), held[p])
    assert store.compact_vectors(force=True) == 0  # nothing to drop
    store.put_file(fields("/6.wav"), [(0.0, 1.0, unit(1, 8, 60)[0])])  # appends go to the new file
    assert sql(tmp_path, "select vector_row from segments order by vector_row") == [(i,) for i in range(6)]
    assert store.damaged == set() and not list(Store.sqlite_in(tmp_path).damaged)


@pytest.mark.parametrize("step", ["copy_rows", "swap", "unlink"])
def test_a_crash_at_each_compaction_step_loses_and_duplicates_nothing(tmp_path: Path, monkeypatch,
                                                                     step: str) -> None:
    store, held = _filled(tmp_path)
    store.remove_files(["/0.wav", "/1.wav", "/2.wav", "/3.wav"])
    if step == "copy_rows":  # the new file written, the SQL transaction not begun
        real_copy = VectorFile.copy_rows
        monkeypatch.setattr(VectorFile, "copy_rows", lambda self, *a, **k: (real_copy(self, *a, **k), 1 / 0))
    elif step == "swap":  # the new file written, its SQL transaction failing
        monkeypatch.setattr(VectorStorage, "swap", lambda *a: 1 / 0)
    else:  # committed, the old file not yet removed
        monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        store.compact_vectors()
    monkeypatch.undo()
    assert len(list(tmp_path.glob("*.f16"))) == 2  # both files on disk
    reopened = Store.sqlite_in(tmp_path)  # a writer's open removes the file the meta does not name
    assert len(list(tmp_path.glob("*.f16"))) == 1
    for p in ("/4.wav", "/5.wav"):
        np.testing.assert_array_equal(reopened.vectors_of(p, 8), held[p])
    assert reopened.compact_vectors(force=True) == (0 if step == "unlink" else 8)
    assert sorted(r.tobytes() for _, v in reopened.iter_vectors(8) for r in v) == \
        sorted(r.tobytes() for p in ("/4.wav", "/5.wav") for r in held[p])


def test_a_damaged_row_is_left_out_of_bulk_reads_and_its_file_marked_for_embedding(tmp_path: Path) -> None:
    store, held = _filled(tmp_path, 3)
    path = tmp_path / "vectors.f16"
    data = bytearray(path.read_bytes())
    data[HEADER + 3 * 16 + 2] ^= 0x40  # one bit of row 3 (the second segment of /1.wav)
    path.write_bytes(bytes(data))
    reader = Store.sqlite_in(tmp_path, readonly=True)
    ids = np.concatenate([i for i, _ in reader.iter_vectors(8)])
    damaged_id = sql(tmp_path, "select id from segments where vector_row = 3")[0][0]
    assert len(ids) == 5 and damaged_id not in ids and reader.damaged == {damaged_id}
    assert not reader.vectors_of("/1.wav", 8)[1].any()  # a damaged vector reads as zeros
    store.damaged = reader.damaged
    gen = store.generation()
    one = sql(tmp_path, "select id from segments where file_id = 2")
    assert store.drop_damaged() == (["/1.wav"], [i for i, in one])
    assert store.file_states()["/1.wav"].size == -1 and store.generation() == gen + 1
    assert store.count_segments() == 4 and store.damaged == set()
    path.write_bytes(bytes(data[:HEADER + 2 * 16]))  # the file cut short: rows past its end are damaged too
    np.testing.assert_array_equal(np.concatenate([v for _, v in reader.iter_vectors(8)]), held["/0.wav"])
