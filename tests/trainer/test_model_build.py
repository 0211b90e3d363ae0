"""The trainer trains the factory's model: a LAION (MLP-head) config gets LAION's heads, and a checkpoint
whose tensors do not fit the model fails to resume instead of loading what it can."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from clapsearch.errors import WeightsError
from clapsearch.model import create_model, load_config
from clapsearch.model.config import HEADS
from clapsearch.trainer import TrainConfig, train
from clapsearch.trainer.loop import CHECKPOINT


@pytest.fixture()
def mlp_config(tmp_path: Path) -> Path:
    """The tiny towers under LAION's head type (the real LAION towers are far too big for a test)."""
    assert "mlp" in HEADS and load_config("laion-630k-audioset").head == "mlp"
    d = load_config("tiny").to_dict()
    d["name"] = "tiny-mlp"
    d["head"] = {**d["head"], "type": "mlp"}
    path = tmp_path / "tiny-mlp.json"
    path.write_text(json.dumps(d))
    return path


def _cfg(tmp_path: Path, **kw: object) -> TrainConfig:
    return TrainConfig(**{"steps": 2, "batch_size": 6, "eval_every": 1, "holdout": 0.0,
                          "cache_dir": str(tmp_path / "c"), **kw})


def test_an_mlp_head_config_trains_the_factory_model(corpus: Path, tmp_path: Path, mlp_config: Path) -> None:
    factory = create_model(mlp_config)
    train(str(mlp_config), [corpus], tmp_path / "out", _cfg(tmp_path))
    state = torch.load(tmp_path / "out" / CHECKPOINT, weights_only=True)["model"]
    assert set(state) == set(factory.state_dict())  # LAION's heads ("audio_head.0.weight"), not CLAP's
    trained = create_model(tmp_path / "out")  # and the saved model loads back as its config says
    for name in ("audio_head", "text_head"):
        assert type(getattr(trained, name)) is type(getattr(factory, name))


def test_a_checkpoint_that_does_not_fit_fails_to_resume(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    train("tiny", [corpus], out, _cfg(tmp_path))
    state = torch.load(out / CHECKPOINT, weights_only=True)
    state["model"]["audio_head.extra"] = torch.zeros(1)  # unexpected
    state["model"].pop("text_head.linear1.weight")  # missing
    torch.save(state, out / CHECKPOINT)
    with pytest.raises(WeightsError, match="audio_head.extra"):
        train("tiny", [corpus], out, resume=out)
