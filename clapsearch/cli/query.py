"""`clapsearch query`: find sounds by describing them, or by example with --audio."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from clapsearch.cli.common import DEFAULT_INDEX, console, mmss, user_errors
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
) -> None:
    """Search an index by text (or by example with --audio) and print ranked files."""
    from clapsearch.search import SearchEngine
    from clapsearch.search.engine import check_query_audio
    from clapsearch.search.filters import describe, parse_filters

    with user_errors():
        if not texts and audio is None:
            raise OptionError("give a text query, e.g. clapsearch query \"a dog barking\", or --audio FILE")
        for text in texts or []:
            if not text.strip():
                raise OptionError(f"empty query {text!r}: describe the sound in words, e.g. clapsearch query "
                                  "\"a dog barking\", or give --audio FILE to find sounds like a recording")
        flt = parse_filters(where or [], folder or [], formats or [], path or [])  # a bad filter: before any work
        if audio is not None:
            check_query_audio(audio)  # before the model loads
        engine = SearchEngine(index_dir, db_url=db, model=model, device=device, precision=precision)
        labels: list[str] = list(texts or [])
        results = engine.query_text(labels, k, where=flt) if labels else []
        if audio is not None:
            labels.append(f"sounds like {display_path(str(audio))}")
            results.append(engine.query_audio(audio, k, where=flt))
    if as_json:
        print(json.dumps([{"query": q, "results": [h.to_dict() for h in hits]} for q, hits in zip(labels, results)]))
        return
    for q, hits in zip(labels, results):
        table = Table(title=f"[bold]{escape(q)}", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("score", justify="right")
        table.add_column("file", overflow="fold")  # a path is never cut short
        table.add_column("segment")
        for rank, h in enumerate(hits, 1):
            table.add_row(str(rank), f"{h.score:.3f}", escape(display_path(h.path)),
                          f"{mmss(h.start)}-{mmss(h.end)}")
        if not hits:
            table.add_row("", "", "(the index is empty)" if flt is None
                          else f"(no indexed file matches the filter: {escape(describe(flt))})", "")
        console.print(table)
