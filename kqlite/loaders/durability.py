"""What makes a store survive a crash (power loss, `kill -9`, a full disk) in one piece.

- An ingest into an existing store is one DuckDB transaction: DuckDB's write-ahead log (the
  `.wal` file next to the store) makes a commit all or nothing, and replays it on the next open.
- A first ingest has no old state to fall back to, and DuckDB creates its file before the first
  statement: killed half-way, it would leave an empty store that looks like a real one. So a new
  store is built under a hidden temporary name in the same folder (`.fleet.duckdb.ingest-<pid>`),
  checkpointed (no `.wal` left), fsynced, and only then given its name in one step: the name
  either does not exist or is a complete store. A temporary left by a killed ingest is removed by
  the next one.
- `pause_at(point)`: the crash tests stop the process at named points of an ingest (with
  KQLITE_INGEST_PAUSE_AT=point) to kill it exactly there.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import duckdb

from ..errors import KqlDataError

PAUSE_ENV = "KQLITE_INGEST_PAUSE_AT"
# the points an ingest passes, in order (closed and published: a first ingest only)
PAUSE_POINTS = ("start", "opened", "inserting", "before-commit", "committed", "checkpointed", "closed", "published")
_STAGING = ".ingest-"


def pause_at(point: str) -> None:
    """Stop this process (SIGSTOP) if the crash tests asked for `point`; a no-op otherwise."""
    if os.environ.get(PAUSE_ENV) == point and hasattr(signal, "SIGSTOP"):
        os.kill(os.getpid(), signal.SIGSTOP)


def staging_path(db: Path) -> Path:
    """Where a new store is built: hidden, next to its final name (a rename across folders or
    file systems would not be atomic)."""
    return db.with_name(f".{db.name}{_STAGING}{os.getpid()}")


def _companions(path: Path) -> list[Path]:
    # DuckDB's write-ahead log and its spill folder live beside the database file
    return [path, Path(f"{path}.wal"), Path(f"{path}.tmp")]


def discard(path: Path) -> None:
    for p in _companions(path):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def remove_stale(db: Path) -> None:
    """Remove what first ingests into `db` that were killed left behind (their process is gone)."""
    folder = db.parent if str(db.parent) else Path(".")
    if not folder.is_dir():
        return
    prefix = f".{db.name}{_STAGING}"
    for p in folder.glob(f"{_glob_escape(prefix)}*"):
        pid = p.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            discard(folder / f"{prefix}{pid}")


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but another user's
        return True
    return True


def publish(staged: Path, db: Path) -> None:
    """Give a finished new store its name, atomically and durably; never over a store that
    another ingest created meanwhile."""
    wal = Path(f"{staged}.wal")
    if wal.exists():  # everything must be in the one file that is renamed
        con = duckdb.connect(str(staged))
        con.execute("CHECKPOINT")
        con.close()
        if wal.exists():
            raise KqlDataError("could not checkpoint the new store; nothing was ingested", path=str(db))
    _fsync(staged)
    try:
        os.link(staged, db)  # fails if db exists, unlike a rename
    except FileExistsError:
        discard(staged)
        raise KqlDataError("another ingest created this store meanwhile; nothing was ingested: ingest again",
                           path=str(db)) from None
    except OSError:  # a file system without hard links
        os.replace(staged, db)
    else:
        staged.unlink()
    _fsync_folder(db.parent)
    discard(staged)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the new name itself durable (POSIX; Windows cannot open a folder, and needs not)."""
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
