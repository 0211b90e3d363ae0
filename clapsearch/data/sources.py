"""The Debian packages that make up the training corpus, read from ``catalogue/debian.json`` (and the captioners'
word lists from ``catalogue/words.json``); this module holds the record types and the loader."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


@dataclass(frozen=True)
class Rule:
    """A caption override for clips whose path (relative to the root) matches ``pattern``.

    ``label == ""`` drops the matching clips; otherwise label/captions are used as given.
    """

    pattern: str
    label: str = ""
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One Debian package: where its sounds live and how to caption them.

    roots: folders inside the extracted package (glob patterns allowed); ``ARCHIVE!PREFIX`` means
    "inside the zip-like archive ARCHIVE (a glob), under PREFIX".
    captioner: path | description | samples | drumkit | speech.
    """

    package: str
    licence: str
    roots: tuple[str, ...]
    captioner: str = "path"
    rules: tuple[Rule, ...] = ()
    include: str = r"\.(ogg|wav|flac|aiff?)$"
    extra_packages: tuple[str, ...] = ()
    max_per_label: int = 30
    speaker: str = "woman"
    notes: str = ""
    skip_dirs: tuple[str, ...] = field(default=())
    # (path regex, licence) pairs for packages whose folders carry different licences; first match wins
    licence_by_path: tuple[tuple[str, str], ...] = ()

    def licence_for(self, rel: str) -> str:
        """Return the licence of a clip path: the first matching ``licence_by_path`` entry, else the package's."""
        return next((lic for pat, lic in self.licence_by_path if re.search(pat, rel)), self.licence)


class CatalogueError(ValueError):
    """A catalogue file is malformed (unknown key, wrong type, unknown shared caption set)."""


_SOURCE_KEYS = {f.name for f in fields(Source)} | {"comment"}
_TUPLE_KEYS = ("roots", "extra_packages", "skip_dirs")


def _check_keys(entry: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(sorted(allowed))}")


def _rule(raw: Any, shared: dict[str, tuple[str, ...]], where: str) -> Rule:
    """Return a Rule from ``[pattern]``, ``[pattern, label]`` or ``[pattern, label, captions or "@name"]``."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= 3 or not all(isinstance(x, str) for x in raw[:2]):
        raise CatalogueError(f"{where}: a rule is [pattern], [pattern, label] or [pattern, label, captions]; "
                             f"got {raw!r}")
    caps = raw[2] if len(raw) == 3 else ()
    if isinstance(caps, str):
        if caps[1:] not in shared or not caps.startswith("@"):
            raise CatalogueError(f"{where}: unknown shared caption set {caps!r}; known: @{', @'.join(shared)}")
        caps = shared[caps[1:]]
    return Rule(raw[0], raw[1] if len(raw) > 1 else "", tuple(caps))


def _source(raw: dict, shared: dict[str, tuple[str, ...]], where: str) -> Source:
    """Return a Source from one catalogue entry (lists become tuples, unset keys keep their defaults)."""
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: a source is an object, got {raw!r}")
    where = f"{where} ({raw.get('package', '?')})"
    _check_keys(raw, _SOURCE_KEYS, where)
    kw = {k: v for k, v in raw.items() if k != "comment"}
    for key in _TUPLE_KEYS:
        if key in kw:
            kw[key] = tuple(kw[key])
    kw["licence_by_path"] = tuple(tuple(p) for p in kw.get("licence_by_path", ()))
    kw["rules"] = tuple(_rule(r, shared, f"{where} rule {i}") for i, r in enumerate(kw.get("rules", ())))
    try:
        return Source(**kw)
    except TypeError as exc:
        raise CatalogueError(f"{where}: {exc}") from None


def load_catalogue(path: Path | None = None) -> tuple[tuple[Source, ...], dict[str, tuple[str, ...]]]:
    """Return (sources in file order, exclusion patterns by package) from a catalogue file (default: debian.json)."""
    path = Path(path or CATALOGUE_DIR / "debian.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    _check_keys(data, {"comment", "exclude_comment", "exclude", "captions", "passes"}, str(path))
    shared = {k: tuple(v) for k, v in data.get("captions", {}).items()}
    exclude: dict[str, tuple[str, ...]] = {}
    for pkg, entry in data.get("exclude", {}).items():
        _check_keys(entry, {"patterns", "why"}, f"{path}: exclude {pkg!r}")
        exclude[pkg] = tuple(entry["patterns"])
    sources: list[Source] = []
    for p, block in enumerate(data.get("passes", ())):
        _check_keys(block, {"comment", "sources"}, f"{path}: pass {p}")
        sources += [_source(s, shared, f"{path}: pass {p} source {i}") for i, s in enumerate(block.get("sources", ()))]
    names = [s.package for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CatalogueError(f"{path}: package(s) listed twice: {', '.join(dupes)}")
    return tuple(sources), exclude


def _load_words(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = {"sample_prefixes", "drum_drop", "drum_words", "drum_adjectives", "struck"}
    _check_keys(data, keys | {k for k in data if k == "comment" or k.endswith("_comment")}, str(path))
    missing = sorted(keys - set(data))
    if missing:
        raise CatalogueError(f"{path}: missing key(s) {', '.join(missing)}")
    return data


SOURCES, EXCLUDE = load_catalogue()
_WORDS = _load_words(CATALOGUE_DIR / "words.json")
# Sonic Pi sample-name prefixes: prefix -> caption template ({x} = the cleaned rest of the name).
SAMPLE_PREFIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    k: (label, tuple(t)) for k, (label, t) in _WORDS["sample_prefixes"].items()}
# drum-kit instrument names: words to drop (brands, model names) and words to expand
DRUM_DROP = frozenset(_WORDS["drum_drop"])
DRUM_WORDS: dict[str, str] = dict(_WORDS["drum_words"])
# the one list of modifiers that go before the noun in drum and Sonic Pi sample captions
DRUM_ADJECTIVES = set(_WORDS["drum_adjectives"])
STRUCK = set(_WORDS["struck"])  # words naming an instrument that is struck ("a snare drum hit")
BY_NAME: dict[str, Source] = {s.package: s for s in SOURCES}


def is_excluded(package: str, path: str) -> bool:
    """Return True when a clip path of a package is on the contamination exclusion list."""
    return any(re.search(p, path) for p in EXCLUDE.get(package, ()))


def get(package: str) -> Source:
    """Return the Source entry for a package name; raises KeyError listing the known names."""
    try:
        return BY_NAME[package]
    except KeyError:
        raise KeyError(f"unknown package {package!r}; known: {', '.join(BY_NAME)}") from None
