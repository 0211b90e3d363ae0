"""Download Debian packages, extract them and find their sound files (also inside zip, .cat and c4group files)."""
from __future__ import annotations

import fnmatch
import logging
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

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
        yield Member(name[len(prefix):], f"{arch.name}!{name}", lambda n=name: zf.read(n))


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
            yield Member(name[len(prefix):], f"{arch.name}!{i}", lambda w=wav: w, licence=normalise_licence(lic))


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
            yield Member(name[len(prefix):], f"{arch.name}!{name}", lambda b=body: b)


def find_files(tree: Path, pattern: str) -> list[Path]:
    """Return the files under tree whose name matches a glob pattern (e.g. ``drumkit.xml``)."""
    return sorted(p for p in Path(tree).rglob("*") if p.is_file() and fnmatch.fnmatch(p.name, pattern))


# ---------------------------------------------------------------- package-specific caption inputs

def read_drumkits(tree: Path) -> dict[str, tuple[str, str]]:
    """Return {kit_dir/sample_file: (instrument name, kit licence)} from every ``drumkit.xml`` under tree."""
    import xml.etree.ElementTree as ET

    out: dict[str, tuple[str, str]] = {}
    for xml in find_files(tree, "drumkit.xml"):
        try:
            root = ET.parse(xml).getroot()
        except ET.ParseError as exc:
            log.warning("cannot parse %s (%s); its samples are skipped", xml, exc)
            continue
        strip = lambda t: t.split("}", 1)[-1]  # noqa: E731  (drop the XML namespace)
        lic = next((e.text or "" for e in root if strip(e.tag) == "license"), "").strip()
        for inst in root.iter():
            if strip(inst.tag) != "instrument":
                continue
            name = next((e.text or "" for e in inst if strip(e.tag) == "name"), "").strip()
            for fn in inst.iter():
                if strip(fn.tag) == "filename" and fn.text:
                    out[f"{xml.parent.name}/{fn.text.strip()}"] = (name, lic)
    return out


def read_transcripts(tree: Path) -> dict[str, str]:
    """Return {prompt name: transcript} from asterisk's ``core-sounds-*.txt`` (optionally gzipped)."""
    import gzip

    out: dict[str, str] = {}
    for path in find_files(tree, "core-sounds-*.txt*"):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for line in raw.decode("utf-8", "replace").splitlines():
            if not line.strip() or line.startswith(";") or ":" not in line:
                continue
            key, text = line.split(":", 1)
            out[key.strip()] = text.strip()
    return out


# ---------------------------------------------------------------- building one package

MIN_SECONDS, MAX_SECONDS, CUT_SECONDS = 0.1, 60.0, 30.0
_KEEP_FORMATS = {"WAV", "FLAC", "OGG"}
_STRUCK = {"drum", "cymbal", "hat", "snare", "tom", "bell", "cowbell", "block", "woodblock", "conga", "bongo", "djembe",
           "cajon", "rim", "rimshot", "stick", "tambourine", "triangle", "gong", "timbale", "sangban", "head", "tabla"}
_ADJ = {"hard", "soft", "heavy", "fat", "dark", "thick", "pure", "deep", "open", "closed", "high", "low", "short"}


def _fill(tmpl: str, groups: dict[str, str]) -> str:
    from .captions import article

    vals = dict(groups)
    vals.update({f"an_{k}": article(v) for k, v in groups.items() if v})
    text = re.sub(r"\s+", " ", tmpl.format(**vals)).strip()
    return re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", text)


def caption_member(src, m: Member, ctx: dict) -> tuple[str, list[str], str] | None:
    """Return (label, captions, licence) for one sound file of a source, or None to drop it."""
    from . import captions as C
    from .sources import SAMPLE_PREFIXES

    base_lic = m.licence or src.licence_for(m.rel)
    for rule in src.rules:
        mm = re.search(rule.pattern, m.rel, re.I)
        if mm:
            if rule.label == "*":
                break  # explicitly handed to the source's captioner
            if not rule.label:
                return None
            groups = {k: " ".join(C.tokens(v or "")) for k, v in mm.groupdict().items()}
            if any(not v for v in groups.values()):
                return None
            return _fill(rule.label, groups), [_fill(t, groups) for t in rule.captions], base_lic
    res, lic = None, base_lic
    if src.captioner == "path":
        res = C.caption_path(m.rel)
    elif src.captioner == "description" and m.fs_path is not None:
        txt = m.fs_path.with_suffix(".txt")
        res = C.caption_description(txt.read_text(errors="replace")) if txt.is_file() else None
        res = res if txt.is_file() else C.caption_path(Path(m.rel).name)
    elif src.captioner == "samples":
        prefix, _, rest = Path(m.rel).stem.partition("_")
        label, tmpls = SAMPLE_PREFIXES.get(re.sub(r"\d+$", "", prefix), ("", ()))
        toks = C.tokens(rest)
        toks = [t for t in toks if t in _ADJ] + [t for t in toks if t not in _ADJ]
        if prefix == "drum" and toks[-1:] == ["bass"]:
            toks[-1] = "bass drum"
        nouns = [t for t in toks if t not in _ADJ]
        x = " ".join(toks)
        if tmpls and (x or all("{ax}" not in t for t in tmpls)):
            res = (" ".join(nouns) if nouns and prefix in ("drum", "elec") else label,
                   [_fill(t.replace("{ax}", "{an_x}"), {"x": x}) if x else _fill(t, {"x": ""}) for t in tmpls])
    elif src.captioner == "drumkit":
        name, lic = ctx["drumkits"].get(m.rel, ("", src.licence))
        res = _drum_caption(name, m.rel) if name else None  # samples no kit references are unlabelled
        lic = normalise_licence(lic) or src.licence
    elif src.captioner == "speech":
        key = re.sub(r"\.\w+$", "", m.rel)
        text = ctx["transcripts"].get(key)
        res = C.caption_speech(text, src.speaker) if text else None
    if not res or not res[1]:
        return None
    return res[0], res[1], lic


