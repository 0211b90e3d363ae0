"""Every bad input gives one line that names the path, says what is wrong and what to do; a bug says it is one."""
from __future__ import annotations

import builtins
import json
import os
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner, Result

from clapsearch.cli.main import app
from clapsearch.model import create_model, save_model
from clapsearch.model.config import CONFIG_DIR

runner = CliRunner()


def one_line_error(result: Result) -> str:
    """Return the error line of a command that failed cleanly: exit 1, one line, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


class Calls:
    """Pickles as a call of fn(arg): what a malicious checkpoint does to run code when it is loaded."""

    def __init__(self, fn: object, arg: str) -> None:
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


# query --audio / empty queries: refused before the index or the model is opened (there is no index here)

@pytest.mark.parametrize("kind", ["missing", "folder", "not audio"])
def test_query_audio_that_cannot_be_used_is_one_line(kind: str, tmp_path: Path) -> None:
    target = {"missing": tmp_path / "nope.wav", "folder": tmp_path / "sounds", "not audio": tmp_path / "x.wav"}[kind]
    if kind == "folder":
        target.mkdir()
    if kind == "not audio":
        target.write_text("a letter, not a recording\n" * 20)
    line = one_line_error(runner.invoke(app, ["query", "--audio", str(target), "--index", str(tmp_path / "no-idx")]))
    assert str(target) in line
    assert {"missing": "no such file", "folder": "is a folder", "not audio": "not an audio file"}[kind] in line
    assert "give" in line and ("recording" in line)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_query_is_refused(text: str, tmp_path: Path) -> None:
    line = one_line_error(runner.invoke(app, ["query", "a dog", text, "--index", str(tmp_path / "no-idx")]))
    assert f"empty query {text!r}" in line and "describe the sound" in line


# model folders: damaged or pickled weights, a bad config.json, a text tower folder holding a pickle

@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    return save_model(create_model("tiny"), tmp_path / "model")


def _index_with(model: Path, library: Path, tmp_path: Path) -> Result:
    return runner.invoke(app, ["index", str(library), "--index", str(tmp_path / "idx"), "--model", str(model),
                               "--workers", "0", "--json"])


@pytest.mark.parametrize("damage", ["random bytes", "truncated", "pickle"])
def test_damaged_model_weights_name_the_file(damage: str, tiny_folder: Path, library: Path, tmp_path: Path) -> None:
    weights = tiny_folder / "model.safetensors"
    if damage == "random bytes":
        weights.write_bytes(os.urandom(4096))
    elif damage == "truncated":
        weights.write_bytes(weights.read_bytes()[:1000])
    else:
        torch.save({"audio_head.0.weight": torch.zeros(2)}, weights)
    line = one_line_error(_index_with(tiny_folder, library, tmp_path))
    assert str(weights) in line
    assert ("is a PyTorch pickle, not a safetensors file" if damage == "pickle" else
            "is damaged or not a safetensors file") in line
    assert "copy it again" in line and "clapsearch convert" in line


def test_unknown_config_key_names_the_file_the_key_and_the_known_keys(tiny_folder: Path, library: Path,
                                                                       tmp_path: Path) -> None:
    config_file = tiny_folder / "config.json"
    saved = json.loads(config_file.read_text())
    saved["model"]["audio"]["hop_secs"] = 0.5
    config_file.write_text(json.dumps(saved))
    line = one_line_error(_index_with(tiny_folder, library, tmp_path))
    assert str(config_file) in line and "unknown key 'audio.hop_secs'" in line
    assert "hop_seconds, long_audio" in line and "remove or rename it" in line


def test_config_that_is_not_json_names_the_file_and_the_place(tiny_folder: Path, library: Path,
                                                              tmp_path: Path) -> None:
    config_file = tiny_folder / "config.json"
    config_file.write_text('{"model": {"name": "tiny",\n  "embed_dim": 32,,}}')
    line = one_line_error(_index_with(tiny_folder, library, tmp_path))
    assert f"{config_file} is not valid JSON" in line and "line 2" in line and "fix the file" in line


def _text_tower_model(tmp_path: Path) -> tuple[Path, Path]:
    """Return (model folder, text tower folder): a model whose text tower is a tiny saved BERT."""
    from transformers import BertConfig, BertModel

    text = tmp_path / "bert"
    BertModel(BertConfig(hidden_size=48, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                         vocab_size=40)).save_pretrained(str(text))
    (text / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "dog"]))
    config = json.loads((CONFIG_DIR / "tiny.json").read_text())
    config["text"] = {"tower": "hf", "weights": str(text), "pooling": "mean", "max_length": 16, "width": 48}
    model = tmp_path / "bert-model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(config))
    return model, text


@pytest.mark.parametrize("fn, refused", [(os.system, "posix.system"), (builtins.eval, "builtins.eval")])
def test_text_tower_pickle_is_refused_naming_the_global(fn: object, refused: str, library: Path,
                                                        tmp_path: Path) -> None:
    model, text = _text_tower_model(tmp_path)
    assert create_model(model).text_tower.width == 48  # the folder loads while its weights are safetensors
    marker = tmp_path / "code-ran"
    (text / "model.safetensors").unlink()
    torch.save({"embeddings.word_embeddings.weight": Calls(fn, f"open({str(marker)!r}, 'w')" if fn is builtins.eval
                                                             else f"touch {marker}")}, text / "pytorch_model.bin")
    line = one_line_error(_index_with(model, library, tmp_path))
    assert not marker.exists()
    assert str(text / "pytorch_model.bin") in line and f"calls {refused}" in line
    assert "use a safetensors copy" in line


# the metadata database, and the bugs

def test_damaged_metadata_database_says_how_to_rebuild(library: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    result = runner.invoke(app, ["index", str(library), "--index", str(idx), "--model", "tiny", "--workers", "0",
                                 "--json"])
    assert result.exit_code == 0, result.output
    # A new file (a new inode) with no journal beside it: what the next process finds. SQLite would otherwise
    # share the index run's still-open view of the old file within this one test process.
    for old in idx.glob("metadata.sqlite*"):
        old.unlink()
    (idx / "metadata.sqlite").write_bytes(os.urandom(8192))
    line = one_line_error(runner.invoke(app, ["query", "tone", "--index", str(idx)]))
    assert f"metadata database {idx / 'metadata.sqlite'} is damaged (file is not a database)" in line
    assert f"--index {idx} --rebuild" in line


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom\nsecond line of the message")


def test_an_internal_error_is_one_line_with_the_log(tmp_path: Path, user_cache: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("clapsearch.search.engine.IndexDir.open", _boom)
    result = runner.invoke(app, ["query", "tone", "--index", str(tmp_path / "idx")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    log = user_cache / "errors.log"
    assert lines == [f"internal error: RuntimeError: boom (a bug in clapsearch; the traceback is in {log}; "
                     "run with -v to see it)"]
    logged = log.read_text()
    assert "Traceback" in logged and "RuntimeError: boom" in logged and "_boom" in logged

    verbose = runner.invoke(app, ["-v", "query", "tone", "--index", str(tmp_path / "idx")])
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last)" in verbose.output and "_boom" in verbose.output
    assert verbose.output.strip().splitlines()[-1].startswith("internal error: RuntimeError: boom")
    assert log.read_text().count("Traceback") == 2  # appended, not overwritten


def test_an_internal_error_says_when_its_log_cannot_be_written(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the cache folder cannot be made below a file
    monkeypatch.setattr("clapsearch.search.engine.IndexDir.open", _boom)
    result = runner.invoke(app, ["query", "tone", "--index", str(tmp_path / "idx")])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("internal error: RuntimeError: boom")
    assert f"the traceback could not be written to {blocker / 'clapsearch' / 'errors.log'}" in lines[0]


def test_unknown_published_model_is_one_line() -> None:
    line = one_line_error(runner.invoke(app, ["models", "--download", "no-such-model"]))
    assert "unknown published model 'no-such-model'" in line and "msclap-2023" in line


# what the results show: a file name that is not UTF-8 is printed in its escaped text form

def test_results_show_non_utf8_paths_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    import clapsearch.search
    from clapsearch.search import Hit

    class FakeEngine:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def query_text(self, texts: list[str], k: int, where: object = None) -> list[list[Hit]]:
            return [[Hit("/music/caf\udce9 [live].wav", 0.5, 0.0, 1.0)] for _ in texts]

    monkeypatch.setattr(clapsearch.search, "SearchEngine", FakeEngine)
    result = runner.invoke(app, ["query", "tone", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["results"][0]["path"] == "/music/caf\\xe9 [live].wav"
    table = runner.invoke(app, ["query", "tone"], terminal_width=200)
    assert table.exit_code == 0, table.output
    assert "/music/caf\\xe9 [live].wav" in table.stdout  # escaped, and the brackets are not taken as markup


def test_benchmark_output_paths_are_checked_before_the_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "missing-folder" / "r.json"
    line = one_line_error(runner.invoke(app, ["benchmark", "folder", "--root", str(data), "--json", str(out)]))
    assert f"--json {out}: the folder {out.parent} does not exist" in line and "create it" in line


def test_a_malformed_database_is_explained_like_a_missing_one() -> None:
    import sqlite3

    import typer
    from sqlalchemy.exc import DatabaseError

    from clapsearch.cli.common import user_errors

    command = typer.Typer()

    @command.command()
    def read() -> None:
        with user_errors():
            raise DatabaseError("SELECT * FROM files", {}, sqlite3.DatabaseError("database disk image is malformed"))

    line = one_line_error(runner.invoke(command, []))
    assert "metadata database is damaged (database disk image is malformed)" in line and "--rebuild" in line
