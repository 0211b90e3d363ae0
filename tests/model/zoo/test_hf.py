"""`hf:` models: transformers' ClapModel behind clapsearch's windows, fingerprint and index checks.

Conformance against transformers itself on tiny random ClapConfigs saved locally with a tokenizer and a
feature extractor (save_pretrained); nothing is downloaded.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import torch
from audiogen import noise, tone
from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.encoder.encoder import Encoder
from clapsearch.errors import ConfigError, UserError
from clapsearch.model import create_model, model_identity

RATE = 16000
TEXTS = ["a dog barking", "rain on a roof", "someone playing the violin in a small room", "x"]
TOLERANCE = 1e-5
runner = CliRunner()


def tiny_tokenizer(folder: Path) -> Any:
    """A byte-level BPE RoBERTa tokenizer trained here on a few captions (no download)."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(TEXTS * 3, vocab_size=300, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    folder.mkdir(parents=True, exist_ok=True)
    bpe.save_model(str(folder))
    vocab = json.loads((folder / "vocab.json").read_text())
    merges = [tuple(line.split()) for line in (folder / "merges.txt").read_text().splitlines()
              if line and not line.startswith("#")]
    return RobertaTokenizer(vocab=vocab, merges=merges, model_max_length=32)


def save_tiny(folder: Path, fusion: bool = False, seed: int = 0) -> Path:
    """Write a tiny random transformers CLAP model, its tokenizer and feature extractor (1 s clips at 16 kHz)."""
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel

    audio = {"spec_size": 64, "num_mel_bins": 16, "window_size": 4, "patch_size": 4, "patch_stride": [4, 4],
             "depths": [1, 1], "num_attention_heads": [1, 2], "patch_embeds_hidden_size": 16, "hidden_size": 32,
             "num_classes": 4, "enable_fusion": fusion}
    text = {"vocab_size": 300, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 40}
    config = ClapConfig(text_config=text, audio_config=audio, projection_dim=8)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ClapModel(config).eval()
        with torch.no_grad():  # batch norm statistics that are not the identity
            bn = model.audio_model.audio_encoder.batch_norm
            bn.running_mean.normal_(0, 5)
            bn.running_var.uniform_(10, 40)
    extractor = ClapFeatureExtractor(feature_size=16, sampling_rate=RATE, hop_length=160, max_length_s=1,
                                     fft_window_size=512, frequency_min=50, frequency_max=8000,
                                     truncation="fusion" if fusion else "rand_trunc", padding="repeatpad")
    model.save_pretrained(folder)
    tiny_tokenizer(folder / "bpe").save_pretrained(folder)
    extractor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_hf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("hf") / "tiny-clap")


@pytest.fixture(scope="module")
def tiny_hf_fused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("hf") / "tiny-clap-fused", fusion=True)


def reference(folder: Path) -> tuple[Any, Any, Any]:
    from transformers import AutoTokenizer, ClapFeatureExtractor, ClapModel

    return (ClapModel.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder),
            ClapFeatureExtractor.from_pretrained(folder))


def clip_waves(n: int, seed: int = 0) -> np.ndarray:
    """(n, RATE): one-second windows, as clapsearch's windowing feeds them."""
    rng = np.random.default_rng(seed)
    t = np.arange(RATE) / RATE
    return np.stack([(0.3 * np.sin(2 * np.pi * (100 + 400 * i) * t) + 0.05 * rng.standard_normal(RATE))
                     for i in range(n)]).astype(np.float32)


@torch.no_grad()
def test_text_embeddings_are_transformers_get_text_features(tiny_hf: Path) -> None:
    hf, tokenizer, _ = reference(tiny_hf)
    expected = hf.get_text_features(**tokenizer(TEXTS, padding=True, return_tensors="pt")).pooler_output.numpy()
    model = create_model(tiny_hf)
    got = model.encode_text(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 8)
    assert np.abs(got - expected).max() < TOLERANCE
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    assert np.abs(model.encode_text(TEXTS[2]) - expected[2]).max() < TOLERANCE  # one string -> one vector


@torch.no_grad()
def test_audio_embeddings_are_transformers_get_audio_features(tiny_hf: Path) -> None:
    hf, _, extractor = reference(tiny_hf)
    waves = clip_waves(3)
    inputs = extractor(list(waves), sampling_rate=RATE, return_tensors="pt")
    expected = hf.get_audio_features(**inputs).pooler_output.numpy()
    model = create_model(tiny_hf)
    got = model.encode_audio(waves)
    assert got.dtype == np.float32 and got.shape == (3, 8)
    assert np.abs(got - expected).max() < TOLERANCE
    assert not np.allclose(got[0], got[1], atol=1e-3)  # the inputs shape the output
    assert model.config.audio.sample_rate == RATE and model.config.audio.clip_seconds == 1.0
    assert model.config.audio.hop_seconds == 0.5 and model.config.audio.padding == "repeatpad"
    assert model.config.embed_dim == 8


