from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clapsearch.cli.main import app

runner = CliRunner()


def test_index_json_summary_and_query_json(broken_library: Path, tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    result = runner.invoke(app, ["index", str(broken_library), "--index", idx, "--model", "tiny", "--workers", "0",
                                 "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"added", "updated", "removed", "unchanged", "skipped", "seconds", "audio_seconds"} <= set(summary)
    assert summary["added"] == 4 and len(summary["skipped"]) == 4
    assert all(set(s) == {"path", "reason"} for s in summary["skipped"])

    result = runner.invoke(app, ["query", "a high tone", "low hum", "--index", idx, "-k", "2", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [q["query"] for q in out] == ["a high tone", "low hum"]
    assert all(len(q["results"]) == 2 for q in out)
    assert set(out[0]["results"][0]) == {"file_id", "segment_id", "path", "score", "start", "end"}


def test_table_output_and_clear_errors(library: Path, tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    result = runner.invoke(app, ["index", str(library), "--index", idx, "--model", "tiny", "--workers", "0"])
    assert result.exit_code == 0 and "added" in result.stdout
    result = runner.invoke(app, ["query", "tone", "--index", idx, "-k", "1"])
    assert result.exit_code == 0 and "score" in result.stdout
    result = runner.invoke(app, ["query", "tone", "--index", idx, "--model", "paper"])
    assert result.exit_code == 1 and "built with model 'tiny'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    result = runner.invoke(app, ["query", "tone", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no index at" in result.output
    result = runner.invoke(app, ["index", str(tmp_path / "missing"), "--index", idx])
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_models_lists_the_builtins(monkeypatch) -> None:
    from clapsearch.cli.common import console

    monkeypatch.setattr(console, "width", 200)
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0
    for name in ("default", "paper", "tiny"):
        assert name in result.stdout
    assert "zero-shot (published)" in result.stdout and "ESC-50 (MTEB) 90.5%" in result.stdout


def test_models_in_a_narrow_terminal_print_one_block_per_model_without_ellipses(monkeypatch) -> None:
    """Nine columns in 80 characters left every cell an ellipsis: a narrow terminal gets a block per model."""
    from clapsearch.cli.common import console

    monkeypatch.setattr(console, "width", 80)
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "…" not in result.stdout and all(len(line) <= 80 for line in lines)
    heads = {line.split()[0]: line for line in lines if line and not line.startswith(" ")}
    assert {"default", "paper", "tiny", "msclap-2022", "hf:laion/larger_clap_general"} <= set(heads)
    assert heads["msclap-2022"] == "msclap-2022  193.6 M · 44100 Hz · 5 s · 1024-d"
    block = lines[lines.index(heads["msclap-2022"]) + 1:]
    assert block[0].startswith("    Microsoft CLAP 2022") and "    zero-shot (published): ESC-50 82.6%" in block[:5]


def test_names_with_emoji_codes_print_as_written(library: Path, tmp_path: Path) -> None:
    """Rich would turn ':x:' or ':smile:' into an emoji: a file name or an error shows exactly as it is."""
    (library / "tone440.wav").rename(library / "take:x:1 :smile:.wav")
    idx = str(tmp_path / "idx")
    result = runner.invoke(app, ["index", str(library), "--index", idx, "--model", "tiny", "--workers", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["query", "tone", "--index", idx, "-k", "4", "--path", "take"])
    assert result.exit_code == 0, result.output
    assert "take:x:1" in result.stdout.replace("\n", "").replace("│", "").replace(" ", ""), result.stdout
    assert "❌" not in result.stdout and "😄" not in result.stdout
    result = runner.invoke(app, ["query", "tone", "--index", str(tmp_path / "no:x:where")])
    assert result.exit_code == 1 and "no:x:where" in result.output and "❌" not in result.output


def test_query_table_shows_paths_under_the_working_folder_relative_to_it(library: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    """`make demo`'s absolute paths were folded mid-name at 80 columns; --json keeps the indexed absolute path."""
    from clapsearch.cli.common import console

    monkeypatch.setattr(console, "width", 250)  # every path on one line
    idx = str(tmp_path / "idx")
    indexed = runner.invoke(app, ["index", str(library), "--index", idx, "--model", "tiny", "--workers", "0"])
    assert indexed.exit_code == 0, indexed.output
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["query", "tone", "--index", idx, "-k", "4"])
    assert result.exit_code == 0, result.output
    assert "sounds/sub/chirp.ogg" in result.stdout and str(library) not in result.stdout
    as_json = json.loads(runner.invoke(app, ["query", "tone", "--index", idx, "-k", "4", "--json"]).stdout)
    assert {h["path"] for h in as_json[0]["results"]} >= {str(library / "sub" / "chirp.ogg")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(app, ["query", "tone", "--index", idx, "-k", "4"])
    assert str(library / "sub" / "chirp.ogg") in result.stdout


def test_a_newline_or_tab_in_a_file_name_prints_escaped_on_one_line(library: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    from clapsearch.cli.common import console

    monkeypatch.setattr(console, "width", 250)
    (library / "new\nline.wav").write_bytes(b"not audio at all, " * 20)
    (library / "tone440.wav").rename(library / "tab\tname.wav")
    idx = str(tmp_path / "idx")
    result = runner.invoke(app, ["index", str(library), "--index", idx, "--model", "tiny", "--workers", "0"])
    assert result.exit_code == 0, result.output
    [skip_line] = [line for line in result.stdout.splitlines() if line.startswith("skipped ")]
    assert skip_line.startswith(f"skipped {library}/new\\nline.wav: not an audio file")
    result = runner.invoke(app, ["query", "tone", "--index", idx, "-k", "4"])
    assert "tab\\tname.wav" in result.stdout and "tab\tname" not in result.stdout
    as_json = json.loads(runner.invoke(app, ["query", "tone", "--index", idx, "-k", "4", "--json"]).stdout)
    assert str(library / "tab\tname.wav") in {h["path"] for h in as_json[0]["results"]}
