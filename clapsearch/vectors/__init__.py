"""FAISS side of an index: inner-product search over L2-normalised vectors; knows nothing of models or SQL."""
from __future__ import annotations

from clapsearch.vectors.faiss_index import VectorIndex

__all__ = ["VectorIndex"]
