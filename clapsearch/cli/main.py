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


from clapsearch.cli.benchmark import benchmark  # noqa: E402
from clapsearch.cli.convert import convert  # noqa: E402
from clapsearch.cli.data import app as data_app  # noqa: E402
from clapsearch.cli.dupes import dupes  # noqa: E402
from clapsearch.cli.models import models  # noqa: E402
from clapsearch.cli.serve import serve  # noqa: E402
from clapsearch.cli.train import train  # noqa: E402

app.command()(train)
app.command()(benchmark)
app.command()(models)
app.command()(convert)
app.command()(dupes)
app.command()(serve)
app.add_typer(data_app, name="data", help="Build training corpora (the project's data recipe).")

if __name__ == "__main__":
    app()
