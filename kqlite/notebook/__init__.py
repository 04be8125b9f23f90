"""kqlite in Jupyter: `%load_ext kqlite` adds the `%kql`, `%%kql` and `%kql_connect` magics.

Needs IPython (`pip install 'kqlite[notebook]'`); charts need matplotlib, which the same
extra brings. See docs/NOTEBOOKS.md.
"""

from __future__ import annotations

from typing import Any

from .result import KqlResult

__all__ = ["KqlResult", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    from .magics import KqlMagics  # IPython is imported only when the extension is loaded

    ipython.register_magics(KqlMagics)


def unload_ipython_extension(ipython: Any) -> None:
    # IPython has no unregister_magics: drop the three names so a reload registers them afresh.
    magics = ipython.magics_manager.magics
    for kind, names in (("line", ("kql", "kql_connect")), ("cell", ("kql",))):
        for name in names:
            magics[kind].pop(name, None)
