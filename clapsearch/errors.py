"""Errors a user can meet and fix: one family, which the CLI prints as one line (anything else is a bug)."""
from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user gave (a path, a file, an option, a model folder), not a bug.

    The message names the path or value, says what is wrong and what to do, in one line.
    """


class ConfigError(UserError, ValueError):
    """A model config or model folder that cannot be used as given."""


class WeightsError(ConfigError):
    """A weights file (model.safetensors, a text tower's weights, a checkpoint) that is damaged or unsafe."""


class OptionError(UserError, ValueError):
    """A command-line option or argument whose value cannot be used (a device, a protocol, an empty query)."""


class DataError(UserError, ValueError):
    """A data set, manifest or dev set whose files or layout cannot be used."""


class DataNotFound(DataError, FileNotFoundError):
    """A data set, manifest or checkpoint folder that is not where the user said."""


class MissingPackageError(UserError, RuntimeError):
    """A package this install lacks; the message says which one and how to install it."""
