"""What every command shares: the console, default locations, and turning known errors into messages."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

DEFAULT_INDEX = Path(os.environ.get("CLAPSEARCH_INDEX", ".clapsearch"))


@contextmanager
def user_errors() -> Iterator[None]:
    """Print errors a user can fix as one red line and exit 1, instead of a traceback."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from clapsearch.indexer import IndexLocked

    try:
        yield
    except (ValueError, FileNotFoundError, IndexLocked, RuntimeError) as e:
        err_console.print(f"[bold red]error:[/] {e}")
        raise typer.Exit(1) from None
    except ArgumentError as e:
        err_console.print(f"[bold red]error:[/] not a database URL SQLAlchemy understands: {e}")
        raise typer.Exit(1) from None
    except SQLAlchemyError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        err_console.print(f"[bold red]error:[/] metadata database: {first}")
        raise typer.Exit(1) from None
    except ImportError as e:
        err_console.print(f"[bold red]error:[/] a module is missing: {e.name or e} (install it into clapsearch's "
                          "environment, e.g. a database driver such as psycopg for PostgreSQL)")
        raise typer.Exit(1) from None


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def mmss(seconds: float) -> str:
    """Return mm:ss, with tenths when the time is not a whole second (short windows)."""
    seconds = max(0.0, float(seconds))
    minutes, rest = divmod(seconds, 60.0)
    if abs(rest - round(rest)) < 0.05:
        return f"{int(minutes):02d}:{int(round(rest)):02d}"
    return f"{int(minutes):02d}:{rest:04.1f}"
