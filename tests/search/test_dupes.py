"""Duplicates: pair scores, groups over an index (synthetic vectors), and the real default model on the demo
sounds' copies (re-encoded, resampled, trimmed, quieter, channels swapped)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clapsearch.search.dupes import DEFAULT_THRESHOLD, candidate_pairs, file_pair_score, find_dupes, pair_score
from clapsearch.store import Store
from clapsearch.vectors import VectorIndex

SAMPLES = Path(__file__).resolve().parents[2] / "clapsearch" / "samples"


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def test_pair_score_needs_most_of_the_shorter_file_to_match() -> None:
    e = np.eye(6, dtype=np.float32)
    long = e[:4]
    assert pair_score(e[1:3], long) == pytest.approx(1.0)  # an excerpt of the longer file
    assert pair_score(np.stack([e[0], e[4], e[5]]), long) == pytest.approx(0.0)  # one segment of three matches
    assert pair_score(np.stack([e[0], e[1], e[5]]), long) == pytest.approx(1.0)  # two of three do
    assert file_pair_score(long, e[1:3]) == file_pair_score(e[1:3], long)


def _fields(path: str, content: str, duration: float) -> dict[str, object]:
    return {"path": path, "size": 1, "mtime": 1.0, "content_hash": content, "status": "indexed", "error": None,
            "duration": duration, "sample_rate": 16000, "channels": 1, "format": "WAV"}


def test_groups_over_an_index_exact_and_near(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    store, vectors = Store.sqlite_in(tmp_path), VectorIndex(64)
    base = _unit(rng.standard_normal((6, 64)))  # a 6-segment recording
    files = {"/a/orig.wav": ("h1", base), "/a/copy.wav": ("h1", base),  # the same bytes
             "/b/excerpt.wav": ("h2", _unit(base[2:5] + 0.05 * rng.standard_normal((3, 64)))),
             "/b/other.wav": ("h3", _unit(rng.standard_normal((5, 64)))),
             "/b/shares-one.wav": ("h4", _unit(np.concatenate([base[:1], rng.standard_normal((4, 64))])))}
    ids = {}
    for path, (content, vecs) in files.items():
        _, seg = store.put_file(_fields(path, content, float(len(vecs))), [(i, i + 1.0, v) for i, v in enumerate(vecs)])
        vectors.add(np.array(seg), vecs)
        ids[path] = store.segments(seg[:1])[seg[0]].file_id
    groups = find_dupes(vectors, store, threshold=0.9, wave=None)
    kinds = {g.kind: g for g in groups}
    assert sorted(g.kind for g in groups) == ["exact", "near"]
    assert [m.path for m in kinds["exact"].members] == ["/a/orig.wav", "/a/copy.wav"]
    near = kinds["near"]
    assert {m.path for m in near.members} == {"/a/orig.wav", "/b/excerpt.wav"}  # the copy counts once
    assert near.members[0].path == "/a/orig.wav" and near.members[1].score > 0.9
    # one shared segment makes a candidate pair (stage 1), which the verification refuses (1 of 5 segments)
    assert any(ids["/b/shares-one.wav"] in p for p in candidate_pairs(vectors, store, 0.9))
    assert not any("/b/shares-one.wav" in [m.path for m in g.members] for g in groups)
    assert json.loads(json.dumps([g.to_dict() for g in groups]))[0]["files"][0]["path"] == "/a/orig.wav"


def test_waveforms_decide_between_the_floor_and_the_threshold(tmp_path: Path) -> None:
    """Four recordings whose vectors all score 0.85 with the first: only the real copies (trimmed and quieter,
    resampled) are kept, by their waveforms; a different recording of the same kind of sound is not."""
    from audiogen import noise

    rain = noise(4.0, amp=0.2, seed=1)
    files = {"rain.wav": (rain, 16000), "rain-trim-quiet.wav": (rain[8000:] * 0.5, 16000),
             "rain-22k.wav": (np.interp(np.arange(0, len(rain), 16000 / 22050), np.arange(len(rain)), rain), 22050),
             "other-rain.wav": (noise(4.0, amp=0.2, seed=2), 16000)}
    store, vectors = Store.sqlite_in(tmp_path), VectorIndex(4)
    for i, (name, (wave, rate)) in enumerate(files.items()):
        sf.write(tmp_path / name, wave.astype(np.float32), rate)
        v = np.eye(4, dtype=np.float32)[:1]
        if i:  # each scores 0.85 with rain.wav, 0.72 with the others
            v = 0.85 * v + np.sqrt(1 - 0.85 ** 2) * np.eye(4, dtype=np.float32)[i:i + 1]
        _, seg = store.put_file(_fields(str(tmp_path / name), name, 4.0), [(0.0, 4.0, v[0])])
        vectors.add(np.array(seg), v)
    groups = find_dupes(vectors, store, threshold=0.95, wave_floor=0.8, wave_threshold=0.8)
    assert [(g.kind, {Path(m.path).name for m in g.members}) for g in groups] == \
        [("near", {"rain.wav", "rain-trim-quiet.wav", "rain-22k.wav"})]
    assert all(p.waveform is not None and p.waveform > 0.9 for p in groups[0].pairs)
    assert find_dupes(vectors, store, threshold=0.95, wave=None) == []  # vectors alone cannot tell


def _copies(src: Path, folder: Path) -> list[Path]:
    """Re-encode, resample, trim, change gain and swap channel count of one recording (soundfile only)."""
    wave, sr = sf.read(src, dtype="float32", always_2d=True)
    mono = wave.mean(axis=1)
    swapped = mono if wave.shape[1] > 1 else np.stack([mono, mono], axis=1)
    stem = src.stem
    out = {f"{stem}-copy.ogg": (wave, sr, {"format": "OGG", "subtype": "VORBIS"}),
           f"{stem}-copy.mp3": (wave, sr, {"format": "MP3", "subtype": "MPEG_LAYER_III"}),
           f"{stem}-trim-quiet.wav": (wave[int(0.5 * sr):] * 0.5, sr, {}),
           f"{stem}-22k.wav": (wave[:: 2], sr // 2, {}),  # a plain decimation: resampled, band-limited by it
           f"{stem}-channels.flac": (swapped, sr, {})}
    paths = []
    for name, (samples, rate, opts) in out.items():
        sf.write(folder / name, samples, rate, **opts)
        paths.append(folder / name)
    return paths


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the demo sounds are not installed")
def test_default_model_groups_the_copies_of_a_demo_sound_and_nothing_else(tmp_path: Path) -> None:
    pytest.importorskip("aisfx")
    from typer.testing import CliRunner

    from clapsearch.cli.main import app
    from clapsearch.indexer import index_paths

    lib = tmp_path / "lib"
    lib.mkdir()
    for f in SAMPLES.glob("*.flac"):
        shutil.copy(f, lib / f.name)
    copied = {"loop_tabla": _copies(SAMPLES / "loop_tabla.flac", lib),
              "guit_harmonics": _copies(SAMPLES / "guit_harmonics.flac", lib)}
    shutil.copy(SAMPLES / "perc_bell.flac", lib / "perc_bell (copy).flac")
    summary = index_paths([lib], tmp_path / "idx", model="default", device="cpu", workers=0)
    assert summary.skipped == []
    out = CliRunner().invoke(app, ["dupes", "--index", str(tmp_path / "idx"), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["threshold"] == DEFAULT_THRESHOLD
    groups = [(g["kind"], {Path(f["path"]).name for f in g["files"]}) for g in result["groups"]]
    for stem, paths in copied.items():
        assert ("near", {f"{stem}.flac"} | {p.name for p in paths}) in groups, groups
    assert ("exact", {"perc_bell.flac", "perc_bell (copy).flac"}) in groups
    assert len(groups) == 3, groups  # distinct demo sounds are grouped with nothing
    table = CliRunner().invoke(app, ["dupes", "--index", str(tmp_path / "idx")], terminal_width=200)
    assert table.exit_code == 0 and "loop_tabla-copy.mp3" in table.stdout and "exact" in table.stdout
    bad = CliRunner().invoke(app, ["dupes", "--index", str(tmp_path / "idx"), "--threshold", "1.5"])
    assert bad.exit_code == 1 and "--threshold 1.5" in bad.output


def test_fft_sizes_are_the_smallest_fast_lengths() -> None:
    from clapsearch.audio.similarity import fast_fft_size

    def smooth(m: int) -> bool:
        for f in (2, 3, 5):
            while m % f == 0:
                m //= f
        return m == 1

    for n in [*range(1, 400), 159_999, 160_001, 1_919_999]:
        size = fast_fft_size(n)
        assert size >= n and smooth(size) and not any(smooth(m) for m in range(n, size)), n
