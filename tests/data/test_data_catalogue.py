"""The Debian catalogue is a data file: it loads, and a malformed entry is rejected with its file and entry named."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from clapsearch.data import sources
from clapsearch.data.sources import CATALOGUE_DIR, CatalogueError, Rule, load_catalogue


def _write(tmp_path: Path, source: dict, **extra) -> Path:
    data = {"captions": {"dog": ["a dog barking"]}, "exclude": {}, "passes": [{"sources": [source]}], **extra}
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(data))
    return path


def test_the_shipped_catalogue_loads_in_order_with_unique_packages() -> None:
    found, exclude = load_catalogue(CATALOGUE_DIR / "debian.json")
    assert found == sources.SOURCES and exclude == sources.EXCLUDE
    assert found[0].package == "0ad-data" and len({s.package for s in found}) == len(found)
    assert all(isinstance(r, Rule) and isinstance(r.captions, tuple) for s in found for r in s.rules)
    assert sources.get("hydrogen-drumkits").captioner == "drumkit"


def test_rules_expand_shared_caption_sets_and_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, {"package": "p", "licence": "CC0-1.0", "roots": ["a"],
                             "rules": [["^x"], ["^d", "dog", "@dog"], ["^c", "*"], ["^e", "e", ["an e"]]]})
    (src,), _ = load_catalogue(path)
    assert src.roots == ("a",) and src.max_per_label == 30 and src.captioner == "path"
    assert src.rules == (Rule("^x"), Rule("^d", "dog", ("a dog barking",)), Rule("^c", "*"), Rule("^e", "e", ("an e",)))


def test_an_unknown_key_names_the_file_and_the_entry(tmp_path: Path) -> None:
    path = _write(tmp_path, {"package": "p", "licence": "x", "roots": [], "max_per_lable": 3})
    with pytest.raises(CatalogueError, match=r"cat\.json: pass 0 source 0 \(p\): unknown key\(s\) 'max_per_lable'"):
        load_catalogue(path)


def test_an_unknown_caption_set_or_a_bad_rule_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"\(p\) rule 0: unknown shared caption set '@cat'"):
        load_catalogue(_write(tmp_path, {"package": "p", "licence": "x", "roots": [], "rules": [["^a", "a", "@cat"]]}))
    with pytest.raises(CatalogueError, match=r"\(p\) rule 0: a rule is"):
        load_catalogue(_write(tmp_path, {"package": "p", "licence": "x", "roots": [], "rules": ["^a"]}))
    with pytest.raises(CatalogueError, match=r"cat\.json: unknown key\(s\) 'sources'"):
        load_catalogue(_write(tmp_path, {"package": "p", "licence": "x", "roots": []}, sources=[]))


def test_every_source_names_a_registered_captioner() -> None:
    from clapsearch.data.debian import CAPTIONERS, CONTEXT_READERS

    assert {s.captioner for s in sources.SOURCES} <= set(CAPTIONERS)
    assert set(CONTEXT_READERS) <= set(CAPTIONERS)
