"""Precision modes: resolution of `auto`, deterministic vectors within a precision, and an index that never mixes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.encoder import Encoder
from clapsearch.errors import OptionError
from clapsearch.index import IndexDir
from clapsearch.index.folder import IndexError_
from clapsearch.indexer import index_paths
from clapsearch.model import create_model
from clapsearch.model import precision as prec
from clapsearch.search import SearchEngine


def waves(n: int, samples: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / 16000
    out = [0.3 * np.sin(2 * np.pi * (150 + 90 * i) * t) + 0.05 * rng.standard_normal(samples) for i in range(n)]
    return np.stack(out).astype(np.float32)


def test_auto_picks_the_measured_mode_and_falls_back_to_fp32(monkeypatch) -> None:
    monkeypatch.setattr(prec, "cpu_has_bf16", lambda: True)
    assert prec.resolve_precision("auto", "default", "cpu") == prec.AUTO["cpu"]["default"]
    assert prec.resolve_precision("auto", "tiny", "cpu") == "fp32"  # not measured: fp32
    assert prec.resolve_precision("auto", "default", "cpu", recorded="int8") == "int8"  # an index's own
    monkeypatch.setattr(prec, "cpu_has_bf16", lambda: False)
    assert prec.resolve_precision("auto", "default", "cpu") == "fp32"  # a CPU without bf16
    with pytest.raises(OptionError, match="no bf16 instructions"):
        prec.resolve_precision("bf16", "default", "cpu")
    with pytest.raises(OptionError, match="CPU only"):
        prec.resolve_precision("int8", "default", "cuda")
    with pytest.raises(OptionError, match="auto, fp32, bf16, int8"):
        prec.resolve_precision("fp16", "default", "cpu")


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_same_window_same_vector_in_any_batch(precision: str) -> None:
    model = create_model("tiny")
    x = waves(6, model.config.audio.clip_samples)
    reference = model.encode_audio(x)
    enc = Encoder(model, device="cpu", precision="fp32")
    if precision != "fp32":
        prec.apply_precision(model, precision, calibration=__import__("torch").from_numpy(x[:4]))
    assert getattr(model, "precision", "fp32") == precision
    whole = enc.embed_waves(x)
    singles = np.concatenate([enc.embed_waves(x[i:i + 1]) for i in range(len(x))])
    middle = enc.embed_waves(x[2:5])
    np.testing.assert_allclose(singles, whole, atol=1e-6)
    np.testing.assert_allclose(middle, whole[2:5], atol=1e-6)
    np.testing.assert_array_equal(enc.embed_waves(x), whole)  # run to run: bit for bit
    cos = (whole * reference).sum(axis=1)
    assert cos.min() > 0.98
    if precision != "fp32":
        assert np.abs(whole - reference).max() > 1e-5  # the network really ran in another precision
    norms = np.linalg.norm(whole, axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_the_index_records_its_precision_and_refuses_another(library: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    index_paths([library], idx, model="tiny", workers=0, precision="int8")
    opened = IndexDir.open(idx, device="cpu")
    assert opened.store.meta()["precision"] == "int8"
    opened.store.close()
    with pytest.raises(IndexError_, match="holds int8 vectors, not fp32: use --precision int8"):
        index_paths([library], idx, model="tiny", workers=0, precision="fp32")
    again = index_paths([library], idx, model="tiny", workers=0, precision="auto")  # auto keeps the index's
    assert again.unchanged == 4
    engine = SearchEngine(idx, device="cpu")  # a reader: auto is the index's precision
    assert engine.index.encoder.precision == "int8"
    query = engine.index.encoder.embed_file(library / "tone440.wav")[0][2]
    stored = np.concatenate([v for _, v in engine.index.store.iter_vectors(engine.index.encoder.dim)])
    assert (stored @ query).max() > 1 - 1e-5  # an audio query embeds as the index did
    # a reader may embed at another precision (text queries do not depend on it)
    assert SearchEngine(idx, device="cpu", precision="fp32").query_text(["a tone"], 4)[0]


def test_cli_precision_errors_are_one_line(library: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["index", str(library), "--index", str(tmp_path / "i"), "--model", "tiny",
                            "--precision", "fp16", "--workers", "0"])
    assert r.exit_code != 0
    assert "unknown precision 'fp16'" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["index", str(library), "--index", str(tmp_path / "i"), "--model", "tiny",
                            "--precision", "int8", "--workers", "0", "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["index", str(library), "--index", str(tmp_path / "i"), "--precision", "fp32",
                            "--workers", "0"])
    assert r.exit_code != 0 and "holds int8 vectors" in r.output


def test_query_and_serve_refuse_an_unknown_precision_in_one_line(library: Path, tmp_path: Path) -> None:
    index_paths([library], tmp_path / "i", model="tiny", workers=0)
    runner = CliRunner()
    for args in (["query", "a tone"], ["serve", "--port", "0"]):
        r = runner.invoke(app, [*args, "--index", str(tmp_path / "i"), "--precision", "half"])
        assert r.exit_code != 0
        assert "unknown precision 'half'" in r.output and "Traceback" not in r.output
