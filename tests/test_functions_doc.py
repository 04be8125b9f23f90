"""docs/FUNCTIONS.md and the KQL reference catalog agree with the code.

The page is regenerated and compared; the registry may only hold names the KQL reference
documents; a catalog name given no reason must be something kqlite runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import kqlite
from kqlite.functions import catalog
from kqlite.functions.registry import all_functions

ROOT = Path(__file__).resolve().parents[1]
# registered names the KQL reference does not document (each one is a question for its owner)
NOT_IN_REFERENCE: set[str] = set()


def test_functions_page_is_current():
    spec = importlib.util.spec_from_file_location("make_functions", ROOT / "docs" / "make_functions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (ROOT / "docs" / "FUNCTIONS.md").read_text(encoding="utf-8")
    assert module.render() == page, "docs/FUNCTIONS.md is stale: run python docs/make_functions.py"


def test_registered_names_are_kql_names():
    registered = set(all_functions())
    invented = sorted(registered - set(catalog.FUNCTIONS) - NOT_IN_REFERENCE)
    assert not invented, f"registered but not in the KQL reference catalog: {invented}"
    assert NOT_IN_REFERENCE <= registered, "NOT_IN_REFERENCE lists a name that is no longer registered"


def test_aliases_match_the_reference():
    for name, fn in all_functions().items():
        e = catalog.FUNCTIONS.get(name)
        if e is None or name == fn.name:
            continue
        assert e.alias_of == fn.name, f"{name} is registered as an alias of {fn.name}; the reference says " \
                                      f"{e.alias_of or 'it is its own function'}"


def test_names_without_a_reason_are_supported():
    missing = [f"{e.family}:{e.name}" for e in catalog.all_entries()
               if not e.reason and catalog.status(e)[0] == "not supported"]
    assert not missing, f"give these a reason in catalog.py or implement them: {missing}"


def test_registry_links_point_at_the_catalog_page():
    for name, fn in all_functions().items():
        if name == fn.name and name in catalog.FUNCTIONS:
            assert fn.doc == catalog.FUNCTIONS[name].url


def test_every_page_follows_the_learn_layout():
    for e in catalog.all_entries():
        assert e.url.startswith("https://learn.microsoft.com/kusto/query/")
        assert " " not in e.page and not e.page.endswith(".md")


@pytest.fixture(scope="module")
def db():
    return kqlite.sample()


@pytest.mark.parametrize("query, name", [
    ("print geo_union_polygons_array(dynamic([]))", "geo_union_polygons_array"),
    ("print cursor_after('x')", "cursor_after"),
    ("Heartbeat | evaluate autocluster()", "autocluster"),
    ("Heartbeat | evaluate python(typeof(*), 'result = df')", "python"),
])
def test_known_but_unsupported_names_raise_kql_unsupported(db, query, name):
    with pytest.raises(kqlite.KqlUnsupportedError) as info:
        db.query(query)
    err = info.value
    assert name in err.message and err.span is not None
    assert any(h.startswith("https://learn.microsoft.com/kusto/query/") for h in err.hints)


def test_operator_support_follows_the_binder():
    assert catalog.operator_supported("mv-expand") and catalog.operator_supported("order")
    assert catalog.operator_supported("graph-match") and catalog.operator_supported("graph-merge")
    assert not catalog.operator_supported("no-such-operator")  # not in the grammar
    assert catalog.operator_of_node("MvExpand").name == "mv-expand"
