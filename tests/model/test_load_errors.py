"""Model configs, weights and devices a user gets wrong raise UserErrors that name the file and the fix."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from clapsearch.encoder import resolve_device
from clapsearch.errors import ConfigError, OptionError, UserError, WeightsError
from clapsearch.model import create_model, load_config, save_model
from clapsearch.model.checkpoint import load_safetensors, load_torch_checkpoint
from clapsearch.model.config import CONFIG_DIR
from clapsearch.model.zoo.registry import models_cache_dir, user_cache_dir


def _tiny() -> dict:
    return json.loads((CONFIG_DIR / "tiny.json").read_text())


def test_config_keys_are_checked_section_by_section(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    for section, key in [(None, "embedding_dim"), ("text", "widht"), ("head", "droput"), ("features", "nmels")]:
        config = _tiny()
        target = (config if section is None else config["audio"]["features"] if section == "features"
                  else config[section])
        target[key] = 1
        path.write_text(json.dumps(config))
        with pytest.raises(ConfigError) as e:
            load_config(path)
        where = "" if section is None else "audio.features." if section == "features" else f"{section}."
        assert f"{path}: unknown key '{where}{key}'" in str(e.value) and "remove or rename it" in str(e.value)
    path.write_text(json.dumps(_tiny()))
    assert load_config(path).name == "tiny"  # the shipped keys are all known


def test_config_files_that_cannot_be_read_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    config = _tiny()
    del config["embed_dim"]
    path.write_text(json.dumps(config))
    with pytest.raises(ConfigError, match="lacks the key 'embed_dim'"):
        load_config(path)
    path.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="holds a JSON list, not a model config"):
        load_config(path)
    config = _tiny()
    config["audio"]["features"]["f_max"] = -1.0
    path.write_text(json.dumps(config))
    with pytest.raises(ConfigError, match=r"m\.json: f_max \(-1\.0\) must be above f_min"):
        load_config(path)
    with pytest.raises(ConfigError, match="config file .*nope.json not found"):
        load_config(tmp_path / "nope.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="is not a model folder"):
        load_config(tmp_path / "empty")


def test_a_builtin_name_wins_over_a_folder_of_that_name_without_a_config(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny").mkdir()  # e.g. a data folder that happens to be called like a model
    assert load_config("tiny").name == "tiny"


def test_a_config_the_towers_reject_names_its_file(tmp_path: Path) -> None:
    config = _tiny()
    config["audio"]["features"]["f_max"] = 12000.0  # above the Nyquist frequency of 16 kHz audio
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ConfigError) as e:
        create_model(tmp_path)
    assert str(e.value).startswith(f"{tmp_path / 'config.json'}: ") and "Nyquist" in str(e.value)


def test_damaged_or_pickled_safetensors_are_weights_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.safetensors"
    save_file({"w": torch.ones(3)}, str(good))
    assert torch.equal(load_safetensors(good)["w"], torch.ones(3))
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-4])
    pickled = tmp_path / "pickled.safetensors"
    torch.save({"w": torch.ones(3)}, pickled)
    with pytest.raises(WeightsError, match="cut.safetensors is damaged or not a safetensors file"):
        load_safetensors(cut)
    with pytest.raises(WeightsError, match="pickled.safetensors is a PyTorch pickle"):
        load_safetensors(pickled, fix="do this")
    assert issubclass(WeightsError, ValueError) and issubclass(WeightsError, UserError)


def test_weights_of_another_model_do_not_fit(tmp_path: Path) -> None:
    folder = save_model(create_model("tiny"), tmp_path / "m")
    save_file({"audio_head.0.weight": torch.zeros(2, 2)}, str(folder / "model.safetensors"))
    with pytest.raises(WeightsError, match="do not fit model 'tiny'.*save or convert the model again"):
        create_model(folder)


class _System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_a_refused_pickle_names_the_global_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    torch.save({"w": torch.ones(1), "x": _System(f"touch {marker}")}, path)
    with pytest.raises(WeightsError, match="calls posix.system, which could run code"):
        load_torch_checkpoint(path)
    assert not marker.exists()
    (tmp_path / "junk.pth").write_bytes(os.urandom(300))
    with pytest.raises(WeightsError, match="junk.pth: it is damaged or not a PyTorch checkpoint"):
        load_torch_checkpoint(tmp_path / "junk.pth")


def test_cuda_without_a_gpu_is_an_option_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(OptionError, match="--device cuda was asked for.*use --device cpu"):
        resolve_device("cuda")
    with pytest.raises(OptionError, match="unknown device 'gpu'"):
        resolve_device("gpu")
    assert resolve_device("auto") == "cpu"


def test_the_user_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAPSEARCH_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "clapsearch"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_dir() == tmp_path / "xdg" / "clapsearch"
    assert models_cache_dir() == tmp_path / "xdg" / "clapsearch" / "models"
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "mine"))
    assert user_cache_dir() == tmp_path / "mine"
