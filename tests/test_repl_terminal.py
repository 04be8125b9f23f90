"""End to end: `kqlite` in a real pseudo-terminal, as a user runs it.

The child gets the pty as its controlling terminal, so Ctrl-C is a real terminal key; the
test reads the screen stream (escape codes stripped) and waits for text, never for time.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")
TIMEOUT = 30

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str], rows: int = 40, cols: int = 120):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def controlling_tty() -> None:  # the child's own session, with the pty as its terminal
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                                     preexec_fn=controlling_tty, close_fds=True)
        os.close(slave)
        self._raw = b""
        self._changed = threading.Condition()
        self.mark = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            with self._changed:
                self._raw += data
                self._changed.notify_all()
            if not data:
                return

    @property
    def text(self) -> str:
        return ANSI.sub("", self._raw.decode("utf-8", "replace")).replace("\r", "")

    def wait(self, needle: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while needle not in self.text[self.mark:]:
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and needle not in self.text[self.mark:]):
                    raise AssertionError(f"no {needle!r} on the screen; it shows:\n{self.text[self.mark:]}")
                self._changed.wait(min(left, 0.5))
            text = self.text
            end = text.find(needle, self.mark) + len(needle)
            seen, self.mark = text[self.mark:end], end
            return seen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path):
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "KQLITE_HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT), "PAGER": "cat"}
    env.pop("NO_COLOR", None)
    term = Terminal([sys.executable, "-m", "kqlite.cli"], env)
    yield term
    term.close()


def test_a_session_in_a_real_terminal(terminal, tmp_path):
    terminal.wait("kql> ")
    terminal.type("Heartbeat | summarize count() by OSType\r")
    assert "Windows | 254003" in terminal.wait("(2 rows, ")

    terminal.wait("kql> ")
    terminal.type("Heartbeat | where Compter == 'web-01'\r")
    out = terminal.wait("= hint")
    assert "error[KQ201]" in out and "^^^^^^^" in out

    terminal.wait("kql> ")
    terminal.type("\x03")  # Ctrl-C at the prompt: the failed query leaves the buffer
    terminal.wait("kql> ")
    terminal.type("range x from 1 to 3000000000 step 1 | summarize count() by x % 7\r")
    terminal.wait("Ctrl-C cancels")  # the status line appears while it runs
    started = time.monotonic()
    terminal.type("\x03")
    terminal.wait("cancelled after")
    assert time.monotonic() - started < 10

    terminal.wait("kql> ")
    terminal.type("print answer = 40 + 2\r")
    assert "42" in terminal.wait("(1 row")

    terminal.wait("kql> ")
    terminal.type(".pager on\r")  # $PAGER is cat here: every row arrives, nothing is cut
    terminal.wait("kql> ")
    terminal.type("range x from 1 to 300 step 1\r")
    out = terminal.wait("(300 rows")
    assert "\n 300\n" in out and "more rows" not in out

    terminal.wait("kql> ")
    terminal.type("\x04")  # Ctrl-D leaves
    assert terminal.proc.wait(TIMEOUT) == 0
    assert (tmp_path / "history").read_text().count("print answer = 40 + 2") == 1
