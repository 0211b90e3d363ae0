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
from torch import nn

from clapsearch.errors import ConfigError, UserError, WeightsError
from clapsearch.model.checkpoint import load_safetensors
from clapsearch.model.clap import ClapModel
from clapsearch.model.config import ModelConfig, load_config
from clapsearch.model.folders import IDENTITY_FILE, SHIPPED_DIR, WEIGHTS_FILE, record_identity, resolve_model_dir
from clapsearch.model.towers import build_audio_tower, build_text_tower
from clapsearch.model.towers.mlp_head import MlpHead
from clapsearch.model.towers.text import AbsentTextTower
from clapsearch.model.zoo.registry import PUBLISHED
from clapsearch.paths import display_path

log = logging.getLogger(__name__)

__all__ = ["ALL_PARTS", "IDENTITY_FILE", "SHIPPED_DIR", "WEIGHTS_FILE", "build_model", "create_model",
           "load_weights", "model_identity", "resolve_model_dir", "save_model", "trainable_state"]

ALL_PARTS = ("audio", "text")  # the towers a model can be built with (create_model's parts)


def build_model(config: ModelConfig, pretrained: bool = True, root: Path | None = None,
                seed: int | None = 0, meta: frozenset[str] = frozenset(),
                parts: tuple[str, ...] = ALL_PARTS) -> ClapModel:
    """Return a ClapModel for a config, its untrained parts seeded the same every time.

    root: the saved model's folder, where a published model's tokenizer lives.
    seed: what is not loaded from weights is drawn from this seed in a forked generator; None draws it from
    the caller's generator as it stands (the trainer, which seeded it with --seed).
    meta: the parts ("audio", "text", "heads") whose parameters are made on the meta device, neither allocated
    nor initialised: the caller loads them with load_state_dict(assign=True) (create_model, from a saved file).
    parts: ("audio",) builds no text tower (an AbsentTextTower in its place: no transformers, no BERT); the
    audio tower is built first, so its random draws are those of a whole model. Heads and temperature are built.
    """
    if seed is None:
        return _assemble(config, pretrained, root, meta, parts)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _assemble(config, pretrained, root, meta, parts)


@contextmanager
def parameters_on_meta(enabled: bool = True) -> Iterator[None]:
    """Within the block, every parameter a module registers moves to the meta device as it is registered, so
    that its initialisation (run after registration) costs nothing. Buffers stay real: front ends compute
    theirs (mel filters, windows) from the config, and those are not in a saved file."""
    if not enabled:
        yield
        return
    original = nn.Module.register_parameter

    def register(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        original(module, name, param)
        if param is not None and param.device.type != "meta":
            module._parameters[name] = nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)

    nn.Module.register_parameter = register  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        nn.Module.register_parameter = original  # type: ignore[method-assign]


def _assemble(config: ModelConfig, pretrained: bool, root: Path | None,
              meta: frozenset[str] = frozenset(), parts: tuple[str, ...] = ALL_PARTS) -> ClapModel:
    unknown = set(parts) - set(ALL_PARTS)
    if unknown or "audio" not in parts:
        raise ValueError(f"model parts must include 'audio', among {ALL_PARTS}; got {parts}")
    with parameters_on_meta("audio" in meta):
        audio = build_audio_tower(config.audio, pretrained)
    with parameters_on_meta("text" in meta):
        text = build_text_tower(config.text, pretrained, root=root) if "text" in parts else \
            AbsentTextTower(config.text.width)
    with parameters_on_meta("heads" in meta):
        model = ClapModel(config, audio, text)
        model.parts = tuple(p for p in ALL_PARTS if p in parts)
        if config.head == "mlp":  # LAION's heads replace CLAP's projection heads
            model.audio_head = MlpHead(model.audio_tower.width, config.embed_dim)
            model.text_head = MlpHead(model.text_tower.width, config.embed_dim)
    return model


def _loaded_tower(cfg: ModelConfig, which: str, pretrained: bool) -> bool:
    """Whether a frozen tower comes whole from its published weights (so no random draw shapes it)."""
    if not pretrained:
        return False
    if which == "audio":
        return cfg.audio.tower == "aisfx" or (cfg.audio.tower == "cnn14" and bool(cfg.audio.weights))
    return cfg.text.tower == "hf" and not cfg.text.hf_config and cfg.text.weights is not None \
        and cfg.text.weights != "bert-base-uncased"


def meta_parts(config: ModelConfig, keys: set[str], pretrained: bool,
               towers: tuple[str, ...] = ALL_PARTS) -> frozenset[str]:
    """The parts of a model that a saved file's tensors (keys) replace entirely, to be built on the meta device.

    Empty (build everything for real, then load, as before) unless every other part is deterministic, i.e. a
    frozen tower loaded whole from its published weights: a part left random must draw the same numbers from
    the seed as it always did. towers: those the model is built with (a tower not built draws nothing).
    """
    parts = {"heads"}
    for which, frozen in (("audio", config.freeze_audio), ("text", config.freeze_text)):
        if which not in towers:
            continue
        if not frozen and any(k.startswith(f"{which}_tower.") for k in keys):
            parts.add(which)
        elif not _loaded_tower(config, which, pretrained):
            return frozenset()
    return frozenset(parts)


