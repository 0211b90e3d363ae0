"""Text queries without torch: a BERT-family text tower and its projection head in numpy (see encoder.py)."""
from __future__ import annotations

from clapsearch.textquery.encoder import NumpyTextEncoder, numpy_text_encoder

__all__ = ["NumpyTextEncoder", "numpy_text_encoder"]
