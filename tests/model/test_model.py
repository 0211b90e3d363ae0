from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from clapsearch.model import (
    ProjectionHead,
    contrastive_loss,
    create_model,
    load_config,
    model_identity,
    save_model,
    semantic_targets,
)
from clapsearch.model.config import ModelConfig


def test_tiny_model_embeddings_are_normalised_and_shaped_like_the_input() -> None:
    model = create_model("tiny")
    one = model.encode_text("a dog barking")
    many = model.encode_text(["a dog barking", "rain on a roof", "a"])
    assert one.shape == (32,) and many.shape == (3, 32)
    assert one.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(many, axis=1), 1.0, atol=1e-5)
    # order is restored after length-sorted batching
    np.testing.assert_allclose(many[0], one, atol=1e-6)
    wave = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32) * 0.1
    emb = model.encode_audio(wave)
    assert emb.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model.encode_audio(wave[1]), emb[1], atol=1e-5)  # batch does not matter


def test_untrained_models_build_identically_every_time() -> None:
    a, b = create_model("tiny"), create_model("tiny")
    assert model_identity(a) == model_identity(b)


def test_forward_returns_features_by_role_and_clipped_scale() -> None:
    model = create_model("tiny").train()
    out = model(audio=torch.randn(4, 16000) * 0.1, text=model.tokenize(["a", "b", "c", "d"]))
    assert set(out) == {"audio", "text", "logit_scale"}
    assert out["audio"].shape == (4, 32) and out["text"].shape == (4, 32)
    assert out["logit_scale"].detach().item() == pytest.approx(1 / 0.07, rel=1e-5)
    with torch.no_grad():
        model.logit_scale.fill_(10.0)  # exp(10) is far above the clip
    model.clip_logit_scale_()
    assert model.scale().detach().item() == pytest.approx(100.0)


def test_projection_head_is_the_paper_head() -> None:
    head = ProjectionHead(8, 4, dropout=0.0)
    x = torch.randn(3, 8)
    e1 = head.linear1(x)
    expected = head.layer_norm(e1 + head.linear2(torch.nn.functional.gelu(e1)))
    torch.testing.assert_close(head(x), expected)
    with pytest.raises(ValueError):
        ProjectionHead(0, 4)


def test_contrastive_loss_matches_hand_computation_and_masks_same_label_pairs() -> None:
    a = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), dim=-1)
    t = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), dim=-1)
    scale = torch.tensor(2.0)
    logits = 2.0 * (a @ t.T)
    expected = 0.5 * (torch.nn.functional.cross_entropy(logits, torch.arange(2))
                      + torch.nn.functional.cross_entropy(logits.T, torch.arange(2)))
    assert float(contrastive_loss(a, t, scale)) == pytest.approx(float(expected))
    # identical pairs sharing a label: masked, the loss is zero (nothing else to compete with)
    same = torch.ones(2, 2, dtype=torch.bool)
    assert float(contrastive_loss(a, a, scale, same_label=same)) == pytest.approx(0.0, abs=1e-6)
    # perfect alignment with a large scale gives a small loss; random gives about log(B)
    x = torch.nn.functional.normalize(torch.randn(16, 8), dim=-1)
    assert float(contrastive_loss(x, x, torch.tensor(100.0))) < 0.1
    assert float(contrastive_loss(x, x, torch.tensor(0.0))) == pytest.approx(math.log(16), rel=1e-4)


def test_semantic_targets_spread_mass_by_caption_similarity() -> None:
    # captions 0 and 1 mean nearly the same; caption 2 is unrelated
    feats = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    t = semantic_targets(feats, 0.4, 0.05)
    torch.testing.assert_close(t.sum(dim=1), torch.ones(3))
    torch.testing.assert_close(torch.diagonal(t), torch.full((3,), 0.6))
    assert t[0, 1] > 0.39 and t[0, 2] < 0.01  # the mass goes to the related caption
    assert float(t[2, 0]) == pytest.approx(float(t[2, 1]), abs=0.05)  # unrelated to both: shared alike
    same = torch.tensor([[True, True, False], [True, True, False], [False, False, True]])
    masked = semantic_targets(feats, 0.4, 0.05, same_label=same)
    assert masked[0, 1] == 0 and float(masked[0, 2]) == pytest.approx(0.4)  # a same-label pair gets nothing
    torch.testing.assert_close(semantic_targets(feats, 0.0), torch.eye(3))
    torch.testing.assert_close(semantic_targets(feats[:1], 0.4), torch.eye(1))  # no other caption: identity
    with pytest.raises(ValueError):
        semantic_targets(feats, 1.0)
    with pytest.raises(ValueError):
        semantic_targets(feats, 0.4, 0.0)


