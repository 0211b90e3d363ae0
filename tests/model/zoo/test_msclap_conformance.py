"""msclap-2022 and msclap-2023 converted by clapsearch give the reference package's embeddings."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml

from clapsearch.model import create_model
from clapsearch.model.towers.frontend import fit_clip
from clapsearch.model.zoo.convert import convert_checkpoint

from .conftest import TOLERANCE, max_diff, randomise_norms, save_official, small_config, token_batch, waves

CASES = [("2022", "msclap-2022", "bert"), ("2023", "msclap-2023", "gpt2")]


def reference_file(msclap_ref: Any, version: str, folder: Path) -> Path:
    """Build msclap's CLAP from its own config with random weights; save it as the official file is laid out."""
    from msclap.models.clap import CLAP

    args = yaml.safe_load((Path(msclap_ref.__file__).parent / "configs" / f"config_{version}.yml").read_text())
    torch.manual_seed(1)
    clap = CLAP(audioenc_name=args["audioenc_name"], sample_rate=args["sampling_rate"],
                window_size=args["window_size"], hop_size=args["hop_size"], mel_bins=args["mel_bins"],
                fmin=args["fmin"], fmax=args["fmax"], classes_num=args["num_classes"], out_emb=args["out_emb"],
                text_model=args["text_model"], transformer_embed_dim=args["transformer_embed_dim"],
                d_proj=args["d_proj"])
    randomise_norms(clap)
    return save_official(folder / f"CLAP_weights_{version}.pth", {"model": clap.state_dict()})


@pytest.mark.parametrize("version,name,text_model", CASES)
def test_msclap_embeddings_match_the_reference(msclap_ref: Any, tmp_path: Path, version: str, name: str,
                                               text_model: str) -> None:
    path = reference_file(msclap_ref, version, tmp_path)
    ref = msclap_ref.CLAPWrapper(model_fp=str(path), version=version, use_cuda=False)
    folder, report = convert_checkpoint(path, tmp_path / "converted", model=small_config(name))
    assert not report.missing and not report.unexpected
    assert report.checks["mel_filters_max_abs_diff"] == 0.0
    model = create_model(folder)
    rate, seconds = ref.args.sampling_rate, ref.args.duration

    # audio: full clips, and a short one that both sides fill by repeating it
    clips = waves([seconds, seconds], rate)
    short = waves([1.3], rate, seed=1)[0]
    padded = _reference_padding(ref, short)
    np.testing.assert_array_equal(fit_clip(torch.from_numpy(short), seconds * rate, "repeat").numpy(), padded)
    batch = torch.from_numpy(np.stack([*clips, padded]))
    with torch.no_grad():
        expected = ref._get_audio_embeddings(batch[:, None, :])
    ours = np.stack([*model.encode_audio(np.stack(clips)), model.encode_audio(short)])
    audio_diff = max_diff(ours, expected)

    # text: the same token ids on both sides (GPT-2 pads with "!", id 0)
    low, pad = (1, 0) if text_model == "gpt2" else (3, 0)
    tokens = token_batch([5, 17, 1], ref.args.text_len, pad_id=pad, low=low)
    with torch.no_grad():
        expected_text = ref._get_text_embeddings(dict(tokens))
        ours_text = model(text=tokens)["text"]
    text_diff = max_diff(ours_text, expected_text)
    print(f"{name}: max abs diff audio {audio_diff:.2e}, text {text_diff:.2e}")
    assert audio_diff <= TOLERANCE and text_diff <= TOLERANCE


def _reference_padding(ref: Any, wave: np.ndarray) -> np.ndarray:
    """Return msclap's own filling of a short clip (its file reading replaced by the array)."""
    ref.read_audio = lambda path, resample=True: (torch.from_numpy(wave)[None], ref.args.sampling_rate)
    return ref.load_audio_into_tensor("clip.wav", ref.args.duration, resample=False).numpy()
