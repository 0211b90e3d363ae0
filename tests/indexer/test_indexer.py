from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import tone

from clapsearch.indexer import IndexDir, IndexLock, IndexLocked, index_paths
from clapsearch.indexer import indexer as indexer_module
from clapsearch.search import SearchEngine
from clapsearch.vectors.kinds import KINDS


def run(lib: Path, index: Path, **kw: object):
    return index_paths([lib], index, model="tiny", workers=0, **kw)


@pytest.mark.parametrize("kind", KINDS)
def test_index_then_unchanged_run_decodes_nothing(library: Path, tmp_path: Path, monkeypatch, kind: str) -> None:
    first = run(library, tmp_path / "idx", vector_index=kind)
    assert (first.added, first.updated, first.removed, first.skipped) == (4, 0, 0, [])
    assert first.audio_seconds == pytest.approx(2.0 + 3.5 + 1.5 + 0.4, abs=0.01)

    calls: list[str] = []
    real = indexer_module.decode
    monkeypatch.setattr(indexer_module, "decode", lambda task: calls.append(task.path) or real(task))
    second = run(library, tmp_path / "idx")
    assert (second.added, second.updated, second.unchanged) == (0, 0, 4)
    assert calls == []

    later = (library / "noise.flac").stat().st_mtime + 10
    os.utime(library / "noise.flac", (later, later))
    third = run(library, tmp_path / "idx")
    assert (third.updated, third.unchanged) == (1, 3)
    idx = IndexDir.open(tmp_path / "idx", device="cpu")
    assert idx.vectors.kind == kind and idx.store.meta()["vector_index"] == kind  # kept without the option
    assert idx.vectors.ids().tolist() == [i for ids, _ in idx.store.iter_vectors(32) for i in ids]
    assert set(calls) == {str((library / "noise.flac").resolve())}


def test_broken_files_are_skipped_with_reasons_and_the_rest_is_searchable(broken_library: Path,
                                                                        tmp_path: Path) -> None:
    summary = run(broken_library, tmp_path / "idx")
    reasons = {Path(s["path"]).name: s["reason"] for s in summary.skipped}
    assert set(reasons) == {"empty.wav", "letter.mp3", "truncated.flac", "silence.wav"}
    assert "empty" in reasons["empty.wav"]
    assert "format not recognised" in reasons["letter.mp3"]
    assert "silent" in reasons["silence.wav"]
    assert summary.added == 4
    hits = SearchEngine(tmp_path / "idx", device="cpu").query_text(["anything"], k=10)[0]
    assert {Path(h.path).name for h in hits} == {"tone440.wav", "noise.flac", "chirp.ogg", "low.wav"}


@pytest.mark.parametrize("kind", KINDS)
def test_deleted_files_disappear_and_moved_files_keep_their_vectors(library: Path, tmp_path: Path,
                                                                    monkeypatch, kind: str) -> None:
    run(library, tmp_path / "idx", vector_index=kind)
    (library / "tone440.wav").unlink()
    shutil.move(library / "sub" / "chirp.ogg", library / "chirp-moved.ogg")
    calls: list[str] = []
    real = indexer_module.decode
    monkeypatch.setattr(indexer_module, "decode", lambda task: calls.append(task.path) or real(task))
    summary = run(library, tmp_path / "idx")
    assert (summary.removed, summary.moved, summary.added, summary.unchanged) == (1, 1, 0, 2)
    assert calls == []
    engine = SearchEngine(tmp_path / "idx", device="cpu")
    names = {Path(h.path).name for h in engine.query_text(["x"], k=10)[0]}
    assert names == {"noise.flac", "chirp-moved.ogg", "low.wav"}
    idx = IndexDir.open(tmp_path / "idx", device="cpu")
    assert idx.vectors.kind == kind and idx.vectors.ntotal == idx.store.count_segments()


def test_same_file_same_vector_whatever_the_batch(library: Path, tmp_path: Path) -> None:
    run(library, tmp_path / "a", batch_size=1)
    run(library, tmp_path / "b", batch_size=7)
    a, b = IndexDir.open(tmp_path / "a", device="cpu"), IndexDir.open(tmp_path / "b", device="cpu")
    for f in a.store.file_states():
        np.testing.assert_allclose(a.store.vectors_of(f, 32), b.store.vectors_of(f, 32), atol=1e-5)


def test_worker_processes_give_the_same_vectors(library: Path, tmp_path: Path) -> None:
    index_paths([library], tmp_path / "w", model="tiny", workers=1)
    run(library, tmp_path / "s")
    a, b = IndexDir.open(tmp_path / "w", device="cpu"), IndexDir.open(tmp_path / "s", device="cpu")
    for f in b.store.file_states():
        np.testing.assert_allclose(a.store.vectors_of(f, 32), b.store.vectors_of(f, 32), atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_interrupted_run_leaves_sql_and_faiss_agreeing(library: Path, tmp_path: Path, monkeypatch, kind: str) -> None:
    real = indexer_module.decode
    seen: list[str] = []

    def stop_on_third(task):
        seen.append(task.path)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(indexer_module, "decode", stop_on_third)
    partial = run(library, tmp_path / "idx", vector_index=kind)
    assert partial.interrupted and partial.added < 4
    monkeypatch.setattr(indexer_module, "decode", real)
    idx = IndexDir.open(tmp_path / "idx", device="cpu")
    assert idx.vectors.ntotal == idx.store.count_segments()
    rest = run(library, tmp_path / "idx")
    assert rest.added + partial.added == 4 and rest.unchanged == partial.added


@pytest.mark.parametrize("kind", KINDS)
def test_stale_faiss_is_rebuilt_from_sql(library: Path, tmp_path: Path, kind: str) -> None:
    run(library, tmp_path / "idx", vector_index=kind)
    (tmp_path / "idx" / "vectors.faiss").write_bytes(b"garbage")
    idx = IndexDir.open(tmp_path / "idx", device="cpu")
    assert idx.vectors.ntotal == idx.store.count_segments() > 0
    assert idx.vectors.kind == kind and (idx.vectors.trained_on > 0) == (kind != "flat")


def test_a_second_writer_is_refused_clearly(library: Path, tmp_path: Path) -> None:
    with IndexLock(tmp_path / "idx"):
        with pytest.raises(IndexLocked, match="another clapsearch process"):
            run(library, tmp_path / "idx")
    assert run(library, tmp_path / "idx").added == 4  # released afterwards


def test_long_files_become_segments_and_huge_ones_are_skipped(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "long.wav", tone(500, 4.0), 16000)
    summary = run(lib, tmp_path / "idx", max_duration=3.0)
    assert summary.added == 0 and "too long" in summary.skipped[0]["reason"]
    summary = run(lib, tmp_path / "idx2")
    assert summary.added == 1 and summary.segments == 7  # 1 s windows every 0.5 s over 4 s


def test_another_model_for_an_existing_index_is_an_error(library: Path, tmp_path: Path) -> None:
    run(library, tmp_path / "idx")
    with pytest.raises(ValueError, match="built with model 'tiny'"):
        index_paths([library], tmp_path / "idx", model="paper", workers=0)
