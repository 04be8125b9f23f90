"""Crash safety of `kqlite ingest`: killed (SIGKILL) at any moment, a store is exactly its old
state or exactly its new state, never half; it opens with kqlite.connect; a later ingest succeeds.

Two kinds of kill point, for a first ingest (no store yet) and an incremental one:
- named points an ingest passes (KQLITE_INGEST_PAUSE_AT stops the process there; see
  kqlite/loaders/durability.py), each with the one state it must leave;
- random moments spread over the ingest's measured duration (KQLITE_CRASH_TRIALS per kind,
  default 12; KQLITE_CRASH_SEED to replay a run).
States are compared as row counts and content hashes of every table, against reference runs.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from store_state import state

import kqlite
from kqlite.loaders import ingest
from kqlite.loaders.durability import PAUSE_ENV, PAUSE_POINTS

ROOT = Path(__file__).resolve().parents[1]
TRIALS = int(os.environ.get("KQLITE_CRASH_TRIALS", "12"))
SPREAD = 1.2  # kills spread over this many times the ingest's duration
SEED = int(os.environ.get("KQLITE_CRASH_SEED", str(int(time.time()))))

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals")


# ---------------------------------------------------------------- exports big enough to take a while

def _write_batch(folder: Path, days: list[str], rows: int) -> None:
    """Heartbeat CSVs (de-duplicated on a second ingest), Resource Graph JSON (rebuilds Resources),
    JSON Lines of a generic table: every store path of an ingest is exercised."""
    folder.mkdir(parents=True)
    for d in days:
        rnd = random.Random(d)
        lines = ["TimeGenerated,Computer,Category,OSType,SourceComputerId,Version"]
        lines += [f"{d}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z,web-{i % 97:02d},"
                  f"Azure Monitor Agent,Linux,{rnd.randrange(1 << 30):08x},1.{i % 40}" for i in range(rows)]
        (folder / f"Heartbeat_{d}.csv").write_text("\n".join(lines) + "\n")
        machines = [{"id": f"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m{i}",
                     "name": f"m{i}", "type": "microsoft.hybridcompute/machines", "subscriptionId": "s1",
                     "resourceGroup": "rg", "properties": {"status": rnd.choice(["Connected", "Offline"]),
                                                           "agentVersion": f"1.{rnd.randrange(50)}"}}
                    for i in range(2000)]
        (folder / f"az_graph_query_{d}.json").write_text(json.dumps({"count": len(machines), "data": machines}))
        (folder / f"perf_{d}.jsonl").write_text("\n".join(
            json.dumps({"t": f"{d}T00:00:{i % 60:02d}Z", "host": f"h{i % 50}", "cpu": i % 100 / 3})
            for i in range(rows // 2)) + "\n")


def opens_cleanly(db: Path, expected: dict[str, tuple[int, int]]) -> None:
    """kqlite.connect (read-only, as a query session opens it) sees the state's tables and rows."""
    with kqlite.connect(db) as k:
        visible = {t: n for t, (n, _) in expected.items() if not t.startswith("_kqlite") and t != "kqlite_columns"}
        assert sorted(k.tables) == sorted(visible)
        for t, n in visible.items():
            assert k.query(f"['{t}'] | count").to_pylist() == [{"Count": n}]


# ---------------------------------------------------------------- running and killing `kqlite ingest`

def start_ingest(src: Path, db: Path, pause: str) -> subprocess.Popen | None:
    """`python -m kqlite.cli ingest src --db db`, stopped at `pause`; None if it ended before
    reaching it (it never passes that point on this path)."""
    p = subprocess.Popen([sys.executable, "-m", "kqlite.cli", "ingest", str(src), "--db", str(db), "--no-progress"],
                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env={**os.environ, "PYTHONPATH": str(ROOT), PAUSE_ENV: pause})
    watchdog = threading.Timer(120, p.kill)
    watchdog.start()
    try:
        _, status = os.waitpid(p.pid, os.WUNTRACED)
    finally:
        watchdog.cancel()
    if os.WIFSTOPPED(status):
        return p
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    assert p.returncode == 0, p.stderr.read().decode() if p.stderr else ""
    return None


def kill(p: subprocess.Popen) -> None:
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    if p.stderr:
        p.stderr.close()


