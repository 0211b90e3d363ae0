"""The published-model registry, configs, clip fitting and the converter's accounting (no reference packages)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from clapsearch.model import create_model, load_config
from clapsearch.model.config import ModelConfig
from clapsearch.model.factory import build_model
from clapsearch.model.towers.frontend import fit_clip, quantize_int16, window_starts
from clapsearch.model.zoo import PUBLISHED
from clapsearch.model.zoo.convert import convert_checkpoint

from .conftest import small_config


def test_existing_configs_keep_their_fingerprints() -> None:
    # indexes record these: the new config fields must not change them (default's changed on purpose when it
    # took audio_centre 0.5, since its embeddings did)
    assert load_config("default").fingerprint() == "d529746944d089b3"
    assert load_config("paper").fingerprint() == "0718446ad1589539"
    assert load_config("tiny").fingerprint() == "4f8cf11657719977"


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_every_published_model_has_a_config_that_round_trips_and_builds(name: str) -> None:
    cfg = load_config(name)
    assert ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert PUBLISHED[name].licence and PUBLISHED[name].url.startswith("https://")
    with torch.device("meta"):
        model = build_model(cfg, pretrained=False)
    assert model.audio_tower.width == cfg.audio.width and model.text_tower.width == cfg.text.width


def test_clips_are_filled_as_the_references_fill_them() -> None:
    x = torch.tensor([1.0, 2.0, 3.0])
    assert fit_clip(x, 7, "repeat").tolist() == [1, 2, 3, 1, 2, 3, 1]  # msclap: tile, cut
    assert fit_clip(x, 7, "repeatpad").tolist() == [1, 2, 3, 1, 2, 3, 0]  # LAION: whole repeats, zeros
    assert fit_clip(x, 5, "zero").tolist() == [1, 2, 3, 0, 0]
    assert fit_clip(x, 2, "repeat").tolist() == [1, 2]
    assert window_starts(25, 10, 5) == [0, 5, 10, 15] and window_starts(8, 10, 5) == [0]
    q = quantize_int16(torch.tensor([0.5, -2.0, 1e-6]))
    assert q.tolist() == [np.float32(16383 / 32767), -1.0, 0.0]


def test_a_published_name_without_weights_says_how_to_get_them(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="clapsearch convert CLAP_weights_2023.pth"):
        create_model("msclap-2023")


def test_long_audio_is_windowed_deterministically() -> None:
    model = build_model(small_config("laion-630k-audioset"), pretrained=False).eval()
    wave = np.random.default_rng(0).uniform(-0.5, 0.5, 48000 * 13).astype(np.float32)
    a, b = model.encode_audio(wave), model.encode_audio(wave)
    np.testing.assert_array_equal(a, b)
    first, last = model.encode_audio(wave[:480000]), model.encode_audio(wave[-480000:])
    with torch.no_grad():  # two windows (0 s and 3 s), their tower features averaged
        feats = model.audio_tower(torch.from_numpy(np.stack([wave[:480000], wave[-480000:]])))
        mean = torch.nn.functional.normalize(model.audio_head(feats.mean(0, keepdim=True)), dim=-1)[0]
    np.testing.assert_allclose(a, mean.numpy(), atol=1e-5)
    assert not np.allclose(a, first, atol=1e-3) and not np.allclose(a, last, atol=1e-3)


def _as_laion(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    names = [("audio_tower.net.", "audio_branch."), ("text_tower.encoder.", "text_branch."),
             ("audio_head.", "audio_projection."), ("text_head.", "text_projection."),
             ("logit_scale", "logit_scale_a")]
    return {"module." + next(dst + k[len(src):] for src, dst in names if k.startswith(src)): v
            for k, v in state.items()}


def test_conversion_accounts_for_every_tensor(tmp_path: Path) -> None:
    cfg = small_config("laion-630k-audioset")
    state = _as_laion(build_model(cfg, pretrained=False).state_dict())
    state["module.audio_branch.head.weight"] = torch.zeros(527, 527)  # classifier: known, unused
    state["module.logit_scale_t"] = torch.tensor(2.0)
    torch.save({"epoch": 3, "state_dict": state}, tmp_path / "630k-audioset-best.pt")
    folder, report = convert_checkpoint(tmp_path / "630k-audioset-best.pt", tmp_path / "out", cfg)
    assert "audio_branch.head.weight" in report.unused and report.checks["logit_scale_t"] == 2.0
    meta = json.loads((folder / "config.json").read_text())
    assert meta["provenance"]["converted_from"] == "630k-audioset-best.pt"

    state["module.audio_branch.surprise"] = torch.zeros(1)
    torch.save({"state_dict": state}, tmp_path / "extra.pt")
    with pytest.raises(ValueError, match="unexpected.*surprise"):
        convert_checkpoint(tmp_path / "extra.pt", tmp_path / "out2", cfg)
    del state["module.audio_branch.surprise"], state["module.audio_projection.0.weight"]
    torch.save({"state_dict": state}, tmp_path / "short.pt")
    with pytest.raises(ValueError, match="missing.*audio_head.0.weight"):
        convert_checkpoint(tmp_path / "short.pt", tmp_path / "out3", cfg)
