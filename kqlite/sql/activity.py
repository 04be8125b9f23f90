"""The user-analytics plugins (semantic/plugins_activity.py) -> DuckDB SQL.

Every plugin starts from the same step, `__kq_src`: the input with the dimensions renamed
__kq_d0.., the id as __kq_id, the timeline's offset from Start as a number (__kq_dx: ticks for
datetime and timespan, the value itself for numbers), its bin index (__kq_k) and whether it lies
in [Start, End] (__kq_in). Bins are aligned to Start (Kusto's outputs start at Start, not at a
multiple of the step), or to the calendar for 'week' (Sunday), 'month' and 'year'. The metrics are
then a few GROUP BYs, window frames over bin indexes and unnest(range(...)) to spread a row over
the bins of a sliding window; only the output SELECT turns bin indexes back into timeline values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..semantic import plan as P
from ..types import SQL_TYPE
from .macros import EPOCH_OFFSET_US
from .quote import quote_ident

if TYPE_CHECKING:
    from .compiler import SqlCompiler

@dataclass(frozen=True)
class ActivitySpec:
    """What a plugin's SQL needs besides the input and the bound scalar arguments."""

    plugin: str
    id: str  # the id column
    time: str  # the timeline column
    time_type: str
    dims: tuple[str, ...]
    params: tuple[str, ...]  # the names of PluginCall.args, in order: start, end, step, lookback...
    calendar: str | None = None  # 'week' | 'month' | 'year' when the step is one of those words
    integral: bool = True  # every number of the timeline is an integer (ticks, int, long)
    windows: tuple[tuple[str, int], ...] = ()  # sizes counted in bins/periods, decided at bind time
    lookback_id: str | None = None  # new_activity_metrics: the id column of the Lookback table


def floor_div(a: str, b: str, integral: bool) -> str:
    """floor(a / b) as BIGINT; exact on BIGINT (DuckDB's fdiv goes through DOUBLE)."""
    if not integral:
        return f"CAST(floor(({a}) / ({b})) AS BIGINT)"
    return (f"(({a}) // ({b}) - CASE WHEN ({a}) % ({b}) <> 0 AND (({a}) < 0) <> (({b}) < 0) "
            f"THEN 1 ELSE 0 END)")


class Timeline:
    """The timeline's arithmetic: numbers for the timeline's values, bin indexes and back."""

    def __init__(self, spec: ActivitySpec, start: str | None, end: str | None, step: str):
        self.spec = spec
        self.start, self.end, self.step = start, end, step

    def number(self, sql: str) -> str:
        t = self.spec.time_type
        if t == "datetime":
            return f"((epoch_us({sql}) + {EPOCH_OFFSET_US}) * 10)"
        if self.spec.integral:
            return f"CAST({sql} AS BIGINT)"
        return f"CAST({sql} AS DOUBLE)"

    def origin(self) -> str:
        """The number bins count from: Start, or 0 (bin()'s origin) without one."""
        return self.number(self.start) if self.start is not None else "0"

    def offset(self, sql: str) -> str:
        return f"({self.number(sql)} - {self.origin()})"

    def index(self, sql: str) -> str:
        """The bin index of a timeline value."""
        cal = self.spec.calendar
        if cal == "week":
            return floor_div(f"(epoch_us({sql}) - epoch_us({self._week_start()})) // 86400000000", "7", True)
        if cal == "month":
            s = self.start or sql
            return f"((year({sql}) * 12 + month({sql})) - (year({s}) * 12 + month({s})))"
        if cal == "year":
            return f"(year({sql}) - year({self.start or sql}))"
        return floor_div(self.offset(sql), self.step, self.spec.integral)

    def _week_start(self) -> str:
        s = self.start
        # Kusto's startofweek: the Sunday on or before, at midnight (DuckDB's dayofweek: Sunday is 0)
        return f"(date_trunc('day', {s}) - to_days(CAST(dayofweek({s}) AS INTEGER)))"

    def value(self, k: str) -> str:
        """The timeline value where bin k starts, in the timeline's own type."""
        cal, t = self.spec.calendar, self.spec.time_type
        if cal == "week":
            return f"CAST({self._week_start()} + to_days(CAST(({k}) * 7 AS INTEGER)) AS TIMESTAMP)"
        if cal == "month":
            return f"CAST(date_trunc('month', {self.start}) + to_months(CAST({k} AS INTEGER)) AS TIMESTAMP)"
        if cal == "year":
            return f"CAST(date_trunc('year', {self.start}) + to_years(CAST({k} AS INTEGER)) AS TIMESTAMP)"
        number = f"({self.origin()} + ({k}) * ({self.step}))"
        if t == "datetime":
            return f"make_timestamp(CAST({number} // 10 AS BIGINT) - {EPOCH_OFFSET_US})"
        return f"CAST({number} AS {SQL_TYPE[t]})"

    def in_range(self, sql: str) -> str:
        parts = [f"{sql} IS NOT NULL"]
        if self.start is not None:
            parts.append(f"{sql} >= {self.start}")
        if self.end is not None:
            parts.append(f"{sql} <= {self.end}")
        return " AND ".join(parts)


