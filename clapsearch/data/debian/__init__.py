"""Download Debian packages, extract them, find their sound files (also inside zip, .cat and c4group files),
caption them and build the clips: ``apt`` -> ``archives`` -> ``captioners`` -> ``build``."""
from __future__ import annotations

from .apt import DebianError, download, extract, fetch_word_list, find_deb
from .archives import (
    C4_MAGIC,
    C4_SUFFIXES,
    Member,
    c4_scramble,
    cat_entry_name,
    find_files,
    iter_members,
    normalise_licence,
    read_c4group,
    read_cat,
)
from .build import CUT_SECONDS, MAX_SECONDS, MIN_SECONDS, build_package, write_audio
from .captioners import CAPTIONERS, CONTEXT_READERS, caption_member, read_drumkits, read_transcripts

__all__ = ["DebianError", "download", "extract", "fetch_word_list", "find_deb", "C4_MAGIC", "C4_SUFFIXES", "Member",
           "c4_scramble", "cat_entry_name", "find_files", "iter_members", "normalise_licence", "read_c4group",
           "read_cat", "CUT_SECONDS", "MAX_SECONDS", "MIN_SECONDS", "build_package", "write_audio", "CAPTIONERS",
           "CONTEXT_READERS", "caption_member", "read_drumkits", "read_transcripts"]
