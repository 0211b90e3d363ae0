"""The paper's architecture (CNN14 + BERT-base, all trained) runs through the same trainer, end to end."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from clapsearch.model import create_model
from clapsearch.trainer import TrainConfig, train


def test_paper_config_trains_a_few_steps_on_cpu(corpus: Path, tmp_path: Path) -> None:
    cfg = TrainConfig(steps=2, batch_size=2, lr=1e-4, eval_every=0, holdout=0.0, device="cpu",
                      cache_dir=str(tmp_path / "c"))
    result = train("paper", [corpus], tmp_path / "out", cfg)
    assert result.steps == 2
    rows = [json.loads(line) for line in (tmp_path / "out" / "log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if "loss" in r]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses)
    model = create_model(tmp_path / "out")  # towers are trained, so they are saved with the heads
    assert model.config.name == "paper" and model.audio_tower.net.fc1.weight.requires_grad
    emb = model.encode_text("a whistle")
    assert emb.shape == (1024,) and math.isclose(float(np.linalg.norm(emb)), 1.0, rel_tol=1e-5)