@dataclass(frozen=True, eq=False)
class PluginCall:
    """A bound plugin call: the tables it reads (the input first), its scalar arguments (named by
    spec.params) and its spec. The plan holds it as a SqlRel whose build is partial(<plugin>_sql, call=...)."""

    inputs: tuple[P.Rel, ...]
    args: tuple[P.BExpr, ...]
    spec: Any


class Query:
    """The SQL of one plugin call: its CTEs and the names it reads."""

    def __init__(self, c: SqlCompiler, call: PluginCall):
        self.c, self.rel = c, call
        spec: ActivitySpec = call.spec
        self.spec = spec
        self.args = {name: c.expr(a) for name, a in zip(spec.params, call.args)}
        self.line = Timeline(spec, self.args.get("start"), self.args.get("end"), self.args.get("step", "1"))
        self.dims = [f"__kq_d{i}" for i in range(len(spec.dims))]
        self.ctes: list[str] = []
        self.windows = dict(spec.windows)

    def cte(self, name: str, sql: str) -> None:
        self.ctes.append(f"{name} AS ({sql})")

    def source(self, extra: tuple[str, ...] = ()) -> None:
        """__kq_src: the input's rows with a timeline value, numbered for the plugin (plus `extra` items)."""
        spec, line = self.spec, self.line
        t = quote_ident(spec.time)
        items = [f"{quote_ident(d)} AS {a}" for d, a in zip(spec.dims, self.dims)]
        items += [f"{quote_ident(spec.id)} AS __kq_id", f"{t} AS __kq_t", f"{line.index(t)} AS __kq_k",
                  f"({line.in_range(t)}) AS __kq_in", f"{line.offset(t)} AS __kq_dx", *extra]
        self.cte("__kq_src", f"SELECT {', '.join(items)} FROM {self.c.rel(self.rel.inputs[0])} WHERE {t} IS NOT NULL")

    # the first and last bin of the analysis: Start and End's bins, or the data's without them
    def lo(self) -> str:
        return "0" if self.line.start is not None else "(SELECT min(__kq_k) FROM __kq_src)"

    def hi(self) -> str:
        if self.line.end is not None:
            return self.line.index(self.line.end)
        return "(SELECT max(__kq_k) FROM __kq_src)"

    def d(self, alias: str = "") -> str:
        """The dimension columns, with a trailing comma when there are any."""
        return "".join(f"{alias}{d}, " for d in self.dims)

    def same_dims(self, a: str, b: str) -> str:
        return "".join(f" AND {a}.{d} IS NOT DISTINCT FROM {b}.{d}" for d in self.dims)

    def dim_outputs(self, alias: str) -> list[str]:
        return [f"{alias}.{d} AS {quote_ident(name)}" for d, name in zip(self.dims, self.spec.dims)]

    def finish(self, select: str) -> str:
        return "WITH " + ",\n  ".join(self.ctes) + "\n  " + select


def activity_sql(c: SqlCompiler, call: PluginCall) -> str:
    q = Query(c, call)
    return _BUILDERS[q.spec.plugin](q)


def _time_out(q: Query, k: str, name: str | None = None) -> str:
    return f"{q.line.value(k)} AS {quote_ident(name or q.spec.time)}"


def _ratio(a: str, b: str) -> str:
    # DuckDB's DOUBLE division gives NaN for 0/0, as Kusto's real division does
    return f"(CAST({a} AS DOUBLE) / CAST({b} AS DOUBLE))"


# ---------------------------------------------------------------- activity_counts_metrics


