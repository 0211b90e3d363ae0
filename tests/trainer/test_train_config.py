"""`clapsearch train --train-config FILE`: settings from a JSON file, the command line on top, defaults written once."""
from __future__ import annotations

import json
import shlex
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clapsearch import trainer
from clapsearch.cli.main import app
from clapsearch.errors import ConfigError
from clapsearch.train_config import TrainConfig, defaults, read_train_file
from clapsearch.trainer.config import TrainResult

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "default.json"


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """What `clapsearch train` hands to the trainer (train() and the evaluators replaced)."""
    got: dict[str, Any] = {}

    def fake_train(config: str, data: list[Path], out: Path, cfg: TrainConfig, **kwargs: Any) -> TrainResult:
        got.update(config=config, data=[str(p) for p in data], out=str(out), cfg=cfg,
                   evals=list(kwargs["evaluators"]))
        return TrainResult(out=str(out), steps=0, best_step=0, best_metric=None, metrics={})

    monkeypatch.setattr(trainer, "train", fake_train)
    monkeypatch.setattr(trainer, "parse_evaluator", lambda spec, cache_dir: spec)
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    return got


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(app, ["train", *args])


def _settings(cfg: TrainConfig) -> dict[str, Any]:
    d = cfg.to_dict()
    d.pop("cache_dir")
    d["label_templates"] = list(d["label_templates"])
    return d


def test_file_values_reach_train(seen: dict[str, Any], tmp_path: Path) -> None:
    recipe = {"config": "tiny", "data": ["a.jsonl", "b.jsonl"], "eval": ["zeroshot=dev"], "steps": 7,
              "batch_size": 8, "lr": 0.01, "epochs": 2, "mix": 5, "amp": False, "dropout": 0.1, "clip_grad": 0.5,
              "label_templates": ["a {label}"]}
    (tmp_path / "r.json").write_text(json.dumps(recipe))
    result = _invoke(["--train-config", str(tmp_path / "r.json"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    cfg = seen["cfg"]
    assert (cfg.steps, cfg.batch_size, cfg.lr, cfg.mix, cfg.amp, cfg.dropout, cfg.clip_grad) == (7, 8, 0.01, 5, False,
                                                                                                  0.1, 0.5)
    assert cfg.epochs == 2.0 and isinstance(cfg.epochs, float) and cfg.label_templates == ("a {label}",)
    assert (seen["config"], seen["data"], seen["evals"]) == ("tiny", ["a.jsonl", "b.jsonl"], ["zeroshot=dev"])
    assert cfg.holdout == TrainConfig().holdout  # a field the file does not give keeps the dataclass default


def test_the_command_line_overrides_the_file(seen: dict[str, Any], tmp_path: Path) -> None:
    recipe = {"config": "tiny", "data": ["a.jsonl"], "eval": ["zeroshot=dev"], "steps": 7, "batch_size": 8,
              "amp": False, "label_templates": ["a {label}"], "seed": 3}
    (tmp_path / "r.json").write_text(json.dumps(recipe))
    result = _invoke(["--train-config", str(tmp_path / "r.json"), "--out", str(tmp_path / "out"),
                      "--batch-size", "16", "--amp", "--data", "c.jsonl", "--config", "default",
                      "--label-template", "none", "--seed", "0", "--cache", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    cfg = seen["cfg"]
    assert (cfg.batch_size, cfg.amp, cfg.label_templates, cfg.seed, cfg.steps) == (16, True, (), 0, 7)
    assert cfg.cache_dir == str(tmp_path / "c")
    assert (seen["config"], seen["data"], seen["evals"]) == ("default", ["c.jsonl"], ["zeroshot=dev"])


@pytest.mark.parametrize("content, needles", [
    ({"batch_size": 8, "batchsize": 8}, ["unknown key 'batchsize'", "known keys:", "batch_size", "soft_targets",
                                         "data"]),
    ({"batch_size": "big"}, ["'batch_size' must be a whole number", '"big"']),
    ({"amp": 1}, ["'amp' must be true or false"]),
    ({"data": "a.jsonl"}, ["'data' must be a list of strings"]),
    ([1, 2], ["not a JSON object"]),
    ("{not json", ["not JSON"]),
    ({"ema": 1.5, "steps": 1, "data": ["a.jsonl"]}, ["--ema 1.5 cannot be used"]),  # TrainConfig's own checks
])
def test_a_bad_file_is_one_line_naming_it(seen: dict[str, Any], tmp_path: Path, content: Any,
                                          needles: list[str]) -> None:
    path = tmp_path / "r.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    result = _invoke(["--train-config", str(path), "--out", str(tmp_path / "out"), "--steps", "1"])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and "Traceback" not in result.output, result.output
    assert lines[0].startswith("error: ") and all(n in lines[0] for n in needles), lines[0]
    assert "ema" in content or "r.json" in lines[0]
    assert not seen


def test_unknown_key_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text('{"lr": 0.1, "learning_rate": 0.1}')
    with pytest.raises(ConfigError, match=r"r\.json: unknown key 'learning_rate'; known keys: .*\blr\b"):
        read_train_file(tmp_path / "r.json")
    assert read_train_file(RECIPE)[1]["config"] == "default"


def test_cli_defaults_are_the_dataclass_defaults(seen: dict[str, Any], tmp_path: Path) -> None:
    result = _invoke(["--data", "a.jsonl", "--steps", "3", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert seen["cfg"] == TrainConfig(steps=3) and seen["config"] == "default"
    shown = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"}).output
    for option, value in [("--batch-size", "64"), ("--lr", "0.001"), ("--soft-temperature", "0.05"),
                          ("--amp", "amp"), ("--label-template", "this is a sound of {label}")]:
        line = next(ln for ln in shown.splitlines() if f" {option} " in ln)
        assert f"[default: {value}" in line, line
    assert defaults()["batch_size"] == 64 and {f.name for f in fields(TrainConfig)} - set(defaults()) == {"cache_dir"}


def test_the_recipe_rebuilds_the_shipped_model(seen: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """recipes/default.json, as docs/TRAINING.md runs it, gives the settings the shipped model was trained with."""
    monkeypatch.chdir(ROOT)
    docs = (ROOT / "docs" / "TRAINING.md").read_text()
    documented = next(ln for ln in docs.splitlines() if ln.startswith("clapsearch train --train-config recipes/"))
    result = _invoke(shlex.split(documented)[2:])
    assert result.exit_code == 0, result.output
    from_recipe = dict(seen)
    # the command that trained the shipped weights, as their provenance records it
    provenance = json.loads((ROOT / "clapsearch" / "weights" / "default" / "config.json").read_text())["provenance"]
    # (a setting added since then reads as its default, as when the run resumes)
    assert _settings(from_recipe["cfg"]) == _settings(TrainConfig.from_dict(provenance["train"]))
    seen.clear()
    command = shlex.split(provenance["command"])  # "clapsearch [-v] train ...": its options after "train"
    result = _invoke(command[command.index("train") + 1:])
    assert result.exit_code == 0, result.output
    assert seen["cfg"] == from_recipe["cfg"]
    assert (seen["config"], seen["data"], seen["evals"]) == (from_recipe["config"], from_recipe["data"],
                                                             from_recipe["evals"])
    assert [Path(p).parent.name + "/" + Path(p).name for p in seen["data"]][-2:] == [
        "corpus-speech/manifest.clean.jsonl", "corpus-gm/manifest.clean.jsonl"]  # the synthesised sets, checked
