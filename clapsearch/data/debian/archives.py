"""Find a package's sound files: in folders, and inside zip/pk3/wz, OpenTTD ``.cat`` and OpenClonk c4group files."""
from __future__ import annotations

import fnmatch
import functools
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

log = logging.getLogger(__name__)


def _constant(data: bytes) -> Callable[[], bytes]:
    """Return a reader of bytes already in memory (each member keeps its own)."""
    return lambda: data


@dataclass
class Member:
    """A sound file found in a package: its path under the root and a way to read its bytes."""

    rel: str
    origin: str
    read: Callable[[], bytes]
    fs_path: Path | None = None
    licence: str = ""  # per-file licence declared inside the package (OpenTTD .cat entries), else ""


def _glob_tree(tree: Path, pattern: str) -> list[Path]:
    """Return paths under tree matching a glob (``**`` allowed), sorted."""
    return sorted(p for p in tree.glob(pattern) if not p.name.startswith(".extracted"))


def iter_members(tree: Path, roots: tuple[str, ...], include: str) -> Iterator[Member]:
    """Yield every file under the roots whose name matches ``include`` (zip-like archives opened)."""
    inc = re.compile(include, re.I)
    for root in roots:
        if "!" in root:
            arch_glob, prefix = root.split("!", 1)
            archives = _glob_tree(tree, arch_glob)
            if not archives:
                log.warning("no archive matching %s under %s", arch_glob, tree)
            for arch in archives:
                if arch.suffix.lower() == ".cat":
                    yield from _cat_members(arch, prefix, inc)
                elif arch.suffix.lower() in C4_SUFFIXES:
                    yield from _c4group_members(arch, prefix, inc)
                else:
                    yield from _zip_members(arch, prefix, inc)
            continue
        dirs = [d for d in _glob_tree(tree, root) if d.is_dir()]
        if not dirs:
            log.warning("no folder matching %s under %s", root, tree)
        for d in dirs:
            for p in sorted(d.rglob("*")):
                if p.is_file() and inc.search(p.name):
                    rel = p.relative_to(d).as_posix()
                    if len(dirs) > 1:
                        rel = p.relative_to(tree).as_posix()
                    yield Member(rel, p.relative_to(tree).as_posix(), p.read_bytes, p)


def _zip_members(arch: Path, prefix: str, inc: re.Pattern) -> Iterator[Member]:
    """Yield the matching members of a zip/pk3/wz archive below ``prefix``."""
    try:
        zf = zipfile.ZipFile(arch)
    except zipfile.BadZipFile as exc:
        log.warning("%s is not a zip archive (%s); skipped", arch, exc)
        return
    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        name = info.filename
        if info.is_dir() or not name.startswith(prefix) or not inc.search(name):
            continue
        yield Member(name[len(prefix):], f"{arch.name}!{name}", functools.partial(zf.read, name))


def read_cat(data: bytes) -> list[tuple[str, bytes]]:
    """Return [(description, wav bytes)] of an OpenTTD sound archive (``.cat``, e.g. ``opensfx.cat``).

    Layout: a table of (uint32 offset, uint32 size) pairs, little-endian (the first offset, masked with 0x7fffffff,
    is the table size); each entry is one length byte, a NUL-terminated description, then a RIFF WAV.
    """
    import struct

    if len(data) < 8:
        raise ValueError("too short for a .cat table")
    count = (struct.unpack_from("<I", data, 0)[0] & 0x7FFFFFFF) // 8
    if count <= 0 or count * 8 > len(data):
        raise ValueError(f"bad .cat table size {count}")
    out = []
    for i in range(count):
        off, size = struct.unpack_from("<II", data, i * 8)
        off &= 0x7FFFFFFF
        if off + size > len(data) or size < 1:
            raise ValueError(f"entry {i} points outside the file")
        n = data[off]
        name = data[off + 1:off + 1 + n].split(b"\0", 1)[0].decode("utf-8", "replace")
        out.append((name, data[off + 1 + n:off + size]))
    return out


def cat_entry_name(index: int, description: str) -> tuple[str, str]:
    """Return (file name, licence) for a .cat entry: ``'"Helicopter". Original ... License: CC0.'`` ->
    (``'24_Helicopter.wav'``, ``'CC0'``). The name is the quoted title (else the text up to the first full stop)."""
    m = re.match(r'\s*"([^"]+)"', description)
    title = m.group(1) if m else description.split(".", 1)[0]
    title = re.sub(r"[^A-Za-z0-9()+:,' -]+", " ", title).replace(":", " -")
    title = re.sub(r"\s+", " ", title).strip()
    lic = re.search(r"Licen[cs]e:\s*(.*?)\.(?:\s|$)", description)
    return f"{index:02d}_{title}.wav", (lic.group(1).strip() if lic else "")


