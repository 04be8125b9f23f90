"""The REPL driven as a user drives it: the real prompt_toolkit application, keys through a
pipe input, the screen replaced by a dummy output, results read from the session's stream.

Every step waits for the output (or the buffer) it expects, never for a fixed time.
"""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

import kqlite
from kqlite.repl import Repl
from kqlite.repl.paths import Store

LONG_QUERY = "range x from 1 to 3000000000 step 1 | summarize count() by x % 7"
TIMEOUT = 20


class Screen(io.StringIO):
    """What the session printed; wait() blocks until a text appears after the last mark."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = threading.Condition()
        self.mark = 0

    def write(self, text: str) -> int:
        with self._changed:
            n = super().write(text)
            self._changed.notify_all()
            return n

    def wait(self, needle: str, timeout: float = TIMEOUT) -> str:
        """The output since the last wait, up to and including the first line with `needle`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while needle not in self.getvalue()[self.mark:]:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {needle!r} in the output:\n{self.getvalue()[self.mark:]}")
                self._changed.wait(left)
            text = self.getvalue()
            end = text.find("\n", text.find(needle, self.mark))
            end = len(text) if end < 0 else end + 1
            seen, self.mark = text[self.mark:end], end
            return seen


class Session:
    def __init__(self, db, home: Path):
        self.screen = Screen()
        self._pipe = create_pipe_input()
        self.inp = self._pipe.__enter__()
        self.repl = Repl(db, input=self.inp, output=DummyOutput(), out=self.screen, store=Store(home),
                         history=InMemoryHistory(), color=False)
        self.status: list[int] = []
        self.thread = threading.Thread(target=lambda: self.status.append(self.repl.run()), daemon=True)
        self.thread.start()
        self.screen.wait("Ctrl-D quits")

    def type(self, keys: str) -> None:
        self.inp.send_text(keys)

    def run(self, query: str, until: str) -> str:
        self.type(query + "\r")
        return self.screen.wait(until)

    @property
    def buffer(self):
        return self.repl.session.default_buffer

    def wait_buffer(self, check, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not check(self.buffer):
            if time.monotonic() > deadline:
                raise AssertionError(f"buffer never {what}: {self.buffer.text!r}")
            time.sleep(0.01)

    def complete(self, text: str, expected: str) -> None:
        """Type, wait for the completion menu to offer `expected` first, take it with Tab."""
        self.type(text)
        self.wait_buffer(lambda b: b.complete_state is not None and b.complete_state.completions
                         and b.complete_state.completions[0].text == expected, f"offered {expected!r} first")
        self.type("\t")
        self.wait_buffer(lambda b: b.text.endswith(expected), f"completed {expected!r}")

    def close(self) -> None:
        if self.thread.is_alive():
            self.type("\x03.quit\r")
            self.thread.join(TIMEOUT)
        self._pipe.__exit__(None, None, None)


@pytest.fixture
def session(sample_db, tmp_path):
    s = Session(sample_db, tmp_path / "home")
    yield s
    s.close()


def test_a_query_prints_a_typed_table_with_count_and_time(session):
    out = session.run("Heartbeat | summarize Beats = count() by OSType | sort by OSType asc", "rows,")
    lines = out.splitlines()
    assert lines[-6:-1] == ["OSType  |  Beats", "string  |   long", "--------+-------",
                            "Linux   | 268956", "Windows | 254003"]
    assert lines[-1].startswith("(2 rows, ") and lines[-1].endswith(" ms)")


def test_enter_on_an_incomplete_query_continues_it_on_the_next_line(session):
    session.type("Heartbeat |\r")  # a trailing pipe: Enter adds a line
    session.wait_buffer(lambda b: b.text == "Heartbeat |\n", "got a new line")
    session.type("where Computer == 'x'\x1b\r")  # Esc-Enter (Alt-Enter) adds a line even when complete
    session.wait_buffer(lambda b: b.text.endswith("'x'\n"), "got a newline from Alt-Enter")
    session.type("| count\r")
    assert "Count" in session.screen.wait("(1 row")


def test_let_statement_ending_with_semicolon_waits_for_the_query(session):
    session.type("let n = 3;\r")
    session.wait_buffer(lambda b: b.text == "let n = 3;\n", "continued after let")
    out = session.run("range x from 1 to n step 1", "rows")
    assert "(3 rows" in out


def test_a_typo_shows_the_caret_and_puts_the_cursor_on_it(session):
    out = session.run("Heartbeat | where Compter == 'web-01'", "hint")
    assert "error[KQ201]: unknown column or variable 'Compter'" in out
    assert "1 | Heartbeat | where Compter == 'web-01'\n  |                   ^^^^^^^" in out
    # the query is back in the buffer with the cursor on the mistake; fix it there and run
    session.wait_buffer(lambda b: b.text.startswith("Heartbeat") and b.cursor_position == 18, "at the error")
    session.type("\x1b[C" * 4 + "u")  # → → → → past "Comp", then the missing letter
    session.wait_buffer(lambda b: "Computer" in b.text, "fixed")
    assert "(0 rows" in session.run("", "rows")


def test_ctrl_r_finds_a_query_in_history(session):
    session.run("print found = 'in history'", "row")
    session.run("print 2", "row")
    session.type("\x12found\r")  # Ctrl-R, part of the old query, Enter: the search ends, the query is back
    session.wait_buffer(lambda b: b.text == "print found = 'in history'" and session.repl.session.app.layout
                        .has_focus(b), "the query found in history")
    assert "in history" in session.run("", "row")  # Enter again runs it


def test_syntax_error_runs_at_once_and_the_session_goes_on(session):
    out = session.run("Heartbeat | wher Computer", "hint")
    assert "unknown operator 'wher'" in out and "did you mean 'where'" in out
    session.type("\x03")  # Ctrl-C at the prompt clears the buffer
    session.wait_buffer(lambda b: b.text == "", "cleared")
    assert "(1 row" in session.run("print 1", "row")


def test_completing_a_column_made_by_extend(session):
    session.complete("Heartbeat | extend Uptime7 = 1 | project Upt", "Uptime7")
    out = session.run(" | take 1", "row")
    assert "Uptime7" in out and "(1 row" in out


def test_completing_a_dynamic_property_path(session):
    session.complete("Resources | where isnotempty(properties.detectedProperties.manufac", "manufacturer")
    out = session.run(") | summarize count() by M = tostring(properties.detectedProperties.manufacturer) | count", "row")
    assert "Count" in out


def test_ctrl_c_cancels_a_long_query_and_the_next_one_runs(session):
    started = time.monotonic()
    session.type(LONG_QUERY + "\r")
    assert session.repl.runner.running.wait(TIMEOUT)
    session.type("\x03")
    out = session.screen.wait("cancelled after")
    assert time.monotonic() - started < 15, out
    assert "(1 row" in session.run("print after = 'cancel'", "row")


def test_dot_commands(session, tmp_path):
    tables = session.run(".tables", "ResourcesHistory")
    assert "Heartbeat         522,959 rows  34 columns" in tables and "(default table)" in tables
    out = session.run(".schema Heartbeat", "_TimeReceived")
    assert "TimeGenerated        datetime\n" in out and "_BilledSize          real\n" in out
    sql = session.run(".explain Heartbeat | take 5", "LIMIT")
    assert "SELECT" in sql
    session.type(".timing off\r")
    assert session.run("print 1", "row").splitlines()[-1] == "(1 row)"
    session.type(".format csv\r")
    assert session.run("print a = 1, b = 'x'", "1,x").endswith("a,b\n1,x\n")
    session.type(".format table\r")
    session.type(".param n=4\r")
    assert "(4 rows)" in session.run("declare query_parameters(n:long); range x from 1 to n step 1", "rows")
    assert session.run(".param", "n = 4").strip().endswith("n = 4")
    saved = session.run(".save four", "saved as 'four'")
    assert "four.kql" in saved
    assert "(4 rows)" in session.run(".run four", "rows")
    out_file = tmp_path / "out.csv"
    session.type(".format csv\r")
    session.run(f".output {out_file}", "results go to")
    session.run("range x from 1 to 2 step 1", "→")
    session.run(".output", "screen again")
    assert out_file.read_text() == "x\n1\n2\n"
    assert "unknown command '.tabels'" in session.run(".tabels", "unknown command")
    described = session.run(".help DisconnectedMachines", "DisconnectedMachines.kql")
    assert "DisconnectedMachines(days:long = ..., asOf:datetime = ...)" in described
    assert "Machines Disconnected or Expired for more than" in described
    assert "ago(timespan)  scalar" in session.run(".help ago", "ago-function")
    session.type(".keys vi\r")
    session.wait_buffer(lambda b: session.repl.session.editing_mode.value == "VI", "in vi mode")
    assert session.repl.store.settings() == {"keys": "vi"}  # remembered for the next session


def test_render_draws_a_bar_chart(session):
    out = session.run("Resources | where type == 'microsoft.hybridcompute/machines' "
                      "| summarize Machines = count() by OS = tostring(properties.osName) | sort by OS asc "
                      "| render barchart", "rows")
    assert "Machines by OS" in out and "linux   │████" in out


def test_long_results_are_cut_to_the_screen(session):
    out = session.run("range x from 1 to 500 step 1", "(500 rows")
    assert "… " in out and " more rows" in out and "(500 rows" in out
    assert len(out.splitlines()) < 40  # the dummy screen is 40 rows high


def test_load_registers_files_and_completion_sees_them(tmp_path):
    data = tmp_path / "exports"
    data.mkdir()
    (data / "Machines.csv").write_text("name,status\nweb-01,Connected\ndb-01,Expired\n")
    s = Session(kqlite.connect(), tmp_path / "home")
    try:
        assert "loaded Machines" in s.run(f".load {data}", "loaded")
        s.complete("Mach", "Machines")
        assert "db-01" in s.run(" | where status == 'Expired'", "row")
    finally:
        s.close()


def test_ctrl_d_leaves_with_status_0(tmp_path):
    db = kqlite.connect()
    db.register("T", pa.table({"a": [1]}))
    s = Session(db, tmp_path / "home")
    s.type("\x04")
    s.thread.join(TIMEOUT)
    assert s.status == [0]
    s.close()


class WideDummyOutput(DummyOutput):
    """The terminal the README capture was taken in: 100 columns, 60 rows."""

    def get_size(self) -> Size:
        return Size(rows=60, columns=100)


def readme_session() -> list[tuple[str, list[str]]]:
    """(typed input, the output lines after it) from the README's capture; lines marked `<-`
    (a restored buffer, a Ctrl-C) and the unfinished last line are narration, not replayed."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = text.split("$ kqlite\n", 1)[1].split("```", 1)[0].splitlines()
    steps: list[tuple[str, list[str]]] = [("", [])]
    for line in block:
        if line.startswith("kql> "):
            steps.append((line[5:], []))
        elif line.startswith("...> "):
            steps[-1] = (steps[-1][0] + "\n" + line[5:], steps[-1][1])
        else:
            steps[-1][1].append(line)
    return [s for s in steps[:-1] if "<-" not in s[0] and not any("<-" in line for line in s[1])]


def normalized(lines: list[str]) -> list[str]:
    return [re.sub(r"\((\d+ rows?), [\d.]+ (ms|s)\)", r"(\1, T)", line) for line in lines]


def test_the_readme_capture_is_what_the_repl_prints(sample_db, tmp_path):
    steps = readme_session()
    assert len(steps) >= 5  # the banner, .tables, a table, a chart, an error
    screen = Screen()
    with create_pipe_input() as inp:
        repl = Repl(sample_db, input=inp, output=WideDummyOutput(), out=screen, store=Store(tmp_path),
                    history=InMemoryHistory(), color=False)
        thread = threading.Thread(target=repl.run, daemon=True)
        thread.start()
        for typed, expected in steps:
            if typed:
                inp.send_text(typed.replace("\n", "\r") + "\r")
            got = screen.wait(re.sub(r", [\d.]+ m?s\)$", "", expected[-1])).rstrip("\n").split("\n")
            assert normalized(got) == normalized(expected)
            if typed.startswith("Heartbeat | where Compter"):
                inp.send_text("\x03")  # the failed query is back in the buffer: clear it
        inp.send_text("\x03.quit\r")
        thread.join(TIMEOUT)
