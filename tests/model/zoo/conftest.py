"""Reference builders for the conformance tests: msclap and laion_clap with random weights and local configs.

Nothing is downloaded: the references' from_pretrained calls (text encoders, tokenizers) are replaced by
small local transformers models built from config classes (2 layers, 1000 tokens, the real widths), and
both sides are fed the same token ids. The audio towers keep their real architecture.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from clapsearch.model.config import ModelConfig, load_config

VOCAB, LAYERS = 1000, 2
ROBERTA = {"max_position_embeddings": 514, "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1,
           "bos_token_id": 0, "eos_token_id": 2}
TOLERANCE = 1e-4  # max abs difference of L2-normalised embeddings


def small_text_model(model_type: str) -> torch.nn.Module:
    """Return the local stand-in for bert-base-uncased / gpt2 / roberta-base: same width, fewer layers."""
    import transformers as tf

    if model_type == "bert":
        return tf.BertModel(tf.BertConfig(num_hidden_layers=LAYERS, vocab_size=VOCAB))
    if model_type == "gpt2":
        return tf.GPT2Model(tf.GPT2Config(n_layer=LAYERS, vocab_size=VOCAB))
    return tf.RobertaModel(tf.RobertaConfig(num_hidden_layers=LAYERS, vocab_size=VOCAB, **ROBERTA))


def small_config(name: str) -> ModelConfig:
    """Return a published model's config with the stand-in text encoder."""
    cfg = load_config(name)
    key = "n_layer" if cfg.text.hf_config["model_type"] == "gpt2" else "num_hidden_layers"
    hf = {**cfg.text.hf_config, key: LAYERS, "vocab_size": VOCAB}
    return dataclasses.replace(cfg, text=dataclasses.replace(cfg.text, hf_config=hf))


@torch.no_grad()
def randomise_norms(model: torch.nn.Module, seed: int = 0) -> None:
    """Give every batch norm non-trivial statistics and affine terms (fresh ones are the identity)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.copy_(torch.rand(n, generator=g) * 0.4 + 0.8)
            m.bias.copy_(torch.randn(n, generator=g) * 0.1)


def token_batch(lengths: list[int], max_length: int, pad_id: int, seed: int = 0,
                low: int = 3) -> dict[str, torch.Tensor]:
    """Return right-padded random token ids (never the pad id inside a caption) and their mask."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((len(lengths), max_length), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(low, VOCAB, (n,), generator=g)
        mask[i, :n] = 1
    return {"input_ids": ids, "attention_mask": mask}


def waves(seconds: list[float], rate: int, seed: int = 0) -> list[np.ndarray]:
    """Return noisy chirps (float32, within [-1, 1]) of these lengths."""
    rng = np.random.default_rng(seed)
    out = []
    for s in seconds:
        t = np.arange(int(s * rate)) / rate
        tone = 0.3 * np.sin(2 * np.pi * (200 + 300 * t) * t) + 0.05 * rng.standard_normal(t.shape)
        out.append(tone.astype(np.float32))
    return out


def max_diff(a: Any, b: Any) -> float:
    a = torch.nn.functional.normalize(torch.as_tensor(np.asarray(a, dtype=np.float32)), dim=-1)
    b = torch.nn.functional.normalize(torch.as_tensor(np.asarray(b, dtype=np.float32)), dim=-1)
    return float((a - b).abs().max())


class _StandIn:
    """Replaces a transformers Auto*/model class whose from_pretrained would reach the hub."""

    def __init__(self, build: Any) -> None:
        self.build = build

    def from_pretrained(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.build(name)


class _Tokenizer:
    def add_special_tokens(self, *args: Any, **kwargs: Any) -> int:
        return 0


def _require(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"reference package {package!r} is not installed (pip install -r requirements-reference.txt)")


# Module scope: the stand-ins must be gone before other test modules build real tokenizers.
@pytest.fixture(scope="module")
def msclap_ref() -> Iterator[Any]:
    """The msclap package, its text encoders and tokenizers served locally."""
    _require("msclap")
    warnings.filterwarnings("ignore", module="msclap")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import msclap.CLAPWrapper as wrapper_mod
    import msclap.models.clap as clap_mod

    models = {"bert-base-uncased": "bert", "gpt2": "gpt2"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clap_mod, "AutoModel", _StandIn(lambda name: small_text_model(models[name])))
        mp.setattr(wrapper_mod, "AutoTokenizer", _StandIn(lambda name: _Tokenizer()))
        yield wrapper_mod


@pytest.fixture(scope="module")
def laion_ref() -> Iterator[Any]:
    """The laion_clap package (its data module loads three tokenizers at import: served as stand-ins)."""
    _require("laion_clap")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import transformers

    with pytest.MonkeyPatch.context() as mp:
        for cls in (transformers.BertTokenizer, transformers.RobertaTokenizer, transformers.BartTokenizer):
            mp.setattr(cls, "from_pretrained", classmethod(lambda c, *a, **k: _Tokenizer()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hook = importlib.import_module("laion_clap.hook")
        model_mod = importlib.import_module("clap_module.model")  # the copy hook.py's create_model uses
        mp.setattr(model_mod, "RobertaModel", _StandIn(lambda name: small_text_model("roberta")))
        mp.setattr(hook, "RobertaTokenizer", _StandIn(lambda name: _Tokenizer()))
        yield hook


def save_official(path: Path, obj: dict[str, Any]) -> Path:
    torch.save(obj, path)
    return path
