"""The KQL abstract syntax tree: what the user wrote, with a span on every node.

Nodes are named after KQL concepts; nothing here knows about tables, types or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Span

# ---------------------------------------------------------------- scalar expressions


@dataclass(frozen=True, eq=False)
class Node:
    span: Span = field(repr=False)


@dataclass(frozen=True, eq=False)
class Literal(Node):
    """1, 'text', 1d, datetime(...), dynamic([...]), long(null) ..."""

    value: Any
    type: str  # a KQL type name


@dataclass(frozen=True, eq=False)
class Name(Node):
    """A column, a let-bound name or a table: `Computer`, `['my col']`."""

    name: str


@dataclass(frozen=True, eq=False)
class Side(Node):
    """`$left` / `$right` inside a join condition."""

    side: str


@dataclass(frozen=True, eq=False)
class Member(Node):
    """a.b"""

    target: Expr
    name: str


@dataclass(frozen=True, eq=False)
class Index(Node):
    """a[0], a['b']"""

    target: Expr
    index: Expr


@dataclass(frozen=True, eq=False)
class Star(Node):
    """`*` as a function argument: arg_max(x, *)."""


@dataclass(frozen=True, eq=False)
class Call(Node):
    """f(a, b)"""

    name: str
    args: tuple[Expr, ...]
    name_span: Span = field(repr=False)


@dataclass(frozen=True, eq=False)
class BinaryOp(Node):
    """a + b, a == b, a has b, a and b ..."""

    op: str
    left: Expr
    right: Expr
    op_span: Span = field(repr=False)


@dataclass(frozen=True, eq=False)
class UnaryOp(Node):
    """-a"""

    op: str
    operand: Expr


@dataclass(frozen=True, eq=False)
class InList(Node):
    """a in (1, 2), a !in~ (T | project x), a has_any ('x', 'y')"""

    op: str
    left: Expr
    items: tuple[Expr, ...]
    op_span: Span = field(repr=False)


@dataclass(frozen=True, eq=False)
class Between(Node):
    """a between (lo .. hi)"""

    negated: bool
    left: Expr
    low: Expr
    high: Expr


# ---------------------------------------------------------------- tabular expressions


@dataclass(frozen=True, eq=False)
class Pipe(Node):
    """source | op | op ... ; source is None for a headless pipeline (`where x` alone)."""

    source: Expr | None
    ops: tuple[Operator, ...]


@dataclass(frozen=True, eq=False)
class ColumnDecl(Node):
    """name:type"""

    name: str
    type: str


@dataclass(frozen=True, eq=False)
class Datatable(Node):
    """datatable(a:long, b:string) [1, 'x', ...]"""

    columns: tuple[ColumnDecl, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Print(Node):
    """print x = 1, 2"""

    items: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class Range(Node):
    """range x from a to b step c"""

    column: str
    start: Expr
    stop: Expr
    step: Expr


@dataclass(frozen=True, eq=False)
class Assign(Node):
    """`expr`, `name = expr` or `(a, b) = expr` in project/extend/summarize/print."""

    names: tuple[str, ...]  # empty when unnamed
    expr: Expr


@dataclass(frozen=True, eq=False)
class OpParam(Node):
    """kind=inner, withsource=T, hint.strategy=shuffle ..."""

    name: str
    value: Any


@dataclass(frozen=True, eq=False)
class SortKey(Node):
    expr: Expr
    direction: str | None  # 'asc' | 'desc' | None
    nulls: str | None  # 'first' | 'last' | None


@dataclass(frozen=True, eq=False)
class Operator(Node):
    params: tuple[OpParam, ...] = field(default=(), kw_only=True)

    def param(self, name: str, default: Any = None) -> Any:
        for p in self.params:
            if p.name == name:
                return p.value
        return default

    def param_span(self, name: str) -> Span:
        for p in self.params:
            if p.name == name:
                return p.span
        return self.span


@dataclass(frozen=True, eq=False)
class Where(Operator):
    """T | where predicate"""

    predicate: Expr


@dataclass(frozen=True, eq=False)
class Project(Operator):
    """T | project a, b = expr"""

    items: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class Extend(Operator):
    """T | extend a = expr"""

    items: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class ProjectAway(Operator):
    """T | project-away a, b*"""

    patterns: tuple[Name, ...]


@dataclass(frozen=True, eq=False)
class ProjectKeep(Operator):
    """T | project-keep a, b*"""

    patterns: tuple[Name, ...]


@dataclass(frozen=True, eq=False)
class ProjectRename(Operator):
    """T | project-rename new = old"""

    pairs: tuple[tuple[Name, Name], ...]


@dataclass(frozen=True, eq=False)
class ProjectReorder(Operator):
    """T | project-reorder a, b* asc"""

    items: tuple[tuple[Name, str | None], ...]


@dataclass(frozen=True, eq=False)
class Summarize(Operator):
    """T | summarize aggs by keys"""

    aggregates: tuple[Assign, ...]
    by: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class Count(Operator):
    """T | count"""


@dataclass(frozen=True, eq=False)
class Distinct(Operator):
    """T | distinct a, b  /  T | distinct *"""

    items: tuple[Assign, ...] | None  # None means *


@dataclass(frozen=True, eq=False)
class Take(Operator):
    """T | take n"""

    count: Expr


@dataclass(frozen=True, eq=False)
class Top(Operator):
    """T | top n by expr [asc|desc] [nulls first|last]"""

    count: Expr
    keys: tuple[SortKey, ...]


@dataclass(frozen=True, eq=False)
class Sort(Operator):
    """T | sort by expr [asc|desc] [nulls first|last], ..."""

    keys: tuple[SortKey, ...]


@dataclass(frozen=True, eq=False)
class Join(Operator):
    """T | join kind=K (U) on a, $left.b == $right.c"""

    right: Expr
    on: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Lookup(Operator):
    """T | lookup kind=K (U) on a"""

    right: Expr
    on: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Union(Operator):
    """T | union kind=outer withsource=S U, V"""

    tables: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class MvExpandItem(Node):
    name: str | None
    expr: Expr
    to_type: str | None


@dataclass(frozen=True, eq=False)
class MvExpand(Operator):
    """T | mv-expand a, b to typeof(long) limit n"""

    items: tuple[MvExpandItem, ...]
    limit: Expr | None


@dataclass(frozen=True, eq=False)
class ParsePart(Node):
    kind: str  # 'literal' | 'star' | 'column'
    text: str = ""
    type: str | None = None


@dataclass(frozen=True, eq=False)
class Parse(Operator):
    """T | parse [kind=regex] expr with "lit" col:type * ..."""

    expr: Expr
    pattern: tuple[ParsePart, ...]
    drop_unmatched: bool  # parse-where


@dataclass(frozen=True, eq=False)
class As(Operator):
    """T | as name"""

    name: str


@dataclass(frozen=True, eq=False)
class Serialize(Operator):
    """T | serialize [a = expr]"""

    items: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class Sample(Operator):
    """T | sample n"""

    count: Expr


@dataclass(frozen=True, eq=False)
class SampleDistinct(Operator):
    """T | sample-distinct n of Column"""

    count: Expr
    column: Name


@dataclass(frozen=True, eq=False)
class Consume(Operator):
    """T | consume [decodeblocks=true]"""


@dataclass(frozen=True, eq=False)
class ParseKv(Operator):
    """T | parse-kv expr as (key:type, ...) [with (pair_delimiter=',', kv_delimiter=':', quote='"', ...)]"""

    expr: Expr
    keys: tuple[ColumnDecl, ...]
    options: tuple[OpParam, ...]  # in the order written; values are expressions (quote and escape may repeat)


@dataclass(frozen=True, eq=False)
class Reduce(Operator):
    """T | reduce [kind=source] by Expr [with threshold=0.1, characters=" "]"""

    expr: Expr
    options: tuple[OpParam, ...]  # in the order written; values are expressions


@dataclass(frozen=True, eq=False)
class GetSchema(Operator):
    """T | getschema"""


@dataclass(frozen=True, eq=False)
class Invoke(Operator):
    """T | invoke f(args)"""

    call: Call


@dataclass(frozen=True, eq=False)
class Render(Operator):
    """T | render chart with (prop = value, ...)"""

    chart: str
    properties: tuple[tuple[str, Any], ...]


# ---------------------------------------------------------------- subqueries, several results, plugins
# A subquery without a source (`mv-apply ... on (take 1)`) is a Pipe whose source is None.


@dataclass(frozen=True, eq=False)
class MvApply(Operator):
    """T | mv-apply with_itemindex=i x = arr to typeof(long) limit n on (subquery)"""

    items: tuple[MvExpandItem, ...]
    limit: Expr | None
    body: Pipe


@dataclass(frozen=True, eq=False)
class NestedLevel(Node):
    """[N] of [Name =] Expr [with others = Const] by [Name =] Aggregation [asc|desc]"""

    count: Expr | None
    of: Assign
    others: Expr | None
    by: Assign
    direction: str | None


@dataclass(frozen=True, eq=False)
class TopNested(Operator):
    """T | top-nested 2 of a by sum(x), top-nested of b by max(y)"""

    levels: tuple[NestedLevel, ...]


@dataclass(frozen=True, eq=False)
class TopHitters(Operator):
    """T | top-hitters N of expr [by summing expr]"""

    count: Expr
    of: Expr
    by: Expr | None


@dataclass(frozen=True, eq=False)
class Facet(Operator):
    """T | facet by a, b [with (subquery)]"""

    columns: tuple[Name, ...]
    body: Pipe | None


@dataclass(frozen=True, eq=False)
class ForkLeg(Node):
    name: str | None
    body: Pipe


@dataclass(frozen=True, eq=False)
class Fork(Operator):
    """T | fork [name =] (subquery) ..."""

    legs: tuple[ForkLeg, ...]


@dataclass(frozen=True, eq=False)
class Partition(Operator):
    """T | partition [hint.strategy=S] by Column (subquery)   or   by Column { query with its own source }"""

    column: Name
    body: Expr
    with_source: bool


@dataclass(frozen=True, eq=False)
class Evaluate(Operator):
    """T | evaluate plugin(args) [: (OutputSchema)]; schema items are ColumnDecl or Star."""

    call: Call
    schema: tuple[Node, ...] | None


@dataclass(frozen=True, eq=False)
class Search(Operator):
    """[T |] search [kind=case_sensitive] [in (T1, A*, (U | ...))] predicate

    In the predicate a bare string is a term looked up in every column, `Column:"term"` in one
    column (BinaryOp ':'), and Star is `search *`."""

    tables: tuple[Expr, ...] | None
    predicate: Expr


@dataclass(frozen=True, eq=False)
class Find(Operator):
    """find [withsource=S] [in (T1, A*)] where predicate [project a, b:type, pack_all() | project-smart]

    project is None for project-smart; a ColumnDecl's type is '' when the column has none."""

    tables: tuple[Expr, ...] | None
    predicate: Expr
    project: tuple[ColumnDecl, ...] | None
    pack_all: bool = False


