"""The sequence plugins (semantic/plugins_sequence.py) -> DuckDB SQL.

- funnel_sequence: per id and analysis window, the events in time order with repeated states merged
  into runs (Tornado, Tornado -> one Tornado), the sequence matched on consecutive runs (each within
  MaxSequenceStepWindow of the previous), and the runs just before and after it as prev and next
  ('' when there is none within the window). lag/lead over the runs find them.
- funnel_sequence_completion: for each first-step event, the earliest event of each following step
  after the previous one (an ASOF join per step); an id completes step j within a period when some
  start reaches step j within that period.
- sequence_detect: every chain of rows, one per step, each after the previous within
  MaxSequenceStepWindow and all within MaxSequenceSpan of the first: range joins, one per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .activity import ActivitySpec, PluginCall, Query
from .quote import quote_ident, quote_literal, quote_string

if TYPE_CHECKING:
    from .compiler import SqlCompiler


@dataclass(frozen=True)
class SequenceSpec(ActivitySpec):
    state: str = ""  # the state column (funnel plugins)
    sequence: tuple[str, ...] = ()  # the states looked for, in order
    periods: tuple[Any, ...] = ()  # funnel_sequence_completion: the periods, in the timeline's numbers
    period_type: str = "timespan"
    table: int = 1  # funnel_sequence: which of its three results
    steps: tuple[str, ...] = ()  # sequence_detect: the step names


def sequence_sql(c: SqlCompiler, call: PluginCall) -> str:
    q = Query(c, call)
    return {"funnel_sequence": _funnel_sequence, "funnel_sequence_completion": _completion,
            "sequence_detect": _sequence_detect}[q.spec.plugin](q)


def _samples() -> str:
    # Kusto returns at most 128 sample ids per row
    return "CAST(to_json(list_sort(list_distinct(list(m.__kq_id)))[1:128]) AS JSON) AS samples"


def _funnel_sequence(q: Query) -> str:
    spec: SequenceSpec = q.spec  # type: ignore[assignment]
    q.source((f"{quote_ident(spec.state)} AS __kq_st",))
    gap, k = q.args["gap"], len(spec.sequence)
    w = "PARTITION BY __kq_id, __kq_k ORDER BY __kq_dx, __kq_st"
    q.cte("__kq_e", f"SELECT __kq_id, __kq_k, __kq_dx, __kq_st, CASE WHEN lag(__kq_st) OVER ({w}) = __kq_st "
                    f"THEN 0 ELSE 1 END AS __kq_new FROM __kq_src WHERE __kq_in AND __kq_id IS NOT NULL")
    q.cte("__kq_runs", f"SELECT __kq_id, __kq_k, __kq_run, __kq_st, min(__kq_dx) AS __kq_a, max(__kq_dx) AS __kq_b "
                       f"FROM (SELECT *, sum(__kq_new) OVER ({w} ROWS UNBOUNDED PRECEDING) AS __kq_run FROM __kq_e) "
                       f"GROUP BY ALL")
    leads = []
    for j in range(1, k + 1):
        leads += [f"lead(__kq_st, {j}) OVER w AS __kq_s{j}", f"lead(__kq_a, {j}) OVER w AS __kq_a{j}",
                  f"lead(__kq_b, {j}) OVER w AS __kq_b{j}"]
    q.cte("__kq_x", f"SELECT *, __kq_st AS __kq_s0, __kq_a AS __kq_a0, __kq_b AS __kq_b0, "
                    f"lag(__kq_st) OVER w AS __kq_ps, lag(__kq_b) OVER w AS __kq_pb, {', '.join(leads)} "
                    f"FROM __kq_runs WINDOW w AS (PARTITION BY __kq_id, __kq_k ORDER BY __kq_run)")
    match = [f"__kq_s0 = {quote_string(spec.sequence[0])}"]
    for j in range(1, k):
        match += [f"__kq_s{j} = {quote_string(spec.sequence[j])}", f"__kq_a{j} - __kq_b{j - 1} <= {gap}"]
    q.cte("__kq_m", f"SELECT __kq_id, __kq_k, "
                    f"CASE WHEN __kq_ps IS NOT NULL AND __kq_a0 - __kq_pb <= {gap} THEN __kq_ps ELSE '' END AS prev, "
                    f"CASE WHEN __kq_s{k} IS NOT NULL AND __kq_a{k} - __kq_b{k - 1} <= {gap} THEN __kq_s{k} "
                    f"ELSE '' END AS next FROM __kq_x WHERE {' AND '.join(match)}")
    keys = {1: ["prev", "next"], 2: ["prev"], 3: ["next"]}[spec.table]
    items = [f"{q.line.value('m.__kq_k')} AS {quote_ident(spec.time)}", *(f"m.{x} AS {x}" for x in keys),
             'count(DISTINCT m.__kq_id) AS "dcount"', _samples()]
    group = ", ".join(["m.__kq_k", *(f"m.{x}" for x in keys)])
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_m AS m GROUP BY {group}")


def _completion(q: Query) -> str:
    spec: SequenceSpec = q.spec  # type: ignore[assignment]
    q.source((f"{quote_ident(spec.state)} AS __kq_st",))
    states = ", ".join(quote_string(s) for s in spec.sequence)
    q.cte("__kq_e", f"SELECT __kq_id, __kq_k, __kq_dx, __kq_st FROM __kq_src "
                    f"WHERE __kq_in AND __kq_id IS NOT NULL AND __kq_st IN ({states})")
    first = quote_string(spec.sequence[0])
    q.cte("__kq_step1", f"SELECT __kq_id, __kq_k, __kq_dx AS __kq_t0, __kq_dx AS __kq_tj FROM __kq_e "
                        f"WHERE __kq_st = {first}")
    for j in range(2, len(spec.sequence) + 1):
        state = quote_string(spec.sequence[j - 1])
        # the earliest event of step j after the one reached for step j-1
        q.cte(f"__kq_step{j}", f"SELECT a.__kq_id, a.__kq_k, a.__kq_t0, b.__kq_dx AS __kq_tj FROM __kq_step{j - 1} AS a "
                               f"ASOF JOIN (SELECT * FROM __kq_e WHERE __kq_st = {state}) AS b "
                               f"ON b.__kq_id = a.__kq_id AND b.__kq_k = a.__kq_k AND b.__kq_dx > a.__kq_tj")
    best = "\n    UNION ALL ".join(
        f"SELECT {j} AS __kq_j, __kq_id, __kq_k, min(__kq_tj - __kq_t0) AS __kq_span FROM __kq_step{j} GROUP BY ALL"
        for j in range(1, len(spec.sequence) + 1))
    q.cte("__kq_best", best)
    period_sql = "timespan" if spec.period_type == "timespan" else spec.period_type
    steps = ", ".join(f"({j}, {quote_string(s)})" for j, s in enumerate(spec.sequence, start=1))
    periods = ", ".join(f"({i}, {quote_literal(p, period_sql)})" for i, p in enumerate(spec.periods))
    q.cte("__kq_grid", f"SELECT w.__kq_k, s.__kq_j, s.__kq_state, p.__kq_i, p.__kq_period "
                       f"FROM (SELECT DISTINCT __kq_k FROM __kq_step1) AS w, (VALUES {steps}) AS s(__kq_j, __kq_state), "
                       f"(VALUES {periods}) AS p(__kq_i, __kq_period)")
    items = [f"{q.line.value('g.__kq_k')} AS {quote_ident(spec.time)}", f"g.__kq_state AS {quote_ident(spec.state)}",
             "g.__kq_period AS \"Period\"", 'count(DISTINCT b.__kq_id) AS "dcount"']
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_grid AS g LEFT JOIN __kq_best AS b "
                    f"ON b.__kq_k = g.__kq_k AND b.__kq_j = g.__kq_j AND b.__kq_span <= g.__kq_period "
                    f"GROUP BY g.__kq_k, g.__kq_j, g.__kq_state, g.__kq_i, g.__kq_period")


def _sequence_detect(q: Query) -> str:
    spec: SequenceSpec = q.spec  # type: ignore[assignment]
    t = quote_ident(spec.time)
    preds = [q.args[f"step{i}"] for i in range(len(spec.steps))]
    items = [f"{quote_ident(d)} AS {a}" for d, a in zip(spec.dims, q.dims)]
    items += [f"{t} AS __kq_t", f"{q.line.number(t)} AS __kq_x"]
    items += [f"COALESCE({p}, FALSE) AS __kq_p{i}" for i, p in enumerate(preds)]
    q.cte("__kq_src", f"SELECT {', '.join(items)} FROM {q.c.rel(q.rel.inputs[0])} WHERE {t} IS NOT NULL")
    gap, span = q.args["gap"], q.args["span"]
    joins = ["__kq_src AS e0"]
    where = ["e0.__kq_p0"]
    for i in range(1, len(preds)):
        joins.append(f"JOIN __kq_src AS e{i} ON e{i}.__kq_p{i} AND e{i}.__kq_x > e{i - 1}.__kq_x "
                     f"AND e{i}.__kq_x <= e{i - 1}.__kq_x + {gap} AND e{i}.__kq_x <= e0.__kq_x + {span}"
                     f"{q.same_dims(f'e{i}', 'e0')}")
    last = len(preds) - 1
    duration = f"e{last}.__kq_x - e0.__kq_x"
    duration_type = "BIGINT" if spec.time_type in ("datetime", "timespan") else \
        {"int": "INTEGER", "long": "BIGINT", "real": "DOUBLE"}[spec.time_type]
    out = [*q.dim_outputs("e0"),
           *(f"e{i}.__kq_t AS {quote_ident(f'{name}_{spec.time}')}" for i, name in enumerate(spec.steps)),
           f"CAST({duration} AS {duration_type}) AS \"Duration\""]
    return q.finish(f"SELECT {', '.join(out)} FROM {' '.join(joins)} WHERE {' AND '.join(where)}")
