"""DuckDB macros for Kusto behaviours that SQL has no single function for.

They are created as TEMP macros on every connection before its configuration is
locked. KQL text cannot name them: unknown function names never reach SQL.
"""

from __future__ import annotations

TICKS_PER_DAY = 864_000_000_000
# microseconds between 0001-01-01 (Kusto's tick epoch and bin origin) and 1970-01-01
EPOCH_OFFSET_US = 62_135_596_800_000_000

_UNIT_TICKS_SQL = """CASE u
    WHEN 'd' THEN 864000000000 WHEN 'day' THEN 864000000000 WHEN 'days' THEN 864000000000
    WHEN 'h' THEN 36000000000 WHEN 'hr' THEN 36000000000 WHEN 'hrs' THEN 36000000000
    WHEN 'hour' THEN 36000000000 WHEN 'hours' THEN 36000000000
    WHEN 'm' THEN 600000000 WHEN 'min' THEN 600000000 WHEN 'minute' THEN 600000000 WHEN 'minutes' THEN 600000000
    WHEN 's' THEN 10000000 WHEN 'sec' THEN 10000000 WHEN 'second' THEN 10000000 WHEN 'seconds' THEN 10000000
    WHEN 'ms' THEN 10000 WHEN 'millisecond' THEN 10000 WHEN 'milliseconds' THEN 10000
    WHEN 'microsecond' THEN 10 WHEN 'microseconds' THEN 10 WHEN 'tick' THEN 1 WHEN 'ticks' THEN 1
    END"""