@dataclass(frozen=True, eq=False)
class ScanStep(Node):
    """step name [output = all|last|none]: condition [=> column = expr, ...]"""

    name: str
    output: str | None
    condition: Expr
    assigns: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class Scan(Operator):
    """T | scan [with_match_id = id] [declare (c:type [= default], ...)] with (step ...; step ...;)"""

    declares: tuple[Param, ...]
    steps: tuple[ScanStep, ...]


@dataclass(frozen=True, eq=False)
class ExternalData(Node):
    """externaldata (a:long, ...) ["path", ...] [with (format = "csv", ...)]"""

    columns: tuple[ColumnDecl, ...]
    uris: tuple[str, ...]
    properties: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class MakeSeriesAgg(Node):
    """[Column =] Aggregation [default = DefaultValue]"""

    item: Assign
    default: Expr | None


@dataclass(frozen=True, eq=False)
class MakeSeries(Operator):
    """T | make-series aggs on axis [from a] [to b] step s [by keys]; or `on axis in range(a, b, s)`"""

    aggregates: tuple[MakeSeriesAgg, ...]
    axis: Expr
    start: Expr | None
    end: Expr | None
    step: Expr
    by: tuple[Assign, ...]
    in_range: bool = False  # the `in range(start, stop, step)` form: stop inclusive, bins aligned by bin()