def _counts_metrics(q: Query) -> str:
    """count, dcount, new_dcount (ids not seen in any earlier window), aggregated_dcount (running total)."""
    q.source()
    d = q.d()
    q.cte("__kq_s", f"SELECT {d}__kq_id, __kq_k FROM __kq_src WHERE __kq_in")
    q.cte("__kq_w", f"SELECT {d}__kq_k, count(*) AS __kq_c, count(DISTINCT __kq_id) AS __kq_dc "
                    f"FROM __kq_s GROUP BY ALL")
    q.cte("__kq_first", f"SELECT {d}min(__kq_k) AS __kq_k FROM __kq_s WHERE __kq_id IS NOT NULL "
                        f"GROUP BY {d}__kq_id")
    q.cte("__kq_new", f"SELECT {d}__kq_k, count(*) AS __kq_n FROM __kq_first GROUP BY ALL")
    part = f"PARTITION BY {', '.join('w.' + x for x in q.dims)} " if q.dims else ""
    items = [_time_out(q, "w.__kq_k"), *q.dim_outputs("w"), 'w.__kq_c AS "count"', 'w.__kq_dc AS "dcount"',
             "COALESCE(n.__kq_n, 0) AS new_dcount",
             f"CAST(sum(COALESCE(n.__kq_n, 0)) OVER ({part}ORDER BY w.__kq_k) AS BIGINT) AS aggregated_dcount"]
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_w AS w LEFT JOIN __kq_new AS n "
                    f"ON n.__kq_k = w.__kq_k{q.same_dims('n', 'w')}")


# ---------------------------------------------------------------- activity_metrics


def _activity_metrics(q: Query) -> str:
    """Each window against the one before it: distinct ids, ids new since it, retention and churn."""
    q.source()
    d = q.d()
    q.cte("__kq_s", f"SELECT DISTINCT {d}__kq_id, __kq_k FROM __kq_src WHERE __kq_in AND __kq_id IS NOT NULL")
    q.cte("__kq_w", f"SELECT {d}__kq_k, count(*) AS __kq_n FROM __kq_s GROUP BY ALL")
    q.cte("__kq_kept", f"SELECT {q.d('a.')}a.__kq_k, count(*) AS __kq_n FROM __kq_s AS a JOIN __kq_s AS b "
                       f"ON b.__kq_id = a.__kq_id AND b.__kq_k = a.__kq_k - 1{q.same_dims('a', 'b')} GROUP BY ALL")
    kept, before = "COALESCE(r.__kq_n, 0)", "COALESCE(p.__kq_n, 0)"
    items = [_time_out(q, "w.__kq_k"), "w.__kq_n AS dcount_values", f"w.__kq_n - {kept} AS dcount_newvalues",
             f"{_ratio(kept, before)} AS retention_rate", f"{_ratio(f'{before} - {kept}', before)} AS churn_rate"]
    items += q.dim_outputs("w")
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_w AS w "
                    f"LEFT JOIN __kq_w AS p ON p.__kq_k = w.__kq_k - 1{q.same_dims('p', 'w')} "
                    f"LEFT JOIN __kq_kept AS r ON r.__kq_k = w.__kq_k{q.same_dims('r', 'w')}")


# ---------------------------------------------------------------- activity_engagement


def _engagement(q: Query) -> str:
    """Distinct ids in each inner window and in the outer window ending with it, and their ratio."""
    q.source()
    d, m = q.d(), q.windows["outer"]
    # rows before Start still count in the outer windows they reach into
    q.cte("__kq_s", f"SELECT DISTINCT {d}__kq_id, __kq_k, __kq_in FROM __kq_src WHERE __kq_id IS NOT NULL AND "
                    f"__kq_k BETWEEN {q.lo()} - {m} + 1 AND {q.hi()} AND __kq_t <= {q.line.end or '__kq_t'}")
    q.cte("__kq_inner", f"SELECT {d}__kq_k, count(DISTINCT __kq_id) AS __kq_n FROM __kq_s WHERE __kq_in "
                        f"GROUP BY ALL")
    spread = f"SELECT {d}__kq_id, unnest(range(__kq_k, __kq_k + {m})) AS __kq_k FROM __kq_s"
    q.cte("__kq_outer", f"SELECT {d}__kq_k, count(DISTINCT __kq_id) AS __kq_n FROM ({spread}) "
                        f"WHERE __kq_k BETWEEN {q.lo()} AND {q.hi()} GROUP BY ALL")
    inner = "COALESCE(i.__kq_n, 0)"
    items = [_time_out(q, "o.__kq_k"), f"{inner} AS dcount_activities_inner",
             "o.__kq_n AS dcount_activities_outer", f"{_ratio(inner, 'o.__kq_n')} AS activity_ratio"]
    items += q.dim_outputs("o")
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_outer AS o "
                    f"LEFT JOIN __kq_inner AS i ON i.__kq_k = o.__kq_k{q.same_dims('i', 'o')}")


# ---------------------------------------------------------------- sliding_window_counts


