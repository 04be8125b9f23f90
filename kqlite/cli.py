"""The command line: `kqlite query`, `kqlite explain`, `kqlite ingest` (a thin layer over Database
and kqlite.loaders).

Exit codes: 0 success, 1 query or data error (rendered on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import formats
from .engine import Database
from .errors import KqlError
from .limits import CLI_MAX_ROWS, truncation_notice


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kqlite", description="Run KQL (Kusto Query Language) locally over fleet exports.")
    sub = p.add_subparsers(dest="subcommand")

    def source_args(sp: argparse.ArgumentParser) -> None:
        q = sp.add_mutually_exclusive_group()
        q.add_argument("-c", "--command", dest="text", metavar="TEXT", help="the query text")
        q.add_argument("-f", "--file", metavar="FILE.kql", help="read the query from a file")
        sp.add_argument("query", nargs="?", help="the query text (or -c/-f, or standard input)")
        sp.add_argument("--data", action="append", default=[], metavar="PATH",
                        help="a data file or folder to load, tables grouped by content (docs/DATA.md); repeatable")
        sp.add_argument("--db", metavar="FILE.duckdb", help="a kqlite DuckDB store (opened read-only)")
        sp.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a value for `declare query_parameters`; repeatable")
        sp.add_argument("--default-table", default="Resources", help="table read by queries that start with an operator")
        sp.add_argument("--functions", metavar="DIR",
                        help="a folder of stored function files (default: queries/ next to the data or store)")
        sp.add_argument("--allow-files", action="store_true",
                        help="let externaldata read the local files a query names (off by default)")

    qp = sub.add_parser("query", help="run a query and print the result")
    source_args(qp)
    qp.add_argument("--format", choices=formats.FORMATS + formats.CHART_FORMATS, default="table",
                    help="png and svg draw the chart `render` asks for (needs matplotlib)")
    qp.add_argument("-o", "--output", metavar="OUT", help="write the result to a file")
    limit_args(qp)
    ep = sub.add_parser("explain", help="print the DuckDB SQL a query compiles to")
    source_args(ep)
    rp = sub.add_parser("run", help="run a saved .kql script (parameters, lets, one or more queries)")
    rp.add_argument("script", metavar="FILE.kql")
    rp.add_argument("--data", action="append", default=[], metavar="PATH", help="a data file or folder to load")
    rp.add_argument("--db", metavar="FILE.duckdb", help="a kqlite DuckDB store (opened read-only)")
    rp.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="a value for `declare query_parameters`; repeatable")
    rp.add_argument("--default-table", default="Resources", help="table read by queries that start with an operator")
    rp.add_argument("--functions", metavar="DIR", help="a folder of stored function files")
    rp.add_argument("--format", choices=formats.FORMATS + formats.CHART_FORMATS, default="table",
                    help="png/svg draw each result's `render` chart (needs -o)")
    rp.add_argument("-o", "--output", metavar="OUT", help="write results to OUT (OUT_1, OUT_2 ... for several)")
    rp.add_argument("--fail-if-rows", action="store_true", help="exit with status 3 when a result has rows")
    rp.add_argument("--fail-if-empty", action="store_true", help="exit with status 3 when every result is empty")
    rp.add_argument("--quiet", action="store_true", help="print nothing (the exit status still tells)")
    limit_args(rp)
    _ingest_parser(sub)
    return p


def limit_args(sp: argparse.ArgumentParser) -> None:
    """--timeout, --max-rows, --memory-limit (kqlite.limits)."""
    sp.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                    help="stop a query that runs longer (error KQ503); default: none")
    sp.add_argument("--max-rows", type=int, default=CLI_MAX_ROWS, metavar="N",
                    help=f"cut each result at N rows with a notice on stderr (default {CLI_MAX_ROWS:,}, "
                         "Kusto's truncationmaxrecords; 0: no limit)")
    sp.add_argument("--memory-limit", metavar="SIZE",
                    help="the most memory DuckDB may use, e.g. 2GB (error KQ504 past it); default: 80%% of RAM")


def _ingest_parser(sub: argparse._SubParsersAction) -> None:
    ip = sub.add_parser("ingest", help="append exports (files or folders) to a DuckDB store",
                        description="Append exports to a kqlite store, atomically: a file already ingested adds "
                                    "nothing, and a bad file stops the ingest with nothing written (docs/DATA.md).")
    ip.add_argument("paths", nargs="+", metavar="PATH", help="export files or folders")
    ip.add_argument("--db", required=True, metavar="FILE.duckdb", help="the store (created if missing)")
    ip.add_argument("--skip-bad", action="store_true",
                    help="leave bad files out, commit the others and list the bad ones (exit status 1)")
    ip.add_argument("--snapshot-time", metavar="DATETIME",
                    help="when these exports were taken (ISO 8601, UTC unless an offset is given); default: "
                         "Parquet metadata, else a date in the file name, else the file's modification time")
    bar = ip.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always draw a progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never (default: on a terminal)")


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


def functions_folder(args: argparse.Namespace) -> Path | None:
    """--functions, else a queries/ folder next to the store or the data, if there is one."""
    if getattr(args, "functions", None):
        return Path(args.functions)
    near = [Path(args.db).parent] if getattr(args, "db", None) else []
    for item in getattr(args, "data", None) or []:
        path = Path(item)
        near.append(path if path.is_dir() else path.parent)
    for folder in near:
        if (folder / "queries").is_dir():
            return folder / "queries"
    return None


def open_database(args: argparse.Namespace) -> Database:
    functions = functions_folder(args)
    limits: dict[str, Any] = {"timeout": getattr(args, "timeout", None),
                              "max_rows": getattr(args, "max_rows", None),
                              "memory_limit": getattr(args, "memory_limit", None)}
    files = getattr(args, "allow_files", False)  # externaldata
    if args.db:
        return Database(args.db, default_table=args.default_table, functions=functions, allow_files=files, **limits)
    db = Database(default_table=args.default_table, functions=functions, allow_files=files, **limits)
    if not args.data:
        from .sample_fleet import load_sample

        load_sample(db)
        return db
    from .loaders import load

    for name, (table, types) in load(args.data).items():
        db.register(name, table, kql_types=types)
    return db


def ingest_main(args: argparse.Namespace) -> int:
    """kqlite ingest PATH... --db FILE: a summary on stdout, bad files on stderr (exit 1)."""
    import datetime as dt

    from .loaders import ingest

    snapshot = None
    if args.snapshot_time:
        try:
            snapshot = dt.datetime.fromisoformat(args.snapshot_time.replace("Z", "+00:00"))
        except ValueError:
            raise _Usage(f"--snapshot-time takes an ISO 8601 date or datetime, got '{args.snapshot_time}'") from None
    try:
        report = ingest(args.paths, args.db, skip_bad=args.skip_bad, snapshot=snapshot, progress=args.progress)
    except KqlError as e:
        failed = getattr(e, "report", None)
        if failed is None:
            raise
        for f in failed.bad:
            print(f.error.render() if f.error else f"bad: {f.path}", file=sys.stderr)
        print(f"kqlite: nothing was ingested: {len(failed.bad)} bad file(s) of {len(failed.files)} "
              "(--skip-bad commits the others)", file=sys.stderr)
        return 1
    dup = sum(f.status == "duplicate" for f in report.files)
    empty = sum(f.status == "empty" for f in report.files)
    print(f"{args.db}: {len(report.added)} file(s) ingested, {sum(f.added for f in report.added):,} new rows"
          + (f"; {dup} file(s) already ingested before (same content), left out" if dup else "")
          + (f"; {empty} export(s) with no rows" if empty else ""))
    for f in report.added:
        print(f"  {f.table:<20} {f.rows:>11,} rows {f.added:>11,} new  {f.path}")
    for f in report.bad:
        print(f.error.render() if f.error else f"bad: {f.path}", file=sys.stderr)
    if report.bad:
        print(f"kqlite: skipped {len(report.bad)} bad file(s): " + ", ".join(str(f.path) for f in report.bad),
              file=sys.stderr)
        return 1
    return 0


EXIT_ROWS_CONDITION = 3  # --fail-if-rows / --fail-if-empty: the condition a script asked about is met


def _run_script(args: argparse.Namespace) -> int:
    """kqlite run FILE.kql: every result in order; exit 3 when --fail-if-rows/--fail-if-empty says so."""
    script = Path(args.script)
    if not script.is_file():
        raise _Usage(f"no such script: {script}")
    params = _params(args.param)
    db = open_database(args)
    results = db.run_file(script, params)
    if not args.quiet:
        _write_results(results, args)
    any_rows = any(r.table.num_rows for r in results)
    if (args.fail_if_rows and any_rows) or (args.fail_if_empty and not any_rows):
        return EXIT_ROWS_CONDITION
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if _wants_repl(parser, argv):  # `kqlite`, `kqlite fleet.duckdb`, `kqlite --data DIR`
        return repl_main(argv, parser)
    args = parser.parse_args(argv)
    if args.subcommand is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.subcommand == "ingest":
            return ingest_main(args)
        if args.subcommand == "run":
            return _run_script(args)
        text = _query_text(args)
        params = _params(args.param)
        db = open_database(args)
        if args.subcommand == "explain":
            print(db.explain(text, params))
            return 0
        _write_results(db.execute(text, params), args)
        return 0
    except (_Usage, KqlError, ValueError, OSError) as e:
        return report_error(e)


def report_error(e: Exception) -> int:
    """A user's mistake on stderr, as its exit status: 1 for query and data errors, 2 for usage."""
    if isinstance(e, KqlError):
        print(e.render(), file=sys.stderr)
        return 1
    print(f"kqlite: {e}", file=sys.stderr)
    return 2


