"""Running the server: load the index once, record it in server.json, serve with uvicorn until stopped."""
from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from clapsearch.errors import OptionError
from clapsearch.search import SearchEngine
from clapsearch.server.app import create_app
from clapsearch.server.client import remove_server_file, write_server_file


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket first, so a taken port is one clear line and port 0 gets a real number."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY on accepted connections only when the socket says TCP (proto 0
    # does not), and without it every keep-alive response waits ~40 ms for the client's delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(128)  # connections wait in the backlog until uvicorn accepts them
    except OSError as e:
        sock.close()
        raise OptionError(f"cannot listen on {host}:{port} ({e.strerror or e}): give another --port, or stop the "
                          "program that uses it") from None
    return sock


def one_thread_per_request() -> None:
    """Run the math of each request (FAISS, the BLAS under the text tower) on one thread.

    One query is too small to share across cores: with two threads each waits for the other at every barrier,
    and on a busy machine those waits cost 4-10x (measured: a 10k-segment search 60 -> 16 ms, a text encoding
    200-700 -> 30-40 ms at load 10 on 2 cores). Concurrent requests still use every core, each on its own.
    OpenMP's setting made here reaches only this thread: `clapsearch serve` also sets OMP_NUM_THREADS=1 before
    FAISS and torch load, which reaches the worker threads that run the requests.
    """
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(1)
    threadpool_limits(1)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


class _Server(uvicorn.Server):
    """uvicorn's server that calls `on_ready` once it accepts requests: its signal handlers are in place by then,
    so a Ctrl-C or SIGTERM from that moment always takes the graceful path (one sent earlier, while asyncio and
    uvicorn were still installing theirs, could end the process as "Aborted!" or leave it waiting)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], object]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._on_ready()


def run_server(index_dir: str | Path, db_url: str | None = None, host: str = "127.0.0.1", port: int = 8000,
               token: str | None = None, watch: bool = False, max_upload_mb: float = 20.0,
               device: str = "auto", precision: str = "auto") -> None:
    """Serve until Ctrl-C or SIGTERM; the index folder's server.json names this server meanwhile."""
    engine = SearchEngine(index_dir, db_url=db_url, device=device, precision=precision)
    one_thread_per_request()
    app = create_app(engine, token=token, max_upload_mb=max_upload_mb, watching=watch)
    watcher = None
    if watch:
        from clapsearch.server.watch import Watcher

        watcher = Watcher(app.state.library, index_dir, db_url=db_url, device=device)
    sock = bind_socket(host, port)
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"clapsearch serve: {engine.file_count()} files of {index_dir}; open http://{shown}:{port}/ "
          f"(API documentation: http://{shown}:{port}/docs)"
          + (f"; watching {len(watcher.roots)} folder(s) for changes" if watcher else ""), flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=3)
    # server.json names this server once it answers (a client that reads it can query at once)
    meta = engine.index.store.meta()
    server = _Server(config, on_ready=lambda: write_server_file(index_dir, host, port, meta, token))
    # uvicorn shuts down gracefully on SIGTERM, then raises it again: let that end the process through Python
    # (SystemExit), so the finally below removes server.json instead of the default action killing it first
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if watcher:
            watcher.start()
        server.run(sockets=[sock])
    finally:
        if watcher:
            watcher.stop()
        remove_server_file(index_dir)
        with contextlib.suppress(OSError):
            sock.close()
