"""The interactive REPL (`kqlite` in a terminal). See docs/REPL.md for what it does and why.

    session.py     the prompt loop: read, run, print, errors back in the buffer
    keys.py        Enter runs a complete query, Alt-Enter adds a line, F4 Emacs/Vi
    runner.py      running a query so that Ctrl-C cancels it (DuckDB interrupt)
    render.py      tables that fit the terminal, footers with the time, errors in colour
    charts.py      `render` charts drawn with block characters
    commands.py    dot commands (.tables, .schema, .load, .format, .param, .save/.run ...)
    context.py     what surrounds the cursor (a forgiving scan of incomplete KQL)
    scope.py       columns in scope (from the binder) and dynamic property paths (sampled)
    completion.py  what to offer where; fuzzy.py ranks it; vocabulary.py holds the words
    paths.py       history, saved queries and settings in the user's data directory
"""

from __future__ import annotations

from typing import Any

from .session import Repl

__all__ = ["Repl", "run"]


def run(db: Any, **kw: Any) -> int:
    """Run a session over a Database on the terminal; returns the exit status."""
    return Repl(db, **kw).run()
