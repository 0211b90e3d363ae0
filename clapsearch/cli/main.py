"""The `clapsearch` command."""
from __future__ import annotations

import typer

from clapsearch.cli.common import setup_logging
from clapsearch.cli.index import index
from clapsearch.cli.query import query

app = typer.Typer(help="clapsearch: find sounds by describing them.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.command()(index)
app.command()(query)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens.")) -> None:
    setup_logging(verbose)


try:  # the data recipe is an optional sub-command group
    from clapsearch.cli.data import app as data_app

    app.add_typer(data_app, name="data")
except ImportError:  # pragma: no cover
    pass

if __name__ == "__main__":
    app()
