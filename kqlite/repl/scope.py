"""What names the cursor can see: the columns in scope at a point of a pipeline (from the
binder, so `extend x = ...` adds `x` and `project a, b` leaves only `a, b`), and the
property paths seen inside dynamic columns (sampled from the data).

Both are cached: completion runs on every keystroke, binding a prefix takes a few
milliseconds and sampling a column a few more. `invalidate()` after tables change.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import KqlError
from .context import OPERATOR_SET, Context, tokenize

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SAMPLE_ROWS = 2000  # enough to see every shape of `properties` in a fleet export
_MAX_DEPTH = 6


def kql_name(name: str) -> str:
    """A table or column name as KQL text: bare when it is an identifier, else ['name']."""
    return name if _IDENT.match(name) else quoted_name(name)


def quoted_name(name: str) -> str:
    """['name']: always a name, even when the name is a keyword (a file called where.csv)."""
    return "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


class Scope:
    """Columns and property paths for completion, over one Database."""

    def __init__(self, db: Any, params: Callable[[], Mapping[str, Any]] = dict):
        self.db = db
        self.params = params
        self._columns: OrderedDict[str, list[tuple[str, str]] | None] = OrderedDict()
        self._paths: dict[tuple[str, str], dict[tuple[str, ...], str]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._columns.clear()
            self._paths.clear()

    # ------------------------------------------------------------ columns
    def columns(self, ctx: Context) -> list[tuple[str, str]]:
        """(name, KQL type) of the columns the operator at the cursor reads."""
        if ctx.scope_text is None:
            if ctx.headless or ctx.operator is not None:
                return self.table_columns(self.db.catalog.default_table)
            return []
        # With the earlier statements first (their lets), then alone; then dropping steps
        # from the end until what is left binds: a mistake upstream should not blank the list.
        attempts = [ctx.prelude + "\n" + ctx.scope_text] if ctx.prelude else []
        steps = _split_pipes(ctx.scope_text)
        for n in range(len(steps), 0, -1):
            attempts.append("|".join(steps[:n]))
        for text in attempts:
            cols = self._bind(text)
            if cols is not None:
                return cols
        return []

    def table_columns(self, name: str) -> list[tuple[str, str]]:
        table = self.db.catalog.find(name)
        return [(c.name, c.type) for c in table.columns] if table is not None else []

    def _bind(self, text: str) -> list[tuple[str, str]] | None:
        with self._lock:
            if text in self._columns:
                self._columns.move_to_end(text)
                return self._columns[text]
        cols: list[tuple[str, str]] | None
        try:
            from ..semantic.binder import Binder
            from ..syntax.parser import parse

            bound = Binder(self.db.catalog, dict(self.params())).bind_script(parse(text))
            cols = [(c.name, c.type) for c in bound[-1].rel.columns]
        except (KqlError, RecursionError, ValueError, TypeError, KeyError, AttributeError):
            cols = None  # the binder is not built for broken prefixes; any failure means "no answer"
        with self._lock:
            self._columns[text] = cols
            while len(self._columns) > 256:
                self._columns.popitem(last=False)
        return cols

    # ------------------------------------------------------------ property paths
    def paths(self, ctx: Context, columns: list[tuple[str, str]]) -> list[tuple[tuple[str, ...], str]]:
        """Paths below ctx.path inside a dynamic column of the pipeline's table: (keys, JSON kind)."""
        root, below = ctx.path[0], ctx.path[1:]
        if not any(n == root and t == "dynamic" for n, t in columns):
            return []
        table = self._source_table(ctx)
        if table is None or (root, "dynamic") not in set(self.table_columns(table)):
            return []
        n = len(below)
        return [(p[n:], kind) for p, kind in self._sample(table, root).items() if len(p) > n and p[:n] == below]

    def _source_table(self, ctx: Context) -> str | None:
        catalog = self.db.catalog
        table = catalog.find(ctx.source.strip("[]'\" ")) if ctx.source else None
        if table is None and (ctx.headless or ctx.source in OPERATOR_SET):
            table = catalog.find(catalog.default_table)
        return table.name if table is not None else None

    def _sample(self, table: str, column: str) -> dict[tuple[str, ...], str]:
        key = (table, column)
        with self._lock:
            if key in self._paths:
                return self._paths[key]
        seen: dict[tuple[str, ...], str] = {}
        try:
            values = self.db.query(f"{quoted_name(table)} | take {_SAMPLE_ROWS} | project {quoted_name(column)}")
            for text in values.column(0).to_pylist():
                if text:
                    _walk(json.loads(text), (), seen)
        except (KqlError, ValueError):
            return {}  # not cached: the next keystroke may find the database free again
        with self._lock:
            self._paths[key] = seen
        return seen


def _walk(value: Any, prefix: tuple[str, ...], out: dict[tuple[str, ...], str]) -> None:
    if not isinstance(value, dict) or len(prefix) >= _MAX_DEPTH:
        return
    for key, child in value.items():
        path = prefix + (str(key),)
        if out.get(path, "null") == "null":  # the first value that says what the property holds
            out[path] = _json_kind(child)
        _walk(child, path, out)


def _json_kind(value: Any) -> str:
    """The KQL type a value would have after tostring/toint...: what the completion menu shows."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array" if isinstance(value, list) else "null"


def _split_pipes(text: str) -> list[str]:
    """A pipeline's steps at the top level (a '|' inside parentheses or strings stays put)."""
    cuts, depth = [], 0
    for tok in tokenize(text):
        if tok.kind == "punct" and tok.text in "([{":
            depth += 1
        elif tok.kind == "punct" and tok.text in ")]}":
            depth -= 1
        elif tok.kind == "punct" and tok.text == "|" and depth == 0:
            cuts.append(tok.start)
    bounds = [0, *[c + 1 for c in cuts]]
    ends = [*cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, ends)]
