"""The notebooks in notebooks/ run top to bottom in a real Jupyter kernel against the sample
fleet, with no error, and every `render` cell shows a real PNG chart."""

from __future__ import annotations

import base64
import importlib.util
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _executor():
    # notebooks/execute.py is the script that refreshes the saved outputs; testing through it keeps it working
    spec = importlib.util.spec_from_file_location("kqlite_notebooks_execute", ROOT / "notebooks" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_four_fleet_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_fleet_tour", "02_outdated_and_silent", "03_cloned_machines",
                                           "04_history"]


def draws_a_chart(source: str) -> bool:
    return "| render " in source and "| render table" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_kernel_and_draws_real_charts(path):
    nb = _executor().run(path, timeout=240)
    charts = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {i}:\n{cell.source}"
        for out in cell.outputs:
            assert out.output_type != "error", where
            assert "kqlite-error" not in out.get("data", {}).get("text/html", ""), where
        images = [out.data["image/png"] for out in cell.outputs if "image/png" in out.get("data", {})]
        if draws_a_chart(cell.source):
            assert len(images) == 1, where
            png = base64.b64decode(images[0])
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", where
            width, height = struct.unpack(">II", png[16:24])
            assert (width, height) == (900, 450) and len(png) > 10_000, where  # a drawn chart, not a blank
            charts += 1
        else:
            assert not images, where
    assert charts >= 1
