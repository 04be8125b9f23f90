"""Dot commands: `.tables`, `.schema`, `.load`, `.format`, `.param`, `.save`/`.run`...

Each `cmd_<name>(arg)` prints through the session and returns nothing; a mistake in the
argument raises CommandError, which the session prints as a one-line message. Queries
(`.explain`, `.run`) go back through the session so that errors and cancellation behave
as for typed queries.
"""

from __future__ import annotations

import argparse
import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import KqlError
from . import vocabulary as V
from .scope import kql_name, quoted_name

if TYPE_CHECKING:
    from .session import Repl


class CommandError(Exception):
    pass


class Commands:
    def __init__(self, repl: Repl):
        self.repl = repl

    def run(self, line: str) -> bool:
        """Run one dot command; False means leave the session."""
        name, _, arg = line.strip().partition(" ")
        name = name.lower()
        if name in (".quit", ".exit", ".q"):
            return False
        handler = getattr(self, "cmd_" + name[1:], None)
        if handler is None or name not in V.DOT_COMMANDS:
            close = [c for c in V.DOT_COMMANDS if c.startswith(name[:3])]
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise CommandError(f"unknown command '{name}'{hint}; .help lists them")
        handler(arg.strip())
        return True

    # ------------------------------------------------------------ information
    def cmd_help(self, arg: str) -> None:
        if arg:
            self.repl.say(self._describe_function(arg))
            return
        width = max(len(f"{n} {a}".strip()) for n, (a, _, _) in V.DOT_COMMANDS.items())
        lines = [f"  {(n + ' ' + a).strip().ljust(width)}  {doc}" for n, (a, doc, _) in V.DOT_COMMANDS.items()
                 if n != ".exit"]
        self.repl.say("\n".join([
            "Type KQL; Enter runs a complete query (Alt-Enter adds a line; a blank line or ';' runs it too).",
            "Tab completes tables, operators, columns, functions and dynamic paths. Ctrl-R searches history,",
            "Ctrl-C clears the line or cancels a running query, Ctrl-D quits.", "", *lines]))

    def cmd_tables(self, arg: str) -> None:
        db = self.repl.db
        if not db.tables:
            self.repl.say("(no tables: .load PATH adds files)")
            return
        rows = []
        for name in db.tables:
            try:
                count = db.query(f"{quoted_name(name)} | count").column(0)[0].as_py()
            except KqlError:
                count = "?"
            rows.append((name, f"{count:,} row{'' if count == 1 else 's'}" if isinstance(count, int) else "? rows",
                         f"{len(db.schema(name))} columns"))
        w0, w1, w2 = (max(len(r[i]) for r in rows) for i in range(3))
        default = db.catalog.default_table
        self.repl.say("\n".join(f"{n.ljust(w0)}  {c.rjust(w1)}  {k.rjust(w2)}" + ("  (default table)" if n == default else "")
                                for n, c, k in rows))

    def cmd_schema(self, arg: str) -> None:
        db = self.repl.db
        if arg:
            name = _unquote(arg)
            try:
                cols = db.schema(name)
            except KqlError as e:
                raise CommandError(f"{e.message}; tables: {', '.join(db.tables)}") from None
            width = max(len(c) for c, _ in cols)
            self.repl.say("\n".join(f"{c.ljust(width)}  {t}" for c, t in cols))
            return
        out = []
        for name in db.tables:
            cols = ", ".join(f"{kql_name(c)}:{t}" for c, t in db.schema(name))
            out.append(textwrap.fill(f"{kql_name(name)} ({cols})", width=self.repl.screen().width,
                                     subsequent_indent="    ", break_on_hyphens=False))
        self.repl.say("\n".join(out) or "(no tables)")

    def _describe_function(self, name: str) -> str:
        """`.help Name`: a stored function's signature, docstring and file, or a built-in's signature."""
        from ..functions.registry import all_functions

        stored = getattr(self.repl.db.catalog, "functions", {}).get(name)
        if stored is not None:
            folder = f" · folder {stored.folder}" if stored.folder else ""
            return f"{stored.signature()}\n  {stored.docstring or '(no docstring)'}\n  {stored.path}{folder}"
        builtin = all_functions().get(name)
        if builtin is not None:
            return f"{builtin.signature()}  {builtin.kind}\n  {builtin.doc}"
        raise CommandError(f"no function '{name}'; .functions lists them")

    def cmd_functions(self, arg: str) -> None:
        from ..functions.registry import all_functions

        rows = [(name, f"{name}({', '.join(fn.params)})", fn.kind) for name, fn in sorted(all_functions().items())]
        stored = getattr(self.repl.db.catalog, "functions", {})
        rows += [(name, stored[name].signature(), "stored") for name in sorted(stored)]
        rows = [r for r in rows if arg.lower() in r[0].lower()]
        if not rows:
            raise CommandError(f"no function matches '{arg}'")
        width = max(len(r[1]) for r in rows)
        self.repl.say("\n".join(f"{sig.ljust(width)}  {kind}" for _, sig, kind in rows))

    # ------------------------------------------------------------ data
    def cmd_load(self, arg: str) -> None:
        words = shlex.split(arg) if arg else []
        if not words or len(words) > 2:
            raise CommandError("usage: .load PATH [TABLE]  (a data file, or a folder of them)")
        path = Path(words[0]).expanduser()
        if not path.exists():
            raise CommandError(f"no such file or folder: {path}")
        if getattr(self.repl.db, "path", None):
            raise CommandError("this session is over a stored database, which is read-only; "
                               "`kqlite ingest` adds files to it, or start `kqlite --data PATH`")
        outcome = self.repl.runner.run(lambda: load(self.repl.db, path, words[1] if len(words) > 1 else None),
                                       cancel=None, label="loading")
        if outcome.error is not None:
            raise outcome.error
        self.repl.scope.invalidate()
        names = outcome.value
        self.repl.say(f"loaded {', '.join(names)}" if names else f"no data files in {path}")

    # ------------------------------------------------------------ queries
    def cmd_explain(self, arg: str) -> None:
        if not arg:
            raise CommandError("usage: .explain QUERY")
        self.repl.explain(arg)

    def cmd_param(self, arg: str) -> None:
        params = self.repl.params
        if not arg:
            self.repl.say("\n".join(f"{k} = {v}" for k, v in params.items()) or
                          "(no parameters: .param NAME=VALUE sets one for `declare query_parameters`)")
            return
        if arg == "clear":
            params.clear()
            return
        if arg.startswith("unset "):
            params.pop(arg[6:].strip(), None)
            return
        name, sep, value = arg.partition("=")
        if not sep or not name.strip().isidentifier():
            raise CommandError("usage: .param NAME=VALUE | unset NAME | clear")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]  # people quote strings out of habit; the declared type decides
        params[name.strip()] = value

    def cmd_save(self, arg: str) -> None:
        name, _, text = arg.partition(" ")
        text = text.strip() or self.repl.last_query
        if not name:
            raise CommandError("usage: .save NAME [QUERY]  (without QUERY: the last query run)")
        if not text:
            raise CommandError("nothing to save yet: run a query first, or give it: .save NAME QUERY")
        try:
            path = self.repl.store.save_query(name, text)
        except (ValueError, OSError) as e:
            raise CommandError(str(e)) from None
        self.repl.say(f"saved as '{name}' ({path})")

    def cmd_run(self, arg: str) -> None:
        store = self.repl.store
        if not arg:
            names = store.saved_names()
            lines = [f"{n}: {store.load_query(n).splitlines()[0][:70]}" for n in names]
            self.repl.say("\n".join(lines) or "(no saved queries: .save NAME saves the last query)")
            return
        try:
            text = store.load_query(arg)
        except ValueError as e:
            raise CommandError(str(e)) from None
        self.repl.say(self.repl.highlight_note(text))
        self.repl.query(text)

    # ------------------------------------------------------------ settings
    def cmd_timing(self, arg: str) -> None:
        self.repl.settings.timing = _on_off(arg, ".timing")

    def cmd_pager(self, arg: str) -> None:
        self.repl.settings.pager = _on_off(arg, ".pager")

    def cmd_format(self, arg: str) -> None:
        choices = V.DOT_COMMANDS[".format"][2]
        if arg not in choices:  # type: ignore[operator]
            raise CommandError(f"usage: .format {'|'.join(choices)}  (now {self.repl.settings.format})")  # type: ignore[arg-type]
        self.repl.settings.format = arg

    def cmd_output(self, arg: str) -> None:
        self.repl.set_output(Path(_unquote(arg)).expanduser() if arg else None)

    def cmd_keys(self, arg: str) -> None:
        if arg not in ("emacs", "vi"):
            raise CommandError("usage: .keys emacs|vi")
        self.repl.set_editing_mode(arg)


def load(db: Any, path: Path, table: str | None = None) -> list[str]:
    """Register a file (table = file stem) or every data file of a folder, exactly as the
    command line's --data does: the files are read by cli.open_database into a scratch
    database, then each table is registered here (so folder rules stay in one place)."""
    from .. import cli

    args = _Args(db=None, data=[str(path)], default_table=db.catalog.default_table, param=[])
    scratch = cli.open_database(args)
    try:
        names = list(scratch.tables)
        if table and len(names) == 1:
            db.register(table, scratch.query(quoted_name(names[0])))
            return [table]
        for name in names:
            db.register(name, scratch.query(quoted_name(name)))
        return names
    finally:
        scratch.close()


class _Args(argparse.Namespace):
    """The command line's arguments; options this REPL does not know read as unset."""

    def __getattr__(self, name: str) -> Any:
        return None


def _on_off(arg: str, command: str) -> bool:
    if arg not in ("on", "off"):
        raise CommandError(f"usage: {command} on|off")
    return arg == "on"


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.startswith("['") and text.endswith("']"):
        return text[2:-2]
    return text