def _sliding_window_counts(q: Query) -> str:
    """Count and Dcount of the ids in the lookback window (the last `lookback` bins) ending at each bin."""
    q.source()
    d, m = q.d(), q.windows["lookback"]
    q.cte("__kq_g", f"SELECT {d}__kq_id, __kq_k, count(*) AS __kq_c FROM __kq_src "
                    f"WHERE __kq_k BETWEEN {q.lo()} - {m} + 1 AND {q.hi()} AND __kq_t <= {q.line.end or '__kq_t'} "
                    f"GROUP BY ALL")
    spread = f"SELECT {d}__kq_id, __kq_c, unnest(range(__kq_k, __kq_k + {m})) AS __kq_k FROM __kq_g"
    q.cte("__kq_w", f"SELECT {d}__kq_k, sum(__kq_c) AS __kq_c, count(DISTINCT __kq_id) AS __kq_dc FROM ({spread}) "
                    f"WHERE __kq_k BETWEEN {q.lo()} AND {q.hi()} GROUP BY ALL")
    items = [_time_out(q, "w.__kq_k"), *q.dim_outputs("w"), 'CAST(w.__kq_c AS BIGINT) AS "Count"',
             'w.__kq_dc AS "Dcount"']
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_w AS w")


# ---------------------------------------------------------------- active_users_count


def _active_users_count(q: Query) -> str:
    """Distinct ids per bin among the appearances that are `active`: the id was seen in at least
    ActivePeriodsCount distinct periods of the lookback window ending at that appearance."""
    q.source()
    d = q.d()
    period, lookback, active = q.args["period"], q.windows["lookback"], q.args["active"]
    q.cte("__kq_s", f"SELECT {d}__kq_id, __kq_k, __kq_in, {floor_div('__kq_dx', period, q.spec.integral)} AS __kq_p "
                    f"FROM __kq_src WHERE __kq_id IS NOT NULL AND __kq_t <= {q.line.end or '__kq_t'}")
    q.cte("__kq_periods", f"SELECT DISTINCT {d}__kq_id, __kq_p FROM __kq_s")
    part = ", ".join([*q.dims, "__kq_id"])
    q.cte("__kq_active", f"SELECT {d}__kq_id, __kq_p FROM (SELECT *, count(*) OVER (PARTITION BY {part} "
                         f"ORDER BY __kq_p RANGE BETWEEN {lookback - 1} PRECEDING AND CURRENT ROW) AS __kq_n "
                         f"FROM __kq_periods) WHERE __kq_n >= {active}")
    q.cte("__kq_hits", f"SELECT DISTINCT {q.d('s.')}s.__kq_id, s.__kq_k FROM __kq_s AS s JOIN __kq_active AS a "
                       f"ON a.__kq_id = s.__kq_id AND a.__kq_p = s.__kq_p{q.same_dims('a', 's')} WHERE s.__kq_in")
    items = [_time_out(q, "h.__kq_k"), *q.dim_outputs("h"), 'count(*) AS "dcount"']
    group = ", ".join(["h.__kq_k", *(f"h.{x}" for x in q.dims)])
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_hits AS h GROUP BY {group}")


# ---------------------------------------------------------------- session_count


def _session_count(q: Query) -> str:
    """Sessions per bin. An appearance within LookBackWindow of the id's previous one continues its
    session, a later one starts a new session; a session counts in every bin from its first
    appearance to its last."""
    q.source()
    d, gap = q.d(), q.args["lookback"]
    part = ", ".join([*q.dims, "__kq_id"])
    q.cte("__kq_s", f"SELECT {d}__kq_id, __kq_k, __kq_dx, CASE WHEN lag(__kq_dx) OVER w IS NULL "
                    f"OR __kq_dx - lag(__kq_dx) OVER w > {gap} THEN 1 ELSE 0 END AS __kq_new FROM __kq_src "
                    f"WHERE __kq_id IS NOT NULL AND __kq_t <= {q.line.end or '__kq_t'} "
                    f"WINDOW w AS (PARTITION BY {part} ORDER BY __kq_dx)")
    q.cte("__kq_sessions", f"SELECT {d}__kq_id, min(__kq_k) AS __kq_k0, max(__kq_k) AS __kq_k1 FROM "
                           f"(SELECT *, sum(__kq_new) OVER (PARTITION BY {part} ORDER BY __kq_dx ROWS UNBOUNDED "
                           f"PRECEDING) AS __kq_sid FROM __kq_s) GROUP BY {d}__kq_id, __kq_sid")
    spread = (f"SELECT {d}unnest(range(greatest(__kq_k0, {q.lo()}), least(__kq_k1, {q.hi()}) + 1)) AS __kq_k "
              f"FROM __kq_sessions")
    q.cte("__kq_w", f"SELECT {d}__kq_k, count(*) AS __kq_n FROM ({spread}) GROUP BY ALL")
    items = [_time_out(q, "w.__kq_k"), *q.dim_outputs("w"), "w.__kq_n AS count_sessions"]
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_w AS w")


