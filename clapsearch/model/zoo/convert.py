"""Convert the publishers' checkpoints (msclap .pth, LAION .pt) into clapsearch's saved-model format.

Every tensor of the official file is accounted for: loaded, rebuilt by clapsearch (front-end constants
and index buffers, the mel filters checked against ours), known to be unused for embeddings (classifier
heads, LAION's linear-probe transforms), or reported as unexpected. Missing or unexpected tensors stop
the conversion instead of leaving random weights behind.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from clapsearch.errors import ConfigError, WeightsError
from clapsearch.model.checkpoint import load_torch_checkpoint
from clapsearch.model.clap import ClapModel
from clapsearch.model.config import ModelConfig, load_config
from clapsearch.model.factory import build_model, save_model
from clapsearch.model.zoo.registry import guess_model, models_cache_dir, published_model
from clapsearch.paths import display_path

log = logging.getLogger(__name__)

# (official prefix, clapsearch prefix), first match wins
_RENAMES = {
    "msclap": [("audio_encoder.base.htsat.", "audio_tower.net."), ("audio_encoder.base.", "audio_tower.net."),
               ("audio_encoder.projection.", "audio_head."), ("caption_encoder.base.", "text_tower.encoder."),
               ("caption_encoder.projection.", "text_head."), ("logit_scale", "logit_scale")],
    "laion": [("audio_branch.", "audio_tower.net."), ("text_branch.", "text_tower.encoder."),
              ("audio_projection.", "audio_head."), ("text_projection.", "text_head."),
              ("logit_scale_a", "logit_scale")],
}
# constants clapsearch computes itself: torchlibrosa's DFT and mel matrices, Swin's index buffers,
# transformers' position-id and causal-mask buffers
_REBUILT = re.compile(r"(spectrogram_extractor\.|logmel_extractor\.|relative_position_index$|attn_mask$|"
                      r"position_ids$|token_type_ids$|\.attn\.bias$|\.attn\.masked_bias$)")
# parts of the published models that do not shape an embedding
_UNUSED = re.compile(r"(fc_audioset\.|tscam_conv\.|\.head\.|^audio_transform\.|^text_transform\.|^logit_scale_t$|"
                     r"^caption_encoder\.base\.pooler\.)")


@dataclass
class ConversionReport:
    source: str
    model: str
    loaded: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    checks: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"source": self.source, "model": self.model, "loaded": len(self.loaded), "rebuilt": len(self.rebuilt),
                "unused": sorted(self.unused), "unexpected": self.unexpected, "missing": self.missing,
                "checks": self.checks}


def official_state(checkpoint: Any, fmt: str) -> dict[str, torch.Tensor]:
    """Return the model tensors of an official file: msclap keeps them under "model", LAION under
    "state_dict" with DistributedDataParallel's "module." prefix."""
    state = checkpoint
    if isinstance(checkpoint, dict):
        state = checkpoint.get("model" if fmt == "msclap" else "state_dict", checkpoint)
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise WeightsError(f"not a {fmt} checkpoint: expected a dict of tensors under "
                           f"{'model' if fmt == 'msclap' else 'state_dict'}; check the file, or give another --model")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}


