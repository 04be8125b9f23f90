"""The store: planned files appended to DuckDB tables that keep everything they were given.

- Every row records its source file (`_SourceFile`) and snapshot time (`_SnapshotTime`; in
  ResourcesHistory the first-class `SnapshotTime`).
- A table spread over many files is one table: `prepare` gives it every column of every file and,
  where files disagree on a column's type, the wider one (int -> long -> real -> string).
- Resource Graph rows go to ResourcesHistory; `Resources` is rebuilt from it as the latest state of
  each resource (see `_RESOURCES_SQL`).
- `kqlite_columns` records each column's KQL type for `kqlite.connect(path)`; `_kqlite_files`
  (hidden from queries) records each ingested file's SHA-256, which makes ingest idempotent.

The caller owns the transaction: `Store` only issues statements on the connection it is given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa

from ..sql.quote import quote_ident, quote_literal, quote_string
from ..types import SQL_TYPE, from_duckdb
from . import coltypes as T
from . import schemas as S
from .plan import FilePlan

FILES = "_kqlite_files"
COLUMNS = "kqlite_columns"
_NUMERIC = ("int", "long", "decimal", "real")


class Store:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.types = self._load_types()      # table -> {column: KQL type}, in column order
        self.changed: set[str] = set()
        self._filled = set(self.types)       # tables that may hold rows (new ones start empty)

    def _load_types(self) -> dict[str, dict[str, str]]:
        rows = self.con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_catalog = current_database() ORDER BY table_name, ordinal_position").fetchall()
        meta = {}
        if any(t == COLUMNS for t, _, _ in rows):
            meta = {(t, c): k for t, c, k in self.con.execute(f"SELECT * FROM {COLUMNS}").fetchall()}
        types: dict[str, dict[str, str]] = {}
        for t, c, d in rows:
            if t != COLUMNS and not t.startswith("_kqlite"):
                types.setdefault(t, {})[c] = meta.get((t, c)) or from_duckdb(d)
        return types

    def earlier(self, quick_key: str) -> list[tuple[str, str]]:
        """(SHA-256, path) of ingested files with this quick key (see fingerprint.py)."""
        if not self.con.execute(f"SELECT 1 FROM information_schema.tables WHERE table_name = '{FILES}'").fetchall():
            return []
        return self.con.execute(f"SELECT sha256, path FROM {FILES} WHERE quick_key = ?", [quick_key]).fetchall()

    def table_name(self, name: str) -> str:
        """The spelling a table has in the store (DuckDB matches names case-insensitively)."""
        return self._table(name) or name

    def _table(self, name: str) -> str | None:
        # DuckDB names are case-insensitive: `machines` and `Machines` are one table
        return next((t for t in self.types if t.lower() == name.lower()), None)

    # ------------------------------------------------------------ schemas for a batch
    def prepare(self, plans: list[FilePlan]) -> None:
        """Create or widen every target table so that each file's rows fit (inside the transaction)."""
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {FILES} (sha256 VARCHAR PRIMARY KEY, quick_key VARCHAR, path VARCHAR, "
                         "size BIGINT, table_name VARCHAR, kind VARCHAR, rows_read BIGINT, rows_added BIGINT, "
                         "snapshot_time TIMESTAMP, ingested_at TIMESTAMP)")
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {COLUMNS} (table_name VARCHAR, column_name VARCHAR, kql_type VARCHAR)")
        groups: dict[str, list[FilePlan]] = {}
        for p in plans:
            groups.setdefault((self._table(p.table) or p.table).lower(), []).append(p)
        for group in groups.values():
            self._prepare_table(self._table(group[0].table) or group[0].table, group)

    def _prepare_table(self, table: str, plans: list[FilePlan]) -> None:
        exists = table in self.types
        before = dict(self.types.get(table, {}))
        target = dict(before)
        lower = {c.lower(): c for c in target}
        weak_only: set[str] = set()  # columns only empty files have had so far
        known = S.KNOWN_TYPES.get(table, {})
        for plan in plans:
            for col in plan.columns:
                if col.name in _system(table):
                    continue
                have = lower.get(col.name.lower())
                if have is None:
                    target[col.name] = col.kql
                    lower[col.name.lower()] = col.name
                    if col.weak:
                        weak_only.add(col.name)
                elif not col.weak and have not in known:
                    if have in weak_only:
                        target[have] = col.kql
                        weak_only.discard(have)
                    else:
                        target[have] = _unify(target[have], col.kql)
        for c in _system(table)[-2:]:
            target.setdefault(c, "string" if c == S.SOURCE_FILE else "datetime")
        if not exists:  # provenance columns last
            data = [c for c in target if c not in _system(table)]
            target = {c: target[c] for c in (*data, *_system(table)[-2:])}
            cols = ", ".join(f"{quote_ident(c)} {SQL_TYPE[k]}" for c, k in target.items())
            self.con.execute(f"CREATE TABLE {quote_ident(table)} ({cols})")
        else:
            for c, k in target.items():
                if c not in before:
                    default = " DEFAULT ''" if k == "string" else ""
                    self.con.execute(f"ALTER TABLE {quote_ident(table)} ADD COLUMN {quote_ident(c)} {SQL_TYPE[k]}{default}")
                elif k != before[c]:
                    self.con.execute(f"ALTER TABLE {quote_ident(table)} ALTER COLUMN {quote_ident(c)} SET DATA TYPE "
                                     f"{SQL_TYPE[k]} USING {_cast(quote_ident(c), before[c], k)}")
        self.types[table] = target

    # ------------------------------------------------------------ one file
    def insert(self, plan: FilePlan, source: str, snapshot: dt.datetime) -> tuple[int, int]:
        """Append a planned file's rows: (rows read, rows new to the table)."""
        table = self._table(plan.table)
        assert table is not None, "prepare() first"
        types = self.types[table]
        given = {c.name.lower(): (i, c) for i, c in enumerate(plan.columns)}
        system = _system(table)
        values = []
        for col, kql in types.items():
            if col == system[-2]:  # the snapshot time: the file's own, else the export's
                own = [quote_ident(c.name) for c in plan.columns if c.name in system[:-1] and c.kql == "datetime"]
                expr = f"COALESCE({', '.join([*own, quote_literal(snapshot, 'datetime')])})"
            elif col == S.SOURCE_FILE:
                own = [quote_ident(c.name) for c in plan.columns if c.name == S.SOURCE_FILE and c.kql == "string"]
                expr = f"COALESCE({', '.join([*(f'NULLIF({o}, {chr(39) * 2})' for o in own), quote_string(source)])})"
            elif col.lower() in given:
                i, c = given[col.lower()]
                expr = _cast(quote_ident(c.name), c.kql, kql, i if c.weak else None)
            else:
                expr = quote_literal(None, kql)
            values.append(f"{expr} AS {quote_ident(col)}")
        select = f"SELECT {', '.join(values)} FROM ({plan.select_sql()})"
        into = f"INSERT INTO {quote_ident(table)} ({', '.join(quote_ident(c) for c in types)}) "
        new_only = self._new_only(table, {c.name for c in plan.columns} | set(system[-2:]))
        if table not in self._filled or not new_only:
            rows = added = self.con.execute(into + select).fetchall()[0][0]
        else:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _kqlite_new AS {select}")
            rows = self.con.execute("SELECT count(*) FROM _kqlite_new").fetchall()[0][0]
            added = self.con.execute(into + f"SELECT * FROM _kqlite_new AS s{new_only('_kqlite_new')}").fetchall()[0][0]
            self.con.execute("DROP TABLE _kqlite_new")
        self._filled.add(table)
        self.changed.add(table)
        return rows, added

    def record(self, sha256: str, quick_key: str, source: str, size: int, table: str, kind: str, rows: int,
               added: int, snapshot: dt.datetime) -> None:
        """Remember an ingested file, so that its content is not ingested again."""
        self.con.execute(f"INSERT INTO {FILES} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [sha256, quick_key, source, size, table, kind, rows, added, snapshot,
                          dt.datetime.now(dt.UTC).replace(tzinfo=None)])

    def _new_only(self, table: str, provided: set[str]) -> Any:
        """A WHERE clause builder skipping rows whose key is already in the table: the same record
        exported twice (overlapping Heartbeat exports, one snapshot in two files). None if the
        table has no key or the file lacks it."""
        keys = S.DEDUPE_KEYS.get(table)
        if not keys or not all(k in provided for k in S.DEDUPE_REQUIRED[table]):
            return None
        present = [k for k in keys if k in provided]

        def clause(stage: str) -> str:
            match = ["lower(t.id) = lower(s.id)" if k == "id" else f"t.{quote_ident(k)} = s.{quote_ident(k)}"
                     for k in present]
            if "TimeGenerated" in present:  # probe only the new rows' time range (zone maps skip the rest)
                lo, hi = self.con.execute(f'SELECT min("TimeGenerated"), max("TimeGenerated") FROM {stage}').fetchall()[0]
                if lo is not None:
                    match.append(f't."TimeGenerated" BETWEEN {quote_literal(lo, "datetime")} AND {quote_literal(hi, "datetime")}')
            return f" WHERE NOT EXISTS (SELECT 1 FROM {quote_ident(table)} AS t WHERE {' AND '.join(match)})"
        return clause

    # ------------------------------------------------------------ after the last file
    def finish(self) -> None:
        history = self._table(S.HISTORY)
        if history and (history in self.changed or self._table(S.RESOURCES) is None):
            self._rebuild_resources(history)
        self.con.execute(f"DELETE FROM {COLUMNS}")
        rows = [(t, c, k) for t, cols in self.types.items() for c, k in cols.items()]
        if rows:
            self.con.executemany(f"INSERT INTO {COLUMNS} VALUES (?, ?, ?)", rows)

    def _rebuild_resources(self, history: str) -> None:
        cols = self.types[history]
        scope = [c for c in ("subscriptionId", "resourceGroup", "type") if c in cols]
        keep = [c for c in cols if c not in (S.HISTORY_SNAPSHOT, S.SOURCE_FILE)]
        self.con.execute(_RESOURCES_SQL.format(
            history=quote_ident(history), select=", ".join(f"h.{quote_ident(c)}" for c in keep),
            scope_cols=", ".join(f"lower({quote_ident(c)}) AS k{i}" for i, c in enumerate(scope)) or "1 AS k0",
            group=", ".join(f"k{i}" for i in range(len(scope))) or "k0",
            join=" AND ".join(f"lower(h.{quote_ident(c)}) = s.k{i}" for i, c in enumerate(scope)) or "TRUE"))
        resources = self._table(S.RESOURCES) or S.RESOURCES
        self.types[resources] = {**{c: cols[c] for c in keep}, S.SNAPSHOT_COL: "datetime", S.SOURCE_FILE: "string"}

    # ------------------------------------------------------------ reading back (for --data)
    def export(self, table: str) -> tuple[pa.Table, dict[str, str]]:
        """A table as Arrow without the store's provenance columns, with its KQL types."""
        types = {c: k for c, k in self.types[table].items() if c not in S.SYSTEM_COLUMNS}
        select = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" if k in ("dynamic", "guid")
                           else quote_ident(c) for c, k in types.items())
        result: Any = self.con.sql(f"SELECT {select} FROM {quote_ident(table)}")
        fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
        return fetch(), types


