"""The trainer's evaluators: the benchmark's loaders and record, an explicit primary metric, one failure mode."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clapsearch.benchmark import Evaluator, load_task
from clapsearch.benchmark.tasks import Clip, LabelledSet
from clapsearch.errors import DataError, OptionError
from clapsearch.trainer.evaluate import RetrievalEvaluator, ZeroShotEvaluator, load_labelled_set, parse_evaluator
from clapsearch.trainer.selection import Evaluation

from .conftest import SR


def _dev(root: Path, rows: list[tuple[str, str, str]], missing: str | None = None) -> Path:
    (root / "audio").mkdir(parents=True)
    for name, _, _ in rows:
        if name != missing:
            sf.write(root / "audio" / name, np.zeros(SR // 2, np.float32), SR)
    (root / "labels.csv").write_text("filename,label,group\n" + "".join(f"{n},{lab},{g}\n" for n, lab, g in rows))
    return root


ROWS = [("a.wav", "dog_bark", "animal"), ("b.wav", "cat", "animal"), ("c.wav", "banjo", "instrument")]


def test_dev_set_is_the_benchmark_loader_and_record(tmp_path: Path) -> None:
    root = _dev(tmp_path / "dev", ROWS)
    data = load_labelled_set(root)
    assert isinstance(data, LabelledSet) and all(isinstance(c, Clip) for c in data.clips)
    assert data.clips == load_task("csv", root).clips
    ev = ZeroShotEvaluator(root, cache_dir=tmp_path / "c")
    assert ev.truth == ["dog bark", "cat", "banjo"] and ev.groups == ["animal", "animal", "instrument"]


def test_a_missing_dev_file_fails_as_in_benchmark(tmp_path: Path) -> None:
    root = _dev(tmp_path / "dev", ROWS, missing="b.wav")
    with pytest.raises(DataError, match="b.wav") as trainer:
        parse_evaluator(f"zeroshot={root}")
    with pytest.raises(DataError, match="b.wav") as bench:
        load_task("csv", root)
    assert str(trainer.value) == str(bench.value)
    with pytest.raises(DataError, match="not found"):
        parse_evaluator(f"retrieval={tmp_path / 'nowhere'}")


def test_evaluators_name_their_primary_metric(tmp_path: Path) -> None:
    root = _dev(tmp_path / "dev", ROWS)
    zs = parse_evaluator(f"zeroshot={root}?name=g", tmp_path / "c")
    rt = parse_evaluator(f"retrieval={root}?name=g&k=2&groups=animal", tmp_path / "c")
    assert isinstance(zs, Evaluator) and zs.primary_metric == "g/accuracy"
    assert isinstance(rt, RetrievalEvaluator) and rt.primary_metric == "g/top2_rate"
    assert rt.labels == ["cat", "dog bark"]


class _Stub:
    def __init__(self, primary: str | None) -> None:
        if primary is not None:
            self.primary_metric = primary

    def __call__(self, model: object) -> dict[str, float]:
        return {"x/other": 0.0, "x/main": 1.0}


def test_selection_uses_the_primary_metric_not_the_first_key() -> None:
    ev = Evaluation(None, {"x": _Stub("x/main")}, "", "cpu")  # type: ignore[arg-type]
    assert ev.select == ["x/main"] and ev.score(_Stub("x/main")(None)) == 1.0
    assert Evaluation(None, {}, "", "cpu").select == []  # type: ignore[arg-type]  # holdout R@10
    assert Evaluation(None, {"x": _Stub(None)}, "x/other", "cpu").select == ["x/other"]  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="primary_metric"):
        Evaluation(None, {"x": _Stub(None)}, "", "cpu")  # type: ignore[arg-type]


def test_dev_set_layouts_category_column_and_meta_folder(tmp_path: Path) -> None:
    root = tmp_path / "dev"
    (root / "audio").mkdir(parents=True)
    (root / "meta").mkdir()
    for name in ("a.wav", "b.wav"):
        sf.write(root / "audio" / name, np.zeros(SR // 2, np.float32), SR)
    (root / "meta" / "dev.csv").write_text("filename,category\na.wav,dog_bark\nb.wav,cat\n")
    for path in (root, root / "meta" / "dev.csv"):
        data = load_labelled_set(path)
        assert [c.labels for c in data.clips] == [("dog_bark",), ("cat",)]
        assert data.clips[0].path == str((root / "audio" / "a.wav").resolve())


def test_zeroshot_groups_keeps_only_those_files(tmp_path: Path) -> None:
    root = _dev(tmp_path / "dev", ROWS)
    ev = parse_evaluator(f"zeroshot={root}?name=instr&groups=instrument", tmp_path / "c")
    assert isinstance(ev, ZeroShotEvaluator) and ev.truth == ["banjo"] and ev.groups == ["instrument"]
    with pytest.raises(DataError, match="no clips in groups"):
        parse_evaluator(f"zeroshot={root}?groups=vehicle", tmp_path / "c")


def test_fsdd_folder_is_a_dev_set_with_a_bare_word_prompt(tmp_path: Path) -> None:
    root = tmp_path / "fsdd"
    (root / "recordings").mkdir(parents=True)
    for name in ("0_ann_0.wav", "7_bob_3.wav"):
        sf.write(root / "recordings" / name, np.zeros(SR // 2, np.float32), SR)
    ev = parse_evaluator(f"zeroshot={root}?prompt={{label}}&name=fsdd", tmp_path / "c")
    assert isinstance(ev, ZeroShotEvaluator) and ev.truth == ["zero", "seven"]
    assert ev.prompt == "{label}" and ev.primary_metric == "fsdd/accuracy"
    second = parse_evaluator(f"zeroshot={root}?prompt={{label}}&every=2", tmp_path / "c")
    assert isinstance(second, ZeroShotEvaluator) and second.truth == ["zero"]
    with pytest.raises(OptionError, match="every must be a whole number"):
        parse_evaluator(f"zeroshot={root}?every=0")
