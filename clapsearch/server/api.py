"""The JSON API's routes: each parses, calls the library (the same engine `clapsearch query` uses) and returns."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from clapsearch.audio import AudioError, probe
from clapsearch.audio.decode import AUDIO_EXTENSIONS
from clapsearch.server import catalog
from clapsearch.server.audio import PeaksCache, RangeNotSatisfiable, content_type, iter_bytes, parse_range
from clapsearch.server.client import GENERATION_HEADER
from clapsearch.server.library import Filters, Library, NotFound
from clapsearch.server.models import FileOut, InfoOut, PeaksOut, SearchOut

MAX_K = 1000
MAX_PEAKS = 4000
WHERE = "FIELD OP NUMBER, e.g. duration<5, sample_rate>=44.1k, size<10M (repeat: all must hold)"
FOLDER = "an absolute folder (files under it) or a bare folder name (any folder so named); repeat: any of them"
PATH = "text the path contains (any case), or a glob with * or ?; repeat: all must hold"


def build_router(library: Library, max_upload_bytes: int) -> APIRouter:
    router = APIRouter(prefix="/api")
    peaks_cache = PeaksCache()

    def filters(where: list[str] | None, folder: list[str] | None, fmt: list[str] | None, path: list[str] | None,
                min_duration: float | None, max_duration: float | None, sample_rate: int | None) -> Filters:
        def given(values: list[str] | None) -> list[str]:
            return [v for v in values or [] if v.strip()]

        return Filters(given(where), given(folder), given(fmt), given(path), min_duration, max_duration, sample_rate)

    @router.get("/search", response_model=SearchOut, summary="Find files by describing them")
    def search(response: Response, q: str = Query("", description="What to look for, e.g. 'a dog barking'"),
               k: int = Query(10, ge=1, le=MAX_K), where: list[str] | None = Query(None, description=WHERE),
               folder: list[str] | None = Query(None, description=FOLDER), format: list[str] | None = Query(None),
               path: list[str] | None = Query(None, description=PATH),
               min_duration: float | None = None, max_duration: float | None = None,
               sample_rate: int | None = None) -> dict[str, object]:
        if not q.strip():
            raise HTTPException(422, "q is empty: describe the sound in words, e.g. /api/search?q=a+dog+barking")
        f = filters(where, folder, format, path, min_duration, max_duration, sample_rate)
        engine = library.engine  # one snapshot: its generation tells `clapsearch query` whether it is current
        response.headers[GENERATION_HEADER] = str(engine.index.vectors.generation)
        timings: dict[str, float] = {}
        found = library.search_text(q, k, f, engine, timings)
        response.headers["Server-Timing"] = ", ".join(f"{name};dur={1000 * t:.2f}" for name, t in timings.items())
        return {"query": q, "results": found}

    @router.get("/similar/{file_id}", response_model=SearchOut, summary="More like this: files that sound alike")
    def similar(file_id: str, k: int = Query(10, ge=1, le=MAX_K), segment_id: int | None = None,
                where: list[str] | None = Query(None, description=WHERE),
                folder: list[str] | None = Query(None, description=FOLDER), format: list[str] | None = Query(None),
                path: list[str] | None = Query(None, description=PATH),
                min_duration: float | None = None, max_duration: float | None = None,
                sample_rate: int | None = None) -> dict[str, object]:
        info = library.file(file_id)
        f = filters(where, folder, format, path, min_duration, max_duration, sample_rate)
        name = catalog.file_fields(info)["name"]
        return {"query": f"sounds like {name}", "results": library.similar(info, k, segment_id, f)}

    @router.post("/search/audio", response_model=SearchOut, summary="Find files that sound like an uploaded clip")
    def search_audio(file: UploadFile, k: int = Query(10, ge=1, le=MAX_K)) -> dict[str, object]:
        data = file.file.read(max_upload_bytes + 1)
        if len(data) > max_upload_bytes:
            raise HTTPException(413, too_large(max_upload_bytes))
        name = os.path.basename(file.filename or "upload")
        return {"query": f"sounds like {name}", "results": _search_upload(library, data, name, k)}

    @router.get("/files/{file_id}", response_model=FileOut, summary="An indexed file's metadata")
    def file_info(file_id: str) -> dict[str, object]:
        return catalog.file_fields(library.file(file_id))

    @router.head("/files/{file_id}/audio", include_in_schema=False)
    @router.get("/files/{file_id}/audio", summary="An indexed file's bytes (HTTP range requests: 206)",
                response_class=Response)
    def audio(file_id: str, request: Request) -> Response:
        info = library.file(file_id)
        return _file_response(info.path, info.format, request)

    @router.get("/files/{file_id}/peaks", response_model=PeaksOut, summary="Waveform thumbnail: n [min, max]")
    def peaks(file_id: str, n: int = Query(200, ge=1, le=MAX_PEAKS)) -> dict[str, object]:
        info = library.file(file_id)
        try:
            duration, pairs = peaks_cache.get(info.path, n)
        except FileNotFoundError:
            raise NotFound(f"file {file_id} is no longer on disk") from None
        except Exception as e:  # noqa: BLE001 - a file that no longer decodes: say so, in one line
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise HTTPException(422, f"cannot decode file {file_id}: {reason}") from None
        return {"duration": round(duration, 3), "peaks": pairs}

    @router.get("/info", response_model=InfoOut, summary="The index: model, counts and the values filters take")
    def info() -> dict[str, object]:
        return library.info()

    return router


def too_large(limit: int) -> str:
    return f"the upload is over the limit of {limit / 1e6:g} MB: send a shorter clip (the server sets --max-upload-mb)"


def _search_upload(library: Library, data: bytes, name: str, k: int) -> list[dict[str, object]]:
    """Embed an uploaded clip from a temporary file (deleted after) and search by its mean vector."""
    suffix = Path(name).suffix.lower()
    if suffix not in AUDIO_EXTENSIONS:
        suffix = ".bin"  # the decoder goes by the content; the name only keeps its extension
    engine = library.engine
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            probe(tmp.name)
            windows = engine.encoder.embed_file(tmp.name)
        except AudioError as e:
            raise HTTPException(400, f"{name} is not audio clapsearch can decode ({_reason(e, tmp.name)}): "
                                "upload a WAV, FLAC, OGG, MP3 or AIFF clip") from None
    if not windows:
        raise HTTPException(400, f"{name} holds no sound to search with: upload a longer clip")
    import numpy as np

    q = np.stack([v for _, _, v in windows]).mean(axis=0)
    q /= max(float(np.linalg.norm(q)), 1e-12)
    return library.search_vector(q, k, Filters())


def _reason(e: AudioError, tmp_name: str) -> str:
    return " ".join(str(e).replace(tmp_name, "upload").split())


def _file_response(path: str, fmt: str | None, request: Request) -> Response:
    """The file's bytes: 200 whole, or 206 for a single satisfiable range; 416 otherwise."""
    try:
        size = os.stat(path).st_size
    except OSError:
        raise NotFound("the indexed file is no longer on disk: re-index its folder") from None
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-cache"}
    media = content_type(path, fmt)
    try:
        span = parse_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"},
                        content=b'{"detail":"range not satisfiable: the file has ' + str(size).encode() + b' bytes"}',
                        media_type="application/json")
    first, last, status = 0, size - 1, 200
    if span is not None:
        first, last, status = span[0], span[1], 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(max(0, last - first + 1))
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media)
    return StreamingResponse(iter_bytes(path, first, last), status_code=status, headers=headers, media_type=media)