# Resources = the latest row of each resource id across snapshots, unless a later snapshot of
# the same scope (subscription, resource group, type) no longer has it: then it was deleted.
# Scoping this way keeps partial exports (one resource group, only extensions) from hiding the
# resources they did not ask for.
_RESOURCES_SQL = """CREATE OR REPLACE TABLE "Resources" AS
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY lower(id) ORDER BY "SnapshotTime" DESC, "_SourceFile" DESC) AS _kq_rn
    FROM {history}),
scopes AS (SELECT {scope_cols}, max("SnapshotTime") AS latest FROM {history} GROUP BY {group})
SELECT {select}, h."SnapshotTime" AS "_SnapshotTime", h."_SourceFile"
FROM ranked AS h JOIN scopes AS s ON {join}
WHERE h._kq_rn = 1 AND h."SnapshotTime" = s.latest
ORDER BY lower(h.id)"""


def _system(table: str) -> tuple[str, ...]:
    """Provenance columns; the last two are the table's own (snapshot time, source file)."""
    if table.lower() == S.HISTORY.lower():
        return (S.SNAPSHOT_COL, S.HISTORY_SNAPSHOT, S.SOURCE_FILE)
    return (S.SNAPSHOT_COL, S.SOURCE_FILE)


def _unify(old: str, new: str) -> str:
    if old == new:
        return old
    if old in _NUMERIC and new in _NUMERIC:
        return "real" if "real" in (old, new) else max(old, new, key=_NUMERIC.index)
    return "string"


def _cast(expr: str, src: str, dst: str, bad_index: int | None = None) -> str:
    """`expr` of KQL type `src` as `dst` (a widening); with `bad_index`, a value that does not fit
    stops the read with the plan's bad-value marker (the column was only guessed to be empty)."""
    if src == dst:
        return expr
    if dst == "string":
        if src == "dynamic":
            return (f"COALESCE(CASE WHEN json_type({expr}) = 'VARCHAR' THEN json_extract_string({expr}, '$') "
                    f"ELSE CAST({expr} AS VARCHAR) END, '')")
        if src == "datetime":
            return f"COALESCE(strftime({expr}, '%Y-%m-%dT%H:%M:%S.%fZ'), '')"
        return f"COALESCE(CAST({expr} AS VARCHAR), '')"
    if dst == "dynamic":
        return f"CAST(to_json({expr}) AS JSON)"
    if bad_index is not None:
        return (f"CASE WHEN {expr} IS NULL OR CAST({expr} AS VARCHAR) = '' THEN NULL ELSE "
                f"COALESCE(TRY_CAST({expr} AS {SQL_TYPE[dst]}), {T.bad(bad_index, expr)}) END")
    return f"CAST({expr} AS {SQL_TYPE[dst]})"
