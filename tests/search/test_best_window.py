"""best_window_scores: a file scores at its best window, the rule rank_files applies."""
from __future__ import annotations

import numpy as np

from clapsearch.search.engine import best_window_scores


def test_each_file_scores_at_its_best_window() -> None:
    sims = np.array([[0.1, 0.9], [0.5, 0.2], [0.3, 0.4]], dtype=np.float32)  # (windows, queries)
    out = best_window_scores(sims, np.array([0, 0, 2]), 3)
    assert out.dtype == np.float32 and out.shape == (3, 2)
    np.testing.assert_array_equal(out[0], sims[[1, 0], [0, 1]])
    assert np.isneginf(out[1]).all()
    np.testing.assert_array_equal(out[2], sims[2])
