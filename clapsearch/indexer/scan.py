"""Walking the library: which audio files exist, with size and mtime (no decoding)."""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clapsearch.audio.decode import AUDIO_EXTENSIONS
from clapsearch.errors import UserError

NOT_REGULAR = "not a regular file"


@dataclass(frozen=True)
class DiskFile:
    path: str  # absolute, resolved (an OS path: may hold surrogate escapes, see clapsearch.paths)
    size: int
    mtime: float


@dataclass
class ScanResult:
    files: list[DiskFile]  # regular audio files, sorted by path
    roots: list[str]  # the resolved folders and files that were asked for
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}: named like audio, unusable


def scan(paths: Iterable[str | Path]) -> tuple[list[DiskFile], list[str]]:
    """Return (audio files under the paths, sorted; the resolved roots). Hidden files and folders are ignored."""
    result = scan_library(paths)
    return result.files, result.roots


def scan_library(paths: Iterable[str | Path]) -> ScanResult:
    """Return the regular audio files under the paths, and the audio-named entries that cannot be read.

    Only regular files (links followed to regular files) are candidates: a FIFO or a link to a device would
    block or never end when hashed. Such entries, broken links and link loops are listed as skipped.
    """
    found: dict[str, DiskFile] = {}
    skipped: dict[str, str] = {}
    roots: list[str] = []
    for p in paths:
        given = Path(p).expanduser()
        if not os.path.lexists(given):
            raise UserError(f"no such file or folder: {p}")
        try:
            root = given.resolve(strict=True)
        except (OSError, RuntimeError) as e:  # a link loop, or a link to nothing
            raise UserError(f"cannot follow {p}: {_reason(e)}") from None
        roots.append(str(root))
        candidates = [root] if not root.is_dir() else _walk(root)
        for f in candidates:
            if f.suffix.lower() not in AUDIO_EXTENSIONS and f != root:
                continue
            try:
                st = f.stat()  # follows links
            except OSError as e:
                skipped[str(f)] = _reason(e)
                continue
            if not stat.S_ISREG(st.st_mode):
                skipped[str(f)] = NOT_REGULAR
                continue
            found[str(f)] = DiskFile(str(f), st.st_size, st.st_mtime)
    return ScanResult(sorted(found.values(), key=lambda d: d.path), roots,
                      [{"path": k, "reason": v} for k, v in sorted(skipped.items())])


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.errno == errno.ELOOP or isinstance(e, RuntimeError):
        return "link loop (a symbolic link that leads back to itself)"
    if isinstance(e, OSError) and e.errno == errno.ENOENT:
        return "broken link (its target does not exist)"
    return f"cannot read file: {e.strerror if isinstance(e, OSError) and e.strerror else e}"


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def content_hash(path: str, chunk: int = 1 << 20) -> str:
    """Return the BLAKE2b hash of a file's bytes (recognises a moved file without decoding it).

    Opened without blocking and checked to be a regular file, so that a file swapped for a FIFO or a device
    after the scan raises OSError instead of hanging.
    """
    h = hashlib.blake2b(digest_size=20)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR, path)
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


ROOTS_META = "roots"  # index meta key: JSON list of the folders (and files) `clapsearch index` was given


def recorded_roots(value: str | None) -> list[str]:
    """Return the roots recorded in an index's meta (none for an index built before they were recorded)."""
    import json

    try:
        roots = json.loads(value or "[]")
    except ValueError:
        return []
    return [r for r in roots if isinstance(r, str)] if isinstance(roots, list) else []


def merge_roots(value: str | None, roots: list[str]) -> str:
    """Return the meta value recording these roots too; a root inside one already recorded adds nothing, and
    one that holds recorded roots replaces them."""
    import json

    out = recorded_roots(value)
    for r in roots:
        if not under(r, out):
            out = [o for o in out if not under(o, [r])] + [r]
    return json.dumps(sorted(out))
