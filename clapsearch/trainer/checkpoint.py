"""A checkpoint is one dict (model, optimizer, scheduler, scaler, step, config, train, rng, ...): read, write."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from clapsearch.errors import DataNotFound
from clapsearch.model.checkpoint import load_torch_checkpoint

CHECKPOINT = "checkpoint.pt"


def read_checkpoint(resume: str | Path) -> tuple[dict[str, Any], Path]:
    """Return the checkpoint in a run's --out folder (or at a path) and where it was."""
    path = Path(resume) / CHECKPOINT if Path(resume).is_dir() else Path(resume)
    if not path.is_file():
        raise DataNotFound(f"no checkpoint to resume from at {path}: give --resume the --out folder of a run "
                           "that has saved one (it is written every --eval-every steps)")
    return load_torch_checkpoint(path), path  # tensors and plain values only; a damaged file is a WeightsError


def write_checkpoint(out: Path, state: dict[str, Any]) -> None:
    """Write the checkpoint whole or not at all (a temporary file, then a rename)."""
    torch.save(state, out / (CHECKPOINT + ".tmp"))
    (out / (CHECKPOINT + ".tmp")).replace(out / CHECKPOINT)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    # legacy=True (the default) returns the tuple; numpy's stubs pick the dict overload for a call without arguments
    np_state = cast(tuple[str, np.ndarray, int, int, float], np.random.get_state())
    return {"python": random.getstate(), "numpy": torch.from_numpy(np_state[1].astype(np.int64)),
            "numpy_pos": int(np_state[2]), "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate((state["python"][0], tuple(state["python"][1]), state["python"][2]))
    np.random.set_state(("MT19937", state["numpy"].numpy().astype(np.uint32), state["numpy_pos"], 0, 0.0))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
