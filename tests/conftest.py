"""Shared fixtures: small generated audio libraries, so unit tests need no data and no weights."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

# Test helpers live beside this file; a top-level `tests` package from some installed dependency must not
# shadow them, so they are imported by their own module name.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from audiogen import noise, tone  # noqa: E402


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder of real (generated) recordings in several formats, rates and channel counts."""
    lib = tmp_path / "sounds"
    (lib / "sub").mkdir(parents=True)
    sf.write(lib / "tone440.wav", tone(440, 2.0), 16000)
    sf.write(lib / "noise.flac", noise(3.5, 22050), 22050)
    sf.write(lib / "sub" / "chirp.ogg", np.stack([tone(880, 1.5, 44100), tone(660, 1.5, 44100)], axis=1), 44100)
    sf.write(lib / "sub" / "low.wav", tone(110, 0.4, 8000), 8000)
    (lib / "notes.txt").write_text("not audio, and not named like audio: ignored")
    return lib


@pytest.fixture
def broken_library(library: Path) -> Path:
    """The library plus a zero-byte .wav, a text file renamed .mp3, a truncated .flac and a silent file."""
    (library / "empty.wav").write_bytes(b"")
    (library / "letter.mp3").write_text("Dear user, this is not an MP3.\n" * 50)
    data = (library / "noise.flac").read_bytes()
    (library / "truncated.flac").write_bytes(data[: len(data) // 3])
    sf.write(library / "silence.wav", np.zeros(16000, np.float32), 16000)
    return library


# -- PostgreSQL for the metadata-store tests --------------------------------------------------------------------
# CLAPSEARCH_TEST_PG_URL=postgresql+psycopg://USER@HOST:PORT/DB names a server to use (its role must be allowed to
# CREATE DATABASE, or the tests share DB and drop its tables after each test). Without it, a throwaway server is
# started from the PostgreSQL binaries (initdb, postgres) of this machine: its data in a temp folder, listening on
# 127.0.0.1 only, trust authentication, stopped at the end of the session (and killed with pytest on Linux).
# Without either, the PostgreSQL tests skip saying what is missing, unless CLAPSEARCH_TEST_PG_REQUIRED=1 (set by
# .ci/run), which makes that an error: in CI they must run.

import contextlib  # noqa: E402
import glob  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402

PG_URL_ENV = "CLAPSEARCH_TEST_PG_URL"
PG_REQUIRED_ENV = "CLAPSEARCH_TEST_PG_REQUIRED"
PG_START_SECONDS = 60.0
PG_TEMP_PREFIX = "clapsearch-pg-"
PG_THROWAWAY_PASSWORD = "not-a-secret-42"


def _pg_unavailable(reason: str) -> None:
    """Skip the test that needs PostgreSQL, or fail it where PostgreSQL is required (CI)."""
    if os.environ.get(PG_REQUIRED_ENV, "") not in ("", "0"):
        pytest.fail(f"PostgreSQL tests cannot run, and {PG_REQUIRED_ENV} is set: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _pg_bindir() -> Path | None:
    """The folder holding initdb and postgres: beside initdb on PATH, pg_config --bindir, or Debian's layout."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))

    def version(p: str) -> tuple[int, ...]:
        digits = Path(p).parent.name
        return tuple(int(x) for x in digits.split(".") if x.isdigit())

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    candidates += [Path(p) for p in sorted(glob.glob("/usr/pgsql-*/bin"), reverse=True)]
    candidates += [Path("/usr/local/pgsql/bin")]
    for d in candidates:
        if all(os.access(d / tool, os.X_OK) for tool in ("initdb", "postgres")):
            return d
    return None


def _remove_stale_clusters(tmp: Path) -> None:
    """Remove the folders of throwaway servers whose session was killed (their server stopped with it)."""
    for root in tmp.glob(PG_TEMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if not (root / "data" / "postmaster.pid").exists() and time.time() - root.stat().st_mtime > 600:
                shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent_hook() -> object:
    """A preexec_fn (Linux) that has the server stopped (SIGINT: fast shutdown) when pytest dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here: the child, between fork and exec, only calls it
    return lambda: prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


@dataclass
class _ThrowawayPostgres:
    """A PostgreSQL server of its own, in a temp folder, for one test session."""

    bindir: Path
    root: Path
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        # trust auth ignores the password; it is there so that tests can check messages never show it
        return f"postgresql+psycopg://postgres:{PG_THROWAWAY_PASSWORD}@127.0.0.1:{self.port}/postgres"

    def _as_owner(self) -> dict[str, object]:
        """As root, run the server as the postgres user (PostgreSQL refuses to run as root)."""
        if os.geteuid() != 0:
            return {}
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            _pg_unavailable("running as root and there is no 'postgres' user to run the server as "
                            "(Debian's postgresql package creates it)")
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": [],
                "env": {**os.environ, "HOME": pw.pw_dir, "USER": "postgres", "LOGNAME": "postgres"}}

    def start(self) -> None:
        owner = self._as_owner()
        if owner:
            os.chown(self.root, int(owner["user"]), int(owner["group"]))  # type: ignore[call-overload]
        data, log = self.root / "data", self.root / "server.log"
        init = subprocess.run([str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                               "-E", "UTF8", "--no-locale", "--no-sync"], cwd=self.root, capture_output=True,
                              text=True, timeout=120, **owner)  # type: ignore[call-overload]
        if init.returncode != 0:
            _pg_unavailable(f"initdb ({self.bindir}) failed: {(init.stdout + init.stderr).strip()[-2000:]}")
        last = ""
        for _ in range(3):  # a free port can be taken between choosing it and binding it: choose again
            self.port = _free_port()
            with open(log, "ab") as out:
                self.proc = subprocess.Popen(
                    [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.root),
                     "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=100"],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=self.root,
                    preexec_fn=_die_with_parent_hook(),
                    **owner)  # type: ignore[call-overload]
            if self._wait_ready():
                return
            self.stop()
            last = log.read_text(errors="replace")[-2000:]
        _pg_unavailable(f"the throwaway PostgreSQL server ({self.bindir}/postgres) did not start: {last.strip()}")

    def _wait_ready(self) -> bool:
        import psycopg

        deadline = time.monotonic() + PG_START_SECONDS
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                                connect_timeout=5).close()
                return True
            except psycopg.OperationalError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, stop
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The SQLAlchemy URL (postgresql+psycopg://...) of a PostgreSQL server for this session; see pg_url."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _pg_unavailable("the driver psycopg is not installed (pip install -e '.[dev]')")
    if os.environ.get(PG_URL_ENV):
        yield os.environ[PG_URL_ENV]
        return
    bindir = _pg_bindir()
    if bindir is None:
        _pg_unavailable(f"{PG_URL_ENV} is unset and no PostgreSQL server binaries (initdb, postgres) were found on "
                        "PATH, by pg_config or in /usr/lib/postgresql/*/bin: install them (Debian: apt-get install "
                        f"postgresql) or set {PG_URL_ENV}=postgresql+psycopg://USER@HOST:PORT/DB")
    tmp = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    _remove_stale_clusters(Path(tmp))
    root = Path(tempfile.mkdtemp(prefix=PG_TEMP_PREFIX, dir=tmp))
    server = _ThrowawayPostgres(bindir, root)
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty PostgreSQL database of this test's own (`test_<uuid>`, dropped afterwards).

    Where the server's role may not create databases, the test gets the server's database itself, emptied of
    tables before and after.
    """
    from sqlalchemy import MetaData, create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ProgrammingError
    from sqlalchemy.pool import NullPool

    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def drop_all_tables(url: str) -> None:
        engine = create_engine(url, poolclass=NullPool)
        try:
            meta = MetaData()
            meta.reflect(engine)
            meta.drop_all(engine)
        finally:
            engine.dispose()

    name = f"test_{uuid.uuid4().hex}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except ProgrammingError as e:  # no CREATEDB privilege: share the server's database, emptied around the test
        if "permission denied" not in str(e):
            raise
        drop_all_tables(pg_server)
        try:
            yield pg_server
        finally:
            drop_all_tables(pg_server)
            admin.dispose()
        return
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:  # FORCE (PostgreSQL 13+): connections the test's engines left open go too
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
