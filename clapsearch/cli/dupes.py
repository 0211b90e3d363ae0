"""`clapsearch dupes`: groups of duplicate recordings in an index (the same bytes, or the same sound)."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from clapsearch.cli.common import DEFAULT_INDEX, console, user_errors
from clapsearch.errors import OptionError
from clapsearch.paths import display_path


def dupes(
    index_dir: Path = typer.Option(DEFAULT_INDEX, "--index", help="Index folder."),
    threshold: float = typer.Option(None, "--threshold", help="Cosine similarity (0-1] that half the shorter "
                                    "file's segments must reach in the other for a duplicate on the vectors alone "
                                    "(default 0.98, chosen on ESC-50: docs/SEARCH.md); pairs from 0.80 up to it "
                                    "are decided by comparing their waveforms."),
    db: str = typer.Option(None, "--db", help="SQLAlchemy URL of the metadata, if not the index's SQLite."),
    as_json: bool = typer.Option(False, "--json", help="Print the groups as JSON."),
) -> None:
    """Find duplicates: identical files, and the same recording re-encoded, resampled, trimmed or louder."""
    from clapsearch.search import SearchEngine
    from clapsearch.search.dupes import DEFAULT_THRESHOLD

    with user_errors():
        t = DEFAULT_THRESHOLD if threshold is None else threshold
        if not 0.0 < t <= 1.0:
            raise OptionError(f"--threshold {threshold}: give a cosine similarity above 0 and at most 1, e.g. 0.9")
        groups = SearchEngine(index_dir, db_url=db, device="cpu").dupes(t)
    if as_json:
        print(json.dumps({"threshold": t, "groups": [g.to_dict() for g in groups]}))
        return
    if not groups:
        console.print(f"no duplicates at threshold {t:g}")
        return
    table = Table(title=f"[bold]{len(groups)} groups of duplicates[/] (threshold {t:g})", title_justify="left")
    table.add_column("group", justify="right")
    table.add_column("kind")
    table.add_column("score", justify="right")
    table.add_column("file", overflow="fold")
    for n, g in enumerate(groups, 1):
        for i, m in enumerate(g.members):
            table.add_row(str(n) if i == 0 else "", g.kind if i == 0 else "",
                          "-" if i == 0 else f"{m.score:.3f}", escape(display_path(m.path)),
                          end_section=i == len(g.members) - 1)
    console.print(table)
