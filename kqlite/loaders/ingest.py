"""`kqlite ingest PATH... --db fleet.duckdb`: exports appended to a DuckDB store, atomically.

1. Expand folders into files; hash each one (SHA-256) and leave out content already ingested.
2. Plan each new file (plan.py): its table and typed columns, from its first rows.
3. In one transaction: fit the tables to the files (store.prepare), read each file straight into
   its table with DuckDB's reader, rebuild Resources, commit. A new store is built under a
   temporary name and named only when complete (durability.py): a crash leaves the old state.
4. If a file fails half-way, roll back. A disproved type guess re-plans that file; a bad file
   ends the ingest with nothing written, or (skip_bad) is left out. Either way the transaction
   starts again from the top, so what is committed is always one whole, consistent ingest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..errors import KqlDataError
from ..sql import macros
from . import detect, durability
from . import diagnose as D
from . import schemas as S
from .durability import pause_at
from .fingerprint import Fingerprints, quick_key
from .plan import FilePlan, after_failure, plan_file
from .progress import Progress
from .relations import EmptyExport, parquet_schema
from .store import Store


@dataclass
class FileReport:
    path: Path
    status: str                  # added | duplicate | empty (an export with no rows) | bad
    table: str = ""
    rows: int = 0                # rows read from the file
    added: int = 0               # rows that were new to the store
    snapshot: dt.datetime | None = None
    error: KqlDataError | None = None
    same_as: str = ""            # for duplicates: the file already ingested with this content
    digest: Future[str] | None = field(default=None, repr=False)  # SHA-256, maybe still computing
    quick_key: str = ""


@dataclass
class IngestReport:
    db: str
    files: list[FileReport] = field(default_factory=list)
    committed: bool = False

    @property
    def bad(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "bad"]

    @property
    def added(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "added"]


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and every data file under named folders (recursively, sorted;
    hidden files and folders left out). A file named twice is read once."""
    out: dict[Path, None] = {}
    for item in paths:
        p = Path(item)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts) \
                        and detect.is_data_file(f):
                    out[f] = None
        elif p.exists():
            out[p] = None
        else:
            raise KqlDataError("no such file or folder", path=str(p))
    return list(out)


