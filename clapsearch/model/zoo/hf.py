"""Published CLAP models through transformers: `hf:ORG/NAME`, or a folder written by `save_pretrained`.

transformers' own ClapModel and ClapFeatureExtractor compute the embeddings; clapsearch wraps them as the
towers and heads of its own ClapModel, so the encoder, the index fingerprint and every command work
unchanged:

    audio tower  wave (B, clip samples) -> ClapFeatureExtractor -> ClapAudioModel pooler output (B, width)
    audio head   transformers' audio_projection          text head  transformers' text_projection
    text tower   the saved tokenizer -> ClapTextModel pooler output (B, width)

so that normalize(head(tower(x))) is transformers' get_audio_features / get_text_features.

Determinism: clapsearch feeds exactly clip-length windows (the feature extractor's max_length_s, its
hop half a clip), so the extractor never crops at random ("rand_trunc" crops only longer clips), and
for fusion models every window is marked "not longer" as LAION's inference marks clips of at most
10 s: the extractor's habit of marking one random clip of a batch as longer is overruled, so a
window's embedding depends neither on chance nor on the batch it is in.

Loading never downloads: `local_files_only=True`. `clapsearch models --download hf:ORG/NAME` fetches
a model into clapsearch's cache (registry.models_cache_dir()/hf/ORG/NAME) when the network allows.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn

from clapsearch.errors import ConfigError
from clapsearch.model.clap import ClapModel
from clapsearch.model.config import AudioConfig, FeatureConfig, ModelConfig, TextConfig
from clapsearch.model.zoo.hf_names import (  # noqa: F401 - is_hf_folder, listing: re-exported
    PREFIX,
    cache_folder,
    is_hf_folder,
    is_hf_name,
    listing,
    local_source,
    repo_id,
)
from clapsearch.paths import display_path
from clapsearch.signal.padding import fit_clip

if TYPE_CHECKING:
    from clapsearch.model.towers.audio import AudioTower
    from clapsearch.model.towers.text import TextTower

TOWER = "transformers-clap"
# fields of a saved config that record where and with what it was saved, not what it computes
_PROVENANCE_KEYS = ("_name_or_path", "transformers_version", "architectures", "dtype", "torch_dtype",
                    "processor_class", "_commit_hash", "auto_map")
_FETCH = "fetch it with 'clapsearch models --download {name}' (needs network), or give --model a folder " \
         "written by transformers' save_pretrained"


class HfAudioNet(nn.Module):
    """(B, 1|4, frames, mels) input features -> (B, width): transformers' ClapAudioModel, pooled.

    No window is longer than a clip, so none is marked longer (is_longer all False)."""

    def __init__(self, net: Any) -> None:
        super().__init__()
        self.model = net
        self.width = int(net.config.hidden_size)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        is_longer = torch.zeros(features.shape[0], 1, dtype=torch.bool, device=features.device)
        return self.model(input_features=features, is_longer=is_longer).pooler_output


class HfAudioTower(nn.Module):
    """(B, samples) waves at the extractor's rate -> (B, width): transformers' feature extractor, then the
    audio model. Laid out as clapsearch's AudioTower (cfg, features, net), so --precision wraps `net`."""

    def __init__(self, cfg: AudioConfig, net: Any, extractor: Any) -> None:
        super().__init__()
        self.cfg, self.extractor = cfg, extractor
        self.net: nn.Module = HfAudioNet(net)
        # the filters the model was trained with: "fusion" uses the HTK ones, "rand_trunc" Slaney's
        self.truncation = "fusion" if net.config.enable_fusion else "rand_trunc"
        self.width = int(net.config.hidden_size)

    def features(self, wave: torch.Tensor) -> torch.Tensor:
        """(B, samples) -> (B, 1|4, frames, mels) on the wave's device: a longer wave cut to one clip and a
        shorter one filled as the extractor would, so the extractor never crops at random."""
        wave = fit_clip(wave.float(), self.cfg.clip_samples, self.cfg.padding)
        batch = wave.detach().cpu().numpy().astype(np.float64)  # the extractor computes in float64
        out = self.extractor(list(batch), sampling_rate=self.extractor.sampling_rate, truncation=self.truncation,
                             return_tensors="pt")
        return out["input_features"].float().to(wave.device)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        device = next(self.net.parameters()).device
        return self.net(self.features(wave).to(device))


