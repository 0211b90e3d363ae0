from __future__ import annotations

import numpy as np

from clapsearch.store import Store


def fields(path: str, **kw: object) -> dict[str, object]:
    base = {"path": path, "size": 1, "mtime": 1.0, "content_hash": path[::-1], "status": "indexed", "error": None,
            "duration": 2.0, "sample_rate": 16000, "channels": 1, "format": "WAV"}
    return base | kw


def test_put_replace_move_remove(tmp_path) -> None:
    store = Store.sqlite_in(tmp_path)
    assert store.generation() == 0
    _, ids = store.put_file(fields("/a.wav"), [(0.0, 1.0, np.ones(4)), (0.5, 1.5, np.zeros(4))])
    assert len(ids) == 2 and store.count_segments() == 2 and store.generation() == 1
    removed, new = store.put_file(fields("/a.wav", size=2), [(0.0, 1.0, np.full(4, 2.0))])
    assert removed == ids and store.count_segments() == 1
    np.testing.assert_array_equal(store.vectors_of("/a.wav", 4), np.full((1, 4), 2.0, np.float32))
    store.move_file("/a.wav", "/b.wav", 2, 3.0)
    assert set(store.file_states()) == {"/b.wav"}
    assert store.segments(new)[new[0]].path == "/b.wav"
    assert store.remove_files(["/b.wav"]) == new
    assert store.count_segments() == 0 and store.file_states() == {}


def test_vectors_round_trip_in_chunks(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.sqlite'}")
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((7, 3)).astype(np.float32)
    for i in range(7):
        store.put_file(fields(f"/{i}.wav"), [(0.0, 1.0, vecs[i])])
    ids, got = zip(*store.iter_vectors(3, chunk=3))
    np.testing.assert_array_equal(np.concatenate(got), vecs)
    assert [len(i) for i in ids] == [3, 3, 1]


def test_meta_and_skips(tmp_path) -> None:
    store = Store.sqlite_in(tmp_path)
    store.set_meta({"model": "tiny", "dim": "32"})
    store.set_meta({"dim": "64"})
    assert store.meta() == {"model": "tiny", "dim": "64"}
    store.put_file(fields("/x.mp3", status="skipped", error="not audio"), [])
    assert store.skipped() == [("/x.mp3", "not audio")]
