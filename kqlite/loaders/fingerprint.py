"""Which files were ingested before. A file is known by the SHA-256 of its content, whatever its
name. Hashing a big export costs about a tenth of reading it, so it is kept off the critical path:
a quick key (size, first and last MiB) finds the few files that could be repeats and only those
are hashed before reading; the full hash of a new file is computed on a thread while DuckDB
reads it, and recorded before the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

_EDGE = 1 << 20


def full_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):  # hashlib releases the GIL on large updates
            h.update(chunk)
    return h.hexdigest()


def quick_key(path: Path) -> str:
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(_EDGE))
        if size > 2 * _EDGE:
            f.seek(size - _EDGE)
            h.update(f.read(_EDGE))
    return h.hexdigest()


class Fingerprints:
    """`check(path)` -> (the earlier file with the same content or None, the full hash)."""

    def __init__(self, earlier: Callable[[str], list[tuple[str, str]]]):
        self._earlier = earlier                      # quick key -> [(sha256, path)] already stored
        self._batch: dict[str, list[tuple[Future[str], str]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kqlite-hash")

    def check(self, path: Path) -> tuple[str | None, Future[str]]:
        quick = quick_key(path)
        stored = self._earlier(quick)
        batch = self._batch.setdefault(quick, [])
        if not stored and not batch:
            future = self._pool.submit(full_hash, path)
            batch.append((future, str(path.resolve())))
            return None, future
        digest = full_hash(path)
        for sha, where in stored + [(f.result(), p) for f, p in batch]:
            if sha == digest:
                return where, _done(digest)
        batch.append((_done(digest), str(path.resolve())))
        return None, _done(digest)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _done(value: str) -> Future[str]:
    f: Future[str] = Future()
    f.set_result(value)
    return f
