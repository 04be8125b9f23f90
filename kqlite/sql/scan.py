"""scan -> a recursive CTE that walks the serialized input one record at a time.

The scan state (Kusto's "table with a row for each step") is carried as columns of the
recursive CTE: for step k, whether it has an active sequence (__kq_a{k}), the sequence's match
id (__kq_m{k}) and, for each step j <= k, the values of every column (__kq_s{k}_{j}_{i}).
Each iteration joins the next record and applies the steps from the last to the first, one
nested SELECT per stage, exactly as the docs' matching logic (Check 1, then Check 2):
https://learn.microsoft.com/kusto/query/scan-operator#scan-logic
Each iteration records what each step output for the record (__kq_o{k}, the extended values
__kq_x{k}_{i}, the match id __kq_om{k}); the outputs are then read back per step, ordered by
record and by the order the steps were evaluated in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..semantic import plan as P
from ..types import SQL_TYPE
from .quote import quote_ident as q

if TYPE_CHECKING:
    from .compiler import SqlCompiler


def scan_sql(c: SqlCompiler, rel: P.ScanRel) -> str:
    src = c.rel(rel.input)
    inputs = list(rel.input.columns)
    declared = [col for col, _ in rel.declared]
    cols = inputs + declared
    first_declared = len(inputs)
    n = len(rel.steps)

    def typed_null(t: str) -> str:
        return f"CAST(NULL AS {SQL_TYPE[t]})"

    defaults = [typed_null(col.type) for col in inputs] + [
        f"CAST({c.expr(d)} AS {SQL_TYPE[col.type]})" for col, d in rel.declared]
    order = f"ORDER BY {c.order_by(rel.input.order)}" if rel.input.order else ""
    numbered = ("SELECT *, " + "".join(f"{defaults[first_declared + i]} AS {q(col.name)}, "
                                       for i, col in enumerate(declared))
                + f"row_number() OVER ({order}) AS __kq_rn FROM {src}")

    def s(k: int, j: int, i: int) -> str:
        return f"__kq_s{k}_{j}_{i}"

    state = []  # (name, initial value)
    for k in range(1, n + 1):
        state.append((f"__kq_a{k}", "FALSE"))
        state.append((f"__kq_m{k}", "CAST(NULL AS BIGINT)"))
        for j in range(1, k + 1):
            state.extend((s(k, j, i), typed_null(col.type)) for i, col in enumerate(cols))
    outputs = []
    for k in range(1, n + 1):
        outputs.append((f"__kq_o{k}", "FALSE"))
        outputs.append((f"__kq_om{k}", "CAST(NULL AS BIGINT)"))
        outputs.extend((f"__kq_x{k}_{i}", typed_null(cols[i].type)) for i in range(first_declared, len(cols)))
    state_names = [name for name, _ in state]
    base = ("SELECT CAST(0 AS BIGINT) AS __kq_rn, " + ", ".join(f"{v} AS {name}" for name, v in state)
            + ", CAST(0 AS BIGINT) AS __kq_next, " + ", ".join(f"{v} AS {name}" for name, v in outputs))

    layer = (f"SELECT n.*, {', '.join('s.' + name for name in state_names)}, s.__kq_next "
             f"FROM __kq_scan AS s JOIN __kq_numbered AS n ON n.__kq_rn = s.__kq_rn + 1")
    for k in range(n, 0, -1):
        step = rel.steps[k - 1]
        # what `stepname.column` reads in each check: the previous step's state (Check 1) or
        # this step's own (Check 2); an empty state reads the declared defaults (nulls otherwise)
        context = []
        for j in range(1, n + 1):
            for i in range(len(cols)):
                one = (f"CASE WHEN __kq_a{k - 1} THEN {s(k - 1, j, i)} ELSE {defaults[i]} END"
                       if k > 1 and j < k else defaults[i])
                two = f"CASE WHEN __kq_a{k} THEN {s(k, j, i)} ELSE {defaults[i]} END" if j <= k else defaults[i]
                context.append((f"__kq_c1_{j}_{i}", one))
                context.append((f"__kq_c2_{j}_{i}", two))
        layer = f"SELECT *, {', '.join(f'{v} AS {name}' for name, v in context)} FROM ({layer})"
        check1 = f"(__kq_a{k - 1} AND COALESCE({c.expr(step.check1)}, FALSE))" if step.check1 is not None else "FALSE"
        active = "TRUE" if k == 1 else f"__kq_a{k}"
        check2 = f"(NOT {check1} AND {active} AND COALESCE({c.expr(step.check2)}, FALSE))"
        ext1, ext2 = dict(step.assigns1), dict(step.assigns2)
        extended = []
        for i in range(len(cols)):
            record = q(cols[i].name)
            extended.append((f"__kq_e1_{i}", c.expr(ext1[i]) if i in ext1 else record))
            extended.append((f"__kq_e2_{i}", c.expr(ext2[i]) if i in ext2 else record))
        layer = (f"SELECT *, {check1} AS __kq_h1, {check2} AS __kq_h2, "
                 f"{', '.join(f'{v} AS {name}' for name, v in extended)} FROM ({layer})")
        # the new state and this step's output
        new: list[tuple[str, str]] = [(f"__kq_a{k}", f"(__kq_a{k} OR __kq_h1 OR __kq_h2)")]
        starts = "__kq_h2 AND NOT __kq_a1" if k == 1 else "FALSE"  # a new sequence begins at the first step
        prev_id = f"WHEN __kq_h1 THEN __kq_m{k - 1} " if k > 1 else ""
        new.append((f"__kq_m{k}", f"CASE {prev_id}WHEN {starts} THEN __kq_next ELSE __kq_m{k} END"))
        for j in range(1, k + 1):
            for i in range(len(cols)):
                if j < k:
                    value = f"CASE WHEN __kq_h1 THEN {s(k - 1, j, i)} ELSE {s(k, j, i)} END"
                else:
                    value = f"CASE WHEN __kq_h1 THEN __kq_e1_{i} WHEN __kq_h2 THEN __kq_e2_{i} ELSE {s(k, k, i)} END"
                new.append((s(k, j, i), value))
        if k > 1:  # Check 1 moves the previous step's sequence here
            new.append((f"__kq_a{k - 1}", f"(__kq_a{k - 1} AND NOT __kq_h1)"))
        new.append(("__kq_next", f"CASE WHEN {starts} THEN __kq_next + 1 ELSE __kq_next END"))
        emits = "(__kq_h1 OR __kq_h2)" if step.output in ("all", "last") else "FALSE"
        made = [(f"__kq_o{k}", emits), (f"__kq_om{k}", new[1][1])]
        made += [(f"__kq_x{k}_{i}", f"CASE WHEN __kq_h1 THEN __kq_e1_{i} ELSE __kq_e2_{i} END")
                 for i in range(first_declared, len(cols))]
        drop = ([name for name, _ in context] + ["__kq_h1", "__kq_h2"] + [name for name, _ in extended]
                + [name for name, _ in new])
        layer = (f"SELECT * EXCLUDE ({', '.join(drop)}), "
                 f"{', '.join(f'{v} AS {name}' for name, v in new + made)} FROM ({layer})")
    recursive = (f"SELECT __kq_rn, {', '.join(state_names)}, __kq_next, "
                 f"{', '.join(name for name, _ in outputs)} FROM ({layer})")

    parts = []
    for k in range(1, n + 1):
        items = [f"n.{q(col.name)}" for col in inputs]
        items += [f"s.__kq_x{k}_{i} AS {q(cols[i].name)}" for i in range(first_declared, len(cols))]
        if rel.match_id:
            items.append(f"s.__kq_om{k} AS {q(rel.match_id)}")
        items += ["s.__kq_rn AS __kq_rn", f"{n - k} AS __kq_step"]
        # output=last: of a step's run of matches within one sequence, only the last record
        last = (f" QUALIFY s.__kq_rn = max(s.__kq_rn) OVER (PARTITION BY s.__kq_om{k})"
                if rel.steps[k - 1].output == "last" else "")
        parts.append(f"SELECT {', '.join(items)} FROM __kq_scan AS s JOIN __kq_numbered AS n "
                     f"ON n.__kq_rn = s.__kq_rn WHERE s.__kq_o{k}{last}")
    return (f"WITH RECURSIVE __kq_numbered AS ({numbered}), __kq_scan AS ({base} UNION ALL {recursive}) "
            + "\nUNION ALL\n".join(parts))
