"""Every index type: search quality on clustered vectors, adds and removals between trainings, filters, save/load,
damage detection, the size rules of auto, and the GPU path's CPU fallback."""
from __future__ import annotations

import json

import faiss
import numpy as np
import pytest

from clapsearch.errors import OptionError
from clapsearch.vectors import VectorIndex, kinds
from clapsearch.vectors import gpu as gpu_module
from clapsearch.vectors.kinds import FLAT_MAX, KINDS, Layout, auto_kind, check_choice, needs_training, resolve

DIM = 32


def clustered(n: int, seed: int = 0, centres: int = 12) -> np.ndarray:
    """Unit vectors around a few centres, shaped like embeddings of a few sound classes."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, DIM))
    x = c[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(q @ x.T), axis=1)[:, :k]]


def built(kind: str, x: np.ndarray, ids: np.ndarray, stored: np.ndarray | None = None) -> VectorIndex:
    """An index trained on and holding x; its re-rank source knows stored (default x), whose ids are positions
    when given."""
    v = VectorIndex.build(DIM, kind, x, [(ids[:300], x[:300]), (ids[300:], x[300:])])
    store = dict(zip(ids.tolist(), x)) if stored is None else dict(enumerate(stored))
    v.rerank_source = lambda want: np.stack([store[int(i)] for i in want])
    return v


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_finds_the_exact_neighbours_of_clustered_vectors(kind: str) -> None:
    x, ids = clustered(600), np.arange(5000, 5600)
    v = built(kind, x, ids)
    assert v.ntotal == 600 and v.kind == kind
    assert (v.nlist > 1) == (kind != "flat")  # a few hundred vectors: real lists
    q = clustered(40, seed=1)
    scores, got = v.search(q, 10)
    want = exact_top(x, ids, q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, want)])
    assert recall >= (1.0 if kind == "flat" else 0.9), recall
    if kind != "ivf-pq" or v.rerank_source is not None:  # exact scores (ivf-pq: re-ranked from full vectors)
        pos = {int(i): n for n, i in enumerate(ids)}
        for row in range(len(q)):
            hit = [pos[int(i)] for i in got[row]]
            np.testing.assert_allclose(scores[row], x[hit] @ q[row], rtol=1e-4, atol=1e-5)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first


@pytest.mark.parametrize("kind", KINDS)
def test_adds_removals_filters_and_reload_between_trainings(kind: str, tmp_path) -> None:
    x, ids = clustered(500), np.arange(500)
    v = built(kind, x[:400], ids[:400], stored=x)
    trained_on = v.trained_on
    v.add(ids[400:], x[400:])  # added into the trained lists
    v.remove(np.arange(0, 400, 2))  # half the first vectors
    assert v.ntotal == 300 and v.trained_on == trained_on
    _, got = v.search(x[:10], 5)
    assert not set(got.ravel().tolist()) & set(range(0, 400, 2))
    assert got[1, 0] == 1 and got[5, 0] == 5  # a remaining vector finds itself first
    _, new = v.search(x[450:455], 1)
    np.testing.assert_array_equal(new[:, 0], ids[450:455])
    allowed = np.array([1, 3, 401, 499, 2])  # 2 was removed: padding
    scores, got = v.search(x[:3], 10, allowed=allowed)
    assert got.shape == (3, 5) and (got[:, -1] == -1).all() and np.isneginf(scores[:, -1]).all()
    for row in range(3):
        want = exact_top(x[[1, 3, 401, 499]], np.array([1, 3, 401, 499]), x[row:row + 1], 4)[0]
        np.testing.assert_array_equal(got[row, :4], want)
    v.save(tmp_path, generation=7)
    again = VectorIndex.load(tmp_path, DIM)
    assert again is not None and (again.kind, again.generation, again.ntotal) == (kind, 7, 300)
    assert (again.trained_on, again.nprobe, again.nlist) == (v.trained_on, v.nprobe, v.nlist)
    again.rerank_source = v.rerank_source
    again.remove([1])  # the id map survives the file
    assert again.ntotal == 299 and again.search(x[1], 1)[1][0, 0] != 1


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_files_of_every_kind_are_not_trusted(kind: str, tmp_path) -> None:
    x = clustered(400)
    built(kind, x, np.arange(400)).save(tmp_path, generation=2)
    data = bytearray((tmp_path / "vectors.faiss").read_bytes())
    data[len(data) // 2] ^= 0x10
    (tmp_path / "vectors.faiss").write_bytes(bytes(data))
    assert VectorIndex.load(tmp_path, DIM) is None
    assert json.loads((tmp_path / "vectors.json").read_text())["kind"] == kind


def test_an_untrained_ivf_index_is_exact_until_trained() -> None:
    x = clustered(50)
    v = VectorIndex(DIM, "ivf")
    v.add(np.arange(50), x)
    assert v.trained_on == 0 and v.nlist == 0 and v.needs_training()
    np.testing.assert_array_equal(v.search(x[:5], 1)[1][:, 0], np.arange(5))


def test_size_rules() -> None:
    assert auto_kind(1000, 512) == "flat" and auto_kind(FLAT_MAX, 512) == "flat"
    assert auto_kind(FLAT_MAX + 1, 512) == "ivf" and auto_kind(kinds.IVF_PQ_FROM - 1, 512) == "ivf"
    assert auto_kind(kinds.IVF_PQ_FROM, 512) == "ivf-pq" and auto_kind(10_000_000, 512) == "ivf-pq"
    assert auto_kind(FLAT_MAX + 1, 16384) == "ivf-pq"  # float32 over IVF_MAX_BYTES before IVF_PQ_FROM
    assert resolve("ivf", 10, 512) == "ivf" and resolve("auto", 10, 512) == "flat"
    with pytest.raises(OptionError, match="unknown --vector-index 'hnsw'"):
        check_choice("hnsw")
    big = Layout.for_size(1_000_000, 512, 200_000)
    assert big.nlist == 4000 and big.nprobe >= 16 and big.pq_m == 128 and big.pq_bits == 8
    assert Layout.for_size(20, 32).nlist == 1  # tiny: one list, still a real IVF
    assert Layout.for_size(1_000_000, 512, 100_000).nprobe == 2564 // 16  # nlist / 16 ...
    assert Layout.for_size(10_000_000, 512, 100_000).nprobe == 64  # ... scanning at most ~SCAN_MAX vectors
    assert not needs_training("flat", 0, 10**7)
    assert needs_training("ivf", 0, 5) and not needs_training("ivf", 1000, 3999)
    assert needs_training("ivf", 1000, 4001) and needs_training("ivf", 1000, 249)


@pytest.mark.parametrize("kind", KINDS)
def test_batch_search_falls_back_to_the_cpu_with_identical_results(kind: str, monkeypatch) -> None:
    x = clustered(600)
    v = built(kind, x, np.arange(600))
    q = clustered(gpu_module.MIN_QUERIES, seed=3)
    cpu = v.search(q, 10)
    calls: list[int] = []

    def broken_gpu(index: faiss.Index) -> faiss.Index:
        calls.append(1)
        raise RuntimeError("CUDA error: no kernel image is available for execution on the device")

    monkeypatch.setattr(gpu_module, "gpus", lambda: 1)  # a machine that reports a GPU FAISS cannot use
    monkeypatch.setattr(faiss, "index_cpu_to_all_gpus", broken_gpu)
    batch = v.search_batch(q, 10)
    assert calls == [1]
    np.testing.assert_array_equal(batch[1], cpu[1])
    np.testing.assert_allclose(batch[0], cpu[0], rtol=1e-6)
    monkeypatch.undo()  # a real GPU here (faiss-gpu on a GPU machine) is then turned off by the switch
    monkeypatch.setenv("CLAPSEARCH_FAISS_GPU", "0")
    assert gpu_module.gpus() == 0
    np.testing.assert_array_equal(v.search_batch(q, 10)[1], cpu[1])


@pytest.mark.parametrize("kind", KINDS)
def test_ids_lists_what_the_index_holds(kind: str, tmp_path) -> None:
    v = built(kind, clustered(400), np.arange(10, 410))
    v.remove(np.arange(10, 20))
    np.testing.assert_array_equal(v.ids(), np.arange(20, 410))
    v.save(tmp_path)
    np.testing.assert_array_equal(VectorIndex.load(tmp_path, DIM).ids(), np.arange(20, 410))


def test_ivf_pq_scores_are_exact_however_wide_k_is(monkeypatch) -> None:
    from clapsearch.vectors import kinds as kinds_module

    x = clustered(600)
    v = built("ivf-pq", x, np.arange(600))
    monkeypatch.setattr(kinds_module, "SHORTLIST_MAX", 300)  # k=300 asks no more than k candidates
    fetched: list[int] = []
    source = v.rerank_source
    v.rerank_source = lambda ids: fetched.append(len(ids)) or source(ids)
    scores, ids = v.search(x[:1], 300)
    assert fetched == [300]  # one query: k candidates, all re-ranked
    for row in range(1):
        keep = ids[row] >= 0
        np.testing.assert_allclose(scores[row][keep], x[ids[row][keep]] @ x[row], rtol=1e-4, atol=1e-5)