class HfTextTower(nn.Module):
    """Captions -> (B, width): the saved tokenizer and transformers' text model (RoBERTa's pooler output)."""

    def __init__(self, net: Any, tokenizer: Any, max_length: int) -> None:
        super().__init__()
        self.net, self.tokenizer, self.max_length = net, tokenizer, max_length
        self.width = int(net.config.hidden_size)

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        out = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="pt")
        return {"input_ids": out["input_ids"], "attention_mask": out["attention_mask"]}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.net(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]).pooler_output


def load_hf_model(name_or_path: str | Path) -> ClapModel:
    """Return a clapsearch ClapModel running transformers' ClapModel, from `hf:ORG/NAME` (downloaded) or a
    save_pretrained folder; never downloads."""
    if is_hf_name(name_or_path):
        name = str(name_or_path)
        folder = local_source(name)
        if folder is None:
            raise ConfigError(f"model {name} is not downloaded: {_FETCH.format(name=name)}")
        source, shown = str(folder), name
    else:
        source, name = str(name_or_path), Path(name_or_path).name
        shown = display_path(source)
    hf, tokenizer, extractor = _load_parts(source, shown)
    model = _wrap(hf, tokenizer, extractor, PREFIX + repo_id(name) if is_hf_name(name) else f"{PREFIX}{name}")
    model.source = str(name_or_path) if is_hf_name(name_or_path) else str(Path(name_or_path).resolve())
    return model.eval()


