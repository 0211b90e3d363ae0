"""What every command shares: the console, default locations, and turning known errors into messages."""
from __future__ import annotations

import logging
import os
import re
import shlex
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from clapsearch.errors import OptionError, UserError
from clapsearch.paths import display_path

# emoji=False: a file name or message with ":x:" or ":smile:" in it prints as written, not as an emoji
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

DEFAULT_INDEX = Path(os.environ.get("CLAPSEARCH_INDEX", ".clapsearch"))


# Whether -v/--verbose was given: an internal error then prints its traceback, not just one line.
verbose_mode = False

# SQLite's words for a metadata file that is not (or no longer) a database.
_DAMAGED_DB = ("file is not a database", "database disk image is malformed")
DAMAGED_DB_MESSAGE = ("the index's metadata database is damaged ({reason}): run 'clapsearch index PATH --index DIR "
                      "--rebuild', which moves the damaged database aside and builds the index again")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every exception into one red line and exit 1: a user's mistake says what to do, anything else is a bug.

    UserError (a path, a file, an option the user can fix) prints its message; a damaged metadata database
    says how to rebuild it; any other exception is an internal error, whose traceback goes to a log file
    (and to stderr under -v). Exits the command asked for (typer.Exit, click's errors) and Ctrl-C pass through.
    """
    import click

    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
        raise  # an exit the command chose, with its own code and message
    except UserError as e:
        _fail(str(e))
    except _sqlalchemy_error("ArgumentError") as e:
        _fail(f"not a database URL SQLAlchemy understands: {_first_line(e)}")
    except _sqlalchemy_error("SQLAlchemyError") as e:
        if _damaged_database(e):
            _fail(DAMAGED_DB_MESSAGE.format(reason=_sqlite_reason(e)))
        _fail(f"metadata database: {_first_line(e)}")
    except ImportError as e:
        _fail(f"a module is missing: {e.name or e} (install it into clapsearch's environment, e.g. a database "
              "driver such as psycopg for PostgreSQL)")
    except Exception as e:  # a bug: say so in one line, keep the traceback
        if _damaged_database(e):  # sqlite3 used directly, without SQLAlchemy around it
            _fail(DAMAGED_DB_MESSAGE.format(reason=_sqlite_reason(e)))
        _internal_error(e)


class _NeverRaised(Exception):
    pass


def _sqlalchemy_error(name: str) -> type[BaseException]:
    """SQLAlchemy's exception class, or one nothing raises where SQLAlchemy was never imported (an except clause
    evaluates this only when an exception is raised, so a query answered by a server never imports SQLAlchemy)."""
    module = sys.modules.get("sqlalchemy.exc")
    return getattr(module, name) if module is not None else _NeverRaised


def _fail(message: str) -> NoReturn:
    """Print `error: message` as one red line on stderr and exit 1."""
    err_console.print(f"[bold red]error:[/] {escape(_one_line(message))}", soft_wrap=True, highlight=False)
    raise typer.Exit(1) from None


def _one_line(message: str) -> str:
    return _printable(" ".join(part.strip() for part in str(message).splitlines() if part.strip()))


def _printable(text: str) -> str:
    # A message built from a non-UTF-8 path holds surrogate escapes, which no terminal can print.
    return display_path(text) if any("\udc80" <= c <= "\udcff" for c in text) else text


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _damaged_database(e: BaseException) -> bool:
    import sqlite3

    orig = getattr(e, "orig", e)
    return isinstance(orig, sqlite3.DatabaseError) and any(m in str(orig).lower() for m in _DAMAGED_DB)


def _sqlite_reason(e: BaseException) -> str:
    return str(getattr(e, "orig", e)).strip()


def error_log_path() -> Path:
    """Return the file internal errors' tracebacks are appended to (<cache>/errors.log)."""
    from clapsearch.model.zoo.registry import user_cache_dir

    return user_cache_dir() / "errors.log"


def _internal_error(e: BaseException) -> NoReturn:
    """Log the traceback, print one line naming the log (and the traceback under -v), and exit 1."""
    trace = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    log_file: Path | None = None
    try:
        log_file = error_log_path()
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} clapsearch "
                     f"{' '.join(shlex.quote(a) for a in sys.argv[1:])}\n{trace}\n")
        where = f"the traceback is in {display_path(str(log_file))}"
    except Exception as log_error:  # noqa: BLE001 - a log that cannot be written must not hide the error itself
        target = f" to {display_path(str(log_file))}" if log_file is not None else ""
        where = f"the traceback could not be written{target} ({_first_line(log_error)})"
    if verbose_mode:
        sys.stderr.write(trace)
        sys.stderr.flush()
        hint = f"{where}, and above"
    else:
        hint = f"{where}; run with -v to see it"
    err_console.print(f"[bold red]internal error:[/] {escape(_printable(f'{type(e).__name__}: {_first_line(e)}'))} "
                      f"(a bug in clapsearch; {escape(hint)})", soft_wrap=True, highlight=False)
    raise typer.Exit(1) from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def line_path(path: str) -> str:
    """Return a path as one line of terminal text: display_path's form, with a control character in a name (a
    newline, a tab) written as \\n, \\t or \\xHH, so that one file's line stays one line. A literal backslash is
    already doubled by display_path, so the two cannot be confused. For printing only: --json keeps display_path."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), display_path(path))


def check_output_path(path: Path | None, option: str) -> None:
    """Refuse, before any work, an output file the user named whose folder does not exist or that is a folder."""
    if path is None:
        return
    shown = display_path(str(path))
    if path.is_dir():
        raise OptionError(f"{option} {shown} is a folder: give a file name, e.g. {shown}/result")
    if not path.parent.is_dir():
        raise OptionError(f"{option} {shown}: the folder {display_path(str(path.parent))} does not exist: create it, "
                          "or give a path in an existing folder")


@contextmanager
def writing(path: Path, option: str) -> Iterator[None]:
    """Turn an OSError while writing a file the user named (no space, no permission) into one line naming it."""
    try:
        yield
    except OSError as e:
        raise OptionError(f"cannot write {option} {display_path(str(path))}: {e.strerror or e}: give a path you "
                          "can write to") from None


def setup_logging(verbose: bool) -> None:
    global verbose_mode
    verbose_mode = verbose
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def mmss(seconds: float) -> str:
    """Return mm:ss, with tenths when the time is not a whole second (short windows)."""
    seconds = max(0.0, float(seconds))
    minutes, rest = divmod(seconds, 60.0)
    if abs(rest - round(rest)) < 0.05:
        return f"{int(minutes):02d}:{int(round(rest)):02d}"
    return f"{int(minutes):02d}:{rest:04.1f}"
