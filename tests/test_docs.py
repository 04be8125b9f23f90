"""Documentation that shows real output is regenerated and compared, so it cannot go stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_query_library_page_is_current():
    spec = importlib.util.spec_from_file_location("make_query_library", ROOT / "docs" / "make_query_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "QUERY_LIBRARY.md").read_text(encoding="utf-8")
    assert module.render() == page, "docs/QUERY_LIBRARY.md is stale: run python docs/make_query_library.py"
