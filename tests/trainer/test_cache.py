"""FeatureCache: items decoded ahead in a thread keep their order, failures stay per item, entries are reused."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from clapsearch.audio import probe, read_window
from clapsearch.audio.decode import fit_length
from clapsearch.model import create_model
from clapsearch.trainer.cache import FeatureCache


def test_prefetched_batches_keep_item_order_and_per_item_failures(corpus: Path, tmp_path: Path,
                                                                    frozen_config: Path) -> None:
    model = create_model(str(frozen_config))
    model.eval()
    cfg = model.config.audio
    rows = [json.loads(line) for line in corpus.read_text().splitlines()][:9]
    paths = [str(corpus.parent / r["audio"]) for r in rows]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt not audio")
    items = [(p, [0.0]) for p in paths[:4]] + [(str(broken), [0.0])] + [(p, [0.0]) for p in paths[4:]]
    cache = FeatureCache(tmp_path / "cache", model, batch_size=2)  # 10 items: several batches ahead and behind
    feats, failed = cache.audio_features(items)

    assert list(failed) == [str(broken)] and feats[4] is None
    with torch.no_grad():
        for (path, _), got in zip(items, feats):
            if path == str(broken):
                continue
            wave = fit_length(read_window(path, 0.0, cfg.clip_seconds, cfg.sample_rate, probe(path)), cfg.clip_samples)
            want = model.audio_tower(torch.from_numpy(wave)[None]).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # each item's own audio, in order

    entries = sorted((tmp_path / "cache").rglob("*.npy"))
    assert len(entries) == 9
    again, failed_again = FeatureCache(tmp_path / "cache", model, batch_size=2).audio_features(items)
    assert list(failed_again) == [str(broken)]
    assert sorted((tmp_path / "cache").rglob("*.npy")) == entries  # read back, nothing recomputed
    for a, b in zip(feats, again):
        assert (a is None and b is None) or np.array_equal(a, b)


def test_text_features_run_each_distinct_caption_once(tmp_path: Path, frozen_config: Path) -> None:
    model = create_model(str(frozen_config))
    model.eval()
    seen: list[str] = []
    tokenize = model.tokenize
    model.tokenize = lambda texts: (seen.extend(texts), tokenize(texts))[1]
    captions = ["a dog barking", "rain falling", "a dog barking", "a dog barking", "a bell", "rain falling"]
    cache = FeatureCache(tmp_path / "cache", model)
    out = cache.text_features(captions)
    assert sorted(seen) == ["a bell", "a dog barking", "rain falling"]
    assert out.shape == (6, model.config.text.width)
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], out[5])
    assert not np.array_equal(out[0], out[1])
    with torch.no_grad():
        want = model.text_tower(tokenize(["a bell"])).numpy()[0]
    np.testing.assert_allclose(out[4], want, rtol=1e-5, atol=1e-6)
    seen.clear()
    np.testing.assert_array_equal(cache.text_features(captions), out)  # all read back from disk
    assert seen == []
    assert cache.text_features([]).shape == (0, model.config.text.width)


def test_cached_audio_is_what_the_inference_tower_computes(corpus: Path, tmp_path: Path,
                                                          frozen_config: Path) -> None:
    """The trainer caches through the model it is about to train (train mode): the entries must still be the
    frozen tower's inference outputs, and caching must not move its batch-norm statistics."""
    from clapsearch.trainer.build import model_to_train

    model = model_to_train(str(frozen_config), None, "cpu")
    assert model.training and not model.audio_tower.training  # a frozen tower never trains, from the start
    stats = {k: v.clone() for k, v in model.audio_tower.state_dict().items() if "running" in k}
    assert stats
    cfg = model.config.audio
    rows = [json.loads(line) for line in corpus.read_text().splitlines()][:6]
    paths = [str(corpus.parent / r["audio"]) for r in rows]
    model.audio_tower.train()  # even a tower left in train mode by a caller is cached in eval mode
    feats, failed = FeatureCache(tmp_path / "cache", model, batch_size=4).audio_features([(p, [0.0]) for p in paths])
    assert not failed and model.audio_tower.training
    for k, v in model.audio_tower.state_dict().items():
        if k in stats:
            assert torch.equal(v, stats[k]), f"caching moved {k}"
    model.eval()
    with torch.no_grad():
        for path, got in zip(paths, feats):
            wave = fit_length(read_window(path, 0.0, cfg.clip_seconds, cfg.sample_rate, probe(path)), cfg.clip_samples)
            want = model.audio_tower(torch.from_numpy(wave)[None]).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
