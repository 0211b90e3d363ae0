"""Distributed indexing on a local Ray cluster (loopback, 2 workers) gives the local path's index."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import noise, tone

from clapsearch.index import IndexDir
from clapsearch.indexer import index_paths

ray = pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[ray]'; the dev extra has it)")
pytest.importorskip("ray.data", reason="Ray Data is not installed (pip install 'ray[data]')")


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, address="local", log_to_driver=False,
             _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def segments(index: Path) -> dict[tuple[str, float, float], np.ndarray]:
    """(file name, start, end) -> vector of every segment in an index."""
    idx = IndexDir.open(index, device="cpu")
    try:
        chunks = list(idx.store.iter_vectors(idx.encoder.dim))
        ids, vecs = np.concatenate([i for i, _ in chunks]), np.concatenate([v for _, v in chunks])
        where = idx.store.segments(ids)
        return {(Path(where[int(i)].path).name, where[int(i)].start, where[int(i)].end): v for i, v in zip(ids, vecs)}
    finally:
        idx.store.close()


def test_ray_index_equals_the_local_index(cluster: None, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(5):  # a handful of files, one long enough for two decode tasks
        sf.write(lib / f"tone{i}.wav", tone(300 + 150 * i, 1.5 + i), 16000)
    sf.write(lib / "long.flac", noise(20.0, seed=3) + tone(500, 20.0), 16000)
    sf.write(lib / "silent.wav", np.zeros(16000, np.float32), 16000)
    local = index_paths([lib], tmp_path / "local", model="tiny", workers=0)
    distributed = index_paths([lib], tmp_path / "ray", model="tiny", workers=2, ray="auto")
    assert (distributed.added, distributed.segments) == (local.added, local.segments) == (6, local.segments)
    assert [s["path"] for s in distributed.skipped] == [s["path"] for s in local.skipped]
    a, b = segments(tmp_path / "local"), segments(tmp_path / "ray")
    assert a.keys() == b.keys() and len(a) == local.segments
    for key in a:
        np.testing.assert_allclose(b[key], a[key], atol=1e-6)  # fp32 of one window in any batch
    again = index_paths([lib], tmp_path / "ray", model="tiny", ray="auto")  # incremental, as locally
    assert again.unchanged == 6 and again.added == 0


def test_ray_needs_the_index_model_on_its_nodes(cluster: None, tmp_path: Path, monkeypatch) -> None:
    from clapsearch.indexer import distributed

    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "a.wav", tone(440, 2.0), 16000)
    real = distributed.embedded_tasks

    def other_identity(tasks, model, precision, identity, *args, **kw):
        return real(tasks, model, precision, {**identity, "weights_hash": "0000000000000000"}, *args, **kw)

    monkeypatch.setattr(distributed, "embedded_tasks", other_identity)
    with pytest.raises(distributed.RayError, match="is not the index's"):
        index_paths([lib], tmp_path / "idx", model="tiny", workers=1, ray="auto")
