"""The JSON API's contract, through FastAPI's TestClient on an index of generated sounds (tiny model)."""
from __future__ import annotations

from pathlib import Path

import pytest

FIELDS = {"file_id", "segment_id", "path", "name", "folder", "score", "start", "end", "duration", "format",
          "sample_rate", "channels", "size"}


def _one_line_error(r, status: int) -> str:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"] and body["detail"]
    return str(body["detail"])


def test_search_ranks_as_the_engine_and_carries_every_field(client, engine) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/search", params={"q": "a steady beep", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "a steady beep"
    assert len(body["results"]) == 3
    for res in body["results"]:
        assert set(res) == FIELDS
        assert res["name"] == Path(res["path"]).name and res["folder"] == str(Path(res["path"]).parent)
        assert res["start"] < res["end"] <= res["duration"] + 1e-3
    hits = engine.query_text(["a steady beep"], 3)[0]
    assert [res["path"] for res in body["results"]] == [h.path for h in hits]
    assert [res["score"] for res in body["results"]] == [round(h.score, 6) for h in hits]
    assert [res["segment_id"] for res in body["results"]] == [h.segment_id for h in hits]
    assert len({res["file_id"] for res in body["results"]}) == 3  # a file once


def test_filters_select_before_ranking(client) -> None:  # type: ignore[no-untyped-def]
    all_ = client.get("/api/search", params={"q": "noise", "k": 10}).json()["results"]
    assert len(all_) == 4
    short = client.get("/api/search", params={"q": "noise", "where": "duration<2.5"}).json()["results"]
    assert {r["name"] for r in short} == {"tone_a.wav", "tone_b.flac"}
    flac = client.get("/api/search", params={"q": "noise", "format": ["flac"]}).json()["results"]
    assert [r["name"] for r in flac] == ["tone_b.flac"]
    both = client.get("/api/search", params=[("q", "noise"), ("format", "flac"), ("format", "wav")]).json()
    assert len(both["results"]) == 4
    foley = client.get("/api/search", params={"q": "noise", "folder": "foley"}).json()["results"]
    assert {r["name"] for r in foley} == {"hiss.wav", "long.wav"}
    rng = client.get("/api/search", params={"q": "x", "min_duration": 2.5, "max_duration": 5}).json()["results"]
    assert [r["name"] for r in rng] == ["hiss.wav"]
    sr = client.get("/api/search", params={"q": "x", "sample_rate": 22050}).json()["results"]
    assert [r["name"] for r in sr] == ["tone_b.flac"]
    assert "duration" in _one_line_error(client.get("/api/search", params={"q": "x", "where": "duration<<5"}), 400)


def test_similar_leaves_the_file_out_and_names_it(client) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/api/search", params={"q": "tone", "k": 10}).json()["results"]
    tone_a = next(r for r in first if r["name"] == "tone_a.wav")
    r = client.get(f"/api/similar/{tone_a['file_id']}", params={"k": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "sounds like tone_a.wav"
    names = [x["name"] for x in body["results"]]
    assert "tone_a.wav" not in names and names[0] == "tone_b.flac" and len(names) == 3
    long = next(r for r in first if r["name"] == "long.wav")
    info = client.get(f"/api/similar/{long['file_id']}", params={"segment_id": long["segment_id"]})
    assert info.status_code == 200 and "long.wav" not in [x["name"] for x in info.json()["results"]]
    _one_line_error(client.get(f"/api/similar/{long['file_id']}", params={"segment_id": 999999}), 404)
    _one_line_error(client.get("/api/similar/999999"), 404)


def test_file_metadata_and_info(client, served: Path) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/api/search", params={"q": "hiss"}).json()["results"]
    hiss = next(r for r in res if r["name"] == "hiss.wav")
    f = client.get(f"/api/files/{hiss['file_id']}").json()
    assert f == {k: v for k, v in hiss.items() if k not in ("score", "segment_id", "start", "end")}
    assert f["size"] == (served / "lib" / "foley" / "hiss.wav").stat().st_size
    info = client.get("/api/info").json()
    assert info["model"] == "tiny" and info["files"] == 4 and info["watch"] is False
    assert info["formats"] == ["FLAC", "WAV"] and info["sample_rates"] == [16000, 22050]
    assert info["folders"] == sorted({str(served / "lib"), str(served / "lib" / "foley")})
    assert info["duration_min"] == 1.088 and info["duration_max"] == 10.0
    assert info["segments"] > 4


def test_audio_is_served_with_ranges(client, served: Path) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/api/search", params={"q": "x", "format": "flac"}).json()["results"][0]
    data = (served / "lib" / "tone_b.flac").read_bytes()
    url = f"/api/files/{res['file_id']}/audio"
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/flac" and whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206 and part.content == data[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
    assert part.headers["content-length"] == "1000"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    open_end = client.get(url, headers={"Range": f"bytes={len(data) - 5}-"})
    assert open_end.status_code == 206 and open_end.content == data[-5:]
    beyond = client.get(url, headers={"Range": f"bytes={len(data) - 5}-{len(data) + 100}"})
    assert beyond.status_code == 206 and beyond.content == data[-5:]
    bad = client.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(data)}"
    head = client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(data)) and head.content == b""


