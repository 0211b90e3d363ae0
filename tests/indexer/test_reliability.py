"""Hostile but realistic libraries and faults: no file, dead worker or damaged index may hang a run, abort it or
lose a sound."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import faults
import numpy as np
import pytest
import soundfile as sf
from audiogen import noise, tone
from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.errors import UserError
from clapsearch.indexer import IndexDir, index_paths
from clapsearch.indexer import indexer as indexer_module
from clapsearch.search import SearchEngine
from clapsearch.store import Store
from clapsearch.vectors import VectorIndex
from clapsearch.vectors.kinds import KINDS

runner = CliRunner()


def run(lib: Path, index: Path, **kw: object):
    kw.setdefault("workers", 0)
    return index_paths([lib], index, model="tiny", **kw)


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail the test instead of hanging it."""
    def expired(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: the run hangs")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def add_odd_entries(lib: Path) -> dict[str, str]:
    """A FIFO, links to character devices, a link loop and a broken link, all named like audio."""
    os.mkfifo(lib / "fifo.wav")
    (lib / "zero.wav").symlink_to("/dev/zero")
    (lib / "urandom.flac").symlink_to("/dev/urandom")
    (lib / "loop-a.wav").symlink_to(lib / "loop-b.wav")
    (lib / "loop-b.wav").symlink_to(lib / "loop-a.wav")
    (lib / "gone.wav").symlink_to(lib / "nothing-here.wav")
    (lib / "tone-link.wav").symlink_to(lib / "tone440.wav")  # a link to a regular file is indexed
    return {"fifo.wav": "not a regular file", "zero.wav": "not a regular file", "urandom.flac": "not a regular file",
            "loop-a.wav": "link loop", "loop-b.wav": "link loop", "gone.wav": "broken link"}


def assert_sql_and_faiss_agree(folder: Path) -> None:
    """A FAISS file that claims SQL's generation holds exactly SQL's segments and vectors."""
    store = Store.sqlite_in(folder, readonly=True)
    saved = VectorIndex.load(folder, 32)
    if saved is None or saved.generation != store.generation():
        return  # stale or missing: the next open rebuilds it from SQL
    ids = [i for chunk, _ in store.iter_vectors(32) for i in chunk]
    assert not store.damaged and len(ids) == store.count_segments()  # every vector in the file, intact
    with store.engine.connect() as c:  # each at a row of its own, below the rows SQL knows
        rows = c.exec_driver_sql("select count(distinct vector_row), count(vector_row), max(vector_row) "
                                 "from segments").one()
    assert rows[0] == rows[1] == len(ids) and (not ids or rows[2] < int(store.meta()["vector_rows"]))
    assert saved.ntotal == len(ids), f"FAISS marked current at generation {saved.generation} lacks segments"
    assert saved.ids().tolist() == ids
    if ids and saved.kind != "ivf-pq":  # ivf-pq holds codes: its vectors are approximations
        sql = np.concatenate([v for _, v in store.iter_vectors(32)])
        got = np.stack([saved.index.reconstruct(int(i)) for i in ids])
        np.testing.assert_allclose(got, sql, atol=1e-6)


def test_fifos_devices_and_link_loops_are_skipped_and_the_rest_indexed(library: Path, tmp_path: Path) -> None:
    expected = add_odd_entries(library)
    with deadline(120):
        summary = run(library, tmp_path / "idx")
    reasons = {Path(s["path"]).name: s["reason"] for s in summary.skipped}
    assert set(reasons) == set(expected)
    for name, why in expected.items():
        assert why in reasons[name], (name, reasons[name])
    assert summary.added == 5  # the four files and the link to one of them
    with deadline(60):  # the second run meets them again, and again does not hang
        again = run(library, tmp_path / "idx")
    assert again.unchanged == 5 and {Path(s["path"]).name for s in again.skipped} == set(expected)


def test_a_file_swapped_for_a_fifo_after_the_scan_is_not_read(tmp_path: Path) -> None:
    from clapsearch.indexer.scan import content_hash

    os.mkfifo(tmp_path / "x.wav")
    with deadline(10), pytest.raises(OSError, match="not a regular file"):
        content_hash(str(tmp_path / "x.wav"))


def test_a_name_that_is_not_utf8_is_indexed_found_and_printed_escaped(library: Path, tmp_path: Path) -> None:
    odd = Path(os.fsdecode(bytes(library) + b"/caf\xe9.wav"))
    sf.write(os.fsencode(odd), tone(523, 1.0), 16000)
    summary = run(library, tmp_path / "idx")
    assert summary.added == 5 and summary.skipped == []
    hits = SearchEngine(tmp_path / "idx", device="cpu").query_text(["a tone"], k=10)[0]
    assert str(odd) in {h.path for h in hits}  # the OS path itself: open() works on it
    result = runner.invoke(app, ["query", "a tone", "--index", str(tmp_path / "idx"), "--json"])
    assert result.exit_code == 0, result.output
    paths = [h["path"] for h in json.loads(result.stdout)[0]["results"]]
    assert str(library / "caf\\xe9.wav") in paths
    table = runner.invoke(app, ["query", "a tone", "--index", str(tmp_path / "idx"), "-k", "10"])
    assert table.exit_code == 0 and "caf\\xe9.wav" in table.stdout.replace("\n", "").replace("│", "").replace(" ", "")
    listed = runner.invoke(app, ["index", str(library), "--index", str(tmp_path / "idx"), "--model", "tiny",
                                 "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)["unchanged"] == 5


def test_a_killed_decode_worker_is_retried_once_then_its_file_skipped(library: Path, tmp_path: Path,
                                                                       monkeypatch) -> None:
    sf.write(library / "crash-once.wav", tone(300, 1.0), 16000)
    sf.write(library / "crash-always.wav", tone(350, 1.0), 16000)
    monkeypatch.setattr(indexer_module, "decode", faults.dies_on_crash_files)
    with deadline(120):
        summary = run(library, tmp_path / "idx", workers=1)
    reasons = {Path(s["path"]).name: s["reason"] for s in summary.skipped}
    assert list(reasons) == ["crash-always.wav"]
    assert "killed by SIGKILL" in reasons["crash-always.wav"] and "twice" in reasons["crash-always.wav"]
    assert summary.added == 5  # crash-once.wav succeeded in a fresh worker
    assert (library / "crash-once.wav.crashed").exists()


def test_a_hung_decoder_is_stopped_and_its_file_skipped(library: Path, tmp_path: Path, monkeypatch) -> None:
    sf.write(library / "hang.wav", tone(300, 1.0), 16000)
    monkeypatch.setattr(indexer_module, "decode", faults.dies_on_crash_files)
    monkeypatch.setattr(indexer_module, "DECODE_TIMEOUT", 3.0)
    with deadline(120):
        summary = run(library, tmp_path / "idx", workers=1)
    reasons = {Path(s["path"]).name: s["reason"] for s in summary.skipped}
    assert "hung" in reasons["hang.wav"] and summary.added == 4


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_faiss_bytes_are_detected_and_rebuilt_from_sql(library: Path, tmp_path: Path, caplog,
                                                              kind: str) -> None:
    run(library, tmp_path / "idx", vector_index=kind)
    path = tmp_path / "idx" / "vectors.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 16] = b"\x7f" * 16  # huge floats in the vector data; header intact
    path.write_bytes(bytes(data))
    with caplog.at_level("WARNING"):
        engine = SearchEngine(tmp_path / "idx", device="cpu")
    assert any("damaged" in r.getMessage() for r in caplog.records)
    hits = engine.query_text(["a tone"], k=10)[0]
    assert len(hits) == 4 and all(-1.001 <= h.score <= 1.001 for h in hits)
    assert VectorIndex.load(tmp_path / "idx", 32) is not None  # the reader saved the rebuilt file
    path.write_bytes(bytes(data))
    summary = run(library, tmp_path / "idx")  # nothing changed on disk, yet the damaged file is replaced
    assert summary.unchanged == 4 and VectorIndex.load(tmp_path / "idx", 32) is not None
    assert VectorIndex.load(tmp_path / "idx", 32).kind == kind  # the recorded choice is kept
    assert_sql_and_faiss_agree(tmp_path / "idx")


class Injected(Exception):
    pass


COMMIT_POINTS = [("store", "put_file"), ("store", "move_file"), ("store", "remove_files"), ("store", "set_meta"),
                 ("vectors", "save"), ("vectorfile", "append"), ("vectorfile", "copy_rows"), ("storage", "swap")]
# vectorfile.append: rows appended and fsynced, the SQL commit not yet made; copy_rows: a compaction's new file
# written, not yet named in SQL; swap: the compaction committed, the old file not yet removed


def _changes(lib: Path) -> None:
    """Between runs: one file rewritten, one moved, one deleted, one added, one broken file added."""
    sf.write(lib / "tone440.wav", tone(450, 2.5), 16000)
    (lib / "sub" / "chirp.ogg").rename(lib / "chirp-moved.ogg")
    (lib / "sub" / "low.wav").unlink()
    sf.write(lib / "new.flac", noise(1.2, 16000, seed=3), 16000)
    (lib / "broken.wav").write_text("not audio")


@pytest.mark.parametrize("where,method,kind", [(w, m, k) for w, m in COMMIT_POINTS for k in KINDS
                                               if m != "append" or k == "ivf-pq"])  # below FAISS: one kind
def test_a_failure_at_every_commit_point_leaves_sql_and_faiss_agreeing(library: Path, tmp_path: Path, monkeypatch,
                                                                       where: str, method: str, kind: str) -> None:
    """Fail right after each commit (SQL) or write (FAISS), at each of its calls in turn, in a first build and in
    an update; after every failure the index on disk is consistent and a re-run equals a clean build."""
    from clapsearch.store import storage
    from clapsearch.store.vectorfile import VectorFile
    from clapsearch.vectors.faiss_index import VectorIndex as VI

    owner = {"store": Store, "vectors": VI, "vectorfile": VectorFile, "storage": storage.VectorStorage}[where]
    real = getattr(owner, method)
    monkeypatch.setattr(storage, "COMPACT_GARBAGE", 0.0)  # every run that removes a segment compacts
    tried = 0
    for phase in ("build", "update"):
        n = 1
        while True:
            lib = tmp_path / f"lib-{phase}-{n}"
            import shutil
            shutil.copytree(library, lib)
            idx = tmp_path / f"idx-{phase}-{n}"
            if phase == "update":
                run(lib, idx, vector_index=kind)
                _changes(lib)
            calls = [0]

            def failing(self, *a, _n=n, _calls=calls, **kw):
                out = real(self, *a, **kw)
                _calls[0] += 1
                if _calls[0] == _n:
                    raise Injected(f"{method} #{_n}")
                return out

            monkeypatch.setattr(owner, method, failing)
            try:
                run(lib, idx, vector_index=kind)
                failed = False
            except Injected:
                failed = True
            finally:
                monkeypatch.setattr(owner, method, real)
            if not failed:
                break  # fewer than n calls at this point: every one has been failed once
            tried += 1
            assert_sql_and_faiss_agree(idx)
            again = run(lib, idx)
            assert not again.interrupted
            assert_sql_and_faiss_agree(idx)
            clean = run(lib, tmp_path / f"clean-{phase}-{n}", vector_index=kind)
            a = IndexDir.open(idx, device="cpu")
            b = IndexDir.open(tmp_path / f"clean-{phase}-{n}", device="cpu")
            assert set(a.store.file_states()) == set(b.store.file_states())
            for f in b.store.file_states():
                np.testing.assert_allclose(a.store.vectors_of(f, 32), b.store.vectors_of(f, 32), atol=1e-5)
            assert a.vectors.ntotal == a.store.count_segments() == clean.segments
            assert a.vectors.kind == b.vectors.kind == kind
            hits = {h.path for h in SearchEngine(idx, device="cpu").query_text(["x"], k=20)[0]}
            assert hits == {f for f, s in b.store.file_states().items() if s.status == "indexed"}
            n += 1
    assert tried >= {"put_file": 7, "save": 2, "append": 6}.get(method, 1)  # each point was reached and failed


@pytest.mark.parametrize("kind", KINDS)
def test_interrupt_between_sql_commit_and_faiss_update_is_never_saved_as_current(library: Path, tmp_path: Path,
                                                                                monkeypatch, kind: str) -> None:
    real = Store.put_file

    def commit_then_interrupt(self, *a, **kw):
        real(self, *a, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "put_file", commit_then_interrupt)
    summary = run(library, tmp_path / "idx", vector_index=kind)
    assert summary.interrupted
    monkeypatch.setattr(Store, "put_file", real)
    saved = VectorIndex.load(tmp_path / "idx", 32)
    assert saved is not None and saved.generation < Store.sqlite_in(tmp_path / "idx").generation()
    hits = SearchEngine(tmp_path / "idx", device="cpu").query_text(["x"], k=10)[0]
    assert len(hits) == 1  # the committed file is found: FAISS was rebuilt from SQL
    assert run(library, tmp_path / "idx").added == 3


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(writable source folder, the same folder mounted read-only)."""
    src, mnt = tmp_path / "src", tmp_path / "ro"
    src.mkdir()
    mnt.mkdir()
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(src), str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here (needs root): {done.stderr.strip()}")
    try:
        yield src, mnt
    finally:
        subprocess.run(["umount", "--lazy", str(mnt)], check=False)  # lazy: the test's readers may still hold it


def test_a_read_only_index_answers_queries_and_index_says_why_it_cannot(library: Path, read_only_mount) -> None:
    src, mnt = read_only_mount
    run(library, src / "idx")
    wal = src / "idx" / "metadata.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    result = runner.invoke(app, ["query", "a tone", "--index", str(mnt / "idx"), "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)[0]["results"]) == 4
    result = runner.invoke(app, ["index", str(library), "--index", str(mnt / "idx"), "--model", "tiny"])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot write to index folder" in lines[0] and "Read-only" in lines[0]
    assert "Traceback" not in result.output


def test_truncated_wav_and_ogg_are_skipped_as_truncated(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for name in ("whole.wav", "cut.wav", "whole.ogg", "cut.ogg"):
        sf.write(lib / name, noise(3.0, 16000, seed=len(name)), 16000)
    for name in ("cut.wav", "cut.ogg"):
        data = (lib / name).read_bytes()
        (lib / name).write_bytes(data[: len(data) // 2])
    summary = run(lib, tmp_path / "idx")
    reasons = {Path(s["path"]).name: s["reason"] for s in summary.skipped}
    assert set(reasons) == {"cut.wav", "cut.ogg"} and summary.added == 2
    assert all(r.startswith("truncated") for r in reasons.values())
    assert "3.00 s" in reasons["cut.wav"]


def test_a_wav_short_by_a_few_frames_says_how_many(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "short.wav", noise(3.0, 16000, seed=1), 16000, subtype="PCM_16")
    data = (lib / "short.wav").read_bytes()
    (lib / "short.wav").write_bytes(data[:-44])  # 22 frames of 16-bit mono: 3.00 s either way
    summary = run(lib, tmp_path / "idx")
    [skipped] = summary.skipped
    assert skipped["reason"].startswith("truncated") and "48000 frames (3.00 s)" in skipped["reason"]
    assert "22 frames missing" in skipped["reason"]


def test_index_refuses_a_regular_file_as_index_folder(library: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UserError, match="is a file, not an index folder"):
        run(library, tmp_path / "notes.txt")


def test_a_database_without_an_index_is_no_index_and_stays_untouched(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite"
    Store(f"sqlite:///{db}")  # an empty metadata database
    result = runner.invoke(app, ["query", "x", "--db", f"sqlite:///{db}", "--index", str(tmp_path / "new")])
    assert result.exit_code == 1 and "no index in" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "new").exists()
    missing = tmp_path / "missing.sqlite"
    result = runner.invoke(app, ["query", "x", "--db", f"sqlite:///{missing}", "--index", str(tmp_path / "new")])
    assert result.exit_code == 1 and "no index in" in result.output and not missing.exists()


def test_rebuild_sets_a_damaged_database_aside_and_builds_again(library: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    run(library, idx)
    for old in idx.glob("metadata.sqlite*"):
        old.unlink()
    (idx / "metadata.sqlite").write_bytes(os.urandom(8192))
    result = runner.invoke(app, ["index", str(library), "--index", str(idx), "--model", "tiny"])
    assert result.exit_code == 1 and "--rebuild" in result.output
    result = runner.invoke(app, ["index", str(library), "--index", str(idx), "--model", "tiny", "--rebuild",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 4
    assert len(list(idx.glob("replaced-*/metadata.sqlite"))) == 1


def test_everything_at_once_through_the_cli(broken_library: Path, tmp_path: Path, monkeypatch) -> None:
    """The acceptance library: real files plus every odd case, indexed to the end, no traceback."""
    lib = broken_library
    add_odd_entries(lib)
    sf.write(bytes(lib) + b"/caf\xe9.wav", tone(523, 1.0), 16000)
    sf.write(lib / "crash-always.wav", tone(350, 1.0), 16000)
    data = (lib / "noise.flac").read_bytes()
    sf.write(lib / "cut.wav", noise(3.0, 16000), 16000)
    (lib / "cut.wav").write_bytes((lib / "cut.wav").read_bytes()[:20000])
    monkeypatch.setattr(indexer_module, "decode", faults.dies_on_crash_files)
    with deadline(180):
        result = runner.invoke(app, ["index", str(lib), "--index", str(tmp_path / "idx"), "--model", "tiny",
                                     "--workers", "1", "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    summary = json.loads(result.stdout)
    skipped = {Path(s["path"]).name for s in summary["skipped"]}
    assert skipped == {"fifo.wav", "zero.wav", "urandom.flac", "loop-a.wav", "loop-b.wav", "gone.wav",
                       "empty.wav", "letter.mp3", "truncated.flac", "silence.wav", "crash-always.wav", "cut.wav"}
    assert summary["added"] == 6 and data == (lib / "noise.flac").read_bytes()
