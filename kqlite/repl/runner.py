"""Running a query so that Ctrl-C cancels it at once and the session goes on.

The query runs in a worker thread. Meanwhile a one-line prompt_toolkit application owns the
terminal: it shows the elapsed time after a moment and reads keys, so Ctrl-C arrives as a
key (the terminal is in raw mode), on every platform and through a test's pipe input
alike. Ctrl-C calls the cancel function (DuckDB's interrupt) and repeats it until the
worker returns, since an interrupt sent before DuckDB starts executing is lost. Other keys
typed meanwhile are handed to the next prompt, as a shell keeps type-ahead.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import store_typeahead
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.key_binding.key_processor import KeyPress, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import Layout, Window
from prompt_toolkit.layout.controls import FormattedTextControl
from prompt_toolkit.output import Output

SHOW_AFTER = 0.5  # seconds before the status line appears (fast queries show nothing)
_RETRY_INTERRUPT = 0.05
_INTERNAL_KEYS = {Keys.CPRResponse, Keys.Vt100MouseEvent, Keys.WindowsMouseEvent, Keys.ScrollUp, Keys.ScrollDown,
                  Keys.Ignore, Keys.SIGINT}


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    cancelled: bool = False
    elapsed: float = 0.0


class Runner:
    def __init__(self, input: Input | None, output: Output | None, interactive: bool = True):
        self.input = input
        self.output = output
        self.interactive = interactive
        self.running = threading.Event()  # set while a job runs (tests wait on it)
        self.typed_ahead = False  # keys typed during the last job went to the next prompt

    def run(self, job: Callable[[], Any], cancel: Callable[[], None] | None, label: str = "running") -> Outcome:
        outcome = Outcome()
        done = threading.Event()
        cancelled = threading.Event()
        start = time.monotonic()

        def work() -> None:
            try:
                outcome.value = job()
            except BaseException as e:  # noqa: BLE001 - handed to the caller as data
                outcome.error = e
            finally:
                done.set()

        worker = threading.Thread(target=work, name="kqlite-query", daemon=True)
        self.typed_ahead = False
        self.running.set()
        try:
            worker.start()
            if self.interactive:
                self._watch(done, cancelled, cancel, start, label)
            self._wait(done, cancelled, cancel)
        finally:
            self.running.clear()
        outcome.cancelled = cancelled.is_set()
        outcome.elapsed = time.monotonic() - start
        return outcome

    def _wait(self, done: threading.Event, cancelled: threading.Event, cancel: Callable[[], None] | None) -> None:
        """Block until the worker ends; a real SIGINT (between applications) also cancels."""
        while not done.is_set():
            try:
                if cancelled.is_set() and cancel is not None:
                    cancel()
                done.wait(_RETRY_INTERRUPT if cancelled.is_set() else 0.2)
            except KeyboardInterrupt:
                cancelled.set()

    def _watch(self, done: threading.Event, cancelled: threading.Event, cancel: Callable[[], None] | None,
               start: float, label: str) -> None:
        typeahead: list[KeyPress] = []

        def status() -> StyleAndTextTuples:
            spent = time.monotonic() - start
            if cancelled.is_set():
                return [("class:status", f"cancelling… {spent:.1f} s")]
            if spent < SHOW_AFTER:
                return []
            hint = "Ctrl-C cancels" if cancel is not None else "(cannot be cancelled)"
            return [("class:status", f"{label}… {spent:.1f} s  "), ("class:status.hint", hint)]

        kb = KeyBindings()

        @kb.add("c-c")
        def _cancel(event: KeyPressEvent) -> None:
            cancelled.set()
            if cancel is not None:
                cancel()

        @kb.add(Keys.Any)
        def _keep(event: KeyPressEvent) -> None:
            for press in event.key_sequence:
                if press.key == Keys.CPRResponse:  # the renderer asked where the cursor is
                    row = int(press.data[2:-1].split(";")[0])
                    event.app.renderer.report_absolute_cursor_row(row)
                elif press.key not in _INTERNAL_KEYS:
                    typeahead.append(press)

        app: Application[None] = Application(
            layout=Layout(Window(FormattedTextControl(status), height=1, dont_extend_height=True)),
            key_bindings=kb, input=self.input, output=self.output, refresh_interval=0.1,
            erase_when_done=True, full_screen=False)

        async def wait_for_worker() -> None:
            while not done.is_set():
                if cancelled.is_set() and cancel is not None:
                    cancel()  # again: the first interrupt may have come before DuckDB started
                await asyncio.sleep(_RETRY_INTERRUPT)
            app.exit()

        def start_waiting() -> None:
            app.create_background_task(wait_for_worker())

        try:
            app.run(pre_run=start_waiting, handle_sigint=False)
        except KeyboardInterrupt:
            cancelled.set()
        if typeahead:
            store_typeahead(app.input, typeahead)
            self.typed_ahead = True
