from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.model import load_config


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


def test_train_command_errors_are_one_line(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CLAPSEARCH_CACHE", raising=False)
    base = ["train", "--config", "tiny", "--out", str(tmp_path / "m"), "--steps", "1"]
    config = load_config("tiny").to_dict()
    config["audio"]["features"]["f_max"] = 12000.0  # above the Nyquist frequency of the tiny model's 16 kHz
    (tmp_path / "c.json").write_text(json.dumps(config))
    for extra, needles in [
        (["--data", str(corpus), "--config", str(tmp_path / "c.json")], ["c.json: f_max", "Nyquist", "fix the config"]),
        (["--data", str(tmp_path / "none.jsonl")], ["manifest", "none.jsonl not found", "--data"]),
        (["--data", str(corpus), "--eval", "retrieval=x?k=many"], ["k must be a whole number", "'many'"]),
        (["--data", str(corpus), "--eval", "zeroshot=" + str(tmp_path / "dev")], ["dev set", "not found", "--eval"]),
        (["--resume", str(tmp_path / "no-run")], ["no checkpoint to resume from", "no-run", "--resume"]),
        (["--data", str(corpus), "--lexicon", str(tmp_path / "no-wordnet")],
         ["no-wordnet holds no WordNet index.noun", "'wordnet'"]),
        (["--data", str(corpus), "--sentences"], ["--sentences", "give --lexicon too"]),
    ]:
        result = CliRunner().invoke(app, base + extra)
        lines = [ln for ln in result.output.splitlines() if ln.strip()]
        assert result.exit_code == 1 and len(lines) == 1 and "Traceback" not in result.output, result.output
        assert lines[0].startswith("error: ") and all(n in lines[0] for n in needles), lines[0]


def test_the_feature_cache_defaults_to_the_user_cache(tmp_path: Path, monkeypatch) -> None:
    from clapsearch.trainer import TrainConfig

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CLAPSEARCH_CACHE", raising=False)
    assert TrainConfig().cache_dir == str(tmp_path / "xdg" / "clapsearch" / "features")
