"""Zero-shot, retrieval and a probe end to end with the tiny random model on generated layouts."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from clapsearch.benchmark import RunOptions, load_task, run_task, write_report
from clapsearch.benchmark.indexing import default_index_dir, open_engine, score_matrix
from clapsearch.cli.main import app

OPTS = RunOptions(model="tiny", workers=0, device="cpu")


def test_zero_shot_cli_end_to_end(folder_layout: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    out, png = tmp_path / "r.json", tmp_path / "c.png"
    args = ["benchmark", "folder", "--root", str(folder_layout), "--model", "tiny", "--index", str(index),
            "--json", str(out), "--plot", str(png), "--workers", "0", "--device", "cpu",
            "--prompt", "this is a sound of {label}", "--prompt", "{label}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    r = json.loads(out.read_text())
    assert {k: r[k] for k in ("task", "dataset", "model", "n", "metric", "protocol")} == {
        "task": "folder", "dataset": "folder-set", "model": "tiny", "n": 6, "metric": "accuracy",
        "protocol": "zeroshot"}
    assert r["value"] == r["accuracy"] and 0.0 <= r["value"] <= 1.0
    assert set(r["per_class"]) == {"hiss", "hum"}
    assert sum(map(sum, r["confusion"])) == 6 and r["prompts"] == ["this is a sound of {label}", "{label}"]
    assert png.stat().st_size > 1000
    # The same clips again: the index is reused, nothing is decoded twice.
    from clapsearch.indexer import index_paths
    assert index_paths([folder_layout], index, model="tiny", workers=0).unchanged == 6


def test_scores_come_from_the_search_engine(folder_layout: Path, tmp_path: Path) -> None:
    """The zero-shot scores are the engine's: each file at its best segment, for every class prompt."""
    data = load_task("folder", folder_layout)
    index = tmp_path / "idx"
    result = run_task("folder", folder_layout, OPTS, index)
    engine = open_engine(index, "tiny", "cpu")
    text = engine.encoder.embed_texts(["this is a sound of hiss", "this is a sound of hum"])
    got = score_matrix(engine, text, [c.path for c in data.clips])
    for j, clip in enumerate(data.clips):
        segs = engine.index.store.vectors_of(clip.path, engine.encoder.dim)
        assert len(segs) >= 1
        np.testing.assert_allclose(got[:, j], (text @ segs.T).max(axis=1), rtol=1e-5, atol=1e-5)
    truth = np.array([data.classes.index(c.labels[0]) for c in data.clips])
    assert result.value == pytest.approx(float((got.argmax(axis=0) == truth).mean()))


def test_grouped_csv_classifies_within_each_group(tmp_path: Path, write_tone: Callable[..., Path]) -> None:
    root = tmp_path / "g"
    for name in ("cat", "dog", "cello", "piano"):
        write_tone(root / "audio" / f"{name}.wav", 200 + 300 * len(name))
    (root / "labels.csv").write_text("filename,label,group\ncat.wav,cat,animal\ndog.wav,dog,animal\n"
                                     "cello.wav,cello,instrument\npiano.wav,piano,instrument\n")
    r = run_task("csv", root, OPTS, tmp_path / "idx")
    conf = np.array(r.confusion)
    animals = [r.classes.index(c) for c in ("cat", "dog")]
    instruments = [r.classes.index(c) for c in ("cello", "piano")]
    assert conf[np.ix_(animals, instruments)].sum() == 0 and conf[np.ix_(instruments, animals)].sum() == 0
    assert {"accuracy[animal]", "accuracy[instrument]"} <= set(r.metrics)


