"""Saved-model folders without torch: where a model's folder is, its weights read as numpy (memory-mapped), and
its identity (config fingerprint, weights hash) recorded once rather than recomputed at every load.

The weights hash is the one `model_identity` computes on a built model: SHA-256 over the sorted trainable tensors
(name, then float32 bytes). A model folder's hash depends only on its weights file, so it is written beside the
weights when the model is saved or converted (identity.json, with the file's size and mtime) and, for a folder
whose file changed since or that was never saved here (shipped weights after a fresh clone), computed from the
file once and cached under the user cache keyed by the file's path, size and mtime. A file whose size or mtime
differ from the record is hashed again: a different model is never accepted silently.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from clapsearch.errors import WeightsError
from clapsearch.model.config import ModelConfig
from clapsearch.model.zoo.registry import models_cache_dir, user_cache_dir
from clapsearch.paths import display_path

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "weights"
WEIGHTS_FILE = "model.safetensors"
IDENTITY_FILE = "identity.json"

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "BF16": np.uint16}


def looks_like_pickle(path: Path) -> bool:
    """Whether a file starts as a PyTorch checkpoint does: a zip archive (torch.save) or a pickle protocol byte."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"


MODEL_FOLDER_FIX = ("copy it again from where the model was saved, or convert the publisher's checkpoint again with "
                    "'clapsearch convert FILE --to FOLDER'")


def damaged_weights(path: str | Path, reason: object, fix: str = MODEL_FOLDER_FIX) -> WeightsError:
    """The error for a weights file that is not a usable safetensors file (a pickle in its place, or damage)."""
    shown = display_path(str(path))
    if looks_like_pickle(Path(path)):
        return WeightsError(f"{shown} is a PyTorch pickle, not a safetensors file (clapsearch never unpickles a "
                            f"model folder's weights: a pickle can run code): {fix}")
    return WeightsError(f"{shown} is damaged or not a safetensors file ({reason}): {fix}")


def resolve_model_dir(name_or_path: str | Path) -> Path | None:
    """Return the saved-model folder for a name (shipped weights, or a published model converted or
    downloaded into the cache) or a path, or None for a bare config."""
    path = Path(name_or_path)
    if path.is_dir() and (path / "config.json").is_file():
        return path
    for root in (SHIPPED_DIR, models_cache_dir()):
        folder = root / str(name_or_path)
        if (folder / "config.json").is_file():
            return folder
    return None


def safetensors_header(path: str | Path) -> dict[str, Any]:
    """Return a safetensors file's header (name -> dtype, shape, data_offsets), reading only the header."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            if n > size - 8:
                raise ValueError("header larger than the file")
            header = json.loads(fh.read(n))
        if not isinstance(header, dict):
            raise ValueError("header is not a JSON object")
        header.pop("__metadata__", None)
        for info in header.values():
            if not (isinstance(info, dict) and info.get("data_offsets", [0, size])[1] <= size - 8 - n):
                raise ValueError("a tensor lies beyond the end of the file")
    except (OSError, struct.error, ValueError, UnicodeDecodeError) as e:
        raise damaged_weights(path, str(e).splitlines()[0][:200] if str(e) else type(e).__name__) from None
    return header


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Return a safetensors file's tensors as read-only numpy arrays mapped from the file (pages are read when
    touched). bfloat16 tensors come back as float32 (exactly)."""
    header = safetensors_header(path)
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n) if os.path.getsize(path) > 8 + n else \
        np.zeros(0, dtype=np.uint8)
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        dtype = _DTYPES.get(info.get("dtype"))
        start, end = info["data_offsets"]
        if dtype is None:
            raise WeightsError(f"{display_path(str(path))}: tensor {name} has dtype {info.get('dtype')}, which "
                               "clapsearch does not read: save the model again in float32")
        arr = data[start:end].view(dtype).reshape(info["shape"])
        if info["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr
    return out


def weights_hash(path: str | Path, config: ModelConfig) -> str:
    """Return the hash `model_identity` gives a model of this config loaded from this weights file, without
    building it: the file's tensors but the frozen towers', as float32, logit_scale clipped as at load."""
    skip = [p for p, frozen in (("audio_tower.", config.freeze_audio), ("text_tower.", config.freeze_text))
            if frozen]
    h = hashlib.sha256()
    tensors = read_safetensors(path)
    for name in sorted(tensors):
        if any(name.startswith(s) for s in skip):
            continue
        v = np.asarray(tensors[name]).astype(np.float32)
        if name == "logit_scale":  # ClapModel.clip_logit_scale_ after loading
            v = np.clip(v, np.float32(0.0), np.float32(math.log(config.max_logit_scale))).astype(np.float32)
        h.update(name.encode())
        h.update(v.tobytes())
    return h.hexdigest()[:16]


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _cache_file(weights: Path) -> Path:
    key = hashlib.sha256(str(weights.resolve()).encode()).hexdigest()[:24]
    return user_cache_dir() / "identity" / f"{key}.json"


def _read_record(path: Path, stamp: dict[str, int], fingerprint: str) -> str | None:
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("stamp") != stamp or rec.get("config_hash") != fingerprint:
        return None
    value = rec.get("weights_hash")
    return value if isinstance(value, str) else None


def write_atomic(path: Path, text: str) -> None:
    """Write a small file through a temporary file and a rename (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the record from other users of a shared folder
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_identity(folder: Path, config: ModelConfig, value: str | None = None) -> str:
    """Write identity.json beside a folder's weights (at save and convert); return the weights hash."""
    weights = folder / WEIGHTS_FILE
    value = value or weights_hash(weights, config)
    rec = {"config_hash": config.fingerprint(), "weights_hash": value, "stamp": _stamp(weights)}
    write_atomic(folder / IDENTITY_FILE, json.dumps(rec, indent=2) + "\n")
    return value


def folder_identity(folder: Path, config: ModelConfig) -> dict[str, str]:
    """Return {name, config_hash, weights_hash} of a saved model folder without building the model.

    The hash comes from identity.json or the user cache when the weights file's size and mtime are those
    recorded; otherwise it is computed from the file (numpy) and cached.
    """
    weights = folder / WEIGHTS_FILE
    fingerprint = config.fingerprint()
    stamp = _stamp(weights)
    value = _read_record(folder / IDENTITY_FILE, stamp, fingerprint) or \
        _read_record(_cache_file(weights), stamp, fingerprint)
    if value is None:
        value = weights_hash(weights, config)
        rec = {"config_hash": fingerprint, "weights_hash": value, "stamp": stamp, "weights": str(weights.resolve())}
        try:
            write_atomic(_cache_file(weights), json.dumps(rec, indent=2) + "\n")
        except OSError:
            pass  # a read-only cache: hashed again next time
    return {"name": str(folder), "config_hash": fingerprint, "weights_hash": value}


def parameter_count_from_file(path: Path) -> int:
    """Return the number of values in a safetensors file (its header only)."""
    return sum(math.prod(info["shape"]) for info in safetensors_header(path).values())
