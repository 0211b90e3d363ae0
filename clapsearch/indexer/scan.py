"""Walking the library: which audio files exist, with size and mtime (no decoding)."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from clapsearch.audio.decode import AUDIO_EXTENSIONS


@dataclass(frozen=True)
class DiskFile:
    path: str  # absolute, resolved
    size: int
    mtime: float


def scan(paths: Iterable[str | Path]) -> tuple[list[DiskFile], list[str]]:
    """Return (audio files under the paths, sorted; the resolved roots). Hidden files and folders are ignored."""
    found: dict[str, DiskFile] = {}
    roots: list[str] = []
    for p in paths:
        root = Path(p).expanduser().resolve()
        if not root.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
        roots.append(str(root))
        candidates = [root] if root.is_file() else _walk(root)
        for f in candidates:
            if f.suffix.lower() in AUDIO_EXTENSIONS or f == root:
                try:
                    st = f.stat()
                except OSError:
                    continue
                found[str(f)] = DiskFile(str(f), st.st_size, st.st_mtime)
    return sorted(found.values(), key=lambda d: d.path), roots


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def content_hash(path: str, chunk: int = 1 << 20) -> str:
    """Return the BLAKE2b hash of a file's bytes (recognises a moved file without decoding it)."""
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