# ---------------------------------------------------------------- new_activity_metrics


def _new_activity_metrics(q: Query) -> str:
    """For each cohort (the ids first seen in window `from`) and each later window `to`: ids of `to`
    never seen up to `from`, the cohort's ids seen again in `to` and those not, and their rates."""
    lookback = ""
    if q.spec.lookback_id is not None:
        table = q.c.rel(q.rel.inputs[1])
        col = quote_ident(q.spec.lookback_id)
        lookback = f" AND __kq_id NOT IN (SELECT {col} FROM {table} WHERE {col} IS NOT NULL)"
    q.source()
    d = q.d()
    q.cte("__kq_s", f"SELECT DISTINCT {d}__kq_id, __kq_k FROM __kq_src WHERE __kq_in AND __kq_id IS NOT NULL")
    q.cte("__kq_first", f"SELECT {d}__kq_id, min(__kq_k) AS __kq_f FROM __kq_s WHERE TRUE{lookback} GROUP BY ALL")
    # cnt(t, g): the ids seen in window t whose first window is g; every metric is a sum of these
    q.cte("__kq_cnt", f"SELECT {q.d('s.')}s.__kq_k AS __kq_t, f.__kq_f AS __kq_g, count(*) AS __kq_c "
                      f"FROM __kq_s AS s JOIN __kq_first AS f ON f.__kq_id = s.__kq_id{q.same_dims('f', 's')} "
                      f"GROUP BY ALL")
    keys = ", ".join(q.dims) if q.dims else "1 AS __kq_one"
    cohort = f" AND a.__kq_f = {q.line.index(q.args['cohort'])}" if "cohort" in q.args else ""
    windows = f"unnest(range({q.lo()}, {q.hi()} + 1))"
    q.cte("__kq_pairs", f"SELECT {q.d('k.')}a.__kq_f, b.__kq_t FROM (SELECT DISTINCT {keys} FROM __kq_s) AS k, "
                        f"(SELECT {windows} AS __kq_f) AS a, (SELECT {windows} AS __kq_t) AS b "
                        f"WHERE b.__kq_t >= a.__kq_f{cohort}")
    q.cte("__kq_m", f"SELECT {q.d('p.')}p.__kq_f, p.__kq_t, "
                    f"COALESCE(sum(CASE WHEN c.__kq_g > p.__kq_f OR (p.__kq_t = p.__kq_f AND c.__kq_g = p.__kq_f) "
                    f"THEN c.__kq_c END), 0) AS __kq_new, "
                    f"COALESCE(sum(CASE WHEN c.__kq_g = p.__kq_f THEN c.__kq_c END), 0) AS __kq_kept "
                    f"FROM __kq_pairs AS p LEFT JOIN __kq_cnt AS c ON c.__kq_t = p.__kq_t{q.same_dims('c', 'p')} "
                    f"GROUP BY ALL")
    size = "COALESCE(z.__kq_c, 0)"
    names = (f"from_{q.spec.time}", f"to_{q.spec.time}")
    items = [_time_out(q, "m.__kq_f", names[0]), _time_out(q, "m.__kq_t", names[1]),
             "CAST(m.__kq_new AS BIGINT) AS dcount_new_values", "CAST(m.__kq_kept AS BIGINT) AS dcount_retained_values",
             f"CAST({size} - m.__kq_kept AS DOUBLE) AS dcount_churn_values",
             f"{_ratio('m.__kq_kept', size)} AS retention_rate", f"{_ratio(f'{size} - m.__kq_kept', size)} AS churn_rate",
             *q.dim_outputs("m")]
    return q.finish(f"SELECT {', '.join(items)} FROM __kq_m AS m LEFT JOIN __kq_cnt AS z "
                    f"ON z.__kq_t = m.__kq_f AND z.__kq_g = m.__kq_f{q.same_dims('z', 'm')}")


_BUILDERS = {
    "activity_counts_metrics": _counts_metrics,
    "activity_metrics": _activity_metrics,
    "activity_engagement": _engagement,
    "sliding_window_counts": _sliding_window_counts,
    "active_users_count": _active_users_count,
    "session_count": _session_count,
    "new_activity_metrics": _new_activity_metrics,
}
