from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import noise, tone

from clapsearch.indexer import index_paths
from clapsearch.search import SearchEngine, rank_files
from clapsearch.store import Store
from clapsearch.vectors import VectorIndex


def test_rank_files_gives_each_file_once_at_its_best_segment(tmp_path: Path) -> None:
    store = Store.sqlite_in(tmp_path)
    e = np.eye(4, dtype=np.float32)
    segs_a = [(0.0, 1.0, e[0]), (1.0, 2.0, (e[0] + e[1]) / np.sqrt(2)), (2.0, 3.0, e[1])]
    _, ids_a = store.put_file(_f("/a.wav"), segs_a)
    _, ids_b = store.put_file(_f("/b.wav"), [(0.0, 1.0, e[2]), (1.0, 2.0, (e[1] + e[2]) / np.sqrt(2))])
    vectors = VectorIndex(4)
    vectors.add(np.array(ids_a + ids_b), np.stack([v for *_, v in segs_a] + [e[2], (e[1] + e[2]) / np.sqrt(2)]))
    hits = rank_files(e[1][None, :], vectors, store, k=5)[0]
    assert [h.path for h in hits] == ["/a.wav", "/b.wav"]
    assert (hits[0].start, hits[0].end, hits[0].score) == (2.0, 3.0, pytest.approx(1.0))
    assert hits[1].score == pytest.approx(1 / np.sqrt(2), rel=1e-5)
    assert [h.path for h in rank_files(e[1][None, :], vectors, store, k=1)[0]] == ["/a.wav"]


def _f(path: str) -> dict[str, object]:
    return {"path": path, "size": 1, "mtime": 1.0, "content_hash": path, "status": "indexed", "error": None,
            "duration": 3.0, "sample_rate": 16000, "channels": 1, "format": "WAV"}


def test_sounds_like_this_file_ranks_the_similar_sound_first(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "tone_a.wav", tone(1000, 2.0), 16000)
    sf.write(lib / "tone_b.wav", tone(1000, 1.5, amp=0.25), 16000)
    sf.write(lib / "hiss.wav", noise(2.0, amp=0.3), 16000)
    index_paths([lib], tmp_path / "idx", model="tiny", workers=0)
    engine = SearchEngine(tmp_path / "idx", device="cpu")
    hits = engine.query_audio(lib / "tone_a.wav", k=5)
    assert [Path(h.path).name for h in hits] == ["tone_b.wav", "hiss.wav"]  # itself left out
    assert hits[0].score > hits[1].score


def test_missing_index_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no index at"):
        SearchEngine(tmp_path / "nothing", device="cpu")


def test_query_audio_refuses_an_unusable_file_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clapsearch.audio import AudioError

    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "tone.wav", tone(440, 1.0), 16000)
    index_paths([lib], tmp_path / "idx", model="tiny", workers=0)
    engine = SearchEngine(tmp_path / "idx", device="cpu")

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file should have been refused before this")

    monkeypatch.setattr(engine.index.store, "vectors_of", no_work)
    monkeypatch.setattr(engine.encoder, "embed_file", no_work)
    (tmp_path / "letter.wav").write_text("not a recording\n" * 40)
    for path, why in [(tmp_path / "gone.wav", "no such file"), (lib, "is a folder"),
                      (tmp_path / "letter.wav", "not an audio file")]:
        with pytest.raises(AudioError, match=why) as e:
            engine.query_audio(path)
        assert str(path) in str(e.value)


def test_hits_show_their_path_as_printable_text() -> None:
    import json

    from clapsearch.search import Hit

    hit = Hit("/music/caf\udce9.wav", 0.25, 1.0, 2.0)
    assert hit.to_dict() == {"path": "/music/caf\\xe9.wav", "score": 0.25, "start": 1.0, "end": 2.0,
                             "file_id": None, "segment_id": None}
    assert Hit("/a.wav", 0.5, 0.0, 1.0, 7, 70).to_dict()["file_id"] == 7
    json.dumps(hit.to_dict()).encode("utf-8")  # no lone surrogate left to trip an encoder
    assert Hit("/music/plain.wav", 0.25, 1.0, 2.0).to_dict()["path"] == "/music/plain.wav"


def test_more_like_this_by_file_id_or_segment_with_metadata_in_one_query(tmp_path: Path) -> None:
    from clapsearch.search import UnknownFile

    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "tone_a.wav", tone(1000, 6.0), 16000)
    sf.write(lib / "tone_b.wav", tone(1000, 1.5, amp=0.25), 16000)
    sf.write(lib / "hiss.flac", noise(2.0, amp=0.3), 16000)
    index_paths([lib], tmp_path / "idx", model="tiny", workers=0)
    engine = SearchEngine(tmp_path / "idx", device="cpu")
    by_name = {Path(h.path).name: h for h in engine.query_text(["x"], k=10)[0]}
    a = by_name["tone_a.wav"]
    assert a.file_id is not None and a.segment_id is not None
    hits = engine.similar_to_file(a.file_id, k=5)
    assert [Path(h.path).name for h in hits] == ["tone_b.wav", "hiss.flac"]  # itself left out
    assert hits == engine.query_audio(lib / "tone_a.wav", k=5)  # the same query: the file's mean vector
    segments = engine.index.store.file_segments(a.file_id)
    assert len(segments) >= 2
    one = engine.similar_to_file(a.file_id, k=5, segment_id=segments[-1][0], where="duration<3")
    assert {Path(h.path).name for h in one} == {"tone_b.wav", "hiss.flac"}
    assert [Path(h.path).name for h in engine.similar_to_file(a.file_id, k=5, where=["duration<3", "size>0"])
            if h.path.endswith(".flac")] == ["hiss.flac"]
    files = engine.files(hits)
    assert {f.format for f in files.values()} == {"WAV", "FLAC"} and all(f.duration for f in files.values())
    assert files[hits[0].file_id].path == hits[0].path and files[hits[0].file_id].sample_rate == 16000
    with pytest.raises(UnknownFile, match="no indexed file with id 999"):
        engine.similar_to_file(999)
    with pytest.raises(UnknownFile, match="has no segment 12345"):
        engine.similar_to_file(a.file_id, segment_id=12345)
