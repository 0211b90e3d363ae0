"""An exclusive lock on an index folder, so that two writers never interleave."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from clapsearch.errors import UserError


class IndexLocked(UserError, RuntimeError):
    """Another process holds the index's write lock."""


class IndexLock:
    """Holds `<index>/.lock` with flock for the lifetime of a `with` block; fails at once if taken."""

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / ".lock"
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        folder = self.path.parent
        if folder.exists() and not folder.is_dir():
            raise UserError(f"--index {folder} is a file, not an index folder: give a folder (it is created "
                            "if missing)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise UserError(f"cannot write to index folder {folder} ({e.strerror or e}): give an --index folder "
                            "you can write to (query and serve work on a read-only index)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise IndexLocked(
                f"index {self.path.parent} is being updated by another clapsearch process (pid {holder}); "
                "wait for it to finish, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
