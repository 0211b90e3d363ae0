"""The metadata store on PostgreSQL (`--db postgresql+psycopg://...`): what tests/store/test_store.py and
test_paths.py check on SQLite, a non-UTF-8 file name included, and index -> search -> CLI end to end.

The server: CLAPSEARCH_TEST_PG_URL, or a throwaway one the `pg_server` fixture (tests/conftest.py) starts; each
test gets an empty database of its own (`pg_url`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audiogen import tone
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from clapsearch.store import Store

CAFE = os.fsdecode(b"/lib/caf\xe9.wav")  # == "/lib/caf\udce9.wav": the str Python gives for a Latin-1 name
CAFE_TEXT = "/lib/caf\\xe9.wav"  # its text form in SQL: a literal backslash, x, e, 9

runner = CliRunner()


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's cache (its error log) under tmp_path, never in the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("CLAPSEARCH_CACHE", raising=False)


def fields(path: str, **kw: object) -> dict[str, object]:
    base = {"path": path, "size": 1, "mtime": 1.0, "content_hash": f"hash-{len(path)}-{kw.get('size', 1)}",
            "status": "indexed", "error": None, "duration": 2.0, "sample_rate": 16000, "channels": 1, "format": "WAV"}
    return base | kw


def stored_paths(store: Store) -> list[str]:
    """The path column as SQL holds it (plain SQL, no TypeDecorator in between)."""
    with store.engine.connect() as c:
        return sorted(c.execute(text("select path from files")).scalars())


def test_each_test_gets_an_empty_postgresql_database(pg_url: str) -> None:
    engine = create_engine(pg_url, poolclass=NullPool)
    assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
    assert inspect(engine).get_table_names() == []
    store = Store(pg_url)
    assert {"files", "segments", "index_meta"} <= set(inspect(store.engine).get_table_names())
    with store.engine.connect() as c:
        assert c.execute(text("show server_encoding")).scalar() == "UTF8"
    store.engine.dispose()


def test_put_replace_move_remove(pg_url: str) -> None:
    store = Store(pg_url)
    assert store.generation() == 0
    _, ids = store.put_file(fields("/a.wav"), [(0.0, 1.0, np.ones(4)), (0.5, 1.5, np.zeros(4))])
    assert len(ids) == 2 and store.count_segments() == 2 and store.generation() == 1
    removed, new = store.put_file(fields("/a.wav", size=2), [(0.0, 1.0, np.full(4, 2.0))])
    assert removed == ids and store.count_segments() == 1 and store.generation() == 2
    np.testing.assert_array_equal(store.vectors_of("/a.wav", 4), np.full((1, 4), 2.0, np.float32))
    store.move_file("/a.wav", "/b.wav", 2, 3.0)
    states = store.file_states()
    assert set(states) == {"/b.wav"} and (states["/b.wav"].size, states["/b.wav"].mtime) == (2, 3.0)
    assert store.segments(new)[new[0]].path == "/b.wav"
    assert store.remove_files(["/b.wav"]) == new
    assert store.count_segments() == 0 and store.file_states() == {} and store.generation() == 4
    assert store.remove_files([]) == []


def test_vectors_round_trip_in_chunks(pg_url: str) -> None:
    store = Store(pg_url)
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((7, 3)).astype(np.float32)
    for i in range(7):
        store.put_file(fields(f"/{i}.wav"), [(0.0, 1.0, vecs[i])])
    ids, got = zip(*store.iter_vectors(3, chunk=3))
    np.testing.assert_array_equal(np.concatenate(got), vecs)  # bit-exact float32 through bytea
    assert [len(i) for i in ids] == [3, 3, 1]
    assert list(np.concatenate(ids)) == sorted(np.concatenate(ids))


def test_meta_skips_and_segments(pg_url: str) -> None:
    store = Store(pg_url)
    store.set_meta({"model": "tiny", "dim": "32"})
    store.set_meta({"dim": "64"})
    assert store.meta() == {"model": "tiny", "dim": "64"}
    store.put_file(fields("/x.mp3", status="skipped", error="not audio"), [])
    assert store.skipped() == [("/x.mp3", "not audio")]
    _, ids = store.put_file(fields("/long.wav", duration=9.5), [(0.0, 5.0, np.ones(2)), (4.5, 9.5, np.ones(2))])
    hits = store.segments(ids + [10**9])  # an id that is not there is left out
    assert sorted((h.start, h.end, h.duration) for h in hits.values()) == [(0.0, 5.0, 9.5), (4.5, 9.5, 9.5)]
    again = Store(pg_url)  # a second engine (its own connections) sees the commits
    assert again.meta() == {"model": "tiny", "dim": "64", "generation": "2"} and again.generation() == 2


def test_many_files_removed_in_chunks(pg_url: str) -> None:
    store = Store(pg_url)
    paths = [f"/many/{i}.wav" for i in range(1203)]  # remove_files and segments work in chunks of 500
    all_ids = []
    for p in paths:
        all_ids += store.put_file(fields(p), [(0.0, 1.0, np.ones(2))])[1]
    assert len(store.segments(all_ids)) == 1203
    assert sorted(store.remove_files(paths[:1100])) == sorted(all_ids[:1100])
    assert set(store.file_states()) == set(paths[1100:])


def test_a_file_of_2_gib_or_more(pg_url: str) -> None:
    store = Store(pg_url)
    big, mtime = 3 * 2**30 + 7, 1733040000.1234567
    store.put_file(fields("/long/field recording.wav", size=big, mtime=mtime), [(0.0, 1.0, np.ones(2))])
    state = store.file_states()["/long/field recording.wav"]
    assert (state.size, state.mtime) == (big, mtime)  # exact: the indexer compares both to see a file unchanged


def test_non_utf8_path_round_trips_through_postgresql(pg_url: str) -> None:
    store = Store(pg_url)
    literal = "/lib/caf\\xe9.wav"  # a distinct file whose real name is the escape's text
    moved = os.fsdecode(b"/lib/new \\ na\xefve\xff.wav")
    _, ids = store.put_file(fields(CAFE), [(0.0, 1.0, np.ones(4)), (1.0, 2.0, np.full(4, 3.0))])
    _, lit_ids = store.put_file(fields(literal), [(0.0, 1.0, np.zeros(4))])
    states = store.file_states()
    assert set(states) == {CAFE, literal} and states[CAFE].path == CAFE
    assert {h.path for h in store.segments(ids).values()} == {CAFE}
    assert store.segments(lit_ids)[lit_ids[0]].path == literal
    np.testing.assert_array_equal(store.vectors_of(CAFE, 4), np.array([[1.0] * 4, [3.0] * 4], np.float32))
    np.testing.assert_array_equal(store.vectors_of(literal, 4), np.zeros((1, 4), np.float32))
    assert stored_paths(store) == sorted([CAFE_TEXT, "/lib/caf\\\\xe9.wav"])
    with store.engine.connect() as c:  # SQL finds the file by its text form
        assert c.execute(text("select size from files where path = :p"), {"p": CAFE_TEXT}).scalar() == 1

    removed, new = store.put_file(fields(CAFE, size=2), [(0.0, 1.0, np.full(4, 2.0))])  # replaced, not added
    assert removed == ids and store.file_states()[CAFE].size == 2 and len(store.file_states()) == 2
    store.move_file(CAFE, moved, 2, 5.0)
    assert set(store.file_states()) == {moved, literal}
    assert store.segments(new)[new[0]].path == moved
    np.testing.assert_array_equal(store.vectors_of(moved, 4), np.full((1, 4), 2.0, np.float32))
    assert store.vectors_of(CAFE, 4).shape == (0, 4)
    assert stored_paths(store) == sorted(["/lib/new \\\\ na\\xefve\\xff.wav", "/lib/caf\\\\xe9.wav"])

    store.put_file(fields(CAFE, status="skipped", error="truncated"), [])
    assert store.skipped() == [(CAFE, "truncated")]
    assert sorted(store.remove_files([moved, literal, CAFE])) == sorted(new + lit_ids)
    assert store.file_states() == {} and store.count_segments() == 0


# -- end to end: index, search and the CLI with --db on PostgreSQL ----------------------------------------------

@pytest.fixture
def odd_library(library: Path) -> tuple[Path, str]:
    """The shared library plus a WAV whose name is not valid UTF-8 (b'caf\\xe9.wav'); returns (folder, its OS path)."""
    odd = Path(os.fsdecode(os.fsencode(library) + b"/caf\xe9.wav"))
    sf.write(os.fsencode(odd), tone(523, 1.0), 16000)  # soundfile encodes a str name strictly: give it the bytes
    assert os.fsencode(odd).endswith(b"/caf\xe9.wav")
    return library, str(odd.resolve())


def test_index_search_and_cli_query_on_postgresql(odd_library: tuple[Path, str], pg_url: str,
                                                  tmp_path: Path) -> None:
    from clapsearch.cli.main import app
    from clapsearch.indexer import index_paths
    from clapsearch.search import SearchEngine

    library, odd = odd_library
    index_dir = tmp_path / "idx"
    summary = index_paths([library], index_dir, model="tiny", db_url=pg_url, workers=0)
    expected = {str(p.resolve()) for p in library.rglob("*") if p.suffix in (".wav", ".flac", ".ogg")}
    assert odd in expected and len(expected) == 5
    assert summary.added == 5 and not summary.skipped, summary.to_dict()
    assert not (index_dir / "metadata.sqlite").exists()  # the metadata went to PostgreSQL

    engine = SearchEngine(index_dir, db_url=pg_url, device="cpu")
    hits = engine.query_text(["a tone"], k=10)[0]
    assert {h.path for h in hits} == expected  # exact OS paths, the surrogate escape included
    assert engine.file_count() == 5
    assert engine.index.store.file_states()[odd].path == odd
    assert (CAFE_TEXT.replace("/lib", os.fsdecode(os.fsencode(library.resolve())))
            in stored_paths(engine.index.store))
    engine.index.store.engine.dispose()

    again = index_paths([library], index_dir, db_url=pg_url, workers=0)  # nothing changed: nothing re-embedded
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)

    result = runner.invoke(app, ["query", "a tone", "--index", str(index_dir), "--db", pg_url, "--json"])
    assert result.exit_code == 0, result.output
    assert "caf\\\\xe9.wav" in result.stdout  # JSON of the text form: the backslash itself escaped
    shown = {r["path"] for r in json.loads(result.stdout)[0]["results"]}
    assert {Path(p).name for p in shown} == {"tone440.wav", "noise.flac", "chirp.ogg", "low.wav", "caf\\xe9.wav"}
    assert str(library.resolve() / "caf\\xe9.wav") in shown


def test_query_on_a_postgresql_database_without_an_index_is_one_line(pg_url: str, tmp_path: Path) -> None:
    from clapsearch.cli.main import app

    new_dir = tmp_path / "new-idx"
    result = runner.invoke(app, ["query", "x", "--db", pg_url, "--index", str(new_dir)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith("error: ") and "no index" in lines[0], lines[0]
    assert "damaged" not in lines[0], lines[0]
    password = make_url(pg_url).password  # the throwaway server's URL has one (trust auth ignores it)
    assert not password or str(password) not in result.output, result.output
    assert not new_dir.exists()  # nothing created: no folder ...
    engine = create_engine(pg_url, poolclass=NullPool)
    assert inspect(engine).get_table_names() == []  # ... and no tables


def test_vectors_in_the_folder_file_with_their_rows_in_postgresql(pg_url: str, tmp_path: Path) -> None:
    """An older index on PostgreSQL (blobs, no row columns) gets its columns and its vectors moved to the file;
    then appends, replacement, removal and a compaction (UPDATE ... FROM a window function) on PostgreSQL."""
    from clapsearch.store.vectorfile import VectorFile

    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((6, 8)).astype(np.float32)
    old = Store(pg_url)  # no folder: float32 blobs, as before the vector file
    for i in range(3):
        old.put_file(fields(f"/{i}.wav", content_hash=f"h{i}"), [(0.0, 1.0, vecs[2 * i]), (1.0, 2.0, vecs[2 * i + 1])])
    with old.engine.begin() as c:
        c.execute(text("alter table segments drop column vector_row, drop column vector_crc"))
    old.engine.dispose()
    store = Store(pg_url, vector_dir=tmp_path)  # a writer's open adds the columns back, NULL: still the blobs
    np.testing.assert_array_equal(store.vectors_of("/1.wav", 8), vecs[2:4])
    assert store.migrate_vectors() == 6 and store.generation() == 3
    np.testing.assert_array_equal(np.concatenate([v for _, v in store.iter_vectors(8)]), Store.stored(vecs))
    with store.engine.connect() as c:
        assert c.execute(text("select count(*) from segments where vector_row is null or length(vector) > 0")
                         ).scalar() == 0
    store.put_file(fields("/1.wav", size=2), [(0.0, 1.0, vecs[0])])  # replaced: rows 2 and 3 now garbage
    store.remove_files(["/0.wav"])  # and 0, 1: 4 of 7
    assert store.compact_vectors() == 4 and VectorFile(tmp_path / "vectors-1.f16").rows == 3
    assert not (tmp_path / "vectors.f16").exists()
    np.testing.assert_array_equal(store.vectors_of("/1.wav", 8), Store.stored(vecs[:1]))
    np.testing.assert_array_equal(store.vectors_of("/2.wav", 8), Store.stored(vecs[4:]))
    ids = [int(i) for i, _ in store.iter_vectors(8) for i in i]
    np.testing.assert_array_equal(store.vectors_by_ids(np.array(ids[::-1]), 8),
                                  Store.stored(np.concatenate([vecs[4:], vecs[:1]]))[::-1])  # in id order
    with store.engine.connect() as c:
        assert sorted(c.execute(text("select vector_row from segments")).scalars()) == [0, 1, 2]
    store.engine.dispose()
