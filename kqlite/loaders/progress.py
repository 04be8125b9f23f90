"""A one-line progress bar for long ingests, on standard error.

Progress is counted in bytes of input. Within a file, DuckDB's own estimate of the running query
(`query_progress()`, polled from a thread) moves the bar, so one big file does not look stuck.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO


class Progress:
    """No-op unless enabled; `create` decides from the caller's setting."""

    def __init__(self, files: Sequence[Path], stream: TextIO | None = None,
                 callback: Callable[..., Any] | None = None, con: Any = None):
        self.total = sum(_size(f) for f in files) or 1
        self.count = len(files)
        self.stream, self.callback, self.con = stream, callback, con
        self.done_bytes = self.done_files = self.rows = 0
        self.current: Path | None = None
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if stream is not None:
            if con is not None:  # DuckDB's estimate for the running statement, without its own bar
                try:
                    con.execute("SET enable_progress_bar = true")
                    con.execute("SET enable_progress_bar_print = false")
                except Exception:  # duckdb.Error: refused in Jupyter without ipywidgets
                    self.con = None
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    @classmethod
    def create(cls, setting: bool | Callable[..., Any] | None, files: Sequence[Path], con: Any = None) -> Progress:
        """setting: True = draw, False = don't, None = draw when stderr is a terminal,
        a callable = call it with (files done, files, bytes done, bytes, rows) after each file."""
        if callable(setting):
            return cls(files, callback=setting)
        if setting is None:
            setting = sys.stderr.isatty()
        return cls(files, stream=sys.stderr if setting else None, con=con)

    def restart(self, files: Sequence[Path]) -> None:
        """Count again from zero (the ingest's transaction starts again, or with fewer files)."""
        with self._lock:
            self.total = sum(_size(f) for f in files) or 1
            self.count = len(files)
            self.done_bytes = self.done_files = self.rows = 0

    def start(self, path: Path) -> None:
        with self._lock:
            self.current = path

    def done(self, path: Path, rows: int) -> None:
        with self._lock:
            self.done_bytes += _size(path)
            self.done_files += 1
            self.rows += rows
            self.current = None
        if self.callback:
            self.callback(self.done_files, self.count, self.done_bytes, self.total, self.rows)
        self._draw()

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        if self.stream is not None:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self._draw()

    def _draw(self) -> None:
        if self.stream is None:
            return
        with self._lock:
            done = self.done_bytes
            name = self.current.name if self.current else ""
            if self.current is not None and self.con is not None:
                try:
                    pct = self.con.query_progress()
                except Exception:  # the connection may be between statements or closing
                    pct = -1
                if pct and pct > 0:
                    done += int(_size(self.current) * min(pct, 100) / 100)
            frac = min(done / self.total, 1.0)
            width = max(10, min(30, shutil.get_terminal_size((80, 20)).columns - 70))
            bar = "#" * int(frac * width) + "." * (width - int(frac * width))
            line = (f"\r{frac:4.0%} [{bar}] {self.done_files}/{self.count} files · {_mb(done)}/{_mb(self.total)} · "
                    f"{self.rows:,} rows · {time.monotonic() - self.started:.1f}s {name[:30]}")
            self.stream.write(line.ljust(110)[:150])
            self.stream.flush()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