def test_peaks_summarise_the_waveform(client) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/api/search", params={"q": "x", "where": "duration>9"}).json()["results"][0]
    body = client.get(f"/api/files/{res['file_id']}/peaks", params={"n": 50}).json()
    assert body["duration"] == 10.0 and len(body["peaks"]) == 50
    assert all(lo <= hi for lo, hi in body["peaks"])
    # long.wav: 4 s of quiet noise, then a 0.3 tone: the later buckets swing wider
    assert max(hi for _, hi in body["peaks"][25:]) == pytest.approx(0.3, abs=0.01)
    assert max(hi for _, hi in body["peaks"][:15]) < 0.3
    _one_line_error(client.get("/api/files/999999/peaks"), 404)
    _one_line_error(client.get(f"/api/files/{res['file_id']}/peaks", params={"n": 0}), 422)


@pytest.mark.parametrize("url", ["/api/files/999999", "/api/files/999999/audio", "/api/files/abc",
                                 "/api/files/-1/audio", "/api/nothing", "/nothing", "/static/nothing.js",
                                 "/api/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..%2fserver%2fapp.py",
                                 "/static/%2e%2e/server/app.py"])
def test_unknown_ids_routes_and_traversal_are_404(client, url: str) -> None:  # type: ignore[no-untyped-def]
    _one_line_error(client.get(url), 404)


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x", "k": 0}, {"q": "x", "k": 100000},
                                    {"q": "x", "k": "many"}, {"q": "x", "min_duration": "long"}])
def test_bad_search_requests_are_one_line_4xx(client, params: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    _one_line_error(client.get("/api/search", params=params), 422)


def test_upload_searches_by_a_clip_within_the_limit(engine, served: Path) -> None:  # type: ignore[no-untyped-def]
    import io

    import soundfile as sf
    from audiogen import tone
    from fastapi.testclient import TestClient

    from clapsearch.server.app import create_app

    small = io.BytesIO()
    sf.write(small, tone(1000, 1.0), 16000, format="WAV")
    clip = (served / "lib" / "tone_a.wav").read_bytes()  # 64 kB
    with TestClient(create_app(engine, max_upload_mb=0.05)) as c:
        r = c.post("/api/search/audio", files={"file": ("tone_a.wav", small.getvalue(), "audio/wav")})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["query"] == "sounds like tone_a.wav"
        assert body["results"][0]["name"] in ("tone_a.wav", "tone_b.flac")
        assert "limit" in _one_line_error(c.post("/api/search/audio", files={"file": ("big.wav", clip, "audio/wav")}),
                                          413)
        big = c.post("/api/search/audio", files={"file": ("big.wav", clip * 20, "audio/wav")})  # refused unread
        assert "limit of 0.05 MB" in _one_line_error(big, 413)
        assert "not audio" in _one_line_error(
            c.post("/api/search/audio", files={"file": ("letter.wav", b"Dear user" * 100, "audio/wav")}), 400)
        _one_line_error(c.post("/api/search/audio"), 422)


def test_token_is_required_on_the_api_when_set(engine) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from clapsearch.server.app import create_app

    with TestClient(create_app(engine, token="s3cret")) as c:
        assert "token" in _one_line_error(c.get("/api/info"), 401)
        assert c.get("/api/info", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/info", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/info", params={"token": "s3cret"}).status_code == 200
        assert c.get("/api/files/1/audio", params={"token": "s3cret"}).status_code == 200
        assert c.get("/api/files/1/audio").status_code == 401
        assert c.get("/").status_code in (200, 404)  # the page takes the token from the URL's fragment


def test_page_and_openapi(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/similar/{file_id}", "/api/search/audio", "/api/files/{file_id}",
            "/api/files/{file_id}/audio", "/api/files/{file_id}/peaks", "/api/info"} <= set(spec["paths"])
