"""buildschema(DynamicExpr): the minimal schema that admits every value of a dynamic column.

Kusto's schema model (buildschema-aggregation-function):

    Container  ::= '{' Named-type* '}'
    Named-type ::= (name | '"`indexer`"') ':' Type
    Type       ::= Primitive-type | Union-type | Container
    Union-type ::= '[' Type* ']'

A property bag gives a container of its keys, an array a container with the one key "`indexer`"
(the schema of its elements), a scalar its type name (long, double, string, bool). Several values
at one place give a union: its members in the order first seen, with every bag merged into one
container member and every array into one indexer member; a union of one type is written as that
type. Nulls add no type, so a key whose values are all null maps to the empty union [].

SQL gathers the group's values with list(); the Python function below folds them into one schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..sql.python_functions import python_function
from .registry import Arg, aggregate

INDEXER = "`indexer`"


class _Union:
    """The types seen at one place of the values, in first-seen order."""

    def __init__(self) -> None:
        self.primitives: list[str] = []
        self.members: list[Any] = []  # primitive names, the one _Bag and the one _Array, in order
        self.bag: _Bag | None = None
        self.array: _Union | None = None  # the union of every array's elements

    def add(self, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, dict):
            if self.bag is None:
                self.bag = _Bag()
                self.members.append(self.bag)
            self.bag.add(value)
        elif isinstance(value, list):
            if self.array is None:
                self.array = _Union()
                self.members.append(_Array(self.array))
            for item in value:
                self.array.add(item)
        else:
            name = _primitive(value)
            if name not in self.primitives:
                self.primitives.append(name)
                self.members.append(name)

    def schema(self) -> Any:
        types = [m.schema() if isinstance(m, (_Bag, _Array)) else m for m in self.members]
        return types[0] if len(types) == 1 else types


class _Bag:
    def __init__(self) -> None:
        self.keys: dict[str, _Union] = {}

    def add(self, bag: dict[str, Any]) -> None:
        for key, value in bag.items():
            self.keys.setdefault(key, _Union()).add(value)

    def schema(self) -> dict[str, Any]:
        return {key: union.schema() for key, union in self.keys.items()}


class _Array:
    def __init__(self, elements: _Union) -> None:
        self.elements = elements

    def schema(self) -> dict[str, Any]:
        return {INDEXER: self.elements.schema()}


def _primitive(value: Any) -> str:
    # bool before int: Python's True is an int
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


@python_function("kq_py_buildschema", ["VARCHAR[]"], "VARCHAR")
def build_schema(values: Sequence[str | None] | None) -> str | None:
    """The schema of a group's JSON texts, as JSON text; null when no value is non-null."""
    if values is None:
        return None
    union = _Union()
    for text in values:
        if text is not None:
            union.add(json.loads(text))
    if not union.members:
        return None
    return json.dumps(union.schema(), separators=(",", ":"), ensure_ascii=False)


def _buildschema(a: Sequence[Arg]) -> str:
    value = a[0].sql
    texts = f"list(CAST({value} AS VARCHAR)) FILTER (WHERE {value} IS NOT NULL)"
    return f"CAST(kq_py_buildschema({texts}) AS JSON)"


aggregate("buildschema", "dynamic", "dynamic", _buildschema, column="schema",
          notes="a datetime, timespan or guid packed into a dynamic value counts as a string (kqlite keeps "
                "them as JSON text)")