def test_soft_targets_keep_related_pairs_close() -> None:
    a = torch.nn.functional.normalize(torch.randn(6, 8), dim=-1)
    scale = torch.tensor(20.0)
    same = torch.zeros(6, 6, dtype=torch.bool)
    same[0, 1] = same[1, 0] = True
    # identity targets are the hard loss, with or without the same-label mask
    hard = float(contrastive_loss(a, a, scale))
    assert float(contrastive_loss(a, a, scale, targets=torch.eye(6))) == pytest.approx(hard)
    assert float(contrastive_loss(a, a, scale, same, targets=torch.eye(6))) == pytest.approx(
        float(contrastive_loss(a, a, scale, same)))
    # pairs 0 and 1 have related captions: hard targets prefer them apart, soft targets prefer them close
    feats = torch.eye(6)
    feats[1] = feats[0] + 0.05 * feats[1]
    soft = semantic_targets(feats, 0.4)
    near, far = a.clone(), a.clone()
    near[1] = torch.nn.functional.normalize(a[0] + 0.3 * a[1], dim=0)
    far[1] = torch.nn.functional.normalize(a[1] - 0.5 * a[0], dim=0)
    assert contrastive_loss(near, near, scale) > contrastive_loss(far, far, scale)
    assert contrastive_loss(near, near, scale, targets=soft) < contrastive_loss(far, far, scale, targets=soft)


def test_save_and_load_round_trip(tmp_path) -> None:
    model = create_model("tiny")
    with torch.no_grad():
        model.audio_head.linear1.weight.add_(1.0)
    folder = save_model(model, tmp_path / "m", provenance={"note": "test"})
    meta = json.loads((folder / "config.json").read_text())
    assert meta["provenance"] == {"note": "test"} and meta["model"]["name"] == "tiny"
    again = create_model(folder)
    assert model_identity(again)["weights_hash"] == model_identity(model)["weights_hash"]
    wave = np.random.default_rng(1).standard_normal(16000).astype(np.float32) * 0.1
    np.testing.assert_allclose(again.encode_audio(wave), model.encode_audio(wave), atol=1e-6)


def test_weights_that_do_not_fit_are_refused(tmp_path) -> None:
    from safetensors.torch import save_file

    folder = save_model(create_model("tiny"), tmp_path / "m")
    save_file({"audio_head.linear1.weight": torch.zeros(3, 3)}, str(folder / "model.safetensors"))
    with pytest.raises((ValueError, RuntimeError)):
        create_model(folder)


def test_configs_are_data_and_bad_names_are_explained(tmp_path) -> None:
    cfg = load_config("paper")
    assert (cfg.embed_dim, cfg.audio.features.n_mels, cfg.audio.features.hop_length) == (1024, 64, 320)
    assert cfg.text.max_length == 100 and cfg.text.pooling == "cls"
    assert cfg.init_temperature == 0.007 and cfg.max_logit_scale == 100.0
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown model"):
        load_config("no-such-model")
    bad = load_config("tiny").to_dict()
    bad["audio"]["features"]["kind"] = "mfcc"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="unknown feature kind"):
        load_config(path)


