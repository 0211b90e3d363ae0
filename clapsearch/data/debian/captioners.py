"""Captioners: name -> function giving (label, captions) for a sound file, plus the package files they read.

A source names its captioner in the catalogue (``"captioner": "drumkit"``); ``caption_member`` applies the
source's rules first and then looks the captioner up in ``CAPTIONERS``. A captioner that needs something read from
the whole package first (drum-kit XML, transcripts) names a reader in ``CONTEXT_READERS``.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Callable, Literal, Optional

from clapsearch.data import captions as C
from clapsearch.data.sources import DRUM_ADJECTIVES as _ADJ
from clapsearch.data.sources import DRUM_DROP, DRUM_WORDS, SAMPLE_PREFIXES
from clapsearch.data.sources import STRUCK as _STRUCK

from .archives import Member, find_files, normalise_licence

log = logging.getLogger(__name__)
Caption = Optional[tuple[str, list[str]]]  # (label, captions), or None when the file gets no caption


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


def _fill(tmpl: str, groups: dict[str, str]) -> str:
    vals = dict(groups)
    vals.update({f"an_{k}": C.article(v) for k, v in groups.items() if v})
    text = re.sub(r"\s+", " ", tmpl.format(**vals)).strip()
    return re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", text)


def _by_rule(src, m: Member, lic: str) -> tuple[str, list[str], str] | None | Literal[False]:
    """Return the caption of the source's first matching rule, None to drop the file, False for the captioner."""
    for rule in src.rules:
        mm = re.search(rule.pattern, m.rel, re.I)
        if mm:
            if rule.label == "*":
                return False  # explicitly handed to the source's captioner
            if not rule.label:
                return None
            groups = {k: " ".join(C.tokens(v or "")) for k, v in mm.groupdict().items()}
            if any(not v for v in groups.values()):
                return None
            return _fill(rule.label, groups), [_fill(t, groups) for t in rule.captions], lic
    return False


def caption_member(src, m: Member, ctx: dict) -> tuple[str, list[str], str] | None:
    """Return (label, captions, licence) for one sound file of a source, or None to drop it."""
    base_lic = m.licence or src.licence_for(m.rel)
    ruled = _by_rule(src, m, base_lic)
    if ruled is not False:
        return ruled
    captioner = CAPTIONERS.get(src.captioner)
    res, lic = captioner(src, m, ctx, base_lic) if captioner else (None, base_lic)
    if not res or not res[1]:
        return None
    return res[0], res[1], lic


def caption_by_path(src, m: Member, ctx: dict, lic: str) -> tuple[Caption, str]:
    """Caption from the folder and file names."""
    return C.caption_path(m.rel), lic


def caption_by_description(src, m: Member, ctx: dict, lic: str) -> tuple[Caption, str]:
    """Caption from the ``<name>.txt`` beside the sound (Tux Paint stamps), else from the file name."""
    if m.fs_path is None:
        return None, lic
    txt = m.fs_path.with_suffix(".txt")
    res = C.caption_description(txt.read_text(errors="replace")) if txt.is_file() else None
    return (res if txt.is_file() else C.caption_path(Path(m.rel).name)), lic


def caption_by_sample_name(src, m: Member, ctx: dict, lic: str) -> tuple[Caption, str]:
    """Caption a Sonic Pi sample from its name: a prefix (``bd_``, ``drum_``...) picks templates for the rest."""
    prefix, _, rest = Path(m.rel).stem.partition("_")
    label, tmpls = SAMPLE_PREFIXES.get(re.sub(r"\d+$", "", prefix), ("", ()))
    toks = C.tokens(rest)
    toks = [t for t in toks if t in _ADJ] + [t for t in toks if t not in _ADJ]
    if prefix == "drum" and toks[-1:] == ["bass"]:
        toks[-1] = "bass drum"
    nouns = [t for t in toks if t not in _ADJ]
    x = " ".join(toks)
    if tmpls and (x or all("{ax}" not in t for t in tmpls)):
        return (" ".join(nouns) if nouns and prefix in ("drum", "elec") else label,
                [_fill(t.replace("{ax}", "{an_x}"), {"x": x}) if x else _fill(t, {"x": ""}) for t in tmpls]), lic
    return None, lic


def caption_by_drumkit(src, m: Member, ctx: dict, lic: str) -> tuple[Caption, str]:
    """Caption a Hydrogen sample from its instrument name in the kit's ``drumkit.xml``, with the kit's licence."""
    name, kit_lic = ctx["drumkits"].get(m.rel, ("", src.licence))
    res = _drum_caption(name, m.rel) if name else None  # samples no kit references are unlabelled
    return res, normalise_licence(kit_lic) or src.licence


def caption_by_transcript(src, m: Member, ctx: dict, lic: str) -> tuple[Caption, str]:
    """Caption a spoken prompt from its transcript (asterisk's ``core-sounds-*.txt``)."""
    key = re.sub(r"\.\w+$", "", m.rel)
    text = ctx["transcripts"].get(key)
    return (C.caption_speech(text, src.speaker) if text else None), lic


CAPTIONERS: dict[str, Callable[..., tuple[Caption, str]]] = {
    "path": caption_by_path,
    "description": caption_by_description,
    "samples": caption_by_sample_name,
    "drumkit": caption_by_drumkit,
    "speech": caption_by_transcript,
}
# captioner -> (ctx key, reader of the extracted package), run once before the package's files are captioned
CONTEXT_READERS: dict[str, tuple[str, Callable[[Path], dict]]] = {
    "drumkit": ("drumkits", read_drumkits),
    "speech": ("transcripts", read_transcripts),
}


def _drum_caption(name: str, rel: str) -> tuple[str, list[str]] | None:
    """Return (label, captions) for a drum-kit instrument name such as 'g3 - bass drum 3' or 'Hat Closed'."""
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
