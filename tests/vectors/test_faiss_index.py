from __future__ import annotations

import numpy as np
import pytest

from clapsearch.vectors import VectorIndex


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_exact_inner_product_search_with_our_ids(tmp_path) -> None:
    rng = np.random.default_rng(0)
    vecs = unit(rng.standard_normal((50, 8)))
    index = VectorIndex(8)
    index.add(np.arange(100, 150), vecs)
    scores, ids = index.search(vecs[7], 3)
    assert ids[0, 0] == 107 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    expected = np.argsort(-(vecs @ vecs[7]))[:3] + 100
    np.testing.assert_array_equal(ids[0], expected)
    index.remove([107])
    assert index.ntotal == 49 and 107 not in index.search(vecs[7], 5)[1][0]
    index.save(tmp_path, generation=5)
    again = VectorIndex.load(tmp_path, 8)
    assert again is not None and again.generation == 5 and again.ntotal == 49
    assert VectorIndex.load(tmp_path, 16) is None  # wrong dimension: not trusted


def test_empty_index_search() -> None:
    scores, ids = VectorIndex(4).search(np.ones(4, np.float32), 5)
    assert scores.shape == (1, 0) and ids.shape == (1, 0)


def test_damaged_or_unchecksummed_files_are_not_trusted(tmp_path) -> None:
    import json

    index = VectorIndex(8)
    index.add(np.arange(20), unit(np.random.default_rng(1).standard_normal((20, 8))))
    index.save(tmp_path, generation=3)
    state = json.loads((tmp_path / "vectors.json").read_text())
    assert set(state) == {"generation", "ntotal", "dim", "crc32"}
    data = bytearray((tmp_path / "vectors.faiss").read_bytes())
    data[-100] ^= 0x40  # one flipped bit in the vector data
    (tmp_path / "vectors.faiss").write_bytes(bytes(data))
    assert VectorIndex.load(tmp_path, 8) is None
    index.save(tmp_path)  # the generation it holds is kept
    assert VectorIndex.load(tmp_path, 8).generation == 3
    del state["crc32"]  # written by a clapsearch before checksums: rebuilt once
    (tmp_path / "vectors.json").write_text(json.dumps(state))
    assert VectorIndex.load(tmp_path, 8) is None