def test_temperature_starts_at_the_clip_and_can_still_learn() -> None:
    cfg = load_config("tiny").to_dict()
    cfg["temperature"]["init"] = 0.007  # the paper's: 1/0.007 = 143 is above the clip of 100
    model = __import__("clapsearch.model", fromlist=["ClapModel"]).create_model("tiny")
    model = type(model)(ModelConfig.from_dict(cfg), model.audio_tower, model.text_tower)
    assert model.scale().detach().item() == pytest.approx(100.0, rel=1e-5)
    model.scale().backward()
    assert model.logit_scale.grad is not None and float(model.logit_scale.grad) != 0.0
    with torch.no_grad():
        model.logit_scale.add_(1.0)
    model.clip_logit_scale_()
    assert model.logit_scale.detach().item() == pytest.approx(math.log(100.0))


def test_audio_centre_is_removed_at_inference_and_saved_with_the_heads(tmp_path) -> None:
    plain = create_model("tiny")
    assert "audio_centre" not in plain.state_dict()  # models without it keep their tensors as they were
    with pytest.raises(ValueError, match="no audio centre"):
        plain.fit_audio_centre(torch.randn(4, plain.audio_tower.width))
    model = create_model("tiny")
    model.set_audio_centre_weight(0.5)
    wave = np.random.default_rng(1).standard_normal((6, 16000)).astype(np.float32) * 0.1
    before = model.encode_audio(wave)  # a zero centre removes nothing
    np.testing.assert_allclose(before, plain.encode_audio(wave), atol=1e-6)

    feats = model.audio_tower(torch.from_numpy(wave))
    model.fit_audio_centre(feats)
    mean = before.mean(0)
    np.testing.assert_allclose(model.audio_centre.numpy(), mean, atol=1e-6)
    after = model.encode_audio(wave)
    expected = before - 0.5 * mean
    np.testing.assert_allclose(after, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)
    assert np.linalg.norm(after.mean(0)) < np.linalg.norm(mean)  # the shared direction is weaker
    model.train()
    model.audio_head.dropout.p = 0.0  # to compare train mode with eval mode
    trained = model(audio_features=feats)["audio"].detach().numpy()
    np.testing.assert_allclose(trained, before, atol=1e-5)  # the loss sees the uncentred embeddings
    np.testing.assert_allclose(model.encode_text("a dog"), plain.encode_text("a dog"), atol=1e-6)  # text untouched

    model.audio_head.dropout.p = 0.5
    folder = save_model(model.eval(), tmp_path / "centred")
    assert json.loads((folder / "config.json").read_text())["model"]["head"]["audio_centre"] == 0.5
    np.testing.assert_allclose(create_model(folder).encode_audio(wave), after, atol=1e-6)
    with pytest.raises(ValueError, match="audio_centre"):
        model.set_audio_centre_weight(1.5)
    model.set_audio_centre_weight(0.0)  # switched off (train --audio-centre 0 on a config that has one)
    assert "audio_centre" not in model.state_dict()
    np.testing.assert_allclose(create_model(save_model(model, tmp_path / "off")).encode_audio(wave), before, atol=1e-6)


def test_front_end_modules_hold_the_config_and_reject_filters_above_nyquist() -> None:
    from audiogen import tone

    from clapsearch.model.config import FeatureConfig
    from clapsearch.model.towers.frontend import LogMel, MelFrontEnd, build_front_end

    cfg = FeatureConfig("log_mel", 512, 160, 32, 0.0, 8000.0)
    front = build_front_end(cfg, 16000)
    assert isinstance(front, LogMel) and not front.state_dict()  # constants are not weights
    mel = front(torch.from_numpy(np.stack([tone(1000, 1.0), tone(4000, 1.0)])))
    assert mel.shape == (2, 101, 32)
    assert mel[0].mean(0).argmax() < mel[1].mean(0).argmax()
    assert isinstance(build_front_end(FeatureConfig("librosa_mel", 512, 160, 32, 0.0, 8000.0), 16000), MelFrontEnd)
    with pytest.raises(ValueError, match="Nyquist"):
        LogMel(FeatureConfig("log_mel", 512, 160, 32, 0.0, 9000.0), 16000)
    with pytest.raises(ValueError, match="Nyquist"):
        MelFrontEnd(FeatureConfig("htk_mel", 512, 160, 32, 0.0, 9000.0), 16000)
