"""Metadata filters: the parser, each query object's SQL, and a filtered search that loses no recall."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clapsearch.errors import OptionError
from clapsearch.search import rank_files
from clapsearch.search.filters import (
    AndQuery,
    FolderQuery,
    FormatQuery,
    NumericQuery,
    PathQuery,
    parse_filters,
    parse_folder,
    parse_where,
)
from clapsearch.search.ranking import Candidates
from clapsearch.store import Store
from clapsearch.vectors import VectorIndex


def _fields(path: str, **kw: object) -> dict[str, object]:
    out: dict[str, object] = {"path": path, "size": 1000, "mtime": 1.0, "content_hash": path, "status": "indexed",
                              "error": None, "duration": 3.0, "sample_rate": 16000, "channels": 1, "format": "WAV"}
    out.update(kw)
    return out


@pytest.fixture
def store(tmp_path: Path) -> Store:
    st = Store.sqlite_in(tmp_path)
    v = np.ones(4, np.float32) / 2
    rows = [("/snd/foley/door.wav", dict(duration=1.5, size=30_000)),
            ("/snd/foley/steps.flac", dict(duration=8.0, format="FLAC", sample_rate=44100, channels=2)),
            ("/snd/foley2/Dog Bark.wav", dict(duration=4.0, format="WAVEX", sample_rate=48000, size=5_000_000)),
            ("/snd/music/loop_100%_a.ogg", dict(duration=30.0, format="OGG", sample_rate=44100, channels=2)),
            ("/snd/music/Foley/odd.mp3", dict(duration=2.0, format="MP3", sample_rate=22050))]
    for path, kw in rows:
        st.put_file(_fields(path, **kw), [(0.0, 1.0, v)])
    return st


def _names(store: Store, query: object) -> set[str]:
    from clapsearch.search.filters import Query

    assert isinstance(query, Query)
    _, files = store.segment_ids_where(query.clause())
    return {Path(f.path).name for f in store.files_by_id(files.tolist()).values()}


def test_numeric_comparisons_with_units(store: Store) -> None:
    assert _names(store, parse_where("duration<5")) == {"door.wav", "Dog Bark.wav", "odd.mp3"}
    assert _names(store, parse_where("duration >= 8")) == {"steps.flac", "loop_100%_a.ogg"}
    assert _names(store, parse_where("duration<2000ms")) == {"door.wav"}
    assert _names(store, parse_where("sample_rate>=44.1k")) == {"steps.flac", "Dog Bark.wav", "loop_100%_a.ogg"}
    assert _names(store, parse_where("sr=22050")) == {"odd.mp3"}
    assert _names(store, parse_where("channels!=1")) == {"steps.flac", "loop_100%_a.ogg"}
    assert _names(store, parse_where("size>1M")) == {"Dog Bark.wav"}
    assert parse_where("size<=2KiB") == NumericQuery("size", "<=", 2048.0)
    assert parse_where("duration>=2.5e-1") == NumericQuery("duration", ">=", 0.25)  # a float's repr


@pytest.mark.parametrize("expr, why", [("duration<", "not FIELD OP NUMBER"), ("loudness>3", "unknown field 'loudness'"),
                                       ("duration~5", "not FIELD OP NUMBER"), ("duration<5parsecs", "unknown unit"),
                                       ("channels>2k", "unknown unit")])
def test_a_bad_expression_names_itself_and_what_is_accepted(expr: str, why: str) -> None:
    with pytest.raises(OptionError) as e:
        parse_where(expr)
    message = str(e.value)
    assert "\n" not in message and repr(expr) in message and why in message
    assert "duration" in message and "sample_rate" in message and "<=" in message


def test_folder_prefix_is_a_whole_folder_and_a_bare_name_matches_anywhere(store: Store, tmp_path: Path) -> None:
    assert _names(store, FolderQuery("/snd/foley")) == {"door.wav", "steps.flac"}  # not /snd/foley2
    assert _names(store, FolderQuery("/snd/foley/")) == {"door.wav", "steps.flac"}
    assert _names(store, parse_folder("foley", cwd=str(tmp_path))) == {"door.wav", "steps.flac", "odd.mp3"}
    assert parse_folder("/no-such-root/music/") == FolderQuery("/no-such-root/music")
    (tmp_path / "here").mkdir()
    assert parse_folder("here", cwd=str(tmp_path)) == FolderQuery(str((tmp_path / "here").resolve()))
    with pytest.raises(OptionError, match="--folder"):
        parse_folder("  ")


def test_formats_paths_and_globs(store: Store) -> None:
    flt = parse_filters(formats=["wav", ".FLAC"])
    assert isinstance(flt, FormatQuery) and "WAVEX" in flt.formats
    assert _names(store, flt) == {"door.wav", "steps.flac", "Dog Bark.wav"}
    assert _names(store, PathQuery("dog")) == {"Dog Bark.wav"}  # any case
    assert _names(store, PathQuery("100%")) == {"loop_100%_a.ogg"}  # % is no wildcard here
    assert _names(store, PathQuery("*.wav")) == {"door.wav", "Dog Bark.wav"}
    assert _names(store, PathQuery("d*")) == {"door.wav", "Dog Bark.wav"}  # a name glob: the file's name
    assert _names(store, PathQuery("/snd/music/*")) == {"loop_100%_a.ogg", "odd.mp3"}
    assert _names(store, PathQuery("loop_1??%*")) == {"loop_100%_a.ogg"}


def test_filters_combine_with_and(store: Store) -> None:
    flt = parse_filters(where=["duration<10", "channels=2"], folders=["/snd"], formats=["flac", "ogg"])
    assert isinstance(flt, AndQuery)
    assert _names(store, flt) == {"steps.flac"}
    assert parse_filters() is None
    assert _names(store, parse_filters(folders=["/snd/foley", "/snd/music"], where=["duration<3"])) == \
        {"door.wav", "odd.mp3"}


def _clustered_store(tmp_path: Path, n_files: int, per_file: int, dim: int = 32,
                     seed: int = 0) -> tuple[Store, VectorIndex, np.ndarray, np.ndarray]:
    """Files whose segments cluster around their own centre; return (store, index, vectors, owner file id)."""
    rng = np.random.default_rng(seed)
    store = Store.sqlite_in(tmp_path)
    vectors = VectorIndex(dim)
    all_vecs, owners = [], []
    for i in range(n_files):
        centre = rng.standard_normal(dim)
        vecs = centre + 0.35 * rng.standard_normal((per_file, dim))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        _, ids = store.put_file(_fields(f"/snd/f{i:04d}.wav", duration=float(i)),
                                [(j * 1.0, j + 1.0, v) for j, v in enumerate(vecs)])
        vectors.add(np.array(ids), vecs)
        fid = store.segments(ids[:1])[ids[0]].file_id
        all_vecs.append(vecs)
        owners += [fid] * per_file
    return store, vectors, np.concatenate(all_vecs), np.array(owners)


def _exact_files(q: np.ndarray, vecs: np.ndarray, owners: np.ndarray, allowed_files: set[int],
                 k: int) -> list[tuple[int, float]]:
    """Brute force: each allowed file at its best segment, best first."""
    scores = vecs @ q
    best: dict[int, float] = {}
    for s, f in zip(scores, owners):
        if int(f) in allowed_files:
            best[int(f)] = max(best.get(int(f), -np.inf), float(s))
    return sorted(best.items(), key=lambda t: -t[1])[:k]


def test_a_selective_filter_has_the_recall_of_brute_force_over_the_matching_files(tmp_path: Path) -> None:
    store, vectors, vecs, owners = _clustered_store(tmp_path, n_files=600, per_file=4)
    flt = parse_where("duration<6")  # 6 files of 600: 1%
    ids, files = store.segment_ids_where(flt.clause())
    allowed_files = set(files.tolist())
    assert len(allowed_files) == 6
    rng = np.random.default_rng(1)
    kept_by_top_k_then_filter = 0
    for q in rng.standard_normal((20, 32)).astype(np.float32):
        q /= np.linalg.norm(q)
        hits = rank_files(q[None, :], vectors, store, k=5, candidates=Candidates(ids, files))[0]
        want = _exact_files(q, vecs, owners, allowed_files, 5)
        assert [h.file_id for h in hits] == [f for f, _ in want]
        assert [h.score for h in hits] == pytest.approx([s for _, s in want], abs=1e-5)
        unfiltered = rank_files(q[None, :], vectors, store, k=50)[0]
        kept_by_top_k_then_filter += len({h.file_id for h in unfiltered} & allowed_files)
    assert kept_by_top_k_then_filter < 20 * 5 / 2  # filtering a top-50 would have lost most of them


def test_long_files_rank_exactly_in_bounded_rounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of 300 segments each: a query near one file fills any top-n with a few files; the ranking must
    still be the exact file ranking, with a bounded number of searches, each of bounded size."""
    import clapsearch.search.ranking as ranking

    store, vectors, vecs, owners = _clustered_store(tmp_path, n_files=40, per_file=300, seed=2)
    monkeypatch.setattr(ranking, "ROUND_CAP", 512)
    calls: list[int] = []
    search = vectors.search

    def counted(queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        calls.append(k)
        return search(queries, k, allowed=allowed)

    monkeypatch.setattr(vectors, "search", counted)
    every = set(owners.tolist())
    for row in (0, 4500, 11999):
        calls.clear()
        q = vecs[row]
        hits = rank_files(q[None, :], vectors, store, k=10)[0]
        want = _exact_files(q, vecs, owners, every, 10)
        assert [h.file_id for h in hits] == [f for f, _ in want]
        assert [h.score for h in hits] == pytest.approx([s for _, s in want], abs=1e-5)
        assert hits[0].file_id == owners[row]
        assert len(calls) <= ranking.MAX_ROUNDS + 10 and max(calls) <= 512, calls
    rest = rank_files(vecs[:1], vectors, store, k=10, exclude=[int(owners[0])])[0]
    assert owners[0] not in {h.file_id for h in rest} and len(rest) == 10


def test_query_cli_filters_results_and_refuses_a_bad_filter(tmp_path: Path, library: Path) -> None:
    from typer.testing import CliRunner

    from clapsearch.cli.main import app
    from clapsearch.indexer import index_paths

    index_paths([library], tmp_path / "idx", model="tiny", workers=0)
    runner = CliRunner()
    out = runner.invoke(app, ["query", "a tone", "--index", str(tmp_path / "idx"), "--json", "--format", "wav",
                              "--where", "duration>=1"])
    assert out.exit_code == 0, out.output
    results = json.loads(out.stdout)[0]["results"]
    assert [Path(r["path"]).name for r in results] == ["tone440.wav"]
    assert isinstance(results[0]["file_id"], int) and isinstance(results[0]["segment_id"], int)
    sub = runner.invoke(app, ["query", "x", "--index", str(tmp_path / "idx"), "--json", "--folder",
                              str(library / "sub")])
    assert {Path(r["path"]).name for r in json.loads(sub.stdout)[0]["results"]} == {"chirp.ogg", "low.wav"}
    none = runner.invoke(app, ["query", "x", "--index", str(tmp_path / "idx"), "--where", "duration>99"],
                         terminal_width=200)
    assert none.exit_code == 0 and "no indexed file matches the filter: duration>99" in none.stdout
    bad = runner.invoke(app, ["query", "x", "--index", str(tmp_path / "idx"), "--where", "pitch<3"])
    assert bad.exit_code == 1
    line = bad.output.strip()
    assert "\n" not in line and "'pitch<3'" in line and "unknown field" in line and "Traceback" not in line
