"""The model a run trains: a config's fresh model, a saved folder to continue, or a checkpoint's weights back."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch

from clapsearch.errors import WeightsError
from clapsearch.model import ClapModel, ModelConfig, create_model, load_config
from clapsearch.model.factory import blame_config, build_model, trainable_state
from clapsearch.model.heads import ProjectionHead
from clapsearch.paths import display_path


def model_to_train(config: str, dropout: float | None, device: str, audio_centre: float | None = None) -> ClapModel:
    """Return the model to train: fresh heads for a config name or file, or a saved model folder to continue.

    A built-in name never picks up the shipped weights, so that retraining `default` starts from scratch.
    """
    if Path(config).is_dir():
        model = create_model(config, device=device)
    else:
        path = Path(config)
        with blame_config(path if path.suffix == ".json" and path.is_file() else None):
            model = fresh_model(load_config(config), device)
    if dropout is not None:
        model.config = replace(model.config, dropout=dropout)
        for head in (model.audio_head, model.text_head):
            if isinstance(head, ProjectionHead):  # LAION's MLP heads have no dropout
                head.dropout.p = dropout
    if audio_centre is not None:
        model.set_audio_centre_weight(audio_centre)
    return model


def fresh_model(cfg: ModelConfig, device: str) -> ClapModel:
    """Return the factory's model for a config: pretrained towers, the heads its config names.

    The untrained heads are drawn from the torch generator as the trainer seeded it (--seed).
    """
    return build_model(cfg, seed=None).to(device)


def load_trained_state(model: ClapModel, state: dict[str, torch.Tensor], source: Path | str) -> None:
    """Load a checkpoint's trained tensors strictly: every key the model trains, nothing else.

    A checkpoint holds no frozen tower (trainable_state), so those keys come from the model's own towers.
    """
    trained = trainable_state(model).keys()
    frozen = {k: v for k, v in model.state_dict().items() if k not in trained}
    try:
        model.load_state_dict({**frozen, **state}, strict=True)
    except RuntimeError as e:
        detail = " ".join(line.strip() for line in str(e).splitlines()[1:]) or str(e)
        raise WeightsError(f"checkpoint {display_path(str(source))} does not fit model {model.config.name!r} "
                           f"({detail}): resume the --out folder of a run of this config, or start again") from None
