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
    assert set(state) == {"generation", "ntotal", "dim", "crc32", "kind", "trained_on", "nprobe"}
    data = bytearray((tmp_path / "vectors.faiss").read_bytes())
    data[-100] ^= 0x40  # one flipped bit in the vector data
    (tmp_path / "vectors.faiss").write_bytes(bytes(data))
    assert VectorIndex.load(tmp_path, 8) is None
    index.save(tmp_path)  # the generation it holds is kept
    assert VectorIndex.load(tmp_path, 8).generation == 3
    del state["crc32"]  # written by a clapsearch before checksums: rebuilt once
    (tmp_path / "vectors.json").write_text(json.dumps(state))
    assert VectorIndex.load(tmp_path, 8) is None


def test_search_restricted_to_allowed_ids() -> None:
    rng = np.random.default_rng(2)
    vecs = unit(rng.standard_normal((200, 8)))
    index = VectorIndex(8)
    index.add(np.arange(1000, 1200), vecs)
    allowed = np.array([1003, 1050, 1199, 1077, 1120, 1121, 1122, 1150])
    scores, ids = index.search(vecs[:3], 5, allowed=allowed)
    for row in range(3):
        exact = allowed[np.argsort(-(vecs[allowed - 1000] @ vecs[row]))][:5]
        np.testing.assert_array_equal(ids[row], exact)
        np.testing.assert_allclose(scores[row], vecs[exact - 1000] @ vecs[row], rtol=1e-5)
    # fewer allowed ids than k; ids that are not (or no longer) in the index give -1 padding at the end
    index.remove([1050])
    scores, ids = index.search(vecs[0], 10, allowed=np.array([1050, 1003, 5000]))
    assert ids.shape == (1, 3) and ids[0, 0] == 1003 and list(ids[0, 1:]) == [-1, -1]
    assert np.isneginf(scores[0, 1:]).all()
    assert index.search(vecs[0], 10, allowed=np.array([], np.int64))[1].shape == (1, 0)
