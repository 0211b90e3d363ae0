"""Errors a user can meet and fix: one family, which the CLI prints as one line (anything else is a bug)."""
from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user gave (a path, a file, an option, a model folder), not a bug.

    The message names the path or value, says what is wrong and what to do, in one line.
    """


class ConfigError(UserError, ValueError):
    """A model config or model folder that cannot be used as given."""