def create_model(name_or_path: str | Path = "default", pretrained: bool = True,
                 device: str | torch.device = "cpu", parts: tuple[str, ...] = ALL_PARTS) -> ClapModel:
    """Return a ClapModel in eval mode: built-in name, config .json, or folder from save_model / train;
    or transformers' ClapModel for `hf:ORG/NAME` or a save_pretrained folder (clapsearch.model.zoo.hf).

    parts=("audio",): no text tower (indexing), when a saved folder's weights give the heads, so that the audio
    vectors are those of the whole model bit for bit; without such a file the whole model is built (its heads'
    random draws follow the text tower's). Check `model.parts`. Such a model has no identity of its own
    (model_identity refuses it): take the folder's (clapsearch.model.folders.folder_identity).
    """
    from clapsearch.model.zoo.hf_names import is_hf_folder, is_hf_name

    if is_hf_name(name_or_path) or is_hf_folder(name_or_path):
        from clapsearch.model.zoo.hf import load_hf_model

        return load_hf_model(name_or_path).to(device).eval()
    folder = resolve_model_dir(name_or_path)
    config = load_config(folder if folder else name_or_path)
    if pretrained and folder is None and str(name_or_path) in PUBLISHED:
        raise ConfigError(
            f"no weights for {name_or_path!r} yet: convert the publisher's file with 'clapsearch convert "
            f"{PUBLISHED[str(name_or_path)].file}', or fetch it with 'clapsearch models --download {name_or_path}'"
        )
    weights = folder / WEIGHTS_FILE if folder is not None else None
    state = load_safetensors(weights) if weights is not None and weights.is_file() else None
    if state is None or "text" in parts:
        parts = ALL_PARTS
    else:  # the text tower's tensors have no module to go into
        state = {k: v for k, v in state.items() if not k.startswith("text_tower.")}
    meta = meta_parts(config, set(state), pretrained, parts) if state is not None else frozenset()
    with blame_config(_config_file(name_or_path, folder)):
        model = build_model(config, pretrained, root=folder, meta=meta, parts=parts)
    if weights is not None and state is not None:
        load_weights(model, weights, state, assign=bool(meta))
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


def _frozen_prefixes(config: ModelConfig) -> tuple[str, ...]:
    return tuple(p for p, frozen in (("audio_tower.", config.freeze_audio), ("text_tower.", config.freeze_text))
                 if frozen)


def trainable_state(model: ClapModel) -> dict[str, torch.Tensor]:
    """Return the tensors a saved model needs: heads, temperature, and every tower that is not frozen."""
    if "text" not in getattr(model, "parts", ALL_PARTS):
        raise ValueError("a model built without its text tower can be neither saved nor hashed: build it whole "
                         "(create_model without parts), or take its folder's identity")
    skip = _frozen_prefixes(model.config)
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if not k.startswith(skip)}


def load_weights(model: ClapModel, path: Path, state: dict[str, torch.Tensor] | None = None,
                 assign: bool = False) -> None:
    """Load a saved state (read from path unless given) into the model, failing on any tensor that does not fit.

    assign: take the file's tensors as the parameters (a model built with meta parts); any parameter still on
    the meta device afterwards is missing from the file.
    """
    state = load_safetensors(path) if state is None else state
    if assign:
        state = {k: _aligned(v) for k, v in state.items()}
    try:
        missing, unexpected = model.load_state_dict(state, strict=False, assign=assign)
    except RuntimeError as e:  # a tensor of the wrong shape: weights saved for another config
        raise WeightsError(f"weights {display_path(str(path))} do not fit model {model.config.name!r} "
                           f"({str(e).strip().splitlines()[-1].strip()}): save or convert the model again, with "
                           "its config.json beside its weights") from None
    skip = _frozen_prefixes(model.config)
    missing = [k for k in missing if not k.startswith(skip)]
    if assign:  # whatever the file did not replace is still on the meta device, frozen or not
        missing += [k for k, v in model.state_dict(keep_vars=True).items() if v.is_meta and k not in missing]
        _channels_last_again(model)
    if missing or unexpected:
        raise WeightsError(f"weights {display_path(str(path))} do not fit model {model.config.name!r}: "
                           f"missing {missing[:5]}, unexpected {unexpected[:5]}; save or convert the model again, "
                           "with its config.json beside its weights")


def _aligned(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor in memory of its own, aligned as PyTorch's allocator aligns it (64 bytes).

    A safetensors file's tensors are views into one buffer at 8-byte offsets. Taken as parameters as they are, some
    CPUs' BLAS kernels add them up in another order than for the aligned copy a real build holds, so the same
    weights would give embeddings that differ in the last bit from one load path to the other.
    """
    return tensor.clone() if tensor.data_ptr() % 64 else tensor


def _channels_last_again(model: ClapModel) -> None:
    """Assigned conv weights are contiguous: give the CNN towers back the NHWC layout build_audio_tower gave them
    (oneDNN's channels-last kernels), as copying into its parameters would have kept it."""
    if model.config.audio.tower != "htsat":
        net = model.audio_tower.net
        if any(p.dim() == 4 and not p.is_meta for p in net.parameters()):
            model.audio_tower.net = net.to(memory_format=torch.channels_last)


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
    record_identity(folder, model.config, model_identity(model)["weights_hash"])  # hashed once, here
    return folder


def model_identity(model: ClapModel) -> dict[str, str]:
    """Return what an index records about its model: name, config fingerprint and weights hash."""
    h = hashlib.sha256()
    for k, v in sorted(trainable_state(model).items()):
        h.update(k.encode())
        h.update(v.float().numpy().tobytes())
    return {"name": getattr(model, "source", model.config.name), "config_hash": model.config.fingerprint(),
            "weights_hash": h.hexdigest()[:16]}