def snapshot_time(path: Path, given: dt.datetime | None = None) -> dt.datetime:
    """When an export was taken (naive UTC): the --snapshot-time given, else a `snapshot_time` in
    Parquet metadata, else a date/time in the file name, else the file's modification time."""
    if given is not None:
        return _utc(given)
    if detect.sniff(path).fmt == "parquet":
        meta = parquet_schema(path).metadata or {}
        if b"snapshot_time" in meta:
            return _utc(dt.datetime.fromisoformat(meta[b"snapshot_time"].decode().replace("Z", "+00:00")))
    named = S.time_in_name(path.name)
    if named is not None:
        return named
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(tzinfo=None, microsecond=0)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def open_store(db: str | Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as e:
        if "lock" in str(e).lower() or "different configuration" in str(e):
            # DuckDB allows one writer per file, and no writer while a reader has it open
            raise KqlDataError("the store is open elsewhere (a query session, a notebook or another ingest); "
                               "close it and ingest again", path=str(db)) from None
        raise KqlDataError(str(e).splitlines()[0], path=str(db)) from None
    prepare(con)
    return con


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'UTC'")
    try:  # DuckDB's own bar would go to stdout; in Jupyter without ipywidgets it refuses the setting
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    macros.install(con.execute)


def ingest(paths: Sequence[str | Path], db: str | Path, *, skip_bad: bool = False,
           snapshot: dt.datetime | None = None, progress: bool | Callable[..., Any] | None = None) -> IngestReport:
    """Append files (and folders) to store `db`, creating it if needed.

    Raises KqlDataError when a file is bad and `skip_bad` is false (nothing is written; the
    error's `.report` lists every file). With `skip_bad`, bad files are left out and listed."""
    pause_at("start")
    files = expand(paths)
    db = Path(db)
    report = IngestReport(str(db))
    if not db.parent.is_dir():
        raise KqlDataError("the folder for the store does not exist", path=str(db))
    durability.remove_stale(db)
    first = not db.exists()
    # a new store is built under a temporary name and named when complete (durability.py)
    target = durability.staging_path(db) if first else db
    con = open_store(target)
    try:
        pause_at("opened")
        _run(con, files, report, skip_bad, snapshot, Progress.create(progress, files, con))
        pause_at("checkpointed")
    except BaseException:
        con.close()
        if first:  # a failed first ingest leaves no store behind
            durability.discard(target)
        raise
    con.close()
    if first:
        pause_at("closed")
        durability.publish(target, db)
        pause_at("published")
    return report


def load(paths: Sequence[str | Path]) -> dict[str, tuple[Any, dict[str, str]]]:
    """Files and folders read into an in-memory store, returned as {table: (Arrow, KQL types)}
    without the provenance columns (for `kqlite query --data`). A bad file raises."""
    files = expand(paths)
    con = duckdb.connect(":memory:")
    try:
        prepare(con)
        report = IngestReport(":memory:")
        try:
            store = _run(con, files, report, False, None, Progress.create(False, files))
        except KqlDataError:
            if report.bad and report.bad[0].error:
                raise report.bad[0].error from None
            raise
        return {t: store.export(t) for t in store.types}
    finally:
        con.close()


def _run(con: duckdb.DuckDBPyConnection, files: list[Path], report: IngestReport, skip_bad: bool,
         snapshot: dt.datetime | None, progress: Progress) -> Store:
    with ExitStack() as copies:  # UTF-8 copies of files in other encodings live until the commit
        prints = Fingerprints(Store(con).earlier)
        copies.callback(prints.close)
        copies.callback(_copies_of_bad_files_are_bad, report)
        plans = _plan_all(con, files, report, snapshot, copies, prints)
        try:
            while True:
                # once a file is bad and nothing may be committed, the others are still read (and
                # rolled back), so that one run lists every bad file
                commit = skip_bad or not report.bad
                empty = [f for f in report.files if f.status == "empty"]
                store, failure = _load(con, plans, empty, progress, commit)
                if failure is None:
                    if not commit:
                        raise _nothing_ingested(report)
                    report.committed = True
                    return store
                i, exc = failure
                outcome = after_failure(con, plans[i][0], exc)
                if isinstance(outcome, FilePlan):
                    plans[i] = (outcome, plans[i][1])
                    continue
                plans[i][1].status, plans[i][1].error = "bad", outcome
                del plans[i]
        finally:
            progress.close()


def _plan_all(con, files: list[Path], report: IngestReport, snapshot: dt.datetime | None,
              copies: ExitStack, prints: Fingerprints) -> list[tuple[FilePlan, FileReport]]:
    plans: list[tuple[FilePlan, FileReport]] = []
    for path in files:
        same, digest = prints.check(path)
        if same:
            report.files.append(FileReport(path, "duplicate", same_as=same, digest=digest))
            continue
        fr = FileReport(path, "added", digest=digest, quick_key=quick_key(path))
        report.files.append(fr)
        try:
            sniff = detect.sniff(path)
            readable, sniff = copies.enter_context(D.readable_copy(sniff))
            plan = plan_file(con, path, sniff, readable)
            fr.table, fr.snapshot = plan.table, snapshot_time(path, snapshot)
            plans.append((plan, fr))
        except EmptyExport:
            fr.status, fr.snapshot = "empty", snapshot_time(path, snapshot)
        except KqlDataError as e:
            fr.status, fr.error = "bad", e
    # oldest snapshot first: rows arrive in time order, and of two copies of one record the earlier is kept
    plans.sort(key=lambda p: (p[1].snapshot or dt.datetime.min, str(p[0].path)))
    return plans


def _load(con, plans: list[tuple[FilePlan, FileReport]], empty: list[FileReport], progress: Progress,
          commit: bool = True) -> tuple[Store, tuple[int, Exception] | None]:
    """One attempt at the whole transaction; on failure, rolled back, with the failing file."""
    progress.restart([p.path for p, _ in plans])
    con.execute("BEGIN TRANSACTION")
    store = Store(con)
    current = -1  # the file being read, to blame if the statement fails
    try:
        store.prepare([p for p, _ in plans])
        for n, (plan, fr) in enumerate(plans):
            current = n
            progress.start(plan.path)
            pause_at("inserting")
            fr.rows, fr.added = store.insert(plan, str(plan.path.resolve()), fr.snapshot or dt.datetime.now())
            fr.table = store.table_name(plan.table)
            progress.done(plan.path, fr.rows)
        current = -1  # past the files: a failure now is not one file's fault
        for fr, kind in [*((fr, plan.kind) for plan, fr in plans), *((fr, "empty") for fr in empty)]:
            assert fr.digest is not None and fr.snapshot is not None
            store.record(fr.digest.result(), fr.quick_key, str(fr.path.resolve()), fr.path.stat().st_size,
                         fr.table, kind, fr.rows, fr.added, fr.snapshot)
        store.finish()
        pause_at("before-commit")
        con.execute("COMMIT" if commit else "ROLLBACK")
    except duckdb.Error as e:
        con.execute("ROLLBACK")
        if current < 0 or not _files_fault(e, plans[current][0]):
            raise
        return store, (current, e)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if commit:
        pause_at("committed")
        con.execute("CHECKPOINT")  # folds the write-ahead log into the store file
    return store, None


_NOT_THE_FILES_FAULT = (duckdb.OutOfMemoryException, duckdb.InterruptException, duckdb.FatalException,
                        duckdb.InternalException, duckdb.TransactionException, duckdb.ParserException,
                        duckdb.BinderException, duckdb.CatalogException)


def _files_fault(e: duckdb.Error, plan: FilePlan) -> bool:
    """Whether a failed read says something about the file (and not the store, memory or kqlite:
    those stop the ingest rather than mark good files bad one after another)."""
    if isinstance(e, _NOT_THE_FILES_FAULT):
        return False
    if isinstance(e, duckdb.IOException):  # the file unreadable, or the store's disk full?
        return str(plan.readable) in str(e) or str(plan.path) in str(e)
    return True


def _copies_of_bad_files_are_bad(report: IngestReport) -> None:
    bad = {str(f.path.resolve()): f.error for f in report.bad}
    for f in report.files:
        if f.status == "duplicate" and f.same_as in bad:
            f.status, f.error = "bad", KqlDataError(f"same content as {f.same_as}, which is bad", path=str(f.path))


def _nothing_ingested(report: IngestReport) -> KqlDataError:
    first = report.bad[0].error
    assert first is not None
    more = f" (and {len(report.bad) - 1} more bad file(s))" if len(report.bad) > 1 else ""
    err = KqlDataError(f"{first.message}{more}; nothing was ingested")
    err.path, err.row = first.path, first.row
    err.report = report  # type: ignore[attr-defined]
    return err