def test_retrieval_and_probe_and_report(tmp_path: Path, folder_layout: Path, write_tone: Callable[..., Path]) -> None:
    root = tmp_path / "clotho"
    for i in range(3):
        write_tone(root / "evaluation" / f"c{i}.wav", 300 * (i + 1))
    (root / "captions.csv").write_text("file_name,caption_1,caption_2\nc0.wav,low hum,a drone\n"
                                       "c1.wav,a beep,a tone\nc2.wav,a whistle,high pitch\n")
    r = run_task("clotho", root, OPTS, tmp_path / "cidx")
    assert r.n == 3 and r.metric == "t2a_mAP@10" and r.metrics["captions"] == 6
    assert r.metrics["t2a_R@10"] == 1.0 and r.metrics["a2t_R@10"] == 1.0  # 3 clips: everything is in the top 10
    probe = run_task("folder", folder_layout, RunOptions(**{**OPTS.__dict__, "protocol": "probe-l1", "epochs": 3}),
                     tmp_path / "fidx")
    assert probe.protocol == "probe-l1" and probe.n == 6 and 0.0 <= probe.value <= 1.0
    assert any(k.startswith("accuracy[fold") for k in probe.metrics)
    report = write_report([r, probe], tmp_path / "report.md", notes=["gtzan not found"])
    text = report.read_text()
    assert "| clotho | clotho | zeroshot | tiny | 3 | t2a_mAP@10 |" in text and "gtzan not found" in text
    assert (tmp_path / "report-plots" / "folder-set-probe-l1-confusion.png").is_file()
    assert (tmp_path / "report-plots" / "clotho-zeroshot-metrics.png").is_file()


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under root with its size and modification time (a folder's changes when entries come
    or go)."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in [root, *root.rglob("*")]}


@pytest.mark.parametrize("mode", [0o755, 0o555], ids=["writable", "read-only"])
def test_benchmark_leaves_the_data_set_as_it_was(mode: int, folder_layout: Path, user_cache: Path) -> None:
    before = _tree(folder_layout)
    folders = [folder_layout, *(p for p in folder_layout.rglob("*") if p.is_dir())]
    for d in folders:
        d.chmod(mode)
    try:
        result = CliRunner().invoke(app, ["benchmark", "folder", "--root", str(folder_layout), "--model", "tiny",
                                          "--workers", "0", "--device", "cpu"])
    finally:
        for d in folders:
            d.chmod(0o755)
    assert result.exit_code == 0, result.output
    assert _tree(folder_layout) == before  # nothing written, not even a cache folder made and removed again
    (index,) = (user_cache / "bench").iterdir()
    assert index.name.startswith("folder-set-") and (index / "metadata.sqlite").is_file()


def test_the_index_cache_is_keyed_by_data_set_path_and_model(tmp_path: Path, user_cache: Path) -> None:
    from clapsearch.model import create_model, save_model

    a, b = tmp_path / "a" / "esc50", tmp_path / "b" / "esc50"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    index = default_index_dir(a, "tiny")
    assert index.parent == user_cache / "bench" and index.name.startswith("esc50-")
    assert default_index_dir(a, "tiny") == index
    assert default_index_dir(b, "tiny") != index and default_index_dir(a, "paper") != index
    model = create_model("tiny")
    folder = save_model(model, tmp_path / "m")
    first = default_index_dir(a, str(folder))
    with torch.no_grad():
        next(model.audio_head.parameters()).add_(1.0)
    save_model(model, folder)  # retrained in place: a new index, not one that refuses the new weights
    assert default_index_dir(a, str(folder)) not in (first, index)


def test_cli_prints_one_red_line_for_a_wrong_layout(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["benchmark", "esc50", "--root", str(tmp_path), "--model", "tiny"])
    assert result.exit_code == 1 and "meta/esc50.csv" in result.output and "Traceback" not in result.output


def test_finetune_and_the_evaluator_callable(folder_layout: Path, tmp_path: Path) -> None:
    from clapsearch.benchmark import Evaluator, SearchEvaluator

    opts = RunOptions(**{**OPTS.__dict__, "protocol": "finetune", "epochs": 2})
    r = run_task("folder", folder_layout, opts, tmp_path / "idx")
    assert r.protocol == "finetune" and r.n == 6 and (tmp_path / "idx" / "tower-features.npz").is_file()
    evaluator = SearchEvaluator(load_task("folder", folder_layout), index_root=tmp_path / "ev", device="cpu", workers=0)
    assert isinstance(evaluator, Evaluator) and evaluator.primary_metric == "folder/accuracy"
    scores = evaluator("tiny")
    assert set(scores) >= {"folder/accuracy"} and all(isinstance(v, float) for v in scores.values())
