"""The web page in a real browser: headless Chromium (Playwright) against `clapsearch serve`'s app on the demo sounds.

The browser is Debian's chromium (/usr/bin/chromium; CLAPSEARCH_TEST_BROWSER names another binary), since
Playwright cannot download its own here. Without a browser or Playwright the tests skip saying so, unless
CLAPSEARCH_TEST_BROWSER_REQUIRED=1 (set by .ci/run): in CI they must run.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

import clapsearch

pytestmark = pytest.mark.slow

BROWSER_ENV = "CLAPSEARCH_TEST_BROWSER"
REQUIRED_ENV = "CLAPSEARCH_TEST_BROWSER_REQUIRED"
SCREENSHOT_ENV = "CLAPSEARCH_TEST_SCREENSHOT"  # a path: save a screenshot of the page with results there
SAMPLES = Path(clapsearch.__file__).resolve().parent / "samples"
AS_WAV = ("drum_snare_hard", "elec_beep", "misc_crow")  # moved to wav/ as WAV: a folder and a format to filter on
TIMEOUT_MS = 20_000


def _unavailable(reason: str) -> None:
    """Skip the browser tests, or fail them where a browser is required (CI)."""
    if os.environ.get(REQUIRED_ENV, "") not in ("", "0"):
        pytest.fail(f"browser tests cannot run, and {REQUIRED_ENV} is set: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def _browser_binary() -> str | None:
    given = os.environ.get(BROWSER_ENV)
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo sounds indexed with the default model: 9 FLAC at the top, 3 WAV in wav/, and wav/choir_late.wav,
    6 s of quiet then the choir thrice, whose best segment for "a choir singing" is its last, not its first."""
    from clapsearch.indexer import index_paths

    root = tmp_path_factory.mktemp("demo")
    lib = root / "sounds"
    (lib / "wav").mkdir(parents=True)
    for src in SAMPLES.glob("*.flac"):
        if src.stem in AS_WAV:
            data, sr = sf.read(src)
            sf.write(lib / "wav" / f"{src.stem}.wav", data, sr)
        else:
            shutil.copy(src, lib / src.name)
    choir, sr = sf.read(SAMPLES / "ambi_choir.flac", always_2d=True)
    quiet = np.random.default_rng(0).normal(0, 1e-3, (6 * sr, choir.shape[1]))
    sf.write(lib / "wav" / "choir_late.wav", np.concatenate([quiet, choir, choir, choir]), sr)
    summary = index_paths([lib], root / "idx", model="default", device="cpu", workers=0)
    assert summary.added == 13 and not summary.skipped
    return root / "idx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    """Serve app with uvicorn in a thread on 127.0.0.1 and a free port; yield its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def demo_engine(demo_index: Path) -> Any:
    from clapsearch.search import SearchEngine

    return SearchEngine(demo_index, device="cpu")


