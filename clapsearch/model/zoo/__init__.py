"""Published CLAP models (MS-CLAP, LAION-CLAP): registry, converters from the official files, optional download."""
from __future__ import annotations

from clapsearch.model.zoo.registry import PUBLISHED, PublishedModel, models_cache_dir, published_model, user_cache_dir

__all__ = ["PUBLISHED", "PublishedModel", "models_cache_dir", "published_model", "user_cache_dir"]
