"""Kusto's names for result columns that the query did not name."""

from __future__ import annotations

from ..syntax import ast as A

# functions whose unnamed result takes the name of their first argument (`by bin(TimeGenerated, 1h)`);
# Kusto's own binder marks these so (conversions, bin, split); others such as tolower give Column1
NAME_PRESERVING = frozenset({
    "bin", "floor", "bin_at", "bin_auto", "tostring", "toint", "tolong", "todouble", "toreal", "todecimal", "tobool",
    "toboolean", "todatetime", "totimespan", "toguid", "todynamic", "parse_json", "split",
})


def derive(expr: A.Node, columns: set[str] | dict | None = None) -> str | None:
    """The name Kusto derives from an expression, or None (then Column1..., print_N...).

    Only column references give names: a let-bound value does not (`print x` where x is
    a let name is print_0), so pass the columns in scope when the input has any."""
    if isinstance(expr, A.Name):
        return expr.name if columns is None or expr.name in columns else None
    if isinstance(expr, A.Member):
        if isinstance(expr.target, A.Side):
            return expr.name
        base = derive(expr.target, columns)
        return f"{base}_{expr.name}" if base else None
    if isinstance(expr, A.Index) and isinstance(expr.index, A.Literal) and expr.index.type in ("string", "long"):
        base = derive(expr.target, columns)
        return f"{base}_{expr.index.value}" if base else None
    if isinstance(expr, A.Call) and expr.name in NAME_PRESERVING and expr.args:
        return derive(expr.args[0], columns)
    if isinstance(expr, A.Call) and expr.name in ("column_ifexists", "columnifexists") and len(expr.args) == 2:
        # the column it names when that exists, else the default's own name
        wanted = expr.args[0]
        if isinstance(wanted, A.Literal) and isinstance(wanted.value, str) and columns is not None \
                and wanted.value in columns:
            return wanted.value
        return derive(expr.args[1], columns)
    return None


def aggregate_name(prefix: str, call: A.Call) -> str:
    """count() -> count_, sum(x) -> sum_x, countif(x > 0) -> countif_, make_list(x) -> list_x."""
    arg = derive(call.args[0]) if call.args else None
    if not prefix:  # take_any(x) keeps the argument's name
        return arg or f"{call.name}_"
    return f"{prefix}_{arg or ''}"


def unique(name: str, used: set[str]) -> str:
    """Kusto appends 1, 2, ... to a name already taken."""
    if name not in used:
        return name
    i = 1
    while f"{name}{i}" in used:
        i += 1
    return f"{name}{i}"


def next_column(used: set[str], counter: list[int]) -> str:
    while True:
        counter[0] += 1
        name = f"Column{counter[0]}"
        if name not in used:
            return name
