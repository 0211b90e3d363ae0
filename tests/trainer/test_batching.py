from __future__ import annotations

import pytest
import torch

from clapsearch.trainer.batching import BatchSampler, Pick


def test_label_aware_batches_hold_one_clip_per_label() -> None:
    groups = [f"label:{i % 13}" for i in range(200)] + [f"clip:{i}" for i in range(20)]
    sampler = BatchSampler(groups, [2] * len(groups), batch_size=16, seed=3)
    for step in range(300):
        picks = sampler.draw(step)
        labels = [groups[p.clip] for p in picks]
        assert len(picks) == 16 and len(set(labels)) == 16
        assert sampler.same_label(picks).sum() == 16  # only the diagonal
        assert all(0 <= p.caption < 2 and 0 <= p.crop < 1 for p in picks)


def test_batches_depend_only_on_seed_and_step() -> None:
    groups = [f"label:{i % 5}" for i in range(50)]
    a = BatchSampler(groups, [1] * 50, 4, seed=1)
    b = BatchSampler(groups, [1] * 50, 4, seed=1)
    assert [b.draw(s) for s in (7, 3)] == [a.draw(7), a.draw(3)]
    assert a.draw(7) != a.draw(8)


def test_plain_batches_and_mask() -> None:
    groups = ["label:a"] * 10 + ["label:b"] * 10
    sampler = BatchSampler(groups, [1] * 20, 8, seed=0, label_aware=False)
    picks = sampler.draw(0)
    assert len({p.clip for p in picks}) == 8
    mask = sampler.same_label(picks)
    assert bool(mask.diagonal().all()) and mask.sum() > 8  # 8 clips of 2 labels share labels
    with pytest.raises(ValueError):
        BatchSampler(["label:a"] * 5, [1] * 5, 4, seed=0)


def test_a_mixture_is_no_negative_for_its_background_label() -> None:
    groups = ["label:dog", "label:rain", "label:bell", "label:dog"]  # the last is a dog over rain
    sampler = BatchSampler(groups, [1] * 4, 3, seed=0, backgrounds=["", "", "", "label:rain"])
    picks = [Pick(3, 0.0, 0), Pick(1, 0.0, 0), Pick(2, 0.0, 0)]
    mask = sampler.same_label(picks)
    expected = torch.tensor([[True, True, False], [True, True, False], [False, False, True]])
    assert torch.equal(mask, expected)  # both directions: the mixture's audio and its compound captions
    plain = BatchSampler(groups, [1] * 4, 3, seed=0)
    assert torch.equal(plain.same_label(picks), torch.eye(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="backgrounds"):
        BatchSampler(groups, [1] * 4, 3, seed=0, backgrounds=["", ""])
