"""Where the REPL keeps what outlives a session: history, saved queries, settings.

The user's data directory, as each platform names it ($XDG_DATA_HOME/kqlite or
~/.local/share/kqlite, ~/Library/Application Support/kqlite, %LOCALAPPDATA%\\kqlite);
$KQLITE_HOME overrides it (tests use that, so do people who keep dotfiles in git).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

_QUERY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def data_dir() -> Path:
    if os.environ.get("KQLITE_HOME"):
        return Path(os.environ["KQLITE_HOME"]).expanduser()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "kqlite"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "kqlite"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kqlite"


class Store:
    """The files under one data directory (created on first write, not on start)."""

    def __init__(self, root: Path | None = None):
        self.root = root or data_dir()

    @property
    def history(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / "history"

    # ------------------------------------------------------------ saved queries
    @property
    def queries(self) -> Path:
        return self.root / "queries"

    def saved_names(self) -> list[str]:
        return sorted(p.stem for p in self.queries.glob("*.kql")) if self.queries.is_dir() else []

    def save_query(self, name: str, text: str) -> Path:
        if not _QUERY_NAME.match(name):
            raise ValueError(f"'{name}' is not a query name: use letters, digits, '_', '-' and '.'")
        self.queries.mkdir(parents=True, exist_ok=True)
        path = self.queries / f"{name}.kql"
        path.write_text(text.rstrip() + "\n", encoding="utf-8")
        return path

    def load_query(self, name: str) -> str:
        path = self.queries / f"{name}.kql"
        if not _QUERY_NAME.match(name) or not path.is_file():
            known = ", ".join(self.saved_names()) or "none yet; .save NAME saves the last query"
            raise ValueError(f"no saved query '{name}' (saved: {known})")
        return path.read_text(encoding="utf-8").strip()

    # ------------------------------------------------------------ settings
    def settings(self) -> dict[str, Any]:
        try:
            data = json.loads((self.root / "settings.json").read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def remember(self, **values: Any) -> None:
        data = {**self.settings(), **values}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "settings.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        except OSError:
            pass  # a read-only home must not stop the session
