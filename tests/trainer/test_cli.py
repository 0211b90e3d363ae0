from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clapsearch.cli.main import app


def test_train_command_writes_a_model_folder(corpus: Path, tmp_path: Path, frozen_config: Path) -> None:
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train", "--config", str(frozen_config), "--data", str(corpus),
                                      "--out", str(out), "--steps", "4", "--batch-size", "4", "--eval-every", "2",
                                      "--cache", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "config.json").read_text())
    assert saved["provenance"]["command"].startswith("clapsearch ")
    assert saved["provenance"]["manifests"][0]["clips"] == 48
    assert len((out / "log.jsonl").read_text().splitlines()) == 4 + 1


def test_train_command_needs_a_length(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--data", str(corpus), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
