"""MPNet's forward in numpy (all-mpnet-base-v2's encoder): the arithmetic of transformers' MPNetModel in eval mode.

It differs from BERT (bert.py) in three places: positions count from the padding id + 1 over the real tokens only
(RoBERTa's scheme), there are no token types, and every layer adds one relative-position bias to its attention
scores, computed once from bucketed query-key distances (T5's buckets: 32, the nearest 8 each way exact, then
logarithmic up to 128) and the first layer's table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clapsearch.textquery.bert import encoder_layer, layer_names, layer_norm


@dataclass(frozen=True)
class MPNetShape:
    layers: int
    heads: int
    eps: float = 1e-5
    padding_idx: int = 1
    buckets: int = 32
    max_distance: int = 128


def relative_position_bucket(relative: np.ndarray, buckets: int = 32, max_distance: int = 128) -> np.ndarray:
    """MPNetEncoder.relative_position_bucket: a signed distance (key - query) -> its bucket."""
    n = -relative
    half = buckets // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    max_exact = half // 2
    far = np.maximum(n, max_exact).astype(np.float32)  # the small distances take n below, not this
    scale = (half - max_exact) / np.log(max_distance / max_exact)
    large = max_exact + (np.log(far / max_exact) * np.float32(scale)).astype(np.int64)
    large = np.minimum(large, half - 1)
    return ret + np.where(n < max_exact, n, large)


# the names of one layer's query, key, value, attention output and its LayerNorm (see bert.BERT_ATTENTION)
MPNET_ATTENTION = ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
                   "attention.LayerNorm")


class NumpyMPNet:
    """MPNet's forward: (ids, mask) -> last hidden state (batch, tokens, width)."""

    def __init__(self, weights: dict[str, np.ndarray], shape: MPNetShape) -> None:
        self.w, self.shape = weights, shape
        missing = [k for k in self._names() if k not in weights]
        if missing:
            raise KeyError(f"MPNet weights lack {len(missing)} tensors, e.g. {missing[:3]}")

    def _names(self) -> list[str]:
        names = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                 "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "encoder.relative_attention_bias.weight"]
        for i in range(self.shape.layers):
            names += layer_names(f"encoder.layer.{i}.", MPNET_ATTENTION)
        return names

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, s = self.w, self.shape
        n = ids.shape[1]
        positions = np.cumsum(mask, axis=1) * mask + s.padding_idx
        x = (np.asarray(w["embeddings.word_embeddings.weight"][ids], dtype=np.float32)
             + w["embeddings.position_embeddings.weight"][positions])
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], s.eps)
        offsets = np.arange(n)[None, :] - np.arange(n)[:, None]  # key - query
        table = np.asarray(w["encoder.relative_attention_bias.weight"], dtype=np.float32)  # (buckets, heads)
        position_bias = table[relative_position_bucket(offsets, s.buckets, s.max_distance)].transpose(2, 0, 1)
        pad = np.where(mask[:, None, None, :] > 0, np.float32(0.0), np.finfo(np.float32).min).astype(np.float32)
        bias = position_bias[None] + pad  # (b, heads, n, n), the same in every layer
        for i in range(s.layers):
            x = encoder_layer(w, f"encoder.layer.{i}.", x, bias, s.heads, s.eps, MPNET_ATTENTION)
        return x
