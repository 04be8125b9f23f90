"""Where the built LALR parser is kept between processes.

Building the parse tables from grammar/kql.lark takes most of a second (more on a busy
machine), and every `kqlite query ...` is a new process. Lark can pickle the built parser
(`Lark(..., cache=<file>)`): the file's first line is a SHA-256 of the grammar text, the
Lark options, Lark's version and Python's version, and Lark rebuilds (and rewrites the
file) whenever that line differs, so an edited grammar or an upgraded Lark never uses a
stale table. A file that cannot be read or unpickled is ignored and the parser is built;
a directory that cannot be written only means the next process builds again.

The file lives in the user's own cache directory rather than Lark's default (the shared
temp directory), because the cache is a pickle: loading one that another user could have
planted would run their code. It is not shipped inside the package either: the wheel is
pure Python, and a table pickled under one Python version is stale under another.

    KQLITE_PARSER_CACHE=off      never read or write a cache (build every time)
    KQLITE_PARSER_CACHE=<file>   use that file
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_ENV = "KQLITE_PARSER_CACHE"
_OFF = {"", "0", "off", "false", "no"}


def _user_cache_dir() -> Path:
    """The platform's per-user cache directory (XDG on Linux, Library/Caches on macOS)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        if base:
            return Path(base)
    elif sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"


def parser_cache_file() -> str | None:
    """The file to pass as Lark's `cache=`, or None to build without one."""
    override = os.environ.get(_ENV)
    if override is not None:
        return None if override.strip().lower() in _OFF else override
    try:
        folder = _user_cache_dir() / "kqlite"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no home directory, or a read-only one: just build
        return None
    # one file per Python version, so two interpreters sharing a home do not keep
    # overwriting each other's table (the hash inside guards everything else)
    return str(folder / f"parser-py{sys.version_info[0]}{sys.version_info[1]}.lark-cache")
