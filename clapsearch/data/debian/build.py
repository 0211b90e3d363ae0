"""Build one Debian package into clips: find its sound files, caption them, write their audio, count what was kept."""
from __future__ import annotations

import hashlib
import logging
import re
import shutil
import time
from pathlib import Path

from clapsearch.data import sources
from clapsearch.data.manifest import Clip, SourceStats

from .captioners import CONTEXT_READERS

log = logging.getLogger(__name__)

MIN_SECONDS, MAX_SECONDS, CUT_SECONDS = 0.1, 60.0, 30.0
_KEEP_FORMATS = {"WAV", "FLAC", "OGG"}


def _safe(rel: str) -> str:
    return "/".join(re.sub(r"[^A-Za-z0-9._-]+", "_", p) for p in rel.split("/"))


def write_audio(data: bytes, dest: Path) -> tuple[Path | None, float]:
    """Write a clip to ``dest`` (original bytes, or its first 30 s as FLAC if long/other format).

    Return (path, seconds).

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


def build_package(src, out: Path, cache: Path, tree: Path | None = None) -> tuple[list[Clip], SourceStats]:
    """Return (clips, SourceStats) for one source, writing its audio under ``<out>/audio/<package>/``.

    ``tree`` is an already extracted package (tests); otherwise the .deb is downloaded and extracted.
    """
    from clapsearch.data import debian  # steps looked up on the package, so a monkeypatch of debian.<step> holds

    t0 = time.time()
    out = Path(out)
    ctx: dict = {}
    if tree is None:
        tree = debian.extract(debian.download(src.package, cache), out / "extract" / src.package)
        for extra in src.extra_packages:
            debian.extract(debian.download(extra, cache), out / "extract" / src.package)
    if src.captioner in CONTEXT_READERS:
        key, reader = CONTEXT_READERS[src.captioner]
        ctx[key] = reader(tree)
    shutil.rmtree(out / "audio" / src.package, ignore_errors=True)  # no stale clips from an earlier build
    stats = SourceStats(source=f"debian:{src.package}", licence=src.licence)
    skipped: dict[str, int] = {}
    per_label: dict[str, int] = {}
    seen: set[str] = set()
    clips: list[Clip] = []
    for m in debian.iter_members(tree, src.roots, src.include):
        if sources.is_excluded(src.package, m.rel) or sources.is_excluded(src.package, m.origin):
            skipped["excluded_esc50"] = skipped.get("excluded_esc50", 0) + 1
            continue
        cap = debian.caption_member(src, m, ctx)
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
        path, seconds = debian.write_audio(data, out / "audio" / src.package / _safe(m.rel))
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