def _write_results(results: list, args: argparse.Namespace) -> None:
    """Each result in order to stdout, or to -o OUT (OUT_1, OUT_2 ... when there are several)."""
    for i, result in enumerate(results):
        out_path = args.output
        if out_path and len(results) > 1:
            path = Path(out_path)
            out_path = str(path.with_name(f"{path.stem}_{i + 1}{path.suffix}"))
        formats.write(result.table, args.format, out=sys.stdout, path=out_path, render=result.render)
        if getattr(result, "truncated", False):
            print(f"kqlite: warning: {truncation_notice(result.table.num_rows)}", file=sys.stderr)


# ---------------------------------------------------------------- the REPL: `kqlite` with no subcommand
# (owned by the REPL work, kqlite/repl/; kept apart so the subcommands above stay as they are)
_REPL_VALUE_OPTIONS = ("--data", "--db", "--default-table", "--functions", "--timeout", "--max-rows", "--memory-limit")


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    return [name for a in parser._actions if isinstance(a, argparse._SubParsersAction) for name in a.choices]


def _wants_repl(parser: argparse.ArgumentParser, argv: list[str]) -> bool:
    """No subcommand among the arguments (an option's value is not one): open the REPL."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-h", "--help") and not argv[:i]:
            parser.epilog = ("With no subcommand, kqlite opens the interactive prompt: "
                             "kqlite [FILE.duckdb | PATH] [--data PATH] (kqlite --data . -h for its options).")
            return False  # `kqlite -h`: the overall help, which lists the subcommands
        if arg.startswith("-"):
            i += 2 if arg in _REPL_VALUE_OPTIONS else 1
            continue
        return arg not in _subcommands(parser)
    return True


class _ReplArgs(argparse.Namespace):
    """Options open_database may read that the REPL does not take read as unset."""

    def __getattr__(self, name: str) -> None:
        return None


def repl_main(argv: list[str], parser: argparse.ArgumentParser) -> int:
    rp = argparse.ArgumentParser(
        prog="kqlite", description="The interactive KQL prompt (over the sample fleet unless told otherwise).",
        epilog=f"Subcommands for scripts: {', '.join(_subcommands(parser))} (kqlite SUBCOMMAND -h).")
    rp.add_argument("database", nargs="?", metavar="FILE.duckdb|PATH",
                    help="a kqlite DuckDB store, or a data file or folder (as --data)")
    rp.add_argument("--data", action="append", default=[], metavar="PATH",
                    help="a data file or folder to load, tables grouped by content (docs/DATA.md); repeatable")
    rp.add_argument("--db", metavar="FILE.duckdb", help="a kqlite DuckDB store (opened read-only)")
    rp.add_argument("--default-table", default="Resources", help="table read by queries that start with an operator")
    rp.add_argument("--functions", metavar="DIR",
                    help="a folder of stored function files (default: queries/ next to the data or store)")
    limit_args(rp)
    args = _ReplArgs(**vars(rp.parse_args(argv)))
    if args.database:
        target = Path(args.database)
        if target.is_dir() or target.suffix.lower() not in (".duckdb", ".db", ".ddb"):
            args.data.append(args.database)
        elif args.db:
            rp.error("give the database once (FILE.duckdb or --db FILE.duckdb)")
        else:
            args.db = args.database
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("kqlite: the interactive prompt needs a terminal; for scripts and pipes use `kqlite query` "
              "(it reads the query from standard input)", file=sys.stderr)
        return 2
    try:
        db = open_database(args)
    except (KqlError, ValueError, OSError) as e:
        return report_error(e)
    from .repl import run

    return run(db)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