@torch.no_grad()
def test_fused_model_is_deterministic_and_batch_independent(tiny_hf_fused: Path) -> None:
    """transformers' extractor marks one random clip of a batch as longer; clapsearch marks none (every
    window is exactly one clip), so a window's vector is the same alone, in any batch, every time."""
    hf, _, extractor = reference(tiny_hf_fused)
    waves = clip_waves(4, seed=1)
    inputs = extractor(list(waves), sampling_rate=RATE, return_tensors="pt")
    assert inputs["input_features"].shape[1] == 4  # fusion's four views
    inputs["is_longer"] = torch.zeros(4, 1, dtype=torch.bool)
    expected = hf.get_audio_features(**inputs).pooler_output.numpy()
    model = create_model(tiny_hf_fused)
    got = model.encode_audio(waves)
    assert np.abs(got - expected).max() < TOLERANCE
    assert np.abs(model.encode_audio(waves[2]) - got[2]).max() < TOLERANCE
    assert np.array_equal(model.encode_audio(waves), got)
    marked = dict(inputs, is_longer=torch.tensor([[True], [False], [False], [False]]))
    assert np.abs(hf.get_audio_features(**marked).pooler_output.numpy()[0] - got[0]).max() > 1e-4  # it matters


def test_identity_records_config_and_weights(tiny_hf: Path, tmp_path: Path) -> None:
    a = model_identity(create_model(tiny_hf))
    assert a == model_identity(create_model(tiny_hf))  # stable across loads
    assert a["name"] == str(tiny_hf.resolve())
    other = model_identity(create_model(save_tiny(tmp_path / "tiny-clap", seed=1)))
    assert other["weights_hash"] != a["weights_hash"] and other["config_hash"] == a["config_hash"]
    fused = model_identity(create_model(save_tiny(tmp_path / "fused", fusion=True)))
    assert fused["config_hash"] != a["config_hash"]


def test_hf_names_load_from_the_cache_and_never_download(tiny_hf: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ConfigError, match=r"not downloaded: fetch it with 'clapsearch models --download "
                                          r"hf:clapsearch-tests/absent'"):
        create_model("hf:clapsearch-tests/absent")
    with pytest.raises(ConfigError, match="not of the form hf:ORG/NAME"):
        create_model("hf:no-org")
    import shutil

    shutil.copytree(tiny_hf, tmp_path / "cache" / "models" / "hf" / "someone" / "tiny")
    model = create_model("hf:someone/tiny")
    assert model_identity(model)["name"] == "hf:someone/tiny"
    assert np.array_equal(model.encode_text(TEXTS), create_model(tiny_hf).encode_text(TEXTS))


def test_an_incomplete_folder_is_one_clear_error(tiny_hf: Path, tmp_path: Path) -> None:
    import shutil

    folder = shutil.copytree(tiny_hf, tmp_path / "no-extractor")
    (folder / "preprocessor_config.json").unlink()
    with pytest.raises(UserError, match="cannot load the feature extractor of .*save_pretrained"):
        create_model(folder)


