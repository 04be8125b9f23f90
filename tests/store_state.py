"""A store's state as data, to show that something did (or did not) change it: every table's
row count and an order-independent hash of its rows."""

from __future__ import annotations

from pathlib import Path

import duckdb


def state(db: Path) -> dict[str, tuple[int, int]] | None:
    """{table: (rows, hash)}; None when there is no store. `_kqlite_files.ingested_at` is left
    out: it is the clock, not the data."""
    if not db.exists():
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'main' ORDER BY 1").fetchall():
            cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                              "table_schema = 'main' AND table_name = ?", [table]).fetchall()
                    if c != "ingested_at"]
            row = ", ".join('CAST("' + c.replace('"', '""') + '" AS VARCHAR)' for c in cols)
            out[table] = con.execute(f'SELECT count(*), COALESCE(sum(hash({row})::HUGEINT), 0) FROM "{table}"'
                                     ).fetchall()[0]
        return out
    finally:
        con.close()
