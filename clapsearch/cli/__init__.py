"""The command line: thin Typer commands that parse options, call one library function, and print."""
from __future__ import annotations
