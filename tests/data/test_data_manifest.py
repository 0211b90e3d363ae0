"""Manifest rows: exact JSONL format, round trip, merging per-package parts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from clapsearch.data.manifest import Clip, SourceStats, merge_parts, read_jsonl, write_jsonl


def test_jsonl_round_trip_and_key_order(tmp_path: Path) -> None:
    clip = Clip("audio/0ad-data/x.ogg", ["a cow mooing", "cattle lowing"], "cow", "debian:0ad-data", "CC-BY-SA-3.0")
    path = tmp_path / "m.jsonl"
    assert write_jsonl(path, [clip, clip]) == 2
    line = path.read_text().splitlines()[0]
    assert list(json.loads(line)) == ["audio", "captions", "label", "source", "licence"]
    assert list(read_jsonl(path)) == [clip, clip]


def test_single_caption_string_accepted() -> None:
    c = Clip.from_dict({"audio": "a.ogg", "caption": "a dog barking", "label": "dog"})
    assert c.captions == ["a dog barking"]


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"audio": "a.ogg", "captions": [], "label": "x"}\nnot json\n')
    with pytest.raises(ValueError, match=r"m\.jsonl:2"):
        list(read_jsonl(path))
    with pytest.raises(FileNotFoundError, match="clapsearch data debian"):
        list(read_jsonl(tmp_path / "missing.jsonl"))


def test_merge_parts_writes_manifest_and_datacard(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    for pkg, n in (("a", 2), ("b", 3)):
        write_jsonl(parts / f"{pkg}.jsonl", [Clip(f"audio/{pkg}/{i}.wav", ["x"], f"l{i}", f"debian:{pkg}", "GPL")
                                             for i in range(n)])
        st = SourceStats(f"debian:{pkg}", "GPL", clips=n, seconds=3600.0 * n, concepts=[f"l{i}" for i in range(n)])
        (parts / f"{pkg}.json").write_text(json.dumps(st.to_dict()))
    n, card = merge_parts(tmp_path)
    assert n == 5
    assert card["hours"] == 5.0 and card["concepts"] == 3
    assert card["sources"]["debian:b"]["clips"] == 3
    assert json.loads((tmp_path / "datacard.json").read_text())["clips"] == 5
    assert SourceStats.from_dict(card["sources"]["debian:a"]).clips == 2
