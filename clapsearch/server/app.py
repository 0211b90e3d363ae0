"""create_app: the FastAPI application of `clapsearch serve` (JSON API under /api, the page at /)."""
from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from clapsearch.errors import UserError
from clapsearch.search import SearchEngine
from clapsearch.server.api import build_router, too_large
from clapsearch.server.library import Library, NotFound
from clapsearch.server.models import ErrorOut

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"


def create_app(engine: SearchEngine, token: str | None = None, max_upload_mb: float = 20.0,
               watching: bool = False) -> FastAPI:
    """Return the app answering from engine; with token, every /api request must carry it.

    The token is accepted as `Authorization: Bearer T` or `?token=T` (for an audio element's URL).
    The Library it reads (app.state.library) is what a watcher swaps a new engine into.
    """
    app = FastAPI(title="clapsearch", summary="Find sounds by describing them (CLAP).", version="1",
                  responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    library = Library(engine, watching=watching)
    app.state.library = library
    _errors_as_one_line(app)
    if token:
        _require_token(app, token)
    _refuse_large_uploads(app, int(max_upload_mb * 1e6))
    app.include_router(build_router(library, int(max_upload_mb * 1e6)))
    STATIC.mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> Response:
        index = STATIC / "index.html"
        if not index.is_file():
            return JSONResponse({"detail": "the web page is not installed; the API is at /api and /docs"}, 404)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return app


def _one_line(text: object) -> str:
    return " ".join(str(text).split())[:500] or "error"


def _errors_as_one_line(app: FastAPI) -> None:
    """Every error is JSON {"detail": "one line"}: never a traceback, never a list."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such page or API route: {request.url.path}"
        return JSONResponse({"detail": _one_line(detail)}, exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body"))
        msg = str(first.get("msg", "invalid request"))
        if first.get("type") == "missing":
            msg = "missing"
        return JSONResponse({"detail": _one_line(f"{where or 'request'}: {msg}")}, 422)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return JSONResponse({"detail": _one_line(exc)}, 404)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        return JSONResponse({"detail": _one_line(exc)}, 400)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return JSONResponse({"detail": _one_line(f"internal error: {type(exc).__name__} (a bug in clapsearch; "
                                                 "the server's log has the traceback)")}, 500)


def _refuse_large_uploads(app: FastAPI, limit: int) -> None:
    """Answer 413 before the body is read when the declared size is over the limit (the route checks the bytes
    it reads too, for a body sent without a length)."""

    @app.middleware("http")
    async def check_size(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        declared = request.headers.get("content-length", "")
        if request.method == "POST" and declared.isdigit() and int(declared) > limit + 64 * 1024:
            return JSONResponse({"detail": too_large(limit)}, 413)
        return await call_next(request)


def _require_token(app: FastAPI, token: str) -> None:
    expected = token.encode()

    @app.middleware("http")
    async def check_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.url.path.startswith("/api"):
            given = request.query_params.get("token", "")
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            if not hmac.compare_digest(given.encode(), expected):
                return JSONResponse({"detail": "missing or wrong token: send 'Authorization: Bearer TOKEN' (or "
                                               "?token=TOKEN), as given to clapsearch serve --token"}, 401,
                                    headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)
