"""The interactive session: a prompt_toolkit prompt over one Database.

Read (multi-line KQL with highlighting, completion, history) -> run (cancellable, see
runner.py) -> print (render.py) -> on an error, show the caret picture and put the query
back in the buffer with the cursor on the mistake.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import ThreadedCompleter
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.output import Output
from prompt_toolkit.styles import Style

from .. import __version__
from ..errors import KqlError
from ..highlight import KqlLexer
from ..limits import truncation_notice
from . import keys, render
from .commands import CommandError, Commands
from .completion import KqlCompleter
from .context import call_at
from .paths import Store
from .runner import Runner
from .scope import Scope

STYLE = Style.from_dict({
    "prompt": "ansigreen bold", "continuation": "ansibrightblack",
    "pygments.keyword": "ansiblue bold", "pygments.keyword.pseudo": "ansiblue bold",
    "pygments.keyword.type": "ansimagenta", "pygments.keyword.constant": "ansimagenta",
    "pygments.operator.word": "ansiblue", "pygments.name.function": "ansicyan",
    "pygments.name.builtin.pseudo": "ansicyan bold", "pygments.literal.string": "ansigreen",
    "pygments.literal.number": "ansiyellow", "pygments.literal.number.timespan": "ansibrightmagenta",
    "pygments.literal.date": "ansibrightmagenta", "pygments.comment": "ansibrightblack italic",
    "bottom-toolbar": "noreverse bg:ansibrightblack ansiwhite", "bottom-toolbar.signature": "bold",
    "bottom-toolbar.arg": "bold underline", "status": "ansiyellow", "status.hint": "ansibrightblack",
})


@dataclass
class Settings:
    format: str = "table"
    timing: bool = True
    pager: bool = False


class Repl:
    """One session. `input`/`output` default to the terminal; tests pass a pipe and a dummy."""

    def __init__(self, db: Any, *, input: Input | None = None, output: Output | None = None,
                 out: TextIO | None = None, store: Store | None = None, history: History | None = None,
                 banner: str | None = None, color: bool | None = None):
        self.db = db
        self.out = out or sys.stdout
        self.store = store or Store()
        self.settings = Settings()
        self.params: dict[str, str] = {}
        self.last_query = ""
        self.banner = banner
        self.color = (self.out.isatty() and not os.environ.get("NO_COLOR")) if color is None else color
        self.scope = Scope(db, lambda: self.params)
        self.commands = Commands(self)
        self.runner = Runner(input, output)
        self._output_file: Path | None = None
        self._retry: tuple[str, int] | None = None  # a failed query, back in the buffer at the error
        saved = self.store.settings()
        self.session: PromptSession[str] = PromptSession(
            message=[("class:prompt", "kql> ")], multiline=True, prompt_continuation=self._continuation,
            lexer=PygmentsLexer(KqlLexer), style=STYLE, include_default_pygments_style=False,
            completer=ThreadedCompleter(KqlCompleter(db, self.scope, self.store.saved_names)),
            complete_while_typing=True, auto_suggest=AutoSuggestFromHistory(), search_ignore_case=True,
            history=history or _file_history(self.store), key_bindings=keys.bindings(self._remember_mode),
            editing_mode=EditingMode.VI if saved.get("keys") == "vi" else EditingMode.EMACS,
            bottom_toolbar=self._toolbar, input=input, output=output)

    # ------------------------------------------------------------ the loop
    def run(self) -> int:
        """Read-run-print until Ctrl-D or .quit. Returns the exit status (0)."""
        self.say(self.banner if self.banner is not None else self._default_banner())
        threading.Thread(target=self._warm_up, daemon=True).start()
        while True:
            default, cursor = self._retry or ("", None)
            self._retry = None
            try:
                text = self.session.prompt(default=default, pre_run=self._place_cursor(cursor))
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line
            except EOFError:
                break
            if not self.handle(text):
                break
        self.set_output(None, quiet=True)
        return 0

    def handle(self, text: str) -> bool:
        """One submitted buffer: a dot command or KQL. False ends the session."""
        stripped = text.strip()
        if not stripped:
            return True
        if stripped.startswith("."):
            try:
                return self.commands.run(stripped)
            except CommandError as e:
                self.say(f"{e}")
            except KqlError as e:  # from .explain's query (put it back at the error) or a data file
                offset = text.find(stripped) + len(stripped.split(" ", 1)[0]) + 1
                self._show_error(e, text, offset, retry=stripped.lower().startswith(".explain"))
            except (OSError, ValueError) as e:
                self.say(f"error: {e}")
            return True
        self.query(text)
        return True

    # ------------------------------------------------------------ queries
    def query(self, text: str, offset: int = 0) -> None:
        """Run KQL and print each statement's result. `offset`: where the text sits in the buffer."""
        self.last_query = text.strip().rstrip(";").strip()
        outcome = self.runner.run(lambda: self.db.execute(text, dict(self.params)), cancel=self._interrupt)
        if outcome.cancelled:
            self.say(render.note(f"cancelled after {render.duration(outcome.elapsed)}", self.color))
            return
        if isinstance(outcome.error, KqlError):
            self._show_error(outcome.error, text, offset)
            return
        if isinstance(outcome.error, Exception):  # a bug, not the user's mistake: report it, keep the session
            self.say(render.error_text(f"internal error: {type(outcome.error).__name__}: {outcome.error}", self.color))
            return
        if outcome.error is not None:
            raise outcome.error
        self._print_results(outcome.value, outcome.elapsed if self.settings.timing else None)

    def explain(self, text: str) -> None:
        self.say(self.db.explain(text, dict(self.params)))

    def _interrupt(self) -> None:
        self.db.interrupt()  # DuckDB cancels the running statement; safe from any thread

    def _print_results(self, results: list, elapsed: float | None) -> None:
        screen = self.screen()
        for i, result in enumerate(results):
            last = i == len(results) - 1
            spent = elapsed if last else None
            if self._output_file is not None:
                with open(self._output_file, "a", encoding="utf-8", newline="") as f:
                    f.write(render.file_text(result, self.settings.format))
                self.say(render.note(f"{render.footer(result.table.num_rows, spent)} → {self._output_file}",
                                     self.color))
            elif self.settings.format != "table":
                self.say(render.file_text(result, self.settings.format).rstrip("\n"))
            elif self.settings.pager and self._pageable():
                text = render.result_text(result, screen, spent, max_rows=render.PAGER_ROWS, fit=False)
                self._page(text, screen)
            else:
                rows = max(5, screen.height - 9)
                self.say(render.result_text(result, screen, spent, max_rows=rows))
            if getattr(result, "truncated", False):
                self.say(render.note(truncation_notice(result.table.num_rows), self.color))
            if not last:
                self.say("")

    def _show_error(self, error: KqlError, text: str, offset: int = 0, retry: bool = True) -> None:
        self.say(render.error_text(error.render(), self.color))
        if not retry or self.runner.typed_ahead:
            return  # typed ahead: the user already started the next thing; do not mix the old query in
        start = error.span.start if error.span is not None and error.text is not None else 0
        text = text.rstrip()
        self._retry = (text, min(len(text), offset + max(0, start)))

    # ------------------------------------------------------------ output
    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def screen(self) -> render.Screen:
        try:
            size = self.session.output.get_size()
            return render.Screen(size.columns or 80, size.rows or 24, self.color)
        except Exception:  # noqa: BLE001 - no terminal to ask: the usual size
            return render.Screen(80, 24, self.color)

    def highlight_note(self, text: str) -> str:
        return render.note(text, self.color)

    def set_output(self, path: Path | None, quiet: bool = False) -> None:
        if path is not None:
            path.write_text("", encoding="utf-8")  # truncate now, as sqlite's .output does
            self.say(f"results go to {path} (.output alone brings them back)")
        elif self._output_file is not None and not quiet:
            self.say("results come to the screen again")
        self._output_file = path

    def _pageable(self) -> bool:
        return self.out is sys.stdout and sys.stdout.isatty()

    def _page(self, text: str, screen: render.Screen) -> None:
        if text.count("\n") < screen.height - 2:
            self.say(text)
            return
        pager = os.environ.get("PAGER") or ("less -SRXF" if shutil.which("less") else "")
        if not pager:
            self.say(text)
            return
        try:
            subprocess.run(pager, shell=True, input=text + "\n", text=True, check=False)
        except OSError:
            self.say(text)

    # ------------------------------------------------------------ the prompt's parts
    def _continuation(self, width: int, line_number: int, is_soft_wrap: int) -> StyleAndTextTuples:
        return [("class:continuation", "...> ".rjust(width))]

    def _toolbar(self) -> StyleAndTextTuples:
        buf = self.session.default_buffer
        call = call_at(buf.document.text_before_cursor)
        if call is not None:
            from ..functions.registry import lookup

            fn = lookup(call[0])
            stored = getattr(self.db.catalog, "functions", {}).get(call[0])
            if fn is None and stored is not None:
                return [("class:bottom-toolbar.signature", f" {stored.signature()}"), ("", f"  {stored.docstring}")]
            if fn is not None:
                parts: StyleAndTextTuples = [("class:bottom-toolbar.signature", f" {fn.name}(")]
                for i, p in enumerate(fn.params):
                    current = i == min(call[1], len(fn.params) - 1)
                    parts.append(("class:bottom-toolbar.arg" if current else "", p))
                    parts.append(("", ", " if i < len(fn.params) - 1 else ""))
                return parts + [("class:bottom-toolbar.signature", ")"), ("", f"  {fn.kind} · {fn.doc}")]
        mode = "vi" if self.session.app.editing_mode == EditingMode.VI else "emacs"
        return [("", f" Enter runs · Alt-Enter new line · Tab completes · Ctrl-R history · [F4] {mode} · "
                     f".help · Ctrl-D quits")]

    def _place_cursor(self, cursor: int | None):
        def place() -> None:
            if cursor is not None:
                self.session.default_buffer.cursor_position = cursor
        return place

    def _remember_mode(self, mode: EditingMode) -> None:
        self.store.remember(keys="vi" if mode == EditingMode.VI else "emacs")

    def set_editing_mode(self, name: str) -> None:
        self.session.editing_mode = EditingMode.VI if name == "vi" else EditingMode.EMACS
        self.store.remember(keys=name)

    def _default_banner(self) -> str:
        tables = ", ".join(self.db.tables) or "no tables yet (.load PATH)"
        return (f"kqlite {__version__} · tables: {tables}\n"
                f"Enter runs a complete query, Alt-Enter adds a line · .help · Ctrl-D quits")

    def _warm_up(self) -> None:
        """Load the grammar and the function registry now, not on the first keystroke."""
        try:
            from ..functions.registry import all_functions
            from ..syntax.parser import parse

            parse("print 1")
            all_functions()
        except Exception:  # noqa: BLE001 - only a head start; the real use reports errors
            pass


def _file_history(store: Store) -> History:
    try:
        return FileHistory(str(store.history))
    except OSError:
        return InMemoryHistory()  # an unwritable home: history for this session only