# ---------------------------------------------------------------- graph operators (semantic/graph.py)


@dataclass(frozen=True, eq=False)
class GraphNodes(Node):
    """`Nodes on NodeId` in make-graph's with clause."""

    table: Expr
    key: str


@dataclass(frozen=True, eq=False)
class MakeGraph(Operator):
    """Edges | make-graph Source --> Target [with Nodes1 on Id1, ...] [with_node_id=Name]"""

    source: str
    target: str
    nodes: tuple[GraphNodes, ...]


@dataclass(frozen=True, eq=False)
class GraphTable(Operator):
    """`nodes [as N] [with_node_id=C]` or `edges [as E] [with_source_id=S] [with_target_id=T]`."""

    kind: str  # 'nodes' | 'edges'
    name: str | None


@dataclass(frozen=True, eq=False)
class GraphToTable(Operator):
    """G | graph-to-table nodes ..., edges ..."""

    tables: tuple[GraphTable, ...]


@dataclass(frozen=True, eq=False)
class GraphPatternNode(Node):
    """(n) or ()"""

    name: str | None


@dataclass(frozen=True, eq=False)
class GraphPatternEdge(Node):
    """-[e]->, <-[e]-, -[e]-, -->, <--, --; a variable length edge -[e*1..3]-> has hops."""

    name: str | None
    direction: str  # 'right' | 'left' | 'any'
    hops: tuple[int, int] | None = None


