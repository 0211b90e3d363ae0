"""`clapsearch serve`: the web page and JSON API over one index, the model and index loaded once."""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import typer

from clapsearch.cli.common import DEFAULT_INDEX, err_console, user_errors
from clapsearch.errors import OptionError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, open_: bool) -> str | None:
    """Refuse a non-loopback address without --token or --open; return the warning to print, if any."""
    if is_loopback(host) or token:
        return None
    if not open_:
        raise OptionError(f"--host {host} would let anyone who can reach this machine search the index and "
                          "download its files: give --token SECRET (clients then send it), or --open to serve "
                          "without one")
    return (f"WARNING: serving on {host} WITHOUT A TOKEN: anyone who can reach this machine can search the index "
            "and download every indexed file")


def serve(
    index_dir: Path = typer.Option(DEFAULT_INDEX, "--index", help="Index folder."),
    db: str = typer.Option(None, "--db", help="SQLAlchemy URL of the metadata, if not the index's SQLite."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback unless --token)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free port)."),
    token: str = typer.Option(None, "--token", envvar="CLAPSEARCH_TOKEN",
                              help="Require 'Authorization: Bearer TOKEN' (or ?token=) on every /api request."),
    open_: bool = typer.Option(False, "--open", help="Allow a non-loopback --host without --token (warned)."),
    watch: bool = typer.Option(False, "--watch", help="Index new, changed, moved and deleted files as they happen."),
    max_upload_mb: float = typer.Option(20.0, "--max-upload-mb", min=0.001, help="Largest clip POST may upload."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    precision: str = typer.Option("auto", "--precision", help="Audio network precision for uploaded clips: auto "
                                  "(the index's), fp32, bf16 or int8; --watch always indexes at the index's."),
) -> None:
    """Serve the search page at http://HOST:PORT/ and its JSON API (documented at /docs)."""
    with user_errors():
        warning = check_bind(host, token, open_)
        if warning:
            err_console.print(f"[bold red]{warning}[/]")
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            # read by OpenMP (FAISS, torch) and BLAS when first loaded, i.e. below: one thread per request in
            # every worker thread (a runtime call would reach only the calling thread's OpenMP settings)
            os.environ.setdefault(name, "1")
        from clapsearch.server.run import run_server

        run_server(index_dir, db_url=db, host=host, port=port, token=token, watch=watch,
                   max_upload_mb=max_upload_mb, device=device, precision=precision)
