"""The indexer's per-stage timing (--profile) and how many decode processes feed the model."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.indexer import index_paths
from clapsearch.indexer import indexer as indexer_module


def test_stages_account_for_the_run(library: Path, tmp_path: Path) -> None:
    summary = index_paths([library], tmp_path / "idx", model="tiny", workers=1)
    stages = summary.stages
    assert list(stages) == list(indexer_module.STAGES)
    assert stages["decode (worker time)"] > 0 and stages["model"] > 0 and stages["write"] > 0
    assert sum(v for k, v in stages.items() if k != "decode (worker time)") <= summary.seconds
    assert summary.to_dict()["stages"].keys() == stages.keys()


def test_profile_prints_the_stage_table(library: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["index", str(library), "--index", str(tmp_path / "i"), "--model", "tiny",
                                 "--workers", "0", "--profile"])
    assert r.exit_code == 0, r.output
    assert "pipeline stages" in r.output and "wait for decoding" in r.output and "whole run" in r.output


def test_a_gpu_gets_every_core_but_one_for_decoding(monkeypatch) -> None:
    idx = SimpleNamespace()
    monkeypatch.setattr(indexer_module.os, "cpu_count", lambda: 16)
    monkeypatch.setattr(indexer_module, "_on_gpu", lambda _: True)
    assert indexer_module._default_workers(idx) == 15
    monkeypatch.setattr(indexer_module, "_on_gpu", lambda _: False)
    assert indexer_module._default_workers(idx) == 4  # the CPU model needs its cores
    monkeypatch.setattr(indexer_module.os, "cpu_count", lambda: 2)
    assert indexer_module._default_workers(idx) == 1


def test_started_workers_import_while_the_caller_works_and_close_without_a_task() -> None:
    import multiprocessing as mp

    from clapsearch.indexer.workers import WorkerPool

    pool = WorkerPool(abs, 2, lambda task, reason: reason)
    pool.start()
    assert len(mp.active_children()) == 2  # both spawned at once, neither waited for
    assert list(pool.map([-1, -2, 3])) == [(-1, 1), (-2, 2), (3, 3)]
    assert mp.active_children() == []
    pool.start()
    pool.close()  # started, never used: stopped all the same
    assert mp.active_children() == []


def test_a_model_that_fails_to_load_stops_the_started_workers(library: Path, tmp_path: Path, monkeypatch) -> None:
    import multiprocessing as mp

    import pytest

    from clapsearch.encoder import Encoder
    from clapsearch.errors import WeightsError

    def broken(self: Encoder) -> None:
        assert len(mp.active_children()) == 2  # the workers start before the model loads
        raise WeightsError("damaged weights")

    monkeypatch.setattr(Encoder, "audio_model", property(broken))
    with pytest.raises(WeightsError, match="damaged"):
        index_paths([library], tmp_path / "idx", model="tiny", device="cpu", workers=2)
    assert mp.active_children() == []


def test_a_worker_warms_up_before_its_first_task_and_a_failed_warm_up_is_not_fatal() -> None:
    import faults

    from clapsearch.indexer.workers import WorkerPool

    pool = WorkerPool(faults.was_warmed, 1, lambda task, reason: reason, warm=faults.warm_up)
    assert list(pool.map([1, 2])) == [(1, (1, ["warm"])), (2, (2, ["warm"]))]  # once per worker, in the worker
    assert faults.WARMED == []
    failing = WorkerPool(faults.was_warmed, 1, lambda task, reason: reason, warm=faults.warm_up_fails)
    assert list(failing.map([3])) == [(3, (3, []))]  # its tasks report their own failures


def test_a_new_index_starts_its_workers_before_opening_and_an_existing_one_does_not(library: Path, tmp_path: Path,
                                                                                     monkeypatch) -> None:
    import multiprocessing as mp

    import pytest

    from clapsearch.index import IndexDir, IndexError_

    real, seen = IndexDir.open.__func__, []  # type: ignore[attr-defined]

    def opened(cls, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(len(mp.active_children()))
        if kwargs.get("model") == "broken":
            raise IndexError_("no such model")
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(IndexDir, "open", classmethod(opened))
    with pytest.raises(IndexError_):
        index_paths([library], tmp_path / "idx", model="broken", device="cpu", workers=2)
    assert seen == [2] and mp.active_children() == []  # started early, stopped on the error
    assert index_paths([library], tmp_path / "idx", model="tiny", device="cpu", workers=2).added == 4
    (library / "tone440.wav").write_bytes((library / "sub" / "low.wav").read_bytes())
    assert index_paths([library], tmp_path / "idx", device="cpu", workers=2).updated == 1
    assert seen == [2, 2, 0] and mp.active_children() == []  # an existing index: started only when needed
