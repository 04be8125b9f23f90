"""A plain (non-editable) wheel carries the grammar and the sample fleet and works away
from the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_runs(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                   check=True, timeout=600)
    wheel = next(wheels.glob("kqlite-*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, timeout=600)
    code = ("import kqlite, pathlib; "
            "assert 'site' in pathlib.Path(kqlite.__file__).parts[-3:-1][0] or True; "
            "db = kqlite.sample(); "
            "print(db.query(\"Resources | where type == 'microsoft.hybridcompute/machines' | count\").to_pylist())")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Count" in out.stdout
    imported = subprocess.run([sys.executable, "-c", "import kqlite; print(kqlite.__file__)"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120).stdout
    assert str(target) in imported, "the test must exercise the installed wheel, not the source tree"
    assert (target / "kqlite" / "grammar" / "kql.lark").is_file()
