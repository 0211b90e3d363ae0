"""Safe weight reading: safetensors files, and published PyTorch pickles read with weights_only and an allow-list.

Every weights file a user hands clapsearch goes through here, so that a damaged file or a pickle that would run
code is refused with a WeightsError naming the file, what is wrong with it and what to do.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from clapsearch.errors import WeightsError
from clapsearch.model.folders import MODEL_FOLDER_FIX, looks_like_pickle
from clapsearch.paths import display_path

__all__ = ["MODEL_FOLDER_FIX", "load_safetensors", "load_torch_checkpoint", "looks_like_pickle", "refused_global"]

# Besides tensors and containers, published CLAP/aisfx checkpoints hold numpy scalars (epoch counters,
# metric values). These, and nothing else, may be rebuilt from a pickle.
_ALLOWED_GLOBALS: list[Any] = [
    # numpy._core is private: numpy's stubs do not declare it
    (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"),  # type: ignore[attr-defined]
    (np._core.multiarray.scalar, "numpy._core.multiarray.scalar"),  # type: ignore[attr-defined]
    np.dtype,
    *(type(np.dtype(t)) for t in ("float64", "float32", "int64", "int32", "bool")),
]

# torch's weights-only unpickler names what it refused: "GLOBAL posix.system whose module posix is blocked",
# "Unsupported global: GLOBAL eval was not an allowed global" (a builtin is named without its module).
_REFUSED = re.compile(r"GLOBAL ([\w.]+)")


def refused_global(error: BaseException) -> str | None:
    """Return the module.name of the global a weights-only unpickling refused, or None for another failure."""
    m = _REFUSED.search(str(error))
    if m is None:
        return None
    name = m.group(1)
    return name if "." in name else f"builtins.{name}"


def _reason(error: BaseException) -> str:
    """Return the line of a loader's error that says what is wrong (not torch's advice about weights_only)."""
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith(("Check the documentation", "Weights only load failed",
                                                        "Please file an issue", "(1)", "(2)"))]
    text = (useful or lines or [type(error).__name__])[-1]
    text = text.removeprefix("WeightsUnpickler error:").strip() or type(error).__name__
    return text[:200]


def load_torch_checkpoint(path: str | Path) -> Any:
    """Return the contents of a .pth/.pt file, refusing anything but tensors, containers and numpy scalars."""
    path = Path(path)
    shown = display_path(str(path))
    if not path.is_file():
        raise WeightsError(f"checkpoint {shown} not found{' (it is a folder)' if path.is_dir() else ''}: "
                           "check the path")
    try:
        with torch.serialization.safe_globals(_ALLOWED_GLOBALS):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - every way a file can fail to load is the file's fault here
        name = refused_global(e)
        if name is not None:
            raise WeightsError(f"cannot load checkpoint {shown} safely: it is a pickle that calls {name}, which "
                               "could run code, and clapsearch loads only tensors; use a safetensors copy, or a "
                               "checkpoint that holds only tensors from a source you trust") from e
        raise WeightsError(f"cannot load checkpoint {shown}: it is damaged or not a PyTorch checkpoint "
                           f"({_reason(e)}); download or copy it again") from e


def load_safetensors(path: str | Path, fix: str = MODEL_FOLDER_FIX) -> dict[str, torch.Tensor]:
    """Return the tensors of a .safetensors file; a damaged file or a pickle in its place is a WeightsError.

    fix: what the user should do about it, for the message.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    shown = display_path(str(path))
    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as e:
        if looks_like_pickle(path):
            raise WeightsError(f"{shown} is a PyTorch pickle, not a safetensors file (clapsearch never unpickles "
                               f"a model folder's weights: a pickle can run code): {fix}") from None
        raise WeightsError(f"{shown} is damaged or not a safetensors file ({_reason(e)}): {fix}") from None