@pytest.fixture(scope="module")
def server_url(demo_engine: Any) -> Iterator[str]:
    """The app of `clapsearch serve` on the demo index."""
    from clapsearch.server.app import create_app

    with _serving(create_app(demo_engine)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright; make install does)")
    binary = _browser_binary()
    if binary is None:
        _unavailable("no Chromium found (apt-get install chromium, or set CLAPSEARCH_TEST_BROWSER=/path/to/chrome)")
    with sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=binary, args=["--autoplay-policy=no-user-gesture-required"])
        except PlaywrightError as e:
            _unavailable(f"{binary} did not start: {str(e).splitlines()[0]}")
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server_url: str) -> Iterator[Any]:
    """A fresh page at / ; a JavaScript error on it fails the test."""
    context = browser.new_context(viewport={"width": 1440, "height": 800}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(server_url + "/")
    p.wait_for_function("document.querySelector('#status').textContent.includes('files')")
    yield p
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def search(page: Any, text: str) -> list[dict[str, Any]]:
    """Type text in the box, press Enter, wait for the answer; return the rows' figures in list order."""
    page.locator("#q").fill(text)
    page.locator("#q").press("Enter")
    page.wait_for_function("q => document.querySelector('#results').getAttribute('aria-label') === 'Results for ' + q"
                           " && !document.body.classList.contains('busy')", arg=text)
    return rows(page)


def rows(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all("#results .row", """rows => rows.map(r => ({
        id: r.dataset.fileId, score: +r.dataset.score, start: +r.dataset.start, end: +r.dataset.end,
        duration: +r.dataset.duration, format: r.dataset.format, folder: r.dataset.folder,
        name: r.querySelector('.name').textContent, selected: r.getAttribute('aria-selected') === 'true'}))""")


def test_a_typed_query_shows_ranked_results(page: Any, server_url: str) -> None:
    results = search(page, "a choir singing")
    assert len(results) == 13  # k is 25 by default; the index holds 13 files, each listed once
    assert len({r["id"] for r in results}) == 13
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert {results[0]["name"], results[1]["name"]} == {"ambi_choir.flac", "choir_late.wav"}
    assert "q=a+choir+singing" in page.url  # bookmarkable
    assert "13 files" in page.locator("#status").text_content()
    assert page.locator("#error").is_hidden()
    page.wait_for_function("() => document.querySelectorAll('#results canvas').length === 13 && "
                           "[...document.querySelectorAll('#results canvas')].every(c => c.width > 0)")
    shot = os.environ.get(SCREENSHOT_ENV)
    if shot:
        page.locator("#results").focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        page.wait_for_timeout(1200)
        page.screenshot(path=shot)
    # the bookmark reproduces the list
    page.goto(page.url)
    page.wait_for_selector("#results .row")
    assert [r["id"] for r in rows(page)] == [r["id"] for r in results]
    assert page.locator("#q").input_value() == "a choir singing"


def _wait_playing(page: Any) -> dict[str, float]:
    page.wait_for_function("() => { const a = document.querySelector('audio'); return !a.paused && "
                           "a.currentTime > 0 }")
    return page.evaluate("() => { const a = document.querySelector('audio'); "
                         "return {t: a.currentTime, paused: a.paused} }")


def test_play_seeks_to_the_matched_segment_and_stops_at_its_end(page: Any) -> None:
    results = search(page, "a choir singing")
    late = next(i for i, r in enumerate(results) if r["name"] == "choir_late.wav")
    r = results[late]
    assert r["start"] > 0 and r["end"] == pytest.approx(r["duration"], abs=0.01)  # the choir is at the end
    page.locator(f"#result-{late} button[data-action=play]").click()
    t = _wait_playing(page)["t"]
    assert r["start"] <= t <= r["end"], (t, r)
    assert page.locator(f"#result-{late}").get_attribute("aria-selected") == "true"
    # a segment that ends before its file does: playback stops at the segment's end
    short = [(i, x) for i, x in enumerate(results) if x["end"] < x["duration"] - 0.5]
    assert short, "the demo index should hold a file longer than one segment"
    i, x = min(short, key=lambda ix: ix[1]["end"] - ix[1]["start"])
    page.locator(f"#result-{i} button[data-action=play]").click()
    t = _wait_playing(page)["t"]
    assert x["start"] <= t <= x["end"]
    page.evaluate("document.querySelector('audio').playbackRate = 4")  # a 5 s segment ends in ~1.3 s
    page.wait_for_function("() => document.querySelector('audio').paused", timeout=(x["end"] - x["start"] + 10) * 1000)
    stopped = page.evaluate("document.querySelector('audio').currentTime")
    assert x["end"] - 0.05 <= stopped <= x["end"] + 0.4, (stopped, x)


def test_more_like_this_excludes_the_source(page: Any) -> None:
    source = search(page, "a drum beat")[0]
    page.locator("#result-0 button[data-action=more]").click()
    label = f"Results for sounds like {source['name']}"
    page.wait_for_function("l => document.querySelector('#results').getAttribute('aria-label') === l", arg=label)
    similar = rows(page)
    assert len(similar) == 12
    assert source["id"] not in {r["id"] for r in similar}
    assert [r["score"] for r in similar] == sorted((r["score"] for r in similar), reverse=True)
    assert f"similar={source['id']}" in page.url
    page.go_back()  # the address keeps each search: Back returns to the text query's list
    page.wait_for_function("() => document.querySelector('#results').getAttribute('aria-label') === "
                           "'Results for a drum beat'")
    assert rows(page)[0]["id"] == source["id"] and page.locator("#q").input_value() == "a drum beat"


def test_an_uploaded_clip_finds_itself_first(page: Any) -> None:
    clip = SAMPLES / "elec_beep.flac"  # indexed as wav/elec_beep.wav: the same sound
    page.locator("#example-file").set_input_files(str(clip))
    page.wait_for_function("() => document.querySelector('#results').getAttribute('aria-label') === "
                           "'Results for sounds like elec_beep.flac'")
    found = rows(page)
    assert found[0]["name"] == "elec_beep.wav" and found[0]["score"] > 0.95
    # dropping a file on the page does the same: here the bytes of the second result, dropped as a File
    second = found[1]
    page.evaluate("""async id => {
        const blob = await (await fetch(`/api/files/${id}/audio`)).blob();
        const dt = new DataTransfer();
        dt.items.add(new File([blob], 'dropped.' + blob.type.split('/')[1], {type: blob.type}));
        for (const type of ['dragenter', 'dragover', 'drop'])
            document.body.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""", second["id"])
    page.wait_for_function("() => document.querySelector('#results').getAttribute('aria-label')"
                           ".startsWith('Results for sounds like dropped.')")
    assert rows(page)[0]["name"] == second["name"] and page.locator("#dropzone").is_hidden()


def test_filters_apply_to_the_search(page: Any) -> None:
    assert len(search(page, "a bell ringing")) == 13
    page.locator("#formats input[value=WAV]").check()  # a change re-runs the search
    page.wait_for_function("() => document.querySelectorAll('#results .row').length === 4")
    wav = rows(page)
    assert {r["format"] for r in wav} == {"WAV"} and all(r["folder"].endswith("wav") for r in wav)
    assert "format=WAV" in page.url
    page.locator("#formats input[value=WAV]").uncheck()
    page.wait_for_function("() => document.querySelectorAll('#results .row').length === 13")
    page.locator("#folder").select_option(label="sounds/wav")
    page.wait_for_function("() => document.querySelectorAll('#results .row').length === 4")
    assert {r["name"] for r in rows(page)} == {r["name"] for r in wav}
    page.locator("#folder").select_option("")
    page.wait_for_function("() => document.querySelectorAll('#results .row').length === 13")
    page.locator("#max_duration").fill("1")
    page.locator("#max_duration").press("Enter")
    page.wait_for_function("() => new URL(location.href).searchParams.get('max_duration') === '1' && "
                           "!document.body.classList.contains('busy')")
    short = rows(page)
    assert short and len(short) < 13 and all(r["duration"] <= 1.0 for r in short)


def test_keyboard_moves_plays_and_refines(page: Any) -> None:
    results = search(page, "a dog barking")
    assert rows(page)[0]["selected"]
    page.locator("#q").press("ArrowDown")  # from the box into the list
    page.keyboard.press("ArrowDown")
    assert [r["selected"] for r in rows(page)][:3] == [False, True, False]
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert rows(page)[0]["selected"]
    page.keyboard.press("Space")
    t = _wait_playing(page)["t"]
    assert results[0]["start"] <= t <= results[0]["end"]
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('audio').paused")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("n => document.querySelector('#results').getAttribute('aria-label') === "
                           "'Results for sounds like ' + n", arg=results[0]["name"])
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"


def test_drag_out_and_exports_carry_absolute_audio_urls(page: Any, server_url: str) -> None:
    results = search(page, "a bell ringing")
    url = f"{server_url}/api/files/{results[0]['id']}/audio"
    drag = page.evaluate("""() => {
        const dt = new DataTransfer();
        const row = document.querySelector('#result-0');
        row.dispatchEvent(new DragEvent('dragstart', {dataTransfer: dt, bubbles: true}));
        return {download: dt.getData('DownloadURL'), uris: dt.getData('text/uri-list'),
                text: dt.getData('text/plain')};
    }""")
    name = results[0]["name"]
    assert drag == {"download": f"audio/{'wav' if name.endswith('.wav') else 'flac'}:{name}:{url}", "uris": url,
                    "text": url}
    with page.expect_download() as dl:
        page.locator("[data-export=m3u]").click()
    m3u = Path(dl.value.path()).read_text().splitlines()
    assert dl.value.suggested_filename == "clapsearch-a-bell-ringing.m3u"
    assert m3u[0] == "#EXTM3U" and m3u[1].startswith("#EXTINF:") and name in m3u[1] and m3u[2] == url
    assert len(m3u) == 1 + 2 * len(results)
    with page.expect_download() as dl:
        page.locator("[data-export=csv]").click()
    csv = Path(dl.value.path()).read_text().splitlines()
    assert csv[0].startswith("rank,score,name,") and len(csv) == 1 + len(results) and url in csv[1]
    audio = page.request.get(url, headers={"Range": "bytes=0-99"})
    assert audio.status == 206 and len(audio.body()) == 100


def _raw_get(server_url: str, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (a browser or HTTP library would normalise the dots away)."""
    host, port = server_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_unknown_ids_and_paths_outside_the_index_are_404(page: Any, server_url: str) -> None:
    missing = page.request.get(f"{server_url}/api/files/999999/audio")
    assert missing.status == 404 and "detail" in missing.json()
    for path in ("/static/../app.py", "/static/..%2Fapp.py", "/static/%2e%2e/%2e%2e/pyproject.toml",
                 "/api/files/..%2F..%2Fetc%2Fpasswd/audio", "/api/files/../../../etc/passwd/audio"):
        status, body = _raw_get(server_url, path)
        assert status == 404, (path, status)
        assert b"create_app" not in body and b"root:" not in body and b"[project]" not in body
    # and the page says what went wrong, on one line
    page.locator("#q").fill("  ")
    page.locator("#q").press("Enter")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "q is empty" in error.text_content() and "\n" not in error.text_content()


def test_a_token_in_the_fragment_authorises_the_page(browser: Any, demo_engine: Any) -> None:
    from clapsearch.server.app import create_app

    with _serving(create_app(demo_engine, token="s3cret-t0ken")) as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url + "/?q=a+bell+ringing#token=s3cret-t0ken")
            page.wait_for_selector("#results .row")
            assert page.locator("#error").is_hidden()
            page.keyboard.press("Space")  # the audio element's URL carries the token as ?token=
            t = _wait_playing(page)["t"]
            first = rows(page)[0]
            assert first["start"] <= t <= first["end"]
            page.goto(url + "/?q=a+bell+ringing")  # no token: the page says so, on one line
            page.locator("#error").wait_for(state="visible")
            assert "token" in page.locator("#error").text_content()
            assert page.locator("#results .row").count() == 0
        finally:
            context.close()
