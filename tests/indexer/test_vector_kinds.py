"""--vector-index: recorded in the index, kept by later runs, auto by size, retrained as the collection grows."""
from __future__ import annotations

import json
from pathlib import Path

import soundfile as sf
from audiogen import noise, tone
from typer.testing import CliRunner

from clapsearch.cli.main import app
from clapsearch.indexer import IndexDir, index_paths
from clapsearch.vectors import kinds

runner = CliRunner()


def run(lib: Path, index: Path, **kw: object):
    return index_paths([lib], index, model="tiny", workers=0, **kw)


def test_the_cli_records_the_choice_and_later_runs_keep_it(library: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    args = ["index", str(library), "--index", str(idx), "--model", "tiny", "--workers", "0", "--json"]
    result = runner.invoke(app, [*args, "--vector-index", "ivf-pq"])
    assert result.exit_code == 0, result.output
    assert json.loads((idx / "vectors.json").read_text())["kind"] == "ivf-pq"
    sf.write(library / "more.wav", tone(880, 1.5), 16000)
    result = runner.invoke(app, args)  # no option: the recorded ivf-pq
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == 1
    opened = IndexDir.open(idx, device="cpu")
    assert opened.choice == "ivf-pq" and opened.vectors.kind == "ivf-pq"
    assert opened.vectors.ntotal == opened.store.count_segments()
    result = runner.invoke(app, [*args, "--vector-index", "flat"])  # another choice: rebuilt as flat
    assert result.exit_code == 0 and json.loads((idx / "vectors.json").read_text())["kind"] == "flat"
    bad = runner.invoke(app, [*args, "--vector-index", "hnsw"])
    lines = [ln for ln in bad.output.splitlines() if ln.strip()]
    assert bad.exit_code == 1 and len(lines) == 1 and "unknown --vector-index 'hnsw'" in lines[0]
    assert "Traceback" not in bad.output


def test_auto_moves_to_ivf_past_the_flat_limit_and_retrains_as_it_grows(library: Path, tmp_path: Path,
                                                                       monkeypatch) -> None:
    idx = tmp_path / "idx"
    first = run(library, idx)
    assert IndexDir.open(idx, device="cpu").vectors.kind == "flat"
    monkeypatch.setattr(kinds, "FLAT_MAX", first.segments - 1)  # this index is now past exact search's size
    sf.write(library / "a.wav", noise(1.0, 16000, seed=5), 16000)
    second = run(library, idx)
    v = IndexDir.open(idx, device="cpu").vectors
    assert v.kind == "ivf" and v.trained_on == second.segments
    for n in range(4 * second.segments // 3 + 1):  # grow past 4x the trained size: trained anew
        sf.write(library / f"grow{n}.wav", noise(3.5, 16000, seed=10 + n), 16000)
    third = run(library, idx)
    v = IndexDir.open(idx, device="cpu").vectors
    assert third.segments > 4 * second.segments and v.trained_on == third.segments
    assert v.ids().tolist() == [i for ids, _ in IndexDir.open(idx, device="cpu").store.iter_vectors(32) for i in ids]
