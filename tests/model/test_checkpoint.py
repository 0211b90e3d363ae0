from __future__ import annotations

import collections
import pickle

import pytest
import torch

from clapsearch.model.checkpoint import load_torch_checkpoint


class Evil:
    def __reduce__(self):
        return (print, ("code ran while unpickling",))


def test_plain_checkpoints_load(tmp_path) -> None:
    path = tmp_path / "ok.pth"
    torch.save((collections.OrderedDict(w=torch.ones(2)), {"ds": (1, 3)}), path)
    weights, extra = load_torch_checkpoint(path)
    assert torch.equal(weights["w"], torch.ones(2)) and extra == {"ds": (1, 3)}


def test_arbitrary_objects_are_refused(tmp_path) -> None:
    path = tmp_path / "evil.pth"
    torch.save({"w": torch.ones(1), "x": Evil()}, path, pickle_module=pickle)
    with pytest.raises(ValueError, match="cannot load checkpoint"):
        load_torch_checkpoint(path)
