"""serve --watch on a real folder: added, deleted and moved files show in the API within seconds."""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import soundfile as sf
from audiogen import noise, tone

from clapsearch.indexer import index_paths

WAIT = 30.0  # generous for a loaded 2-core machine; a change usually shows in about 2 s


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[object, Path, object]]:
    from fastapi.testclient import TestClient

    from clapsearch.search import SearchEngine
    from clapsearch.server.app import create_app
    from clapsearch.server.watch import Watcher

    lib = tmp_path / "lib"
    (lib / "sub").mkdir(parents=True)
    sf.write(lib / "tone.wav", tone(440, 1.5), 16000)
    sf.write(lib / "sub" / "hiss.wav", noise(1.5), 16000)
    index_paths([lib], tmp_path / "idx", model="tiny", workers=0)
    app = create_app(SearchEngine(tmp_path / "idx", device="cpu"), watching=True)
    watcher = Watcher(app.state.library, tmp_path / "idx", device="cpu", debounce=0.3)
    assert watcher.roots == [str(lib.resolve())]
    watcher.start()
    try:
        with TestClient(app) as client:
            yield client, lib.resolve(), watcher
    finally:
        watcher.stop()


def _paths(client) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["path"] for r in client.get("/api/search", params={"q": "sound", "k": 50}).json()["results"]}


def _until(check: Callable[[], bool]) -> float:
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < WAIT, "the change did not show in time"
        time.sleep(0.1)
    return time.monotonic() - t0


def test_added_deleted_and_moved_files_show_within_seconds(watched) -> None:  # type: ignore[no-untyped-def]
    client, lib, watcher = watched
    assert _paths(client) == {str(lib / "tone.wav"), str(lib / "sub" / "hiss.wav")}
    assert client.get("/api/info").json()["watch"] is True

    sf.write(lib / "sub" / "new.wav", tone(880, 1.2), 16000)
    _until(lambda: str(lib / "sub" / "new.wav") in _paths(client))
    new_id = next(r["file_id"] for r in client.get("/api/search", params={"q": "x", "k": 50}).json()["results"]
                  if r["name"] == "new.wav")
    assert client.get(f"/api/files/{new_id}/audio").content == (lib / "sub" / "new.wav").read_bytes()

    (lib / "tone.wav").unlink()
    _until(lambda: str(lib / "tone.wav") not in _paths(client))
    assert client.get("/api/info").json()["files"] == 2

    (lib / "other").mkdir()
    shutil.move(lib / "sub" / "new.wav", lib / "other" / "moved.wav")
    _until(lambda: str(lib / "other" / "moved.wav") in _paths(client))
    assert _paths(client) == {str(lib / "other" / "moved.wav"), str(lib / "sub" / "hiss.wav")}
    assert watcher.last_summary.moved == 1  # the same content: its vectors kept, not decoded again
    moved = next(r for r in client.get("/api/search", params={"q": "x"}).json()["results"] if r["name"] == "moved.wav")
    assert moved["file_id"] == new_id


def test_queries_keep_working_during_updates(watched) -> None:  # type: ignore[no-untyped-def]
    client, lib, watcher = watched
    for i in range(6):
        sf.write(lib / f"burst{i}.wav", tone(300 + 100 * i, 1.0), 16000)
    seen: list[int] = []
    statuses: set[int] = set()

    def all_there() -> bool:
        r = client.get("/api/search", params={"q": "tone", "k": 50})
        statuses.add(r.status_code)
        seen.append(len(r.json()["results"]))
        return len(r.json()["results"]) == 8

    _until(all_there)
    assert statuses == {200} and min(seen) >= 2  # never an error, never fewer than the files there before
