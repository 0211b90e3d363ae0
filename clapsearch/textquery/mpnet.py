"""MPNet's forward in numpy (all-mpnet-base-v2's encoder): the arithmetic of transformers' MPNetModel in eval mode.

It differs from BERT (bert.py) in three places: positions count from the padding id + 1 over the real tokens only
(RoBERTa's scheme), there are no token types, and every layer adds one relative-position bias to its attention
scores, computed once from bucketed query-key distances (T5's buckets: 32, the nearest 8 each way exact, then
logarithmic up to 128) and the first layer's table.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clapsearch.textquery.bert import gelu, layer_norm, linear


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
            p = f"encoder.layer.{i}."
            for part in ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
                         "attention.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"):
                names += [f"{p}{part}.weight", f"{p}{part}.bias"]
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
        for i in range(s.layers):
            x = self._layer(x, position_bias[None], pad, f"encoder.layer.{i}.")
        return x

    def _layer(self, x: np.ndarray, position_bias: np.ndarray, pad: np.ndarray, p: str) -> np.ndarray:
        w, eps, heads = self.w, self.shape.eps, self.shape.heads
        b, n, width = x.shape
        d = width // heads

        def split(t: np.ndarray) -> np.ndarray:  # (b, n, width) -> (b, heads, n, d)
            return t.reshape(b, n, heads, d).transpose(0, 2, 1, 3)

        q = split(linear(x, w[p + "attention.attn.q.weight"], w[p + "attention.attn.q.bias"]))
        k = split(linear(x, w[p + "attention.attn.k.weight"], w[p + "attention.attn.k.bias"]))
        v = split(linear(x, w[p + "attention.attn.v.weight"], w[p + "attention.attn.v.bias"]))
        scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(d)) + position_bias + pad
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, n, width)
        attn = linear(ctx, w[p + "attention.attn.o.weight"], w[p + "attention.attn.o.bias"])
        x = layer_norm(attn + x, w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"], eps)
        hidden = gelu(linear(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
        out = linear(hidden, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
        return layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
