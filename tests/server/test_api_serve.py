"""`clapsearch serve` as a user runs it: loopback by default, refusals, raw-path traversal, server.json, and
`clapsearch query` answered through it."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clapsearch.cli.serve import check_bind, is_loopback
from clapsearch.errors import OptionError

CLI = [sys.executable, "-m", "clapsearch.cli.main"]


def test_bind_check_refuses_an_open_address_without_token_or_open() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert check_bind("127.0.0.1", None, False) is None
    with pytest.raises(OptionError, match="--token"):
        check_bind("0.0.0.0", None, False)
    assert check_bind("0.0.0.0", "t", False) is None
    assert "WITHOUT A TOKEN" in (check_bind("0.0.0.0", None, True) or "")


def test_serve_refuses_0000_without_token_in_one_line(served: Path) -> None:
    r = subprocess.run(CLI + ["serve", "--index", str(served / "idx"), "--host", "0.0.0.0"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "--token" in r.stderr and "Traceback" not in r.stderr
    assert not (served / "idx" / "server.json").exists()


@pytest.fixture(scope="module")
def server(served: Path) -> Iterator[dict[str, object]]:
    idx = served / "idx"
    proc = subprocess.Popen(CLI + ["serve", "--index", str(idx), "--port", "0", "--device", "cpu"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    record_file = idx / "server.json"
    t0 = time.monotonic()
    while not record_file.exists():
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() - t0 < 120, "the server did not start"
        time.sleep(0.2)
    record = json.loads(record_file.read_text())
    try:
        yield {**record, "proc": proc, "idx": idx}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def _raw(port: int, path: str) -> tuple[int, dict[str, object]]:
    """GET a path exactly as given (no client-side normalisation of ../)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")


def test_serve_binds_loopback_and_records_itself(server: dict[str, object]) -> None:
    assert server["host"] == "127.0.0.1" and server["pid"] == server["proc"].pid  # type: ignore[attr-defined]
    assert server["model"] == "tiny" and server["token_sha256"] is None
    status, body = _raw(int(server["port"]), "/api/info")  # type: ignore[call-overload]
    assert status == 200 and body["files"] == 4


@pytest.mark.parametrize("path", ["/api/files/../../etc/passwd", "/static/../server/app.py",
                                  "/static/../../../../etc/passwd", "/api/files/1/../../../../etc/passwd",
                                  "/static/%2e%2e/server/app.py", "/api/files/..%2f..%2fetc%2fpasswd/audio"])
def test_traversal_over_a_real_socket_is_404(server: dict[str, object], path: str) -> None:
    status, body = _raw(int(server["port"]), path)  # type: ignore[call-overload]
    assert status == 404 and set(body) == {"detail"}


def test_query_answers_through_the_server_with_the_same_output(server: dict[str, object]) -> None:
    from clapsearch.server.client import query_through_server

    idx = Path(str(server["idx"]))
    remote = query_through_server(idx, ["a steady beep"], 3)
    assert remote is not None and len(remote[0]) == 3
    via = subprocess.run(CLI + ["query", "a steady beep", "--index", str(idx), "-k", "3", "--json"],
                         capture_output=True, text=True, timeout=300)
    local = subprocess.run(CLI + ["query", "a steady beep", "--index", str(idx), "-k", "3", "--json", "--no-server",
                                  "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert via.returncode == 0 and local.returncode == 0, via.stderr + local.stderr
    assert json.loads(via.stdout) == json.loads(local.stdout)
    assert query_through_server(idx, ["x"], 3, model="default") is None  # --model other than the index's: local


def test_query_never_uses_a_server_with_another_model(server: dict[str, object], tmp_path: Path) -> None:
    from clapsearch.server.client import SERVER_FILE, query_through_server

    idx = Path(str(server["idx"]))
    record = json.loads((idx / SERVER_FILE).read_text())
    try:
        (idx / SERVER_FILE).write_text(json.dumps({**record, "weights_hash": "another"}))
        assert query_through_server(idx, ["x"], 3) is None
        (idx / SERVER_FILE).write_text(json.dumps({**record, "pid": 2 ** 22 + 12345}))  # no such process
        assert query_through_server(idx, ["x"], 3) is None
    finally:
        (idx / SERVER_FILE).write_text(json.dumps(record))
    assert query_through_server(idx, ["x"], 3) is not None


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_the_server_removes_its_record(served: Path, sig: int) -> None:
    idx = served / "idx"
    before = (idx / "server.json").read_text() if (idx / "server.json").exists() else None
    proc = subprocess.Popen(CLI + ["serve", "--index", str(idx), "--port", "0", "--device", "cpu"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (idx / "server.json").exists() or json.loads((idx / "server.json").read_text())["pid"] != proc.pid:
        assert proc.poll() is None and time.monotonic() - t0 < 120
        time.sleep(0.2)
    os.kill(proc.pid, sig)
    code = proc.wait(60)
    err = proc.stderr.read() if proc.stderr else ""
    assert code in (0, 130), (code, err)  # 130: uvicorn ends as interrupted by SIGINT, as a shell expects
    assert "Traceback" not in err
    assert not (idx / "server.json").exists()
    if before is not None:  # the module's own server (the `server` fixture) still runs: record it again
        (idx / "server.json").write_text(before)


def test_a_query_answered_by_the_server_imports_no_model_sql_or_faiss(server: dict[str, object]) -> None:
    code = ("import sys\nfrom clapsearch.cli.main import app\n"
            f"sys.argv = ['clapsearch', 'query', 'a steady beep', '--index', {str(server['idx'])!r}, '--json']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'faiss', 'sqlalchemy', 'transformers', 'clapsearch.search') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300).stdout
    results, loaded = out.strip().splitlines()
    assert len(json.loads(results)[0]["results"]) == 4  # every file of the served index
    assert loaded == "[]"


def test_connections_accepted_on_the_bound_socket_send_without_nagle_delay() -> None:
    """asyncio (under uvicorn) sets TCP_NODELAY only on sockets that say they are TCP; without it each keep-alive
    response waited ~40 ms for the client's delayed ACK (measured: /api/info 47 ms -> 2 ms)."""
    import asyncio
    import socket

    from clapsearch.server.run import bind_socket

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listening = bind_socket("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", listening.getsockname()[1])
            value = await asyncio.wait_for(seen, 10)
            writer.close()
            return value
        finally:
            server.close()

    assert asyncio.run(accepted_nodelay()) != 0