@dataclass
class Scenario:
    name: str              # first | incremental
    src: Path              # what the ingest reads
    old: Path | None       # the store before it (None: no store)
    old_state: dict | None
    new_state: dict
    seconds: float         # how long the ingest takes, from its start to its exit

    def fresh_store(self, db: Path) -> None:
        for p in db.parent.glob(f"*{db.name}*"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        if self.old is not None:
            shutil.copy(self.old, db)


def _timed_run(src: Path, db: Path) -> float:
    p = start_ingest(src, db, "start")
    assert p is not None
    t0 = time.perf_counter()
    p.send_signal(signal.SIGCONT)
    assert p.wait(timeout=300) == 0, p.stderr.read().decode() if p.stderr else ""
    p.stderr and p.stderr.close()
    return time.perf_counter() - t0


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[str, Scenario]:
    base = tmp_path_factory.mktemp("crash")
    a, b = base / "A", base / "B"
    _write_batch(a, ["2024-06-01", "2024-06-02"], 60_000)
    _write_batch(b, ["2024-06-03", "2024-06-04"], 60_000)
    old, new = base / "ref_old.duckdb", base / "ref_new.duckdb"
    first_seconds = _timed_run(a, old)
    shutil.copy(old, new)
    inc_seconds = _timed_run(b, new)
    old_state, new_state = state(old), state(new)
    assert old_state and new_state and old_state != new_state
    assert new_state["Heartbeat"][0] == 2 * old_state["Heartbeat"][0]
    return {"first": Scenario("first", a, None, None, old_state, first_seconds),
            "incremental": Scenario("incremental", b, old, old_state, new_state, inc_seconds)}


def check_after_crash(sc: Scenario, db: Path) -> str:
    """The store is the old or the new state, opens, and a later ingest brings it to the new
    state; returns which state the crash left."""
    now = state(db)
    assert now in (sc.old_state, sc.new_state), f"half-written store after a crash: {now}"
    which = "new" if now == sc.new_state else "old"
    if now is not None:
        opens_cleanly(db, now)
    report = ingest([sc.src], db, progress=False)
    assert report.committed and not report.bad
    assert state(db) == sc.new_state
    assert [p.name for p in db.parent.iterdir() if p.name != db.name] == [], "temporaries left behind"
    return which


# ---------------------------------------------------------------- the kill points

_FIRST_NEW_AFTER = PAUSE_POINTS.index("published")       # a new store exists only once named
_INCREMENTAL_NEW_AFTER = PAUSE_POINTS.index("committed")  # DuckDB's commit is the switch
_INCREMENTAL_POINTS = PAUSE_POINTS[:PAUSE_POINTS.index("checkpointed") + 1]  # closed/published: first only


@pytest.mark.parametrize("kind, point", [*(("first", p) for p in PAUSE_POINTS),
                                         *(("incremental", p) for p in _INCREMENTAL_POINTS)])
def test_killed_at_a_named_point(scenarios, tmp_path, kind, point):
    sc = scenarios[kind]
    db = tmp_path / "store" / "fleet.duckdb"
    db.parent.mkdir()
    sc.fresh_store(db)
    p = start_ingest(sc.src, db, point)
    assert p is not None, f"the ingest never reached {point}"
    kill(p)
    new_from = _FIRST_NEW_AFTER if kind == "first" else _INCREMENTAL_NEW_AFTER
    expected = "new" if PAUSE_POINTS.index(point) >= new_from else "old"
    assert check_after_crash(sc, db) == expected


@pytest.mark.parametrize("kind", ["first", "incremental"])
def test_killed_at_random_moments(scenarios, tmp_path, kind):
    """TRIALS kills spread evenly (with jitter, in random order) over the ingest's duration and a
    little past it. The duration is re-estimated downwards whenever a run ends before its kill:
    the machine may have been busier when it was measured."""
    sc = scenarios[kind]
    rnd = random.Random(f"{SEED}-{kind}")
    db = tmp_path / "store" / "fleet.duckdb"
    db.parent.mkdir()
    seen = {"old": 0, "new": 0, "finished": 0}
    fractions = [(i + rnd.random()) / TRIALS * SPREAD for i in range(TRIALS)]
    rnd.shuffle(fractions)
    seconds = sc.seconds
    for fraction in fractions:
        sc.fresh_store(db)
        p = start_ingest(sc.src, db, "start")
        assert p is not None
        p.send_signal(signal.SIGCONT)
        t0 = time.perf_counter()
        deadline = t0 + fraction * seconds
        while (left := deadline - time.perf_counter()) > 0 and p.poll() is None:
            time.sleep(min(left, 0.01))
        killed = p.poll() is None
        if not killed:
            seconds = min(seconds, time.perf_counter() - t0)
        kill(p)
        which = check_after_crash(sc, db)
        seen[which if killed else "finished"] += 1
        assert killed or which == "new"
    print(f"\n{kind}: seed {SEED}, ingest {sc.seconds:.2f}s (at best {seconds:.2f}s), {TRIALS} kills: {seen}")
    # kills that miss the ingest show nothing
    assert seen["old"] >= 1 and seen["old"] + seen["new"] >= TRIALS // 2


def test_a_stale_temporary_of_a_killed_first_ingest_is_removed(scenarios, tmp_path):
    sc = scenarios["first"]
    db = tmp_path / "fleet.duckdb"
    p = start_ingest(sc.src, db, "before-commit")
    assert p is not None
    kill(p)
    assert not db.exists() and [q.name for q in tmp_path.iterdir()] == [f".fleet.duckdb.ingest-{p.pid}"]
    ingest([sc.src], db, progress=False)
    assert [q.name for q in tmp_path.iterdir()] == ["fleet.duckdb"] and state(db) == sc.new_state
