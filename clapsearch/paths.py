"""File paths as text: how a path that is not valid UTF-8 is stored in SQL and shown to people.

On POSIX a file name is bytes. Python hands a name that is not valid UTF-8 (``caf\\xe9.wav`` from an old
Latin-1 archive) to us as a str holding "surrogate escapes" (``'caf\\udce9.wav'``); ``open()`` accepts that
str as it is, but SQL drivers, JSON and terminals cannot carry it. So clapsearch keeps OS paths in Python and
converts at the edges to one escaped text form:

- every byte that is not part of valid UTF-8 is written ``\\xHH`` (two lower-case hex digits);
- a literal backslash is written ``\\\\`` (only in names that need escaping at all);
- every other path, which is nearly all of them, is stored and shown unchanged.

``escape_path`` and ``unescape_path`` are exact inverses, so a path round-trips through SQLite, PostgreSQL,
``--json`` and HTTP.
"""
from __future__ import annotations

import re

_SURROGATE = re.compile("[\udc80-\udcff]")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def needs_escape(path: str) -> bool:
    return _SURROGATE.search(path) is not None or "\\" in path


def escape_path(path: str) -> str:
    """Return the text form of an OS path (valid UTF-8; unchanged for ordinary names)."""
    if not needs_escape(path):
        return path
    out = path.replace("\\", "\\\\")
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", out)


def unescape_path(text: str) -> str:
    """Return the OS path (surrogate escapes for non-UTF-8 bytes) of a text form made by escape_path."""
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        s = m.group(1)
        return "\\" if s == "\\" else chr(0xDC00 + int(s[1:], 16))

    return _ESCAPE.sub(one, text)


display_path = escape_path
