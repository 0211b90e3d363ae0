"""TrainConfig checks its settings when it is made: a bad value fails at once, before any data is read."""
from __future__ import annotations

from pathlib import Path

import pytest

import clapsearch.trainer.prepare as prepare
from clapsearch.errors import OptionError, UserError
from clapsearch.trainer import TrainConfig, train


@pytest.mark.parametrize("setting, option", [
    ({"ema": 1.0}, "--ema"), ({"ema": -0.1}, "--ema"), ({"soft_targets": 1.0}, "--soft-targets"),
    ({"soft_targets": 0.4, "soft_temperature": 0.0}, "--soft-temperature"), ({"grad_accum": 0}, "--grad-accum"),
    ({"crops": 0}, "--crops"), ({"mix": -1}, "--mix"), ({"holdout": 1.0}, "--holdout"), ({"dropout": 1.0}, "--dropout"),
])
def test_a_bad_setting_fails_before_any_data_is_touched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        setting: dict, option: str) -> None:
    def touched(*args: object, **kwargs: object) -> None:
        pytest.fail("data was read before the settings were checked")

    monkeypatch.setattr(prepare, "load_manifests", touched)
    monkeypatch.setattr(prepare, "FeatureCache", touched)
    with pytest.raises(OptionError, match=option) as caught:
        train("tiny", [tmp_path / "m.jsonl"], tmp_path / "out", TrainConfig(steps=2, **setting))
    assert isinstance(caught.value, UserError) and ": " in str(caught.value)  # the option, then the fix


def test_a_resumed_run_checks_its_saved_settings_too() -> None:
    saved = TrainConfig(steps=3, ema=0.9).to_dict()
    with pytest.raises(OptionError, match="--ema"):
        TrainConfig.from_dict({**saved, "ema": 1.5})
    assert TrainConfig.from_dict(saved).ema == 0.9
