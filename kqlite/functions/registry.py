"""The function registry: one entry per KQL function, the single source of truth.

An entry gives the name, the kind (scalar, aggregate, window), the parameter kinds,
the result type and the DuckDB SQL builder. Adding a function is adding one entry
(in scalar.py, aggregate.py or window.py) and one golden line.

Parameter kinds (coercions are applied by the binder before the builder runs):
  any       any scalar, unchanged            string    string; other scalars go through tostring
  number    int/long/real/decimal            integer   int/long (real truncated)
  datetime  datetime                         timespan  timespan
  bool      bool                             dynamic   anything; scalars are wrapped as JSON
  quantity  a number or a timespan
  const     a constant, available as .value  table     not used by scalar functions
A trailing `?` marks an optional parameter, a trailing `*` repeats the last kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .catalog import function_url

DOCS = "https://learn.microsoft.com/kusto/query/"


@dataclass(frozen=True)
class Arg:
    """What a SQL builder sees of one argument."""

    sql: str
    type: str
    value: Any = None
    is_const: bool = False
    # when the argument is itself a registry function call: its name and arguments, so a builder
    # can take a cheaper form for a known construct (tostring(bag_pack(...)) is a plain cast)
    call: tuple[str, tuple[Arg, ...]] | None = None


ResultRule = str | Callable[[Sequence[str]], str]
SqlRule = str | Callable[..., str]


@dataclass(frozen=True)
class Function:
    name: str
    kind: str  # 'scalar' | 'aggregate' | 'window'
    params: tuple[str, ...]
    result: ResultRule
    sql: SqlRule
    doc: str = ""
    column: str | None = None  # aggregate output-name prefix (count -> count_, make_list -> list_x)
    default: str | None = None  # aggregate value on empty input / all nulls ('0', '[]')
    notes: str = ""
    aliases: tuple[str, ...] = field(default=())

    @property
    def min_args(self) -> int:
        return sum(1 for p in self.params if not p.endswith("?") and not p.endswith("*"))

    @property
    def max_args(self) -> int | None:
        return None if any(p.endswith("*") for p in self.params) else len(self.params)

    def param_kind(self, i: int) -> str:
        if i < len(self.params):
            return self.params[i].rstrip("?*")
        return self.params[-1].rstrip("?*")

    def result_type(self, arg_types: Sequence[str]) -> str:
        return self.result if isinstance(self.result, str) else self.result(arg_types)

    def build(self, args: Sequence[Arg], **ctx: Any) -> str:
        if isinstance(self.sql, str):
            return self.sql.format(*[a.sql for a in args])
        code = getattr(self.sql, "__code__", None)
        if code is not None and code.co_flags & 0x08:  # the builder takes **ctx (now, window ORDER BY)
            return self.sql(args, **ctx)
        return self.sql(args)

    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"


REGISTRY: dict[str, Function] = {}


def register(fn: Function) -> Function:
    # the catalog knows each documented function's real page; the slug built from the name is only a guess
    fn = replace(fn, doc=function_url(fn.name, fn.doc))
    for name in (fn.name, *fn.aliases):
        if name in REGISTRY:
            raise ValueError(f"function {name} registered twice")
        REGISTRY[name] = fn
    return fn


def scalar(name: str, params: str, result: ResultRule, sql: SqlRule, doc: str = "", **kw: Any) -> Function:
    """Register a scalar function; params is a space-separated list of kinds."""
    return register(Function(name, "scalar", tuple(params.split()), result, sql,
                             doc or f"{DOCS}{name.replace('_', '-')}-function", **kw))


def aggregate(name: str, params: str, result: ResultRule, sql: SqlRule, column: str | None = None,
              default: str | None = None, doc: str = "", **kw: Any) -> Function:
    return register(Function(name, "aggregate", tuple(params.split()), result, sql,
                             doc or f"{DOCS}{name.replace('_', '-')}-aggregation-function",
                             column=column if column is not None else name, default=default, **kw))


def window(name: str, params: str, result: ResultRule, sql: SqlRule, doc: str = "", **kw: Any) -> Function:
    return register(Function(name, "window", tuple(params.split()), result, sql,
                             doc or f"{DOCS}{name.replace('_', '-')}-function", **kw))


def lookup(name: str) -> Function | None:
    _load()
    return REGISTRY.get(name)


def all_functions() -> dict[str, Function]:
    _load()
    return REGISTRY


_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from . import aggregate as _a  # noqa: F401  (modules register on import)
        from . import basket_mining as _basket  # noqa: F401  (the basket plugin's Python function)
        from . import buildschema as _buildschema  # noqa: F401
        from . import codecs as _codecs  # noqa: F401  (gzip/zlib, punycode, parse_xml, parse_user_agent)
        from . import datetime_fns as _dt  # noqa: F401
        from . import dynamic as _dy  # noqa: F401
        from . import encoding as _enc  # noqa: F401
        from . import extras as _extras  # noqa: F401
        from . import geo as _geo  # noqa: F401
        from . import geo_densify as _geo_densify  # noqa: F401
        from . import geo_measure as _geo_measure  # noqa: F401
        from . import geo_shapes as _geo_shapes  # noqa: F401
        from . import geo_simplify as _geo_simplify  # noqa: F401
        from . import graph_components as _graph  # noqa: F401  (graph-mark-components' Python function)
        from . import ip_ranges as _ipr  # noqa: F401  (ipv6_lookup's Python function)
        from . import kv_text as _kv  # noqa: F401  (parse-kv's Python function)
        from . import math_fns as _m  # noqa: F401
        from . import network as _net  # noqa: F401
        from . import reduce_patterns as _reduce  # noqa: F401  (the reduce operator's Python functions)
        from . import scalar as _s  # noqa: F401
        from . import series as _series  # noqa: F401
        from . import series_decompose as _series_decompose  # noqa: F401  (and series_periods)
        from . import series_fft as _series_fft  # noqa: F401
        from . import series_fit as _series_fit  # noqa: F401
        from . import stats as _stats  # noqa: F401
        from . import strings as _str  # noqa: F401
        from . import units as _units  # noqa: F401
        from . import window as _w  # noqa: F401


# ---------------------------------------------------------------- result rules


def same(i: int) -> Callable[[Sequence[str]], str]:
    return lambda types: types[i] if i < len(types) else "dynamic"


def numeric_result(types: Sequence[str]) -> str:
    order = ("int", "long", "decimal", "real")
    nums = [t for t in types if t in order]
    return max(nums, key=order.index) if nums else "real"