def test_download_is_refused_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = runner.invoke(app, ["models", "--download", "hf:laion/clap-htsat-unfused"])
    assert result.exit_code == 1 and "HF_HUB_OFFLINE" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_index_and_query_through_the_cli(tiny_hf: Path, tmp_path: Path) -> None:
    lib = tmp_path / "sounds"
    lib.mkdir()
    sf.write(lib / "tone.wav", tone(440, 2.5, RATE), RATE)
    sf.write(lib / "noise.flac", noise(1.5, 22050), 22050)
    sf.write(lib / "short.wav", tone(220, 0.3, 8000), 8000)
    idx = str(tmp_path / "idx")
    result = runner.invoke(app, ["index", str(lib), "--index", idx, "--model", str(tiny_hf), "--workers", "0",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["added"] == 3
    result = runner.invoke(app, ["query", "a dog barking", "--index", idx, "-k", "10", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)[0]["results"]
    assert {Path(h["path"]).name for h in hits} == {"tone.wav", "noise.flac", "short.wav"}
    # the scores are this model's: the query's vector against the best window the encoder gives each file, as the
    # index stores it (float16 rows of the vector file, docs/VECTORS.md)
    encoder = Encoder(tiny_hf, device="cpu")
    query = encoder.embed_texts("a dog barking")
    for hit in hits:
        stored = [np.asarray(w[2], dtype=np.float16).astype(np.float32) for w in encoder.embed_file(hit["path"])]
        best = max(float(v @ query) for v in stored)
        assert hit["score"] == pytest.approx(best, abs=1e-5)
        assert 0.0 < hit["end"] - hit["start"] <= 1.0 + 1e-6  # one window of the model's clip length at most
    result = runner.invoke(app, ["query", "a dog barking", "--index", idx, "--model", "tiny"])
    assert result.exit_code == 1 and "built with model" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bf16_precision_wraps_the_audio_network(tiny_hf: Path) -> None:
    from clapsearch.model.precision import apply_precision

    waves = clip_waves(2, seed=3)
    fp32 = create_model(tiny_hf).encode_audio(waves)
    bf16 = apply_precision(create_model(tiny_hf), "bf16").encode_audio(waves)
    assert bf16.dtype == np.float32 and np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    assert float((fp32 * bf16).sum(1).min()) > 0.99


def test_models_lists_the_published_hf_models(tiny_hf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from clapsearch.model.zoo.hf import listing

    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    rows = {r["name"]: r for r in listing()}
    assert {"hf:laion/clap-htsat-unfused", "hf:laion/larger_clap_general",
            "hf:laion/larger_clap_music_and_speech"} <= set(rows)
    assert rows["hf:laion/larger_clap_general"]["weights"] == \
        "not yet: clapsearch models --download hf:laion/larger_clap_general"
    shutil.copytree(tiny_hf, tmp_path / "cache" / "models" / "hf" / "laion" / "larger_clap_general")
    row = {r["name"]: r for r in listing()}["hf:laion/larger_clap_general"]
    assert (row["rate"], row["clip"], row["dim"]) == ("16000 Hz", "1 s", "8")
    assert row["weights"].endswith("larger_clap_general")
    result = runner.invoke(app, ["models"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "hf:laion/larger_clap_music" in result.stdout and "16000 Hz" in result.stdout


def test_an_hf_name_indexes_and_the_index_reopens_with_it(tiny_hf: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    shutil.copytree(tiny_hf, tmp_path / "cache" / "models" / "hf" / "someone" / "tiny")
    lib = tmp_path / "sounds"
    lib.mkdir()
    sf.write(lib / "tone.wav", tone(440, 1.2, RATE), RATE)
    idx = str(tmp_path / "idx")
    result = runner.invoke(app, ["index", str(lib), "--index", idx, "--model", "hf:someone/tiny", "--workers", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["query", "a tone", "--index", idx, "--json"])  # the index names its model
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["results"][0]["path"].endswith("tone.wav")
    result = runner.invoke(app, ["query", "a tone", "--index", idx, "--model", str(tiny_hf)])
    assert result.exit_code == 1 and "built with model 'hf:someone/tiny'" in result.output
    shutil.rmtree(tmp_path / "cache" / "models" / "hf" / "someone" / "tiny")
    save_tiny(tmp_path / "cache" / "models" / "hf" / "someone" / "tiny", seed=1)  # a new revision, other weights
    result = runner.invoke(app, ["query", "a tone", "--index", idx])
    assert result.exit_code == 1 and "another version of model 'hf:someone/tiny'" in result.output
    shutil.rmtree(tmp_path / "cache" / "models" / "hf" / "someone" / "tiny")
    result = runner.invoke(app, ["query", "a tone", "--index", idx])
    assert result.exit_code == 1 and "clapsearch models --download hf:someone/tiny" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_partial_download_says_fetch_it_again(tiny_hf: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setenv("CLAPSEARCH_CACHE", str(tmp_path / "cache"))
    folder = shutil.copytree(tiny_hf, tmp_path / "cache" / "models" / "hf" / "someone" / "tiny")
    (folder / "model.safetensors").unlink()  # an interrupted download
    with pytest.raises(ConfigError, match=r"cannot load the model of hf:someone/tiny .*fetch it again with "
                                          r"'clapsearch models --download hf:someone/tiny'"):
        create_model("hf:someone/tiny")


def test_a_float16_save_runs_in_float32(tiny_hf: Path, tmp_path: Path) -> None:
    from transformers import ClapModel

    folder = tmp_path / "half"
    import shutil

    shutil.copytree(tiny_hf, folder)
    ClapModel.from_pretrained(tiny_hf).half().save_pretrained(folder)
    model = create_model(folder)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    got = model.encode_audio(clip_waves(2))
    assert got.dtype == np.float32 and np.abs(got - create_model(tiny_hf).encode_audio(clip_waves(2))).max() < 0.05
