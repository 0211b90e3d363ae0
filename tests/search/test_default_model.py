"""End to end with the real shipped default model: index real recordings, query by description."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from audiogen import shared_data

from clapsearch.indexer import index_paths
from clapsearch.search import SearchEngine

SAMPLES = Path(__file__).resolve().parents[2] / "clapsearch" / "samples"

pytest.importorskip("aisfx")


@pytest.fixture(scope="module")
def gcompris_engine(tmp_path_factory):
    root = shared_data("gcompris")
    idx = tmp_path_factory.mktemp("gcompris") / "idx"
    summary = index_paths([root / "audio"], idx, model="default", device="cpu")
    assert summary.added == 50 and summary.skipped == []
    labels = {}
    with open(root / "labels.csv", newline="") as f:
        for row in csv.DictReader(f):
            labels[str((root / "audio" / row["filename"]).resolve())] = (row["label"], row["group"])
    return SearchEngine(idx, device="cpu"), labels


def test_dog_barking_finds_a_dog(gcompris_engine) -> None:
    engine, labels = gcompris_engine
    top3 = [labels[h.path][0] for h in engine.query_text(["a dog barking"], k=3)[0]]
    assert any("dog" in label for label in top3), top3


def test_animal_and_instrument_labels_are_found(gcompris_engine) -> None:
    engine, labels = gcompris_engine
    wanted = {path: label for path, (label, group) in labels.items() if group in ("animal", "instrument")}
    assert len(wanted) == 35
    queries = [f"the sound of a {label}" for label in wanted.values()]
    results = engine.query_text(queries, k=5)
    found = [label for (path, label), hits in zip(wanted.items(), results) if path in {h.path for h in hits}]
    print(f"gcompris: {len(found)}/35 labels in the top 5: {sorted(found)}")
    assert len(found) >= 20  # issue 5's acceptance level; the shipped default finds 23


def test_demo_samples_are_found_by_description(tmp_path: Path) -> None:
    index_paths([SAMPLES], tmp_path / "idx", model="default", device="cpu", workers=0)
    engine = SearchEngine(tmp_path / "idx", device="cpu")
    crow, drums = engine.query_text(["a crow cawing", "a drum loop"], k=3)
    assert "misc_crow.flac" in {Path(h.path).name for h in crow}
    assert {"loop_amen.flac", "loop_tabla.flac"} & {Path(h.path).name for h in drums}
