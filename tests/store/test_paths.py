"""clapsearch.paths (the escaped text form of OS paths) and a non-UTF-8 file name through the SQLite store."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from clapsearch.paths import display_path, escape_path, needs_escape, unescape_path
from clapsearch.store import Store

CAFE = os.fsdecode(b"/lib/caf\xe9.wav")  # a Latin-1 name: not valid UTF-8
CAFE_TEXT = "/lib/caf\\xe9.wav"  # its text form: a literal backslash, x, e, 9


# -- clapsearch.paths ------------------------------------------------------------------------------------------

def test_a_non_utf8_name_is_the_surrogate_escaped_str_python_gives() -> None:
    assert CAFE == "/lib/caf\udce9.wav"
    assert escape_path(CAFE) == CAFE_TEXT
    assert unescape_path(CAFE_TEXT) == CAFE
    assert os.fsencode(unescape_path(escape_path(CAFE))) == b"/lib/caf\xe9.wav"
    assert display_path(CAFE) == CAFE_TEXT


@pytest.mark.parametrize("path", ["/music/dog bark.wav", "relative/x.flac", "/été/café ☕/日本語.wav", "", "/",
                                  "/a b/[live] (1).mp3", "/x/100%.wav", "/tab\there.wav"])
def test_ordinary_names_are_unchanged(path: str) -> None:
    assert not needs_escape(path)
    assert escape_path(path) == path and unescape_path(path) == path


@pytest.mark.parametrize("raw", [
    b"/lib/caf\xe9.wav",
    b"/\x80\x81\xfe\xff.wav",
    b"/mixed/\xc3\xa9t\xe9.wav",  # valid UTF-8 (é) beside an invalid byte
    b"/lib/caf\\xe9.wav",  # a real name that looks like an escape: a backslash, then x, e, 9
    b"/lib/caf\\\xe9.wav",  # a backslash right before an invalid byte
    b"C:\\Windows\\dir\\",  # backslashes only
    b"/a\\\\b",  # two backslashes
    b"\\x",  # a backslash and an x, but no hex digits
    b"/trail\\",
    b"/caf\xe9/\xe9t\xe9/" + bytes(range(0x80, 0x100)),  # every byte that can never start a valid UTF-8 char
])
def test_escape_and_unescape_are_inverse(raw: bytes) -> None:
    path = os.fsdecode(raw)
    shown = escape_path(path)
    shown.encode("utf-8")  # valid UTF-8 text: SQL, JSON and terminals can carry it
    assert unescape_path(shown) == path
    assert os.fsencode(unescape_path(shown)) == raw


def test_backslashes_are_doubled_so_a_literal_escape_is_not_taken_for_a_byte() -> None:
    assert escape_path("C:\\dir\\x.wav") == "C:\\\\dir\\\\x.wav"
    literal = "/lib/caf\\xe9.wav"  # a name holding the six characters of the escape, not the byte
    assert escape_path(literal) == "/lib/caf\\\\xe9.wav"
    assert escape_path(literal) != escape_path(CAFE)
    assert unescape_path(escape_path(literal)) == literal
    assert escape_path("/caf\\\udce9") == "/caf\\\\\\xe9"


def test_every_byte_escapes_as_two_lower_case_hex_digits() -> None:
    for byte in range(0x80, 0x100):
        path = os.fsdecode(b"/" + bytes([byte]))  # a lone byte >= 0x80 is never valid UTF-8
        assert path == "/" + chr(0xDC00 + byte)
        assert escape_path(path) == f"/\\x{byte:02x}"


# -- a non-UTF-8 name through the store (SQLite; tests/store/test_postgres.py does the same on PostgreSQL) -------

def fields(path: str, **kw: object) -> dict[str, object]:
    base = {"path": path, "size": 1, "mtime": 1.0, "content_hash": f"hash-{len(path)}-{kw.get('size', 1)}",
            "status": "indexed", "error": None, "duration": 2.0, "sample_rate": 16000, "channels": 1, "format": "WAV"}
    return base | kw


def check_non_utf8_round_trip(store: Store) -> None:
    """put/file_states/segments/vectors_of/move/remove keep a non-UTF-8 path exactly; SQL holds its text form."""
    literal = "/lib/caf\\xe9.wav"  # a distinct file whose real name is the escape's text
    moved = os.fsdecode(b"/lib/new \\ na\xefve\xff.wav")
    _, ids = store.put_file(fields(CAFE), [(0.0, 1.0, np.ones(4)), (1.0, 2.0, np.full(4, 3.0))])
    _, lit_ids = store.put_file(fields(literal), [(0.0, 1.0, np.zeros(4))])
    assert set(store.file_states()) == {CAFE, literal}
    assert store.file_states()[CAFE].path == CAFE
    assert {h.path for h in store.segments(ids).values()} == {CAFE}
    assert store.segments(lit_ids)[lit_ids[0]].path == literal
    np.testing.assert_array_equal(store.vectors_of(CAFE, 4), np.array([[1.0] * 4, [3.0] * 4], np.float32))
    np.testing.assert_array_equal(store.vectors_of(literal, 4), np.zeros((1, 4), np.float32))
    with store.engine.connect() as c:
        assert sorted(c.execute(text("select path from files")).scalars()) == sorted(
            [CAFE_TEXT, "/lib/caf\\\\xe9.wav"])

    removed, new = store.put_file(fields(CAFE, size=2), [(0.0, 1.0, np.full(4, 2.0))])  # replaced
    assert removed == ids and store.file_states()[CAFE].size == 2
    store.move_file(CAFE, moved, 2, 5.0)
    assert set(store.file_states()) == {moved, literal}
    assert store.segments(new)[new[0]].path == moved
    np.testing.assert_array_equal(store.vectors_of(moved, 4), np.full((1, 4), 2.0, np.float32))
    assert store.vectors_of(CAFE, 4).shape == (0, 4)
    with store.engine.connect() as c:
        stored = set(c.execute(text("select path from files")).scalars())
    assert stored == {"/lib/new \\\\ na\\xefve\\xff.wav", "/lib/caf\\\\xe9.wav"}
    assert all(s.isprintable() for s in stored)

    assert store.remove_files([moved]) == new
    assert store.remove_files([literal]) == lit_ids
    assert store.file_states() == {} and store.count_segments() == 0


def test_non_utf8_path_round_trips_through_sqlite(tmp_path: Path) -> None:
    check_non_utf8_round_trip(Store.sqlite_in(tmp_path))


def test_non_utf8_skipped_file_round_trips_through_sqlite(tmp_path: Path) -> None:
    store = Store.sqlite_in(tmp_path)
    store.put_file(fields(CAFE, status="skipped", error="not audio"), [])
    assert store.skipped() == [(CAFE, "not audio")]
