"""The IPython magics: `%kql`, `%%kql` and `%kql_connect`, a thin layer over one Database.

    %load_ext kqlite
    %kql_connect                      # the sample fleet (the default), a folder, or a .duckdb store
    %%kql -o machines
    Resources | where type == 'microsoft.hybridcompute/machines' | take 10

Query parameters are bound, never spliced: a name declared with `declare query_parameters`
takes its value from `--param name=value`, else from the notebook variable of that name,
else from its default. Python values are typed by the declaration.
"""

from __future__ import annotations

import argparse
import shlex
from html import escape
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.display import display
from traitlets import Enum, Int

from ..engine import Database
from ..errors import KqlError
from ..syntax import ast as A
from ..syntax.literals import LiteralError, parse_datetime_text
from ..syntax.parser import parse
from .html import error_html
from .options import OptionError, split_options
from .result import KqlResult

STORE_SUFFIXES = (".duckdb", ".db")


@magics_class
class KqlMagics(Magics):
    """KQL cells over kqlite. Settings: `%config KqlMagics.max_rows = 20`."""

    max_rows = Int(100, help="Rows shown in a result table; the count of the rest follows it.").tag(config=True)
    chart_format = Enum(["png", "svg"], "png", help="How `render` charts are shown.").tag(config=True)

    def __init__(self, shell: Any = None, **kw: Any):
        super().__init__(shell, **kw)
        self.db: Database | None = None  # opened on first use: loading the sample fleet takes a second
        self.source = ""
        self._owned = True

    @property
    def user_ns(self) -> dict[str, Any]:
        assert self.shell is not None  # IPython always registers magics on a shell
        return self.shell.user_ns

    # ------------------------------------------------------------ %kql / %%kql
    @no_var_expand  # IPython would replace $name and {name} in the line: KQL has $left, and values must not be spliced
    @line_cell_magic
    def kql(self, line: str, cell: str | None = None) -> KqlResult | None:
        """Run KQL: `%kql [-o NAME] [-p NAME=VALUE ...] [-q] [--no-chart] QUERY`, or a `%%kql` cell.

        -o NAME          also store the (last) result in the variable NAME
        -p/--param N=V   a value for `declare query_parameters` (text, typed by the declaration)
        -q/--quiet       show nothing (use with -o)
        --no-chart       show the table even when the query ends with `render`
        """
        try:
            opts, text = split_options(line)
        except OptionError as e:
            raise UsageError(str(e)) from None
        if cell is not None:
            if text.strip():
                raise UsageError("%%kql takes only options on its first line; the query goes in the cell below it")
            text = cell
        if not text.strip():
            raise UsageError("no query: %kql QUERY, or a %%kql cell")
        try:
            db = self.database()
            results = db.execute(text, self._params(text, opts.params))
        except KqlError as e:
            _show_error(e)
            return None
        shown = [KqlResult(r, max_rows=self.max_rows, chart_format=self.chart_format, show_chart=not opts.no_chart)
                 for r in results]
        if not shown:
            return None
        if opts.output:
            self.user_ns[opts.output] = shown[-1]
        if opts.quiet:
            return None
        for earlier in shown[:-1]:  # several `;`-separated queries: each is shown, the last is the value
            display(earlier)
        return shown[-1]  # returned, so IPython shows it and keeps it as `_` and Out[n]

    def _params(self, text: str, given: dict[str, str]) -> dict[str, Any]:
        """--param values, then notebook variables named like the declared parameters."""
        params: dict[str, Any] = dict(given)
        for name in declared_parameters(text):
            if name not in params and name in self.user_ns:
                params[name] = self.user_ns[name]
        return params

    # ------------------------------------------------------------ %kql_connect
    @line_magic
    def kql_connect(self, line: str) -> None:
        """Choose the data: `%kql_connect [PATH | VARIABLE ...] [--default-table T] [--now DATETIME]`.

        No PATH: the bundled sample fleet. A .duckdb file: a kqlite store (read-only). Folders or
        files of exports: read as `kqlite query --data` reads them. A variable holding a kqlite
        Database: that one (used as it is: --now and --default-table do not change it).
        --now fixes what now() and ago() count from, for an export taken in the past.
        """
        p = argparse.ArgumentParser(prog="%kql_connect", add_help=False)
        p.add_argument("paths", nargs="*")
        p.add_argument("--default-table", default="Resources")
        p.add_argument("--now")
        try:
            args = p.parse_args(shlex.split(line))
        except (SystemExit, ValueError):
            raise UsageError("%kql_connect [PATH | VARIABLE ...] [--default-table T] [--now DATETIME]") from None
        try:
            db, source, owned = self._open(args)
        except KqlError as e:
            _show_error(e)
            return
        if self.db is not None and self._owned and self.db is not db:
            self.db.close()  # one we opened; a Database handed in from a variable stays open
        self.db, self.source, self._owned = db, source, owned
        summary = f"kqlite: {self.source}: {self._summary()}"
        display({"text/html": f"<p>{escape(summary)}</p>", "text/plain": summary}, raw=True)

    def _open(self, args: argparse.Namespace) -> tuple[Database, str, bool]:
        """(database, what it is, whether this magic opened it)."""
        try:
            now = parse_datetime_text(args.now) if args.now else None
        except LiteralError:
            raise UsageError(f"--now takes a datetime (2026-11-15T00:00:00Z), got '{args.now}'") from None
        if len(args.paths) == 1 and isinstance(self.user_ns.get(args.paths[0]), Database):
            return self.user_ns[args.paths[0]], f"the database in '{args.paths[0]}'", False
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        stores = [p for p in args.paths if Path(p).suffix.lower() in STORE_SUFFIXES]
        if stores and len(args.paths) > 1:
            raise UsageError("a .duckdb store is opened alone (it is read-only; data cannot be added to it)")
        from ..cli import open_database  # the CLI's rules for --db and --data, so both read folders alike

        ns = argparse.Namespace(db=stores[0] if stores else None, data=[] if stores else args.paths,
                                default_table=args.default_table)
        db = open_database(ns)
        db.fixed_now = now
        what = stores[0] if stores else ", ".join(args.paths) if args.paths else "the sample fleet"
        return db, what, True

    def _summary(self) -> str:
        assert self.db is not None
        parts = []
        for name in self.db.tables:
            try:
                n = self.db.query(f"[{name!r}] | count").column(0)[0].as_py()
                rows = f"{n:,} row{'s' if n != 1 else ''}"
            except KqlError:  # a name no KQL literal can spell; the table is still there
                rows = "rows not counted"
            parts.append(f"{name} ({rows})")
        return ", ".join(parts) or "no tables"

    def database(self) -> Database:
        """The current database; the sample fleet until `%kql_connect` chooses other data."""
        if self.db is None:
            from ..sample_fleet import load_sample

            self.db = Database()
            load_sample(self.db)
            self.source = "the sample fleet"
        return self.db


def _show_error(error: KqlError) -> None:
    # HTML for Jupyter, the same caret picture as text for a terminal IPython
    display({"text/html": error_html(error), "text/plain": error.render()}, raw=True)


def declared_parameters(text: str) -> list[str]:
    """Names declared by `declare query_parameters(...)`; none if the text does not parse
    (running it then reports the syntax error)."""
    try:
        script = parse(text)
    except KqlError:
        return []
    return [p.name for s in script.statements if isinstance(s, A.DeclareParams) for p in s.params]

