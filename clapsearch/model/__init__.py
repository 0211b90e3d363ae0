"""The CLAP model: towers, projection heads, temperature, loss, and the factory that builds them.

The names below are imported on first use (PEP 562), so that the torch-free parts (config, folders, zoo
registry) can be imported without torch.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clapsearch.model.clap import ClapModel
    from clapsearch.model.config import ModelConfig, available_configs, load_config
    from clapsearch.model.factory import create_model, model_identity, save_model
    from clapsearch.model.heads import ProjectionHead, contrastive_loss, semantic_targets

_WHERE = {"ClapModel": "clap", "ModelConfig": "config", "available_configs": "config", "load_config": "config",
          "create_model": "factory", "model_identity": "factory", "save_model": "factory",
          "ProjectionHead": "heads", "contrastive_loss": "heads", "semantic_targets": "heads"}

__all__ = ["ClapModel", "ModelConfig", "ProjectionHead", "available_configs", "contrastive_loss",
           "create_model", "load_config", "model_identity", "save_model", "semantic_targets"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"clapsearch.model.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'clapsearch.model' has no attribute {name!r}")
