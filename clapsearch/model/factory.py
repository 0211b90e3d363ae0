"""One factory: a model from a built-in name, a config file, or a saved folder; and save() to write one."""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from clapsearch.errors import ConfigError, UserError, WeightsError
from clapsearch.model.checkpoint import load_safetensors
from clapsearch.model.clap import ClapModel
from clapsearch.model.config import ModelConfig, load_config
from clapsearch.model.towers import build_audio_tower, build_text_tower
from clapsearch.model.towers.mlp_head import MlpHead
from clapsearch.model.zoo.registry import PUBLISHED, models_cache_dir
from clapsearch.paths import display_path

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "weights"
WEIGHTS_FILE = "model.safetensors"


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


def build_model(config: ModelConfig, pretrained: bool = True, root: Path | None = None,
                seed: int | None = 0) -> ClapModel:
    """Return a ClapModel for a config, its untrained parts seeded the same every time.

    root: the saved model's folder, where a published model's tokenizer lives.
    seed: what is not loaded from weights is drawn from this seed in a forked generator; None draws it from
    the caller's generator as it stands (the trainer, which seeded it with --seed).
    """
    if seed is None:
        return _assemble(config, pretrained, root)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _assemble(config, pretrained, root)


def _assemble(config: ModelConfig, pretrained: bool, root: Path | None) -> ClapModel:
    model = ClapModel(config, build_audio_tower(config.audio, pretrained),
                      build_text_tower(config.text, pretrained, root=root))
    if config.head == "mlp":  # LAION's heads replace CLAP's projection heads
        model.audio_head = MlpHead(model.audio_tower.width, config.embed_dim)
        model.text_head = MlpHead(model.text_tower.width, config.embed_dim)
    return model


def create_model(name_or_path: str | Path = "default", pretrained: bool = True,
                 device: str | torch.device = "cpu") -> ClapModel:
    """Return a ClapModel in eval mode: built-in name, config .json, or folder from save_model / train;
    or transformers' ClapModel for `hf:ORG/NAME` or a save_pretrained folder (clapsearch.model.zoo.hf)."""
    from clapsearch.model.zoo.hf import is_hf_folder, is_hf_name, load_hf_model

    if is_hf_name(name_or_path) or is_hf_folder(name_or_path):
        return load_hf_model(name_or_path).to(device).eval()
    folder = resolve_model_dir(name_or_path)
    config = load_config(folder if folder else name_or_path)
    if pretrained and folder is None and str(name_or_path) in PUBLISHED:
        raise ConfigError(
            f"no weights for {name_or_path!r} yet: convert the publisher's file with 'clapsearch convert "
            f"{PUBLISHED[str(name_or_path)].file}', or fetch it with 'clapsearch models --download {name_or_path}'"
        )
    with blame_config(_config_file(name_or_path, folder)):
        model = build_model(config, pretrained, root=folder)
    if folder is not None and (folder / WEIGHTS_FILE).is_file():
        load_weights(model, folder / WEIGHTS_FILE)
        model.clip_logit_scale_()
    elif pretrained and config.name == "default":
        log.warning("no trained heads found for 'default': embeddings are from random projection heads")
    model.source = str(folder) if folder else str(name_or_path)
    return model.to(device).eval()


@contextmanager
def blame_config(config_file: Path | None) -> Iterator[None]:
    """Turn a ValueError of the towers' constructors into a ConfigError naming the user's config file.

    The constructors reject what a config asks for (a tower, a size, a frequency). With no config_file (a
    built-in config) the error stays a ValueError: a built-in config that does not build is a bug.
    """
    try:
        yield
    except ValueError as e:
        if config_file is None or isinstance(e, UserError):
            raise  # a UserError names its own path
        raise ConfigError(f"{display_path(str(config_file))}: {e}: fix the config, or save the model again"
                          ) from None


def _config_file(name_or_path: str | Path, folder: Path | None) -> Path | None:
    """Return the user's config file behind a model (a saved folder's config.json, or a .json).

    None for a built-in."""
    if folder is not None:
        return None if folder.parent == SHIPPED_DIR else folder / "config.json"
    path = Path(name_or_path)
    return path if path.suffix == ".json" and path.is_file() else None


def trainable_state(model: ClapModel) -> dict[str, torch.Tensor]:
    """Return the tensors a saved model needs: heads, temperature, and every tower that is not frozen."""
    skip = []
    if model.config.freeze_audio:
        skip.append("audio_tower.")
    if model.config.freeze_text:
        skip.append("text_tower.")
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()
            if not any(k.startswith(s) for s in skip)}


def load_weights(model: ClapModel, path: Path) -> None:
    """Load a saved state into the model, failing on any tensor that does not fit."""
    state = load_safetensors(path)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as e:  # a tensor of the wrong shape: weights saved for another config
        raise WeightsError(f"weights {display_path(str(path))} do not fit model {model.config.name!r} "
                           f"({str(e).strip().splitlines()[-1].strip()}): save or convert the model again, with "
                           "its config.json beside its weights") from None
    frozen = set(model.state_dict()) - set(trainable_state(model))
    missing = [k for k in missing if k not in frozen]
    if missing or unexpected:
        raise WeightsError(f"weights {display_path(str(path))} do not fit model {model.config.name!r}: "
                           f"missing {missing[:5]}, unexpected {unexpected[:5]}; save or convert the model again, "
                           "with its config.json beside its weights")


def save_model(model: ClapModel, folder: str | Path, provenance: dict[str, Any] | None = None) -> Path:
    """Write config.json (with library versions and provenance) and model.safetensors; return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = trainable_state(model)
    tmp = folder / (WEIGHTS_FILE + ".tmp")
    save_file(state, str(tmp))
    tmp.replace(folder / WEIGHTS_FILE)
    import clapsearch
    meta = {
        "model": model.config.to_dict(),
        "provenance": provenance or {},
        "saved": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": {"clapsearch": clapsearch.__version__, "torch": torch.__version__,
                     "python": platform.python_version()},
    }
    (folder / "config.json").write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def model_identity(model: ClapModel) -> dict[str, str]:
    """Return what an index records about its model: name, config fingerprint and weights hash."""
    h = hashlib.sha256()
    for k, v in sorted(trainable_state(model).items()):
        h.update(k.encode())
        h.update(v.float().numpy().tobytes())
    return {"name": getattr(model, "source", model.config.name), "config_hash": model.config.fingerprint(),
            "weights_hash": h.hexdigest()[:16]}
