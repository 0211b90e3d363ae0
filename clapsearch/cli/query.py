"""`clapsearch query`: find sounds by describing them, or by example with --audio."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from clapsearch.cli.common import DEFAULT_INDEX, console, line_path, mmss, user_errors
from clapsearch.errors import OptionError
from clapsearch.paths import display_path


def query(
    texts: list[str] = typer.Argument(None, help="What to look for, e.g. \"dog barking in rain\"."),
    index_dir: Path = typer.Option(DEFAULT_INDEX, "--index", help="Index folder."),
    k: int = typer.Option(10, "-k", "--top", min=1, help="Results per query."),
    audio: Path = typer.Option(None, "--audio", help="Find sounds like this audio file."),
    model: str = typer.Option(None, "--model", help="Must match the index's model (checked)."),
    db: str = typer.Option(None, "--db", help="SQLAlchemy URL of the metadata, if not the index's SQLite."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    precision: str = typer.Option("auto", "--precision", help="Audio network precision for --audio: auto (the "
                                  "index's), fp32, bf16 or int8; text queries embed in fp32 whatever it is."),
    as_json: bool = typer.Option(False, "--json", help="Print results as JSON."),
    where: list[str] = typer.Option(None, "--where", metavar="EXPR",
                                    help="Only files where FIELD OP NUMBER holds: duration (s), sample_rate (Hz), "
                                         "channels, size (bytes; K/M/G) with < <= > >= = !=, e.g. 'duration<5', "
                                         "'sample_rate>=44.1k'. Repeat to combine (AND)."),
    folder: list[str] = typer.Option(None, "--folder", help="Only files under this folder (a path, or a bare name "
                                                            "matching any folder so named). Repeat: any of them."),
    formats: list[str] = typer.Option(None, "--format", help="Only files in this format (wav, flac, ogg, mp3, "
                                                             "aiff...). Repeat: any of them."),
    path: list[str] = typer.Option(None, "--path", help="Only files whose path contains this text (any case), or "
                                                        "matches it as a glob if it has * or ?, e.g. '*.wav'."),
    no_server: bool = typer.Option(False, "--no-server", help="Search here even when a 'clapsearch serve' on this "
                                                              "index (same model) could answer at once."),
) -> None:
    """Search an index by text (or by example with --audio) and print ranked files."""
    with user_errors():
        if not texts and audio is None:
            raise OptionError("give a text query, e.g. clapsearch query \"a dog barking\", or --audio FILE")
        for text in texts or []:
            if not text.strip():
                raise OptionError(f"empty query {text!r}: describe the sound in words, e.g. clapsearch query "
                                  "\"a dog barking\", or give --audio FILE to find sounds like a recording")
        labels: list[str] = list(texts or [])
        # a running `serve` with the index's model answers before anything heavy is imported here
        results = _through_server(index_dir, labels, k, model, where, folder, formats, path) \
            if not (no_server or audio is not None or db) else None
        if results is None:
            from clapsearch.search import SearchEngine
            from clapsearch.search.engine import check_query_audio
            from clapsearch.search.filters import parse_filters

            flt = parse_filters(where or [], folder or [], formats or [], path or [])  # a bad filter: before any work
            if audio is not None:
                check_query_audio(audio)  # before the model loads
            engine = SearchEngine(index_dir, db_url=db, model=model, device=device, precision=precision)
            results = engine.query_text(labels, k, where=flt) if labels else []
            if audio is not None:
                labels.append(f"sounds like {display_path(str(audio))}")
                results.append(engine.query_audio(audio, k, where=flt))
    if as_json:
        print(json.dumps([{"query": q, "results": [h.to_dict() for h in hits]} for q, hits in zip(labels, results)]))
        return
    cwd = _working_folder()
    for q, hits in zip(labels, results):
        table = Table(title=f"[bold]{escape(q)}", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("score", justify="right")
        table.add_column("file", overflow="fold")  # a path is never cut short
        table.add_column("segment")
        for rank, h in enumerate(hits, 1):
            table.add_row(str(rank), f"{h.score:.3f}", escape(line_path(_shown(h.path, cwd))),
                          f"{mmss(h.start)}-{mmss(h.end)}")
        if not hits:
            shown = _described(where, folder, formats, path) if (where or folder or formats or path) else None
            table.add_row("", "", "(the index is empty)" if shown is None
                          else f"(no indexed file matches the filter: {escape(shown)})", "")
        console.print(table)


def _working_folder() -> Path | None:
    try:
        return Path.cwd()
    except OSError:  # the working folder is gone
        return None


def _shown(path: str, cwd: Path | None) -> str:
    """Return a hit's path as the table shows it: relative to the working folder when the file lies under it
    (shorter, so a name is not folded mid-word at 80 columns, and still a path the shell takes), else as indexed.
    --json always gives the indexed, absolute path."""
    if cwd is None:
        return path
    try:
        return str(Path(path).relative_to(cwd))
    except ValueError:  # outside the working folder
        return path


def _through_server(index_dir: Path, texts: list[str], k: int, model: str | None, where: list[str] | None,
                    folder: list[str] | None, formats: list[str] | None, path: list[str] | None) -> list | None:
    """The results of a running `clapsearch serve` on this index with its model, or None to search here."""
    from clapsearch.server.client import folder_param, query_through_server

    if any(not v.strip() for v in [*(where or []), *(folder or []), *(formats or []), *(path or [])]):
        return None  # an empty filter: the local path says what is wrong
    folders = [folder_param(f) for f in folder or []]  # relative to here, not to the server's folder
    params = {"where": where or [], "folder": folders, "format": formats or [], "path": path or []}
    return query_through_server(index_dir, texts, k, model=model, params=params)


def _described(where: list[str] | None, folder: list[str] | None, formats: list[str] | None,
               path: list[str] | None) -> str:
    from clapsearch.search.filters import describe, parse_filters

    return describe(parse_filters(where or [], folder or [], formats or [], path or []))