def _load_parts(source: str, shown: str) -> tuple[Any, Any, Any]:
    """Return transformers' (ClapModel, tokenizer, ClapFeatureExtractor) from a folder or a cached repo id."""
    try:
        from transformers import AutoTokenizer, ClapFeatureExtractor
        from transformers import ClapModel as HfClapModel
        from transformers import logging as hf_logging
    except ImportError:  # pragma: no cover - a dependency of clapsearch
        raise ConfigError("hf: models need the 'transformers' package: pip install transformers") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # the CLI prints its own progress
    parts: list[Any] = []
    # float32 whatever the saved dtype (transformers would keep a float16 file's dtype): vectors are float32
    model_kwargs: dict[str, Any] = {"dtype": torch.float32}
    for what, load, kwargs in (("model", HfClapModel.from_pretrained, model_kwargs),
                               ("tokenizer", AutoTokenizer.from_pretrained, {}),
                               ("feature extractor", ClapFeatureExtractor.from_pretrained, {})):
        try:
            parts.append(load(source, local_files_only=True, **kwargs))
        except (OSError, ValueError, KeyError, TypeError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            fix = (f"fetch it again with 'clapsearch models --download {shown}'" if is_hf_name(shown) else
                   "give a folder written by save_pretrained with the model, its tokenizer and its feature "
                   "extractor (ClapProcessor.save_pretrained)")
            raise ConfigError(f"cannot load the {what} of {shown} with transformers ({first[:200]}): {fix}") from None
    return parts[0], parts[1], parts[2]


def _wrap(hf: Any, tokenizer: Any, extractor: Any, name: str) -> ClapModel:
    """Return transformers' towers and projections inside clapsearch's ClapModel (see the module docstring)."""
    config = model_config(hf.config, tokenizer, extractor, name)
    audio = HfAudioTower(config.audio, hf.audio_model, extractor)
    text = HfTextTower(hf.text_model, tokenizer, config.text.max_length)
    with torch.random.fork_rng(devices=[]):  # ClapModel draws heads that are replaced at once
        model = ClapModel(config, cast("AudioTower", audio), cast("TextTower", text))
    model.audio_head = hf.audio_projection
    model.text_head = hf.text_projection
    with torch.no_grad():  # the audio side's temperature (transformers keeps one per direction)
        model.logit_scale.copy_(hf.logit_scale_a.detach().clamp(0.0, math.log(config.max_logit_scale)))
    return model


def model_config(hf_config: Any, tokenizer: Any, extractor: Any, name: str) -> ModelConfig:
    """Return clapsearch's description of a transformers CLAP model: rate, clip, hop (half a clip), padding,
    embedding size, and in audio.arch the hashes of the transformers config, extractor and tokenizer, so the
    index's config fingerprint changes with any of them."""
    fusion = bool(hf_config.audio_config.enable_fusion)
    rate, clip = int(extractor.sampling_rate), float(extractor.max_length_s)
    padding = {"repeatpad": "repeatpad", "repeat": "repeat"}.get(str(extractor.padding), "zero")
    features = FeatureConfig(kind="htk_mel" if fusion else "librosa_mel", n_fft=int(extractor.fft_window_size),
                             hop_length=int(extractor.hop_length), n_mels=int(extractor.feature_size),
                             f_min=float(extractor.frequency_min), f_max=float(extractor.frequency_max))
    text_cfg = hf_config.text_config
    # RoBERTa's positions start after the padding index: max_position_embeddings - 2 tokens fit
    limit = int(text_cfg.max_position_embeddings) - 2
    max_length = min(limit, int(getattr(tokenizer, "model_max_length", limit) or limit))
    arch = {"transformers_config": _hash(_without_provenance(hf_config.to_dict())),
            "feature_extractor": _hash(_without_provenance(extractor.to_dict())),
            "tokenizer": _tokenizer_hash(tokenizer), "fusion": fusion}
    return ModelConfig(
        name=name, embed_dim=int(hf_config.projection_dim),
        audio=AudioConfig(tower=TOWER, sample_rate=rate, clip_seconds=clip, hop_seconds=clip / 2,
                          features=features, width=int(hf_config.audio_config.hidden_size), padding=padding,
                          arch=arch),
        text=TextConfig(tower=TOWER, width=int(text_cfg.hidden_size), pooling="pooler", max_length=max_length),
        dropout=0.0, description=f"transformers ClapModel {name} ({'fused' if fusion else 'unfused'} HTSAT)")


def _without_provenance(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _without_provenance(v) if isinstance(v, dict) else v
            for k, v in d.items() if k not in _PROVENANCE_KEYS}


def _hash(d: Any) -> str:
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _tokenizer_hash(tokenizer: Any) -> str:
    """Return a hash of what the tokenizer maps text to (its backend's full description, else its vocabulary)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and hasattr(backend, "to_str"):
        return _hash(json.loads(backend.to_str()))
    return _hash(sorted(tokenizer.get_vocab().items()))


def download(name: str) -> Path:
    """Fetch an `hf:ORG/NAME` model (config, safetensors weights, tokenizer, feature extractor) into the cache,
    check that it loads, and return its folder. Only `clapsearch models --download` calls this."""
    from clapsearch.model.zoo.download import DownloadError

    repo, folder = repo_id(name), cache_folder(name)
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        raise DownloadError(f"cannot download {name}: downloads are switched off here (HF_HUB_OFFLINE is set); "
                            "unset it, or give --model a folder written by save_pretrained")
    try:
        from huggingface_hub import list_repo_files, snapshot_download

        files = list_repo_files(repo)
        weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else ["pytorch_model.bin"]
        snapshot_download(repo, local_dir=str(folder), allow_patterns=["*.json", "*.txt", *weights])
    except Exception as e:  # no network, no such repo, a proxy: one line, whatever the hub library raised
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise DownloadError(f"cannot download {name} from the Hugging Face hub ({first[:200]}): check the name and "
                            "the network, or give --model a folder written by save_pretrained") from None
    load_hf_model(folder)  # a repo that is not a CLAP model fails here, with the loader's message
    return folder