def _drum_caption(name: str, rel: str) -> tuple[str, list[str]] | None:
    """Return (label, captions) for a drum-kit instrument name such as 'g3 - bass drum 3' or 'Hat Closed'."""
    from . import captions as C
    from .sources import DRUM_DROP, DRUM_WORDS

    name = re.sub(r"^[a-g]#?\d\s*-\s*", "", name, flags=re.I)
    kitwords = set(C.tokens(Path(rel).parts[0]))
    clean = lambda ts: [t for t in ts if t not in DRUM_DROP and (t not in kitwords or t in ("drum", "snare"))]  # noqa
    toks = clean(C.tokens(name))
    if not [t for t in toks if t not in _ADJ]:
        toks = toks + clean(C.tokens(Path(rel).stem))
    toks = list(dict.fromkeys(DRUM_WORDS.get(t, t) for t in toks))
    nouns = [t for t in toks if t not in _ADJ]
    if not nouns:
        return None
    phrase = " ".join([t for t in toks if t in _ADJ] + nouns)
    fix = lambda p: re.sub(r"(\w+) cymbal (\w+) cymbal", r"\1 \2 cymbal", p.replace("cow bell", "cowbell"))  # noqa
    phrase, nouns = fix(phrase), fix(" ".join(nouns)).split()
    if not set(" ".join(nouns).replace("-", " ").split()) & _STRUCK:
        return " ".join(nouns), [f"the sound of {C.article(phrase)}", f"a single {phrase} sample from a drum kit"]
    return " ".join(nouns), [f"{C.article(phrase)} hit", f"{C.article(phrase)} being struck",
                             f"a single {phrase} sample from a drum kit"]


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


def _safe(rel: str) -> str:
    return "/".join(re.sub(r"[^A-Za-z0-9._-]+", "_", p) for p in rel.split("/"))


def write_audio(data: bytes, dest: Path) -> tuple[Path | None, float]:
    """Write a clip to ``dest`` (original bytes, or its first 30 s as FLAC if long/other format); return (path, seconds).

    Returns (None, -1) when soundfile cannot read it and (None, seconds) when it is shorter than 0.1 s.
    """
    import io

    import soundfile as sf

    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            sr, frames, fmt = f.samplerate, f.frames, f.format
            seconds = frames / float(sr)
            if seconds < MIN_SECONDS:
                return None, seconds
            dest.parent.mkdir(parents=True, exist_ok=True)
            if seconds <= MAX_SECONDS and fmt in _KEEP_FORMATS:
                dest.write_bytes(data)
                return dest, seconds
            audio = f.read(min(frames, int(CUT_SECONDS * sr)), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:
        log.warning("unreadable audio for %s (%s)", dest.name, exc)
        return None, -1.0
    dest = dest.with_suffix(".flac")
    sf.write(str(dest), audio, sr, format="FLAC")
    return dest, len(audio) / float(sr)


def build_package(src, out: Path, cache: Path, tree: Path | None = None) -> tuple[list, object]:
    """Return (clips, SourceStats) for one source, writing its audio under ``<out>/audio/<package>/``.

    ``tree`` is an already extracted package (tests); otherwise the .deb is downloaded and extracted.
    """
    import hashlib
    import time

    from .manifest import Clip, SourceStats
    from .sources import is_excluded

    t0 = time.time()
    out = Path(out)
    ctx: dict = {}
    if tree is None:
        tree = extract(download(src.package, cache), out / "extract" / src.package)
        for extra in src.extra_packages:
            extract(download(extra, cache), out / "extract" / src.package)
    if src.captioner == "drumkit":
        ctx["drumkits"] = read_drumkits(tree)
    if src.captioner == "speech":
        ctx["transcripts"] = read_transcripts(tree)
    shutil.rmtree(out / "audio" / src.package, ignore_errors=True)  # no stale clips from an earlier build
    stats = SourceStats(source=f"debian:{src.package}", licence=src.licence)
    skipped: dict[str, int] = {}
    per_label: dict[str, int] = {}
    seen: set[str] = set()
    clips: list[Clip] = []
    for m in iter_members(tree, src.roots, src.include):
        if is_excluded(src.package, m.rel) or is_excluded(src.package, m.origin):
            skipped["excluded_esc50"] = skipped.get("excluded_esc50", 0) + 1
            continue
        cap = caption_member(src, m, ctx)
        if cap is None:
            skipped["no_caption"] = skipped.get("no_caption", 0) + 1
            continue
        label, caps, lic = cap
        if per_label.get(label, 0) >= src.max_per_label:
            skipped["label_cap"] = skipped.get("label_cap", 0) + 1
            continue
        data = m.read()
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen:
            skipped["duplicate"] = skipped.get("duplicate", 0) + 1
            continue
        seen.add(digest)
        path, seconds = write_audio(data, out / "audio" / src.package / _safe(m.rel))
        if path is None:
            why = "unreadable" if seconds < 0 else "too_short"
            skipped[why] = skipped.get(why, 0) + 1
            if why == "unreadable":
                log.warning("%s: soundfile cannot read %s; skipped", src.package, m.origin)
            continue
        per_label[label] = per_label.get(label, 0) + 1
        clips.append(Clip(path.relative_to(out).as_posix(), caps, label, f"debian:{src.package}", lic))
        stats.clips += 1
        stats.seconds += seconds
    stats.concepts = sorted(per_label)
    stats.skipped = skipped
    stats.wall_seconds = time.time() - t0
    return clips, stats