def map_state(state: dict[str, torch.Tensor], fmt: str, target: dict[str, torch.Tensor],
              report: ConversionReport) -> dict[str, torch.Tensor]:
    """Return the tensors renamed into clapsearch's names, filling the report."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if _REBUILT.search(key):
            report.rebuilt.append(key)
            continue
        if _UNUSED.search(key):
            report.unused.append(key)
            continue
        new = next((dst + key[len(src):] for src, dst in _RENAMES[fmt] if key.startswith(src)), None)
        if new is None or new not in target:
            report.unexpected.append(key)
        elif target[new].shape != value.shape:
            report.unexpected.append(f"{key} {tuple(value.shape)} (clapsearch wants {tuple(target[new].shape)})")
        else:
            out[new] = value.to(target[new].dtype)
            report.loaded.append(key)
    report.missing = sorted(set(target) - set(out))
    return out


def check_mel_filters(state: dict[str, torch.Tensor], model: ClapModel, report: ConversionReport) -> None:
    """Compare the checkpoint's torchlibrosa mel matrix with the one our front end draws.

    LAION's fusion models keep that matrix but never use it: their features come from torchaudio.
    """
    melw = next((v for k, v in state.items() if k.endswith("logmel_extractor.melW")), None)
    ours = getattr(model.audio_tower.features, "fbanks", None)
    if melw is None or ours is None or model.config.audio.features.kind != "librosa_mel":
        return
    if melw.shape != ours.shape:
        raise ConfigError(f"the checkpoint's mel filters are {tuple(melw.shape)}, the config draws "
                          f"{tuple(ours.shape)}: the file is not a {model.config.name!r} checkpoint (give the right "
                          "--model)")
    diff = float((melw.float() - ours).abs().max())
    report.checks["mel_filters_max_abs_diff"] = diff
    if diff > 1e-5:
        raise ConfigError(f"the checkpoint's mel filters differ from the config's by {diff:.2e}: the file is not a "
                          f"{model.config.name!r} checkpoint (give the right --model)")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def convert_checkpoint(src: str | Path, to: str | Path | None = None, model: str | ModelConfig | None = None,
                       tokenizer: str | Path | None = None) -> tuple[Path, ConversionReport]:
    """Convert an official checkpoint into a clapsearch model folder; return (folder, report).

    model: a published name (guessed from the file name when None) or a config (tests use smaller text
    encoders). to: the output folder, by default the cache that --model NAME looks in. tokenizer: a
    folder with the text model's tokenizer files, copied beside the weights.
    """
    src = Path(src)
    if not src.is_file():
        raise WeightsError(f"checkpoint {display_path(str(src))} not found"
                           f"{' (it is a folder)' if src.is_dir() else ''}: give the publisher's file, e.g. "
                           "CLAP_weights_2023.pth or 630k-audioset-best.pt")
    if model is None:
        model = guess_model(src.name)
        if model is None:
            raise ConfigError(f"cannot tell which published model {display_path(src.name)} is from its name: pass "
                              "--model NAME (see 'clapsearch models')")
    config = model if isinstance(model, ModelConfig) else load_config(model)
    fmt = published_model(config.name).format
    if tokenizer is not None:
        if not Path(tokenizer).is_dir():
            raise ConfigError(f"tokenizer folder {display_path(str(tokenizer))} not found: give the folder that "
                              "holds the text model's tokenizer files (vocab.json, merges.txt...)")
        config = dataclasses.replace(config, text=dataclasses.replace(config.text, tokenizer="tokenizer"))
    report = ConversionReport(source=str(src), model=config.name)
    checkpoint = load_torch_checkpoint(src)
    try:
        state = official_state(checkpoint, fmt)
    except WeightsError as e:
        raise WeightsError(f"{display_path(str(src))}: {e}") from None
    net = build_model(config, pretrained=False)
    mapped = map_state(state, fmt, net.state_dict(), report)
    if report.missing or report.unexpected:
        raise WeightsError(f"{display_path(str(src))} does not fit {config.name!r}: missing {report.missing[:5]} "
                           f"({len(report.missing)}), unexpected {report.unexpected[:5]} ({len(report.unexpected)}); "
                           "is it the publisher's file for this model? give the right --model")
    net.load_state_dict(mapped, strict=True)
    check_mel_filters(state, net, report)
    if "logit_scale_t" in state:
        report.checks["logit_scale_t"] = float(state["logit_scale_t"])
    folder = Path(to) if to is not None else models_cache_dir() / config.name
    save_model(net, folder, provenance={"converted_from": src.name, "sha256": sha256(src), "format": fmt,
                                        "report": report.summary()})
    if tokenizer is not None:
        shutil.copytree(tokenizer, folder / "tokenizer", dirs_exist_ok=True)
    log.info("converted %s -> %s: %d tensors loaded, %d rebuilt, %d unused", src, folder, len(report.loaded),
             len(report.rebuilt), len(report.unused))
    return folder, report
