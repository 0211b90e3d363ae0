"""The model is built only when audio is embedded: an unchanged re-index and opening an index for a query check
the model against the index without building it, and a model whose weights changed is still refused."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import clapsearch.model.factory as factory
from clapsearch.index import IndexDir, IndexError_
from clapsearch.indexer import index_paths
from clapsearch.model import load_config, save_model
from clapsearch.search import SearchEngine


@pytest.fixture
def tiny_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    return save_model(factory.build_model(load_config("tiny"), pretrained=False, seed=1), tmp_path / "tiny-model")


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every model create_model builds."""
    calls: list[str] = []
    real = factory.create_model

    def counted(name_or_path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(str(name_or_path))
        return real(name_or_path, *args, **kwargs)

    monkeypatch.setattr(factory, "create_model", counted)
    return calls


def test_an_unchanged_reindex_builds_no_model(library: Path, tiny_folder: Path, tmp_path: Path,
                                              builds: list[str]) -> None:
    first = index_paths([library], tmp_path / "idx", model=str(tiny_folder), device="cpu", workers=0)
    assert first.added == 4 and len(builds) == 1
    again = index_paths([library], tmp_path / "idx", device="cpu", workers=0)
    assert again.unchanged == 4 and again.added == again.updated == 0
    assert len(builds) == 1  # compared with SQL, nothing to embed: no model
    (library / "tone440.wav").write_bytes((library / "sub" / "low.wav").read_bytes())
    changed = index_paths([library], tmp_path / "idx", device="cpu", workers=0)
    assert changed.updated == 1 and len(builds) == 2  # something to embed: the model is built


def test_an_unchanged_reindex_imports_no_torch(library: Path, tiny_folder: Path, tmp_path: Path) -> None:
    index_paths([library], tmp_path / "idx", model=str(tiny_folder), device="auto")
    code = ("import sys, json; from clapsearch.indexer import index_paths\n"
            f"s = index_paths([{str(library)!r}], {str(tmp_path / 'idx')!r}, device='auto')\n"
            "print(json.dumps([s.unchanged, sorted(m for m in ('torch', 'transformers') if m in sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == [4, []]


def test_a_query_opens_the_index_without_building_and_audio_builds(library: Path, tiny_folder: Path,
                                                                   tmp_path: Path, builds: list[str]) -> None:
    index_paths([library], tmp_path / "idx", model=str(tiny_folder), device="cpu", workers=0)
    builds.clear()
    engine = SearchEngine(tmp_path / "idx", device="cpu")
    assert builds == [] and not engine.encoder.model_built
    assert len(engine.query_audio(library / "noise.flac", k=3)) == 3  # indexed: its stored vectors, no model
    assert builds == []
    other = library.parent / "other.wav"
    other.write_bytes((library / "tone440.wav").read_bytes())
    assert len(engine.query_audio(other, k=2)) == 2  # not indexed: embedded now
    assert len(builds) == 1 and engine.encoder.model_built


def test_changed_weights_are_refused_without_building(library: Path, tiny_folder: Path, tmp_path: Path,
                                                      builds: list[str]) -> None:
    index_paths([library], tmp_path / "idx", model=str(tiny_folder), device="cpu", workers=0)
    save_model(factory.build_model(load_config("tiny"), pretrained=False, seed=2), tiny_folder)  # retrained
    builds.clear()
    with pytest.raises(IndexError_, match="another version"):
        IndexDir.open(tmp_path / "idx", device="cpu")
    assert builds == []
