"""A BERT encoder and CLAP's projection head in numpy: the text tower's forward without torch.

The same arithmetic as transformers' BertModel in eval mode (absolute positions, token type 0, post-LayerNorm
blocks, exact erf GELU, additive attention mask) and clapsearch's ProjectionHead, in float32 on weights
memory-mapped from the model's safetensors files.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SQRT_HALF = 0.7071067811865476


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function, fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc,
    a Chebyshev fit), computed in float64."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    ans = t * np.exp(-z * z + poly)
    return np.where(x >= 0, ans, 2.0 - ans)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x) = 0.5 x erfc(-x / sqrt 2) (the erfc form keeps its relative accuracy)."""
    x64 = x.astype(np.float64)
    return (0.5 * x64 * erfc(-x64 * SQRT_HALF)).astype(np.float32)


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True, dtype=np.float64)
    centred = x - mean.astype(np.float32)
    var = np.mean(np.square(centred, dtype=np.float64), axis=-1, keepdims=True)
    return (centred / np.sqrt(var + eps).astype(np.float32)) * weight + bias


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    y = x @ weight.T
    return y if bias is None else y + bias


@dataclass(frozen=True)
class BertShape:
    layers: int
    heads: int
    eps: float = 1e-12


class NumpyBert:
    """BERT's forward: (ids, mask) -> last hidden state (batch, tokens, width)."""

    def __init__(self, weights: dict[str, np.ndarray], shape: BertShape) -> None:
        self.w, self.shape = weights, shape
        missing = [k for k in self._names() if k not in weights]
        if missing:
            raise KeyError(f"BERT weights lack {len(missing)} tensors, e.g. {missing[:3]}")

    def _names(self) -> list[str]:
        names = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                 "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
        for i in range(self.shape.layers):
            names += layer_names(f"encoder.layer.{i}.", BERT_ATTENTION)
        return names

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, eps = self.w, self.shape.eps
        n = ids.shape[1]
        x = (np.asarray(w["embeddings.word_embeddings.weight"][ids], dtype=np.float32)
             + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][0])
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        # transformers' extended mask: 0 where attended, the dtype's minimum where not
        bias = np.where(mask[:, None, None, :] > 0, np.float32(0.0), np.finfo(np.float32).min).astype(np.float32)
        for i in range(self.shape.layers):
            x = self._layer(x, bias, f"encoder.layer.{i}.")
        return x

    def _layer(self, x: np.ndarray, bias: np.ndarray, p: str) -> np.ndarray:
        return encoder_layer(self.w, p, x, bias, self.shape.heads, self.shape.eps, BERT_ATTENTION)


# the names of one layer's query, key, value, attention output and its LayerNorm (BERT's; MPNet names them otherwise)
BERT_ATTENTION = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                  "attention.output.LayerNorm")


def layer_names(p: str, attention: tuple[str, ...]) -> list[str]:
    """The weight and bias names of the layer at prefix p."""
    parts = (*attention, "intermediate.dense", "output.dense", "output.LayerNorm")
    return [f"{p}{part}.{kind}" for part in parts for kind in ("weight", "bias")]


def encoder_layer(w: dict[str, np.ndarray], p: str, x: np.ndarray, bias: np.ndarray, heads: int, eps: float,
                  attention: tuple[str, ...]) -> np.ndarray:
    """One post-norm transformer layer (self-attention with an additive score bias, then the feed-forward), as
    BERT and MPNet run it; attention names its projections (see BERT_ATTENTION)."""
    query, key, value, out_dense, out_norm = (p + name for name in attention)
    b, n, width = x.shape
    d = width // heads

    def split(t: np.ndarray) -> np.ndarray:  # (b, n, width) -> (b, heads, n, d)
        return t.reshape(b, n, heads, d).transpose(0, 2, 1, 3)

    q = split(linear(x, w[query + ".weight"], w[query + ".bias"]))
    k = split(linear(x, w[key + ".weight"], w[key + ".bias"]))
    v = split(linear(x, w[value + ".weight"], w[value + ".bias"]))
    scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(d)) + bias
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    probs = scores / scores.sum(-1, keepdims=True)
    ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, n, width)
    attn = linear(ctx, w[out_dense + ".weight"], w[out_dense + ".bias"])
    x = layer_norm(attn + x, w[out_norm + ".weight"], w[out_norm + ".bias"], eps)
    hidden = gelu(linear(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
    out = linear(hidden, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
    return layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)


def pool(hidden: np.ndarray, mask: np.ndarray, pooling: str) -> np.ndarray:
    """(batch, tokens, width) -> (batch, width): the first token ("cls") or the masked mean ("mean")."""
    if pooling == "cls":
        return hidden[:, 0]
    m = mask[:, :, None].astype(np.float32)
    return (hidden * m).sum(1) / np.maximum(m.sum(1), np.float32(1e-9))


def projection_head(x: np.ndarray, w: dict[str, np.ndarray], prefix: str = "text_head.") -> np.ndarray:
    """CLAP's ProjectionHead in eval mode: LayerNorm(e1 + Linear(GELU(e1))), e1 = Linear(x)."""
    e1 = linear(x, w[prefix + "linear1.weight"])
    e2 = linear(gelu(e1), w[prefix + "linear2.weight"])
    return layer_norm(e1 + e2, w[prefix + "layer_norm.weight"], w[prefix + "layer_norm.bias"], 1e-5)


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """F.normalize: x / max(||x||, 1e-12)."""
    norm = np.sqrt(np.sum(np.square(x, dtype=np.float64), axis=-1, keepdims=True))
    return (x / np.maximum(norm, 1e-12)).astype(np.float32)