MACROS: tuple[str, ...] = (
    # ---- text forms
    """kq_real_str(x) AS CASE WHEN x IS NULL THEN NULL WHEN isnan(x) THEN 'NaN'
        WHEN isinf(x) THEN CASE WHEN x > 0 THEN 'Infinity' ELSE '-Infinity' END
        WHEN x = trunc(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR)
        ELSE CAST(x AS VARCHAR) END""",
    """kq_datetime_str(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S')
        || '.' || lpad(CAST(microsecond(ts) % 1000000 AS VARCHAR), 6, '0') || '0' || 'Z'""",
    """kq_timespan_str(t) AS CASE WHEN t IS NULL THEN NULL ELSE
        (CASE WHEN t < 0 THEN '-' ELSE '' END)
        || (CASE WHEN abs(t) >= 864000000000 THEN CAST(abs(t) // 864000000000 AS VARCHAR) || '.' ELSE '' END)
        || lpad(CAST((abs(t) // 36000000000) % 24 AS VARCHAR), 2, '0') || ':'
        || lpad(CAST((abs(t) // 600000000) % 60 AS VARCHAR), 2, '0') || ':'
        || lpad(CAST((abs(t) // 10000000) % 60 AS VARCHAR), 2, '0')
        || (CASE WHEN abs(t) % 10000000 <> 0 THEN '.' || lpad(CAST(abs(t) % 10000000 AS VARCHAR), 7, '0')
                 ELSE '' END)
        END""",
    # ---- parsing text
    # RFC 822 / RFC 850 forms come with or without weekday, seconds and GMT; %y is tried before %Y,
    # which would read '14' as the year 14
    """kq_to_datetime(s) AS CASE WHEN s IS NULL OR trim(s) = '' THEN NULL ELSE COALESCE(
        CASE WHEN regexp_matches(s, '[+-]\\d\\d:?\\d\\d$|[zZ]$')
             THEN CAST(TRY_CAST(trim(s) AS TIMESTAMPTZ) AS TIMESTAMP) END,
        TRY_CAST(trim(s) AS TIMESTAMP),
        try_strptime(regexp_replace(trim(s), '\\s+(GMT|UTC)$', ''), [
            '%a, %d %b %y %H:%M:%S', '%a, %d %b %y %H:%M', '%d %b %y %H:%M:%S', '%d %b %y %H:%M',
            '%a, %d %b %Y %H:%M:%S', '%a, %d %b %Y %H:%M', '%d %b %Y %H:%M:%S', '%d %b %Y %H:%M',
            '%A, %d-%b-%y %H:%M:%S', '%A, %d-%b-%y %H:%M', '%d-%b-%y %H:%M:%S', '%d-%b-%y %H:%M',
            '%Y-%m-%d %H:%M:%S', '%m/%d/%Y, %I:%M:%S.%g %p', '%m/%d/%Y, %I:%M:%S %p', '%m/%d/%Y %H:%M:%S',
            '%m/%d/%Y %H:%M', '%m/%d/%Y', '%Y%m%d']))
        END""",
    """kq_ts_clock(p) AS CASE WHEN p.h = '' THEN NULL ELSE
        (CASE WHEN p.neg = '-' THEN -1 ELSE 1 END) * (
            COALESCE(TRY_CAST(p.d AS BIGINT), 0) * 864000000000 + CAST(p.h AS BIGINT) * 36000000000
            + CAST(p.m AS BIGINT) * 600000000 + COALESCE(TRY_CAST(p.s AS BIGINT), 0) * 10000000
            + COALESCE(TRY_CAST(rpad(p.f, 7, '0') AS BIGINT), 0)) END""",
    """kq_ts_units(n, u) AS CAST(round(TRY_CAST(n AS DOUBLE) * (""" + _UNIT_TICKS_SQL + """)) AS BIGINT)""",
    """kq_to_timespan(s) AS CASE WHEN s IS NULL THEN NULL
        WHEN regexp_full_match(trim(s), '-?(\\d+\\.)?\\d{1,2}:\\d{1,2}(:\\d{1,2}(\\.\\d{1,7})?)?')
        THEN kq_ts_clock(regexp_extract(trim(s), '^(-?)(?:(\\d+)\\.)?(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.(\\d{1,7}))?)?$',
                                        ['neg', 'd', 'h', 'm', 's', 'f']))
        WHEN regexp_full_match(trim(s), '-?\\d+(\\.\\d+)?\\s*[a-z]+')
        THEN kq_ts_units(regexp_extract(trim(s), '^(-?\\d+(?:\\.\\d+)?)', 1),
                         regexp_extract(trim(s), '([a-z]+)$', 1))
        END""",
    """kq_to_bool(s) AS CASE lower(trim(s)) WHEN 'true' THEN TRUE WHEN '1' THEN TRUE
        WHEN 'false' THEN FALSE WHEN '0' THEN FALSE END""",
    # ---- time
    f"""kq_bin_datetime(ts, us) AS make_timestamp(
        CAST(floor((epoch_us(ts) + {EPOCH_OFFSET_US}) / us) AS BIGINT) * us - {EPOCH_OFFSET_US})""",
    """kq_bin_datetime_at(ts, us, origin) AS make_timestamp(
        CAST(floor((epoch_us(ts) - epoch_us(origin)) / us) AS BIGINT) * us + epoch_us(origin))""",
    # ---- versions and addresses
    # one regex pass yields all four parts; invalid text leaves part a empty -> null
    """kq_version_from_parts(p) AS CASE WHEN p.a <> '' THEN CAST(
            CAST(p.a AS HUGEINT) * CAST('1000000000000000000000000' AS HUGEINT)
            + CAST(COALESCE(NULLIF(p.b, ''), '0') AS HUGEINT) * CAST('10000000000000000' AS HUGEINT)
            + CAST(COALESCE(NULLIF(p.c, ''), '0') AS BIGINT) * 100000000
            + CAST(COALESCE(NULLIF(p.d, ''), '0') AS BIGINT) AS DECIMAL(38,6)) END""",
    # the subquery makes DuckDB evaluate the regex once; a macro argument is re-evaluated per use
    """kq_parse_version(v) AS (SELECT kq_version_from_parts(__kq_p) FROM (SELECT regexp_extract(trim(v),
        '^(\\d{1,8})(?:\\.(\\d{1,8}))?(?:\\.(\\d{1,8}))?(?:\\.(\\d{1,8}))?$', ['a', 'b', 'c', 'd']) AS __kq_p))""",
    """kq_ipv4_num(ip) AS CASE WHEN regexp_full_match(split_part(trim(ip), '/', 1),
                                                  '(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})')
        THEN CASE WHEN list_max(list_transform(string_split(split_part(trim(ip), '/', 1), '.'),
                                               lambda p: TRY_CAST(p AS BIGINT))) <= 255
             THEN list_reduce(list_transform(string_split(split_part(trim(ip), '/', 1), '.'),
                                             lambda p: TRY_CAST(p AS BIGINT)), lambda a, b: a * 256 + b) END
        END""",
    """kq_ipv4_prefix(ip) AS CASE WHEN contains(ip, '/') THEN TRY_CAST(split_part(ip, '/', 2) AS BIGINT)
        ELSE 32 END""",
    """kq_ipv4_in_range(ip, rng) AS CASE WHEN kq_ipv4_num(ip) IS NULL OR kq_ipv4_num(rng) IS NULL THEN NULL
        ELSE (kq_ipv4_num(ip) // CAST(pow(2, 32 - least(kq_ipv4_prefix(rng), kq_ipv4_prefix(ip))) AS BIGINT))
           = (kq_ipv4_num(rng) // CAST(pow(2, 32 - least(kq_ipv4_prefix(rng), kq_ipv4_prefix(ip))) AS BIGINT))
        END""",
    """kq_ipv4_is_private(ip) AS kq_ipv4_in_range(ip, '10.0.0.0/8') OR kq_ipv4_in_range(ip, '172.16.0.0/12')
        OR kq_ipv4_in_range(ip, '192.168.0.0/16')""",
    # ---- dynamic
    # Kusto's JSON parser keeps integers that fit 32 bits as int: gettype(parse_json('1')) is 'int'
    """kq_json_type(j) AS CASE json_type(j) WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary'
        WHEN 'VARCHAR' THEN 'string'
        WHEN 'BIGINT' THEN CASE WHEN TRY_CAST(j AS BIGINT) BETWEEN -2147483648 AND 2147483647 THEN 'int' ELSE 'long' END
        WHEN 'UBIGINT' THEN CASE WHEN TRY_CAST(j AS BIGINT) BETWEEN -2147483648 AND 2147483647 THEN 'int' ELSE 'long' END
        WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' WHEN 'NULL' THEN 'null' ELSE 'null' END""",
    """kq_bag_to_array(j) AS CASE WHEN json_type(j) = 'OBJECT' THEN CAST(to_json(list_transform(json_keys(j),
        lambda k: json_array(k, json_extract(j, '$."' || replace(k, '"', '\\"') || '"')))) AS JSON) ELSE j END""",
    # a dynamic numeric array as DOUBLE[] for the series_* functions (non-numbers become null)
    """kq_series(j) AS CASE WHEN json_type(j) = 'ARRAY' THEN TRY_CAST(j AS DOUBLE[]) END""",
    """kq_json_items(j) AS CASE json_type(j) WHEN 'ARRAY' THEN CAST(json_extract(j, '$[*]') AS JSON[])
        WHEN 'OBJECT' THEN list_transform(json_keys(j), lambda k: CAST(json_object(k, json_extract(j, '$."' || replace(k, '"', '\\"') || '"')) AS JSON))
        WHEN 'NULL' THEN [CAST(NULL AS JSON)]
        ELSE CASE WHEN j IS NULL THEN [CAST(NULL AS JSON)] ELSE [j] END END""",
)


def install(execute) -> None:
    """Create every macro through `execute(sql)` (a DuckDB connection's execute)."""
    from .text_macros import MACROS as TEXT_MACROS  # strings, encodings, IP addresses

    for body in (*MACROS, *TEXT_MACROS):
        execute(f"CREATE OR REPLACE TEMP MACRO {body}")


def subquery_macros() -> frozenset[str]:
    """Names of the macros whose expansion holds a subquery (directly or through another macro):
    DuckDB refuses them inside a SQL lambda."""
    import re

    from .text_macros import MACROS as TEXT_MACROS

    bodies = {m.split("(", 1)[0].strip(): m for m in (*MACROS, *TEXT_MACROS)}
    found = {name for name, body in bodies.items() if "SELECT" in body}
    while True:
        more = {name for name, body in bodies.items() if name not in found
                and any(re.search(rf"\b{f}\(", body) for f in found)}
        if not more:
            return frozenset(found)
        found |= more
