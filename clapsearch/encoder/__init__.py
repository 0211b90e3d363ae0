"""Encoder: a model on a device, fed in batches; the only layer the indexer and search engine embed through."""
from __future__ import annotations

from clapsearch.encoder.encoder import Encoder, resolve_device

__all__ = ["Encoder", "resolve_device"]