@dataclass(frozen=True, eq=False)
class GraphPath(Node):
    """node (edge node)*: elements alternate, starting and ending with a node."""

    elements: tuple[GraphPatternNode | GraphPatternEdge, ...]


@dataclass(frozen=True, eq=False)
class GraphMatch(Operator):
    """G | graph-match [cycles=...] pattern, ... [where predicate] project items"""

    paths: tuple[GraphPath, ...]
    where: Expr | None
    items: tuple[Assign, ...]


@dataclass(frozen=True, eq=False)
class GraphShortestPaths(GraphMatch):
    """G | graph-shortest-paths [output=any|all] pattern [where predicate] project items"""


@dataclass(frozen=True, eq=False)
class GraphMerge(Operator):
    """G | graph-merge G2 [on Column, $left.a == $right.b, ...]"""

    right: Expr
    on: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class GraphMarkComponents(Operator):
    """G | graph-mark-components [kind=weak|strong] [with_component_id=C]"""


# ---------------------------------------------------------------- statements


@dataclass(frozen=True, eq=False)
class Param(Node):
    """name:type [= default]; type may be a tabular schema."""

    name: str
    type: str  # a KQL scalar type name, or 'table'
    default: Expr | None
    columns: tuple[ColumnDecl, ...] | None = None  # for table params with a schema


@dataclass(frozen=True, eq=False)
class FunctionDef(Node):
    """(params) { let ...; body }"""

    params: tuple[Param, ...]
    lets: tuple[Let, ...]
    body: Expr


@dataclass(frozen=True, eq=False)
class Let(Node):
    """let name = value"""

    name: str
    value: Expr | FunctionDef
    name_span: Span = field(repr=False)


@dataclass(frozen=True, eq=False)
class DeclareParams(Node):
    """declare query_parameters(name:type = default, ...)"""

    params: tuple[Param, ...]


@dataclass(frozen=True, eq=False)
class SetOption(Node):
    """set name [= value]  (kqlite.limits reads the truncation options; others are accepted and ignored)"""

    name: str
    value: Node | None = None


@dataclass(frozen=True, eq=False)
class QueryStatement(Node):
    body: Expr


@dataclass(frozen=True, eq=False)
class FunctionFile(Node):
    """A stored function: `.create-or-alter function with (docstring = "...") Name(params) { body }`."""

    name: str
    definition: FunctionDef
    properties: dict[str, Any]


@dataclass(frozen=True, eq=False)
class Script(Node):
    """A whole query text: `;`-separated statements."""

    statements: tuple[Node, ...]


Expr = Node  # any scalar or tabular expression node


_SPAN_FIELDS = frozenset({"span", "name_span", "op_span"})


def dump(node: Any) -> Any:
    """A span-free, comparable form of a tree (for round-trip tests and debugging)."""
    import dataclasses

    if isinstance(node, Node):
        out = {"node": type(node).__name__}
        for f in dataclasses.fields(node):
            if f.name not in _SPAN_FIELDS:
                out[f.name] = dump(getattr(node, f.name))
        return out
    if isinstance(node, (list, tuple)):
        return [dump(x) for x in node]
    if isinstance(node, float) and node != node:
        return "nan"
    return node
