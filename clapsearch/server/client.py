"""The running-server record (`server.json` in the index folder) and `clapsearch query` answered through it.

Light on purpose: the standard library only, so a query that a running server answers imports no torch, SQL or
FAISS. The server is used only when its model identity equals the index's own (read from the index's SQLite
meta) and it holds the index's current generation; otherwise the caller searches locally.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from clapsearch.hits import Hit
from clapsearch.paths import unescape_path

SERVER_FILE = "server.json"
TOKEN_ENV = "CLAPSEARCH_TOKEN"
GENERATION_HEADER = "X-Clapsearch-Generation"
IDENTITY_KEYS = ("model", "config_hash", "weights_hash")
TIMEOUT = 5.0


def token_hash(token: str | None) -> str | None:
    return None if not token else hashlib.sha256(token.encode()).hexdigest()


def write_server_file(folder: str | Path, host: str, port: int, meta: dict[str, str], token: str | None) -> Path:
    """Record a running server in its index folder (atomically); return the file's path."""
    path = Path(folder) / SERVER_FILE
    record = {"host": host, "port": port, "pid": os.getpid(), **{k: meta.get(k, "") for k in IDENTITY_KEYS},
              "token_sha256": token_hash(token)}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, path)
    return path


def remove_server_file(folder: str | Path) -> None:
    """Remove the record if it is this process's own (a second server's record is left alone)."""
    path = Path(folder) / SERVER_FILE
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_server(folder: str | Path) -> dict[str, Any] | None:
    """Return the record of a live server on this index, or None (no record, or its process is gone)."""
    try:
        record = json.loads((Path(folder) / SERVER_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not _alive(record.get("pid")):
        return None
    return record


def _index_meta(folder: str | Path) -> dict[str, str]:
    path = Path(folder).resolve() / "metadata.sqlite"
    if not path.is_file():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)) as db:
            return dict(db.execute("SELECT key, value FROM index_meta").fetchall())
    except sqlite3.Error:
        return {}


def folder_param(text: str) -> str:
    """A --folder value as the API takes it: an absolute path (resolved here, as clapsearch.search.filters'
    parse_folder resolves it) or a bare folder name (any folder so named)."""
    name = text.strip()
    p = Path(name).expanduser()
    if p.is_absolute() or "/" in name.strip("/") or name in (".", "..") or (Path.cwd() / p).is_dir():
        return str((Path.cwd() / p).resolve())
    return name.strip("/")


def query_through_server(folder: str | Path, texts: list[str], k: int, model: str | None = None,
                         params: dict[str, list[str]] | None = None) -> list[list[Hit]] | None:
    """Answer text queries through a live `serve` on this index; None where the caller must search locally.

    params: extra query parameters (filters) as the API takes them.
    """
    record = running_server(folder)
    if record is None:
        return None
    meta = _index_meta(folder)
    if not meta or any(record.get(key) != meta.get(key) for key in IDENTITY_KEYS):
        return None  # another model (or version of it) than the index's: never answer with it
    if model and model != meta.get("model"):
        return None  # the local path explains the mismatch
    token = os.environ.get(TOKEN_ENV)
    if record.get("token_sha256") and token_hash(token) != record["token_sha256"]:
        return None
    host = str(record.get("host", "127.0.0.1"))
    host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    base = f"http://{'[' + host + ']' if ':' in host else host}:{int(record['port'])}"
    out: list[list[Hit]] = []
    for text in texts:
        body = _get(f"{base}/api/search?" + urllib.parse.urlencode({"q": text, "k": k, **(params or {})},
                                                                   doseq=True), token, meta)
        if body is None:
            return None
        out.append([Hit(unescape_path(r["path"]), float(r["score"]), float(r["start"]), float(r["end"]),
                              r.get("file_id"), r.get("segment_id")) for r in body["results"]])
    return out


def _get(url: str, token: str | None, meta: dict[str, str]) -> dict[str, Any] | None:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if response.headers.get(GENERATION_HEADER) != meta.get("generation", "0"):
                return None  # the server holds another state of the index than the disk does
            body = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) and isinstance(body.get("results"), list) else None
