"""Download Debian packages with ``apt-get download`` and extract them with ``dpkg-deb -x``."""
from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from clapsearch.errors import UserError

log = logging.getLogger(__name__)
class DebianError(UserError, RuntimeError):
    """A package could not be downloaded or extracted."""


def find_deb(package: str, cache: Path) -> Path | None:
    """Return the cached .deb of a package (``<package>_<version>_<arch>.deb``), or None."""
    hits = sorted(Path(cache).glob(f"{package}_*.deb"))
    return hits[-1] if hits else None


def download(package: str, cache: Path) -> Path:
    """Return the path of the package's .deb in ``cache``, running ``apt-get download`` if it is missing."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    deb = find_deb(package, cache)
    if deb is not None:
        log.info("reusing %s", deb)
        return deb
    log.info("apt-get download %s -> %s", package, cache)
    proc = subprocess.run(["apt-get", "download", package], cwd=cache, capture_output=True, text=True)
    deb = find_deb(package, cache)
    if proc.returncode != 0 or deb is None:
        raise DebianError(
            f"`apt-get download {package}` failed in {cache}: {proc.stderr.strip()[-400:]}; "
            "run `apt-get update` (as root) and check the package name"
        )
    return deb


def extract(deb: Path, dest: Path) -> Path:
    """Return ``dest`` after extracting the .deb there with ``dpkg-deb -x`` (skipped if already done)."""
    dest = Path(dest)
    marker = dest / ".extracted"
    if marker.is_file() and marker.read_text().strip() == Path(deb).name:
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise DebianError(f"`dpkg-deb -x {deb} {dest}` failed: {proc.stderr.strip()[-400:]}; delete {deb} and retry")
    marker.write_text(Path(deb).name)
    return dest


def fetch_word_list(cache: Path, extract_root: Path) -> Path:
    """Return the path of Debian's wamerican word list, downloaded and extracted like a sound package."""
    tree = extract(download("wamerican", cache), Path(extract_root) / "wamerican")
    words = tree / "usr" / "share" / "dict" / "american-english"
    if not words.is_file():
        raise DebianError(f"wamerican has no {words.relative_to(tree)}")
    return words
