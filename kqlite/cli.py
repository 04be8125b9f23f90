"""The command line: `kqlite query`, `kqlite explain` (a thin layer over Database).

Exit codes: 0 success, 1 query or data error (rendered on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from . import formats
from .engine import Database
from .errors import KqlError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kqlite", description="Run KQL (Kusto Query Language) locally over fleet exports.")
    sub = p.add_subparsers(dest="subcommand")

    def source_args(sp: argparse.ArgumentParser) -> None:
        q = sp.add_mutually_exclusive_group()
        q.add_argument("-c", "--command", dest="text", metavar="TEXT", help="the query text")
        q.add_argument("-f", "--file", metavar="FILE.kql", help="read the query from a file")
        sp.add_argument("query", nargs="?", help="the query text (or -c/-f, or standard input)")
        sp.add_argument("--data", action="append", default=[], metavar="PATH",
                        help="a data file or folder to load (table name = file name); repeatable")
        sp.add_argument("--db", metavar="FILE.duckdb", help="a kqlite DuckDB store (opened read-only)")
        sp.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a value for `declare query_parameters`; repeatable")
        sp.add_argument("--default-table", default="Resources", help="table read by queries that start with an operator")

    qp = sub.add_parser("query", help="run a query and print the result")
    source_args(qp)
    qp.add_argument("--format", choices=formats.FORMATS, default="table")
    qp.add_argument("-o", "--output", metavar="OUT", help="write the result to a file")
    ep = sub.add_parser("explain", help="print the DuckDB SQL a query compiles to")
    source_args(ep)
    return p


def _query_text(args: argparse.Namespace) -> str:
    if args.text:
        return args.text
    if args.file:
        return Path(args.file).read_text(encoding="utf-8")
    if args.query:
        return args.query
    if sys.stdin is not None and not sys.stdin.isatty():
        return sys.stdin.read()
    raise _Usage("no query: give it as an argument, with -c TEXT, -f FILE.kql, or on standard input")


class _Usage(Exception):
    pass


def _params(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise _Usage(f"--param takes NAME=VALUE, got '{item}'")
        out[name.strip()] = value
    return out


def open_database(args: argparse.Namespace) -> Database:
    if args.db:
        return Database(args.db, default_table=args.default_table)
    db = Database(default_table=args.default_table)
    if not args.data:
        from .sample_fleet import load_sample

        load_sample(db)
        return db
    for item in args.data:
        path = Path(item)
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix.lower() in (".parquet", ".csv", ".tsv", ".json", ".jsonl", ".ndjson"):
                db.register(f.stem, f)
    return db


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.subcommand is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        text = _query_text(args)
        params = _params(args.param)
        db = open_database(args)
        if args.subcommand == "explain":
            print(db.explain(text, params))
            return 0
        results = db.execute(text, params)
        for i, result in enumerate(results):
            out_path = args.output
            if out_path and len(results) > 1:  # several statements: one file each
                path = Path(out_path)
                out_path = str(path.with_name(f"{path.stem}_{i + 1}{path.suffix}"))
            formats.write(result.table, args.format, out=sys.stdout, path=out_path)
        return 0
    except _Usage as e:
        print(f"kqlite: {e}", file=sys.stderr)
        return 2
    except KqlError as e:
        print(e.render(), file=sys.stderr)
        return 1
    except (ValueError, OSError) as e:
        print(f"kqlite: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
