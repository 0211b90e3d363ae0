"""The CLAP model: towers, projection heads, temperature, loss, and the factory that builds them."""
from __future__ import annotations

from clapsearch.model.clap import ClapModel
from clapsearch.model.config import ModelConfig, available_configs, load_config
from clapsearch.model.factory import create_model, model_identity, save_model
from clapsearch.model.heads import ProjectionHead, contrastive_loss, semantic_targets

__all__ = ["ClapModel", "ModelConfig", "ProjectionHead", "available_configs", "contrastive_loss",
           "create_model", "load_config", "model_identity", "save_model", "semantic_targets"]
