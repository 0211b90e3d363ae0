"""LAION-CLAP (HTSAT + RoBERTa, with and without fusion) converted by clapsearch gives laion_clap's embeddings."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from clapsearch.model import create_model
from clapsearch.model.zoo.convert import convert_checkpoint

from .conftest import TOLERANCE, max_diff, randomise_norms, save_official, small_config, token_batch, waves

CASES = [("laion-630k-audioset", False, [10.0, 3.2]), ("laion-630k-audioset-fusion", True, [12.5, 3.2])]


def reference_module(laion_ref: Any, fusion: bool, folder: Path) -> tuple[Any, Path]:
    """Build laion_clap's CLAP_Module with random weights; save it as the official .pt files are laid out."""
    torch.manual_seed(2)
    module = laion_ref.CLAP_Module(enable_fusion=fusion, device="cpu", amodel="HTSAT-tiny", tmodel="roberta")
    randomise_norms(module.model)
    state = {f"module.{k}": v for k, v in module.model.state_dict().items()}
    name = "630k-audioset-fusion-best.pt" if fusion else "630k-audioset-best.pt"
    return module, save_official(folder / name, {"epoch": 1, "name": "reference", "state_dict": state})


@pytest.mark.parametrize("name,fusion,seconds", CASES)
def test_laion_embeddings_match_the_reference(laion_ref: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              name: str, fusion: bool, seconds: list[float]) -> None:
    ref, path = reference_module(laion_ref, fusion, tmp_path)
    folder, report = convert_checkpoint(path, tmp_path / "converted", model=small_config(name))
    assert not report.missing and not report.unexpected
    model = create_model(folder)

    # audio: a long or full clip and a short one (repeat-padded); LAION picks the fusion chunks at
    # random, clapsearch the middle of each third: the reference is made to pick the same
    clips = waves(seconds, 48000)
    monkeypatch.setattr(np.random, "choice", lambda r: r[len(r) // 2])
    expected = ref.get_audio_embedding_from_data(clips)
    ours = np.stack([model.encode_audio(c) for c in clips])
    audio_diff = max_diff(ours, expected)
    if fusion:  # the long clip really went through the fusion branch
        assert max_diff(ours[0], model.encode_audio(clips[0][:480000])) > 1e-3

    tokens = token_batch([6, 30, 2], 77, pad_id=1)
    expected_text = ref.get_text_embedding(["a", "b", "c"], tokenizer=lambda texts: dict(tokens))
    with torch.no_grad():
        ours_text = model(text=tokens)["text"]
    text_diff = max_diff(ours_text, expected_text)
    print(f"{name}: max abs diff audio {audio_diff:.2e}, text {text_diff:.2e}")
    assert audio_diff <= TOLERANCE and text_diff <= TOLERANCE
