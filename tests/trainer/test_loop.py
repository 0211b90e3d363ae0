from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from safetensors.torch import load_file

from clapsearch.model import create_model
from clapsearch.trainer import TrainConfig, ZeroShotEvaluator, train
from clapsearch.trainer.loop import CHECKPOINT

from .conftest import SOUNDS, SR, make_wave


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def test_loss_falls_and_temperature_stays_clipped(corpus: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(steps=40, batch_size=6, lr=3e-3, eval_every=20, holdout=0.0, cache_dir=str(tmp_path / "c"))
    result = train("tiny", [corpus], tmp_path / "out", cfg)
    rows = [r for r in _log(tmp_path / "out") if "loss" in r]
    first, last = np.mean([r["loss"] for r in rows[:5]]), np.mean([r["loss"] for r in rows[-5:]])
    assert last < 0.8 * first, (first, last)
    assert all(r["temperature"] >= 1 / 100 - 1e-6 for r in rows)
    assert result.steps == 40 and (tmp_path / "out" / "curves.png").is_file()
    model = create_model(tmp_path / "out")  # the output folder is a saved model
    assert model.config.name == "tiny"
    assert (tmp_path / "out" / "last" / "model.safetensors").is_file()


def test_temperature_is_clipped_at_the_max_logit_scale(corpus: Path, tmp_path: Path, frozen_config: Path) -> None:
    d = json.loads(frozen_config.read_text())
    d["temperature"]["init"] = 0.004  # a scale of 250, beyond the clip at 100
    (tmp_path / "hot.json").write_text(json.dumps(d))
    cfg = TrainConfig(steps=5, batch_size=6, eval_every=0, holdout=0.0, cache_dir=str(tmp_path / "c"))
    train(str(tmp_path / "hot.json"), [corpus], tmp_path / "out", cfg)
    temps = [r["temperature"] for r in _log(tmp_path / "out") if "loss" in r]
    assert temps[0] == pytest.approx(0.01, rel=0.02) and min(temps) >= 0.01 - 1e-6
    assert len(set(temps)) > 1  # starting at the clip, the temperature still learns


def test_interrupted_then_resumed_equals_uninterrupted(corpus: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(steps=12, batch_size=6, lr=3e-3, eval_every=4, holdout=0.0, cache_dir=str(tmp_path / "c"))
    train("tiny", [corpus], tmp_path / "full", cfg)

    def interrupt(record: dict) -> None:
        if record["step"] == 6:  # after the step-4 checkpoint and two more steps that are lost
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("tiny", [corpus], tmp_path / "cut", cfg, progress=interrupt)
    assert torch.load(tmp_path / "cut" / CHECKPOINT, weights_only=True)["step"] == 4
    train("ignored", [corpus], tmp_path / "cut", resume=tmp_path / "cut")
    full = load_file(str(tmp_path / "full" / "last" / "model.safetensors"))
    resumed = load_file(str(tmp_path / "cut" / "last" / "model.safetensors"))
    assert full.keys() == resumed.keys()
    for k in full:
        torch.testing.assert_close(resumed[k], full[k], rtol=0, atol=0, msg=k)
    assert _log(tmp_path / "cut") == _log(tmp_path / "full")



def test_ema_weights_are_saved_and_survive_a_resume(corpus: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(steps=12, batch_size=6, lr=3e-3, eval_every=4, holdout=0.0, ema=0.9,
                      cache_dir=str(tmp_path / "c"))
    train("tiny", [corpus], tmp_path / "full", cfg)
    state = torch.load(tmp_path / "full" / CHECKPOINT, weights_only=True)
    saved = load_file(str(tmp_path / "full" / "last" / "model.safetensors"))
    assert state["ema"] and set(state["ema"]) <= set(saved)
    moved = 0
    for name, average in state["ema"].items():
        torch.testing.assert_close(saved[name], average, rtol=0, atol=0, msg=name)  # the average is what ships
        moved += not torch.equal(average, state["model"][name])  # ... and it is not the last raw step
    assert moved > 0

    def interrupt(record: dict) -> None:
        if record["step"] == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("tiny", [corpus], tmp_path / "cut", cfg, progress=interrupt)
    train("ignored", [corpus], tmp_path / "cut", resume=tmp_path / "cut")
    resumed = load_file(str(tmp_path / "cut" / "last" / "model.safetensors"))
    for k in saved:
        torch.testing.assert_close(resumed[k], saved[k], rtol=0, atol=0, msg=k)
    with pytest.raises(ValueError, match="ema"):
        train("tiny", [corpus], tmp_path / "bad", TrainConfig(steps=2, batch_size=6, ema=1.0))

def test_soft_targets_train_and_are_recorded(corpus: Path, tmp_path: Path) -> None:
    common = dict(steps=10, batch_size=6, lr=3e-3, eval_every=0, holdout=0.0, cache_dir=str(tmp_path / "c"))
    train("tiny", [corpus], tmp_path / "hard", TrainConfig(**common))
    result = train("tiny", [corpus], tmp_path / "soft", TrainConfig(**common, soft_targets=0.4))
    assert result.steps == 10
    rows = [r for r in _log(tmp_path / "soft") if "loss" in r]
    assert all(np.isfinite(r["loss"]) for r in rows)
    assert [r["loss"] for r in rows] != [r["loss"] for r in _log(tmp_path / "hard") if "loss" in r]
    provenance = json.loads((tmp_path / "soft" / "config.json").read_text())["provenance"]
    assert provenance["train"]["soft_targets"] == 0.4
    with pytest.raises(ValueError, match="soft targets"):
        train("tiny", [corpus], tmp_path / "bad", TrainConfig(steps=2, batch_size=6, soft_targets=1.0))


def test_frozen_towers_train_from_the_feature_cache(corpus: Path, tmp_path: Path, frozen_config: Path) -> None:
    cache = tmp_path / "cache"
    cfg = TrainConfig(steps=30, batch_size=6, lr=3e-3, eval_every=15, holdout=0.25, cache_dir=str(cache))
    result = train(str(frozen_config), [corpus], tmp_path / "out", cfg)
    entries = sorted(p.name for p in cache.rglob("*.npy"))
    assert len([p for p in cache.rglob("*.npy") if "audio" in str(p)]) >= 48  # crops, plus held-out windows
    assert {"holdout/R@1", "holdout/R@10"} <= set(result.metrics)
    train(str(frozen_config), [corpus], tmp_path / "out2", cfg)  # a second run reads, never adds
    assert sorted(p.name for p in cache.rglob("*.npy")) == entries
    saved = load_file(str(tmp_path / "out" / "model.safetensors"))
    assert not any(k.startswith(("audio_tower.", "text_tower.")) for k in saved)  # heads only


def test_zero_shot_evaluator_and_model_selection(corpus: Path, tmp_path: Path, frozen_config: Path) -> None:
    dev = tmp_path / "dev"
    rng = np.random.default_rng(9)
    for label, (kind, freq) in SOUNDS.items():
        (dev / label).mkdir(parents=True)
        for i in range(2):
            sf.write(dev / label / f"{i}.wav", make_wave(kind, freq, 1.5, rng), SR)
    evaluator = ZeroShotEvaluator(dev, "dev", prompt="the sound of a {label}", cache_dir=tmp_path / "c")
    cfg = TrainConfig(steps=30, batch_size=6, lr=3e-3, eval_every=10, holdout=0.0, cache_dir=str(tmp_path / "c"))
    result = train(str(frozen_config), [corpus], tmp_path / "out", cfg, evaluators={"dev": evaluator})
    evals = [r for r in _log(tmp_path / "out") if r.get("metrics")]
    assert [r["step"] for r in evals] == [0, 10, 20, 30]
    accuracies = [r["metrics"]["dev/accuracy"] for r in evals]
    assert all(0.0 <= a <= 1.0 for a in accuracies)
    # 12 clips, 2 per label: a label predicted for every clip would score 6, no hub at all 1
    assert all(1.0 <= r["metrics"]["dev/hub_ratio"] <= 6.0 for r in evals)
    assert evals[0]["metrics"]["dev/hub_ratio"] > 1.0  # untrained heads lump clips together
    assert result.best_metric == max(accuracies[1:])
    best = json.loads((tmp_path / "out" / "config.json").read_text())["provenance"]
    assert best["step"] == result.best_step and best["metrics"]["dev/accuracy"] == result.best_metric


def test_skipped_files_are_listed_not_fatal(corpus: Path, tmp_path: Path, frozen_config: Path) -> None:
    manifest = tmp_path / "m.jsonl"
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    for r in rows:
        r["audio"] = str(corpus.parent / r["audio"])
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    rows += [{"audio": "broken.wav", "captions": ["x"], "label": "x"}, {"audio": "gone.wav", "captions": ["y"]}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = TrainConfig(steps=3, batch_size=4, eval_every=0, holdout=0.0, cache_dir=str(tmp_path / "c"))
    result = train(str(frozen_config), [manifest], tmp_path / "out", cfg)
    assert {Path(s.audio).name for s in result.skipped} == {"broken.wav", "gone.wav"}
    listed = json.loads((tmp_path / "out" / "skipped.json").read_text())
    assert {Path(s["audio"]).name for s in listed} == {"broken.wav", "gone.wav"}


def test_train_config_round_trips_and_old_checkpoints_resume_without_the_mask() -> None:
    cfg = TrainConfig(steps=7, ema=0.99, mix=10)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    old = {k: v for k, v in cfg.to_dict().items() if k != "mask_background"}  # saved before the mask existed
    assert TrainConfig.from_dict(old).mask_background is False


def test_the_audio_centre_is_fitted_to_the_training_clips(corpus: Path, tmp_path: Path, frozen_config: Path) -> None:
    cfg = TrainConfig(steps=12, batch_size=6, lr=3e-3, eval_every=6, holdout=0.25, cache_dir=str(tmp_path / "c"),
                      audio_centre=0.5)
    train(str(frozen_config), [corpus], tmp_path / "out", cfg)
    saved = create_model(tmp_path / "out")
    assert saved.config.audio_centre == 0.5
    centre = saved.audio_centre.numpy()
    assert 0.1 < np.linalg.norm(centre) <= 1.0  # a mean of unit vectors that share a direction
    # it is the mean uncentred embedding of the training clips' cached crops (not the held-out ones)
    from clapsearch.trainer.cache import FeatureCache, crop_starts
    from clapsearch.trainer.manifest import load_manifests, split_holdout
    clips, _, _ = load_manifests([corpus])
    train_clips, _ = split_holdout(clips, 0.25)
    feats, _ = FeatureCache(tmp_path / "c", saved).audio_features(
        [(c.audio, crop_starts(c.duration, saved.config.audio.clip_seconds, 3)) for c in train_clips])
    raw = saved.audio_head(torch.from_numpy(np.concatenate(feats))).detach()
    np.testing.assert_allclose(centre, torch.nn.functional.normalize(raw, dim=-1).mean(0).numpy(), atol=1e-5)
    # and a trained audio tower takes it from the held-out clips' windows
    train("tiny", [corpus], tmp_path / "unfrozen", TrainConfig(**{**cfg.to_dict(), "steps": 6}))
    assert np.linalg.norm(create_model(tmp_path / "unfrozen").audio_centre.numpy()) > 0.1