def _cat_members(arch: Path, prefix: str, inc: re.Pattern) -> Iterator[Member]:
    """Yield the entries of an OpenTTD ``.cat`` sound archive as members named ``NN_<title>.wav``."""
    try:
        entries = read_cat(arch.read_bytes())
    except ValueError as exc:
        log.warning("%s is not an OpenTTD .cat archive (%s); skipped", arch, exc)
        return
    for i, (desc, wav) in enumerate(entries):
        name, lic = cat_entry_name(i, desc)
        if name.startswith(prefix) and inc.search(name):
            yield Member(name[len(prefix):], f"{arch.name}!{i}", _constant(wav), licence=normalise_licence(lic))


C4_MAGIC = b"\x1e\x8c"  # an OpenClonk c4group file: a gzip stream whose two magic bytes are changed to these
C4_SUFFIXES = (".ocg", ".ocd", ".ocf", ".ocs", ".c4g", ".c4d")
_C4_ID = b"RedWolf Design GrpFolder"
_C4_HEADER, _C4_ENTRY = 204, 316


def c4_scramble(data: bytes) -> bytes:
    """Return a c4group header (un)scrambled: every byte XOR 237, bytes 0 and 2 of each 3-byte triple swapped.

    The two steps commute and are their own inverses, so the same function scrambles and unscrambles."""
    b = bytearray(x ^ 237 for x in data)
    for i in range(0, len(b) - 2, 3):
        b[i], b[i + 2] = b[i + 2], b[i]
    return bytes(b)


def read_c4group(data: bytes, prefix: str = "") -> list[tuple[str, bytes]]:
    """Return [(path, bytes)] of every file in an OpenClonk c4group (``Sound.ocg``), nested groups flattened.

    Layout (after un-gzipping a file that starts with ``C4_MAGIC``): a 204-byte scrambled header (``RedWolf Design
    GrpFolder``, int32 version x2, int32 entry count at byte 36), then one 316-byte entry per file (NUL-padded name of
    260 bytes, then int32 packed, child-group flag, size, reserved, offset, little-endian); file data follows the entry
    table at the given offsets. Child groups are c4groups themselves. Group suffixes are dropped from the path
    (``Animals.ocg/Bat.ocg/Chirp.wav`` -> ``Animals/Bat/Chirp.wav``).
    """
    import struct
    import zlib

    if data[:2] == C4_MAGIC:
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(b"\x1f\x8b" + data[2:])
        except zlib.error as exc:
            raise ValueError(f"bad c4group gzip stream ({exc})") from None
    if len(data) < _C4_HEADER or not c4_scramble(data[:_C4_HEADER]).startswith(_C4_ID):
        raise ValueError("not a c4group (no RedWolf Design header)")
    count = struct.unpack_from("<i", c4_scramble(data[:_C4_HEADER]), 36)[0]
    base = _C4_HEADER + _C4_ENTRY * count
    if count < 0 or base > len(data):
        raise ValueError(f"bad c4group entry count {count}")
    out: list[tuple[str, bytes]] = []
    for i in range(count):
        entry = data[_C4_HEADER + _C4_ENTRY * i:_C4_HEADER + _C4_ENTRY * (i + 1)]
        name = entry[:260].split(b"\0", 1)[0].decode("utf-8", "replace")
        _packed, child, size, _res, off = struct.unpack_from("<iiiii", entry, 260)
        if off < 0 or size < 0 or base + off + size > len(data):
            raise ValueError(f"c4group entry {name!r} points outside the group")
        body = data[base + off:base + off + size]
        stem, dot, ext = name.rpartition(".")
        if child:
            out += read_c4group(body, f"{prefix}{stem if dot and '.' + ext.lower() in C4_SUFFIXES else name}/")
        else:
            out.append((prefix + name, body))
    return out


def _c4group_members(arch: Path, prefix: str, inc: re.Pattern) -> Iterator[Member]:
    """Yield the matching files of an OpenClonk c4group archive (``Sound.ocg``) below ``prefix``."""
    if not arch.is_file():
        log.warning("%s is a folder, not a packed c4group; skipped", arch)
        return
    try:
        entries = read_c4group(arch.read_bytes())
    except ValueError as exc:
        log.warning("%s is not a c4group archive (%s); skipped", arch, exc)
        return
    for name, body in sorted(entries):
        if name.startswith(prefix) and inc.search(name):
            yield Member(name[len(prefix):], f"{arch.name}!{name}", _constant(body))


def find_files(tree: Path, pattern: str) -> list[Path]:
    """Return the files under tree whose name matches a glob pattern (e.g. ``drumkit.xml``)."""
    return sorted(p for p in Path(tree).rglob("*") if p.is_file() and fnmatch.fnmatch(p.name, pattern))


def normalise_licence(text: str) -> str:
    """Return an SPDX-like id for a free-text licence note ('This drumkit is distributed under the GPL...')."""
    t = (text or "").lower()
    if not t.strip():
        return ""
    if "gpl" in t:
        return "GPL-2+" if "2" in t or t.strip() == "gpl" else "GPL"
    if "share" in t and "alike" in t or "by-sa" in t:
        return "CC-BY-SA-3.0"
    if "attribution" in t or "cc-by" in t or "/by/" in t:
        return "CC-BY-3.0"
    if "creative commons 0" in t or "commons zero" in t or "cc0" in t or "public domain" in t:
        return "CC0-1.0"
    return text.splitlines()[0][:60]
