"""Safe checkpoint reading: published PyTorch pickles are read with weights_only and an explicit allow-list."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

# Besides tensors and containers, published CLAP/aisfx checkpoints hold numpy scalars (epoch counters,
# metric values). These, and nothing else, may be rebuilt from a pickle.
_ALLOWED_GLOBALS: list[Any] = [
    (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"),
    (np._core.multiarray.scalar, "numpy._core.multiarray.scalar"),
    np.dtype,
    *(type(np.dtype(t)) for t in ("float64", "float32", "int64", "int32", "bool")),
]


def load_torch_checkpoint(path: str | Path) -> Any:
    """Return the contents of a .pth/.pt file, refusing anything but tensors, containers and numpy scalars."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        with torch.serialization.safe_globals(_ALLOWED_GLOBALS):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # an unpickling error names the refused global: pass it on with the path
        raise ValueError(f"cannot load checkpoint {path} safely: {str(e).splitlines()[-1][:300]}") from e
