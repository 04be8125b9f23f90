"""The KQL reference catalog: every documented function, aggregate, window function, series
function, tabular operator and evaluate plugin, with its docs page and family.

The catalog says what Kusto has; the registry (functions) and the binder (operators, plugins)
say what kqlite runs. `status()` joins the two, so the support list cannot drift from the code:
a name is supported when the registry or the binder handles it, and otherwise carries the
reason written here. Facts come from the Kusto docs TOC and the Kusto language service's
built-in lists; the table is written by hand.

Table format (parsed once, at import): `[family]` or `[family: reason]` starts a section whose
names (space-separated) share that reason. `name=page` overrides the page slug that the family's
convention gives (`bag_keys` -> bag-keys-function); `alias~canonical` is a deprecated or
alternative spelling documented on its canonical name's page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import KqlUnsupportedError, Span

DOCS = "https://learn.microsoft.com/kusto/query/"

# shared reasons, referenced as @key in section headers
_REASONS = {
    "cluster": "needs a Kusto cluster (cluster, principal, cursor or extent metadata does not exist locally)",
    "geo": "geodesic shape construction by S2's boolean operations, buffering and region coverer "
           "(intersections, unions, buffers, S2 cell coverings) is not implemented",
    "ml": "its machine-learning heuristics are not documented well enough to reproduce Kusto's output",
    "remote": "reads a remote database or service; kqlite runs locally",
    "code": "runs Python/R code from the query; kqlite runs no code from queries",
    "ai": "calls an AI service; kqlite calls no remote services",
    "todo": "not implemented yet",
    "stats": "statistical distribution function not implemented yet",
    "ipdb": "needs Kusto's IP geolocation database",
}

_SUFFIX = {"scalar": "-function", "series": "-function", "geospatial": "-function", "special": "-function",
           "window": "-function", "aggregate": "-aggregation-function", "operator": "-operator",
           "plugin": "-plugin", "graph": "-operator"}

_TABLE = """
[scalar]
abs acos ago array_concat array_iff array_iif~array_iff array_index_of array_length array_reverse
array_rotate_left array_rotate_right array_shift_left array_shift_right array_slice array_sort_asc array_sort_desc
array_split array_sum asin atan atan2 bag_has_key bag_keys bag_merge bag_pack=pack-function pack~bag_pack
pack_dictionary~bag_pack bag_remove_keys bag_set_key bag_zip=bag-zip base64_decode_toarray base64_decode_tostring
base64_decodestring~base64_decode_tostring base64_decode_toguid base64_encode_fromarray base64_encode_tostring
base64_encodestring~base64_encode_tostring base64_encode_fromguid bin floor~bin bin_at binary_and binary_not
binary_or binary_shift_left binary_shift_right binary_xor bitset_count_ones case ceiling coalesce column_ifexists
cos cot countof current_cluster_endpoint current_database current_principal current_principal_details datetime_add
datetime_diff datetime_local_to_utc datetime_part datepart~datetime_part datetime_utc_to_local dayofmonth
dayofweek dayofyear dcount_hll degrees endofday endofmonth endofweek endofyear exp exp10 exp2 extract extract_all
extract_json extractjson~extract_json format_bytes format_datetime format_ipv4 format_ipv4_mask format_timespan
gamma gettype getyear getmonth~monthofyear has_any_index hash hash_md5 hash_sha1 hash_sha256 hash_xxhash64
hourofday iff iif~iff indexof indexof_regex ipv4_compare ipv4_is_in_range ipv4_is_in_any_range ipv4_is_match
ipv4_is_private ipv4_netmask_suffix ipv4_range_to_cidr_list ipv6_compare ipv6_is_in_range ipv6_is_in_any_range
ipv6_is_match isascii isempty isfinite isinf isnan isnotempty notempty~isnotempty isnotnull isnull isutf8
jaccard_index log log10 log2 loggamma make_datetime make_timespan max_of min_of monthofyear new_guid not now
pack_all pack_array parse_csv parse_ipv4 parse_ipv4_mask parse_ipv6 parse_ipv6_mask parse_json
todynamic~parse_json parse_path parse_url parseurl~parse_url parse_urlquery parseurlquery~parse_urlquery
parse_version percentile_tdigest percentiles_array_tdigest=percentile-array-tdigest-function pi pow radians rand
range rank_tdigest repeat replace~replace_regex replace_regex replace_string reverse round
set_difference set_has_element set_intersect set_union sign sin split sqrt startofday startofmonth startofweek
startofyear strcat strcat_array strcat_delim strcmp string_size strlen strrep substring tan tobool
toboolean~tobool todatetime todecimal todouble toreal~todouble toguid tohex toint tolong tolower tostring
totimespan totime~totimespan toupper translate treepath trim trim_end trim_start unicode_codepoints_from_string
to_utf8~unicode_codepoints_from_string unicode_codepoints_to_string make_string~unicode_codepoints_to_string
unixtime_microseconds_todatetime unixtime_milliseconds_todatetime unixtime_nanoseconds_todatetime
unixtime_seconds_todatetime url_decode url_encode url_encode_component week_of_year weekofyear~week_of_year zip
beta_pdf estimate_data_size extractall~extract_all notnull~isnotnull toobject~parse_json parsejson~parse_json
around assert dynamic_to_json has_any_ipv4 has_ipv4 has_any_ipv4_prefix has_ipv4_prefix percentrank_tdigest
regex_quote replace_strings array_repeat convert_angle convert_energy convert_force convert_length convert_mass
convert_speed convert_temperature convert_volume parse_command_line
bag_pack_columns bin_auto erf erfc beta_cdf beta_inv welch_test
gzip_compress_to_base64_string=gzip-base64-compress gzip_decompress_from_base64_string=gzip-base64-decompress
zlib_compress_to_base64_string=zlib-base64-compress-function
zlib_decompress_from_base64_string=zlib-base64-decompress-function
punycode_from_string punycode_to_string punycode_domain_from_string punycode_domain_to_string
parse_xml parse_user_agent
[scalar: @todo]
[scalar: Kusto's formula for combining hashes is not documented, and no common formula reproduces the docs' example values]
hash_combine hash_many
[scalar: @cluster]
current_principal_is_member_of=current-principal-is-member-of-function cursor_after cursor_before_or_at
cursor_current=cursor-current current_cursor~cursor_current extent_id extent_tags ingestion_time
[scalar: @ipdb]
geo_info_from_ip_address
[special: @cluster]
cluster database external_table materialized_view stored_query_result
[special]
table materialize toscalar
[aggregate]
arg_max arg_min avg avgif binary_all_and binary_all_or binary_all_xor count count_distinct
count_distinctif countif dcount dcountif hll hll_if hll_merge make_bag make_bag_if make_list
make_list_if make_list_with_nulls make_set make_set_if max maxif min minif
percentile=percentiles-aggregation-function percentiles=percentiles-aggregation-function
percentiles_array=percentiles-aggregation-function percentilew=percentilesw-aggregation-function
percentilesw=percentilesw-aggregation-function percentilesw_array=percentilesw-aggregation-function
stdev stdevif stdevp sum sumif take_any any~take_any take_anyif anyif~take_anyif tdigest tdigest_merge
merge_tdigest~tdigest_merge variance varianceif variancep variancepif makelist~make_list makeset~make_set
buildschema
[window]
next prev row_cumsum row_number row_rank_dense row_rank_min row_window_session
[series]
series_abs series_acos series_add series_asin series_atan series_ceiling series_cos series_cosine_similarity
series_divide series_dot_product series_equals series_exp series_fill_backward series_fill_const
series_fill_forward series_fill_linear series_fir series_fit_line
series_fit_line_dynamic series_floor series_greater series_greater_equals series_iir series_less
series_less_equals series_log series_magnitude series_multiply series_not_equals
series_pearson_correlation series_pow series_seasonal series_sign series_sin series_stats series_stats_dynamic
series_subtract series_sum series_tan
series_fit_2lines series_fit_2lines_dynamic series_fit_poly series_fft series_ifft
series_outliers series_decompose series_decompose_anomalies series_decompose_forecast
series_periods_detect series_periods_validate
[geospatial]
geo_distance_2points geo_line_length geo_polygon_area geo_polygon_perimeter geo_point_in_circle geo_point_in_polygon
geo_point_to_geohash geo_point_to_h3cell geo_point_to_s2cell geo_geohash_to_central_point geo_geohash_neighbors
geo_geohash_to_polygon geo_s2cell_to_central_point geo_s2cell_neighbors geo_s2cell_to_polygon
geo_h3cell_to_central_point geo_h3cell_neighbors geo_h3cell_to_polygon geo_h3cell_parent geo_h3cell_children
geo_h3cell_level geo_h3cell_rings geo_distance_point_to_line geo_distance_point_to_polygon geo_intersects_2lines
geo_intersects_2polygons geo_intersects_line_with_polygon geo_line_centroid geo_polygon_centroid
geo_line_densify geo_polygon_densify geo_line_simplify geo_polygon_simplify geo_simplify_polygons_array
[geospatial: @geo]
geo_intersection_2lines geo_intersection_2polygons
geo_intersection_line_with_polygon geo_line_buffer
geo_line_to_s2cells geo_polygon_buffer
geo_polygon_to_s2cells geo_point_buffer
geo_union_lines_array geo_union_polygons_array
[operator]
as count datatable distinct evaluate extend externaldata facet find fork getschema invoke join lookup
make-series mv-apply mv-expand mvexpand~mv-expand sort order~sort project project-away project-keep
project-rename project-reorder project-smart~project parse parse-where partition print range
render sample scan search serialize summarize take limit~take top top-nested top-hitters union
where filter~where
consume parse-kv sample-distinct reduce
[graph]
make-graph graph-match graph-merge graph-to-table graph-shortest-paths graph-mark-components
[plugin]
bag_unpack narrow pivot
dcount_intersect ipv4_lookup ipv6_lookup rolling_percentile rows_near schema_merge
active_users_count activity_counts_metrics activity_engagement activity_metrics new_activity_metrics
session_count sliding_window_counts funnel_sequence funnel_sequence_completion sequence_detect
basket preview
[plugin: @ml]
autocluster diffpatterns diffpatterns_text
[plugin: @code]
python r
[plugin: @remote]
azure_digital_twins_query_request cosmosdb_sql_request=cosmosdb-plugin http_request http_request_post
mysql_request postgresql_request sql_request infer_storage_schema
[plugin: @ai]
ai_chat_completion ai_chat_completion_prompt ai_embed_text ai_embeddings
"""

# Operator keywords whose AST node is not the keyword in CamelCase (mv-expand -> MvExpand)
_OPERATOR_NODE = {"order": "Sort", "limit": "Take", "filter": "Where", "mvexpand": "MvExpand", "getschema": "GetSchema",
                  "parse-where": "Parse", "project-smart": "Project", "externaldata": "ExternalData"}
# operators that start a query; the binder handles them as sources, not as pipe steps
_SOURCE_NODES = {"Datatable", "Print", "Range", "ExternalData"}
GRAMMAR = Path(__file__).resolve().parents[2] / "grammar" / "kql.lark"


@dataclass(frozen=True)
class Entry:
    """One name of the KQL reference."""

    name: str
    family: str  # scalar | aggregate | window | series | geospatial | special | operator | graph | plugin
    page: str  # docs page slug
    reason: str = ""  # why kqlite cannot support it ('' = kqlite should support it)
    alias_of: str = ""  # the canonical name when this is a deprecated or alternative spelling

    @property
    def url(self) -> str:
        return DOCS + self.page


def _parse(table: str) -> dict[tuple[str, str], Entry]:
    entries: dict[tuple[str, str], Entry] = {}
    family, reason = "", ""
    for line in table.strip().splitlines():
        header = re.fullmatch(r"\[(\w+)(?::\s*(.+))?\]", line.strip())
        if header:
            family, reason = header.group(1), header.group(2) or ""
            reason = _REASONS.get(reason[1:], reason) if reason.startswith("@") else reason
            continue
        for word in line.split():
            name, _, page = word.partition("=")
            name, _, alias_of = name.partition("~")
            key = (_KIND[family], name)
            if key in entries:
                raise ValueError(f"catalog: {name} listed twice")
            entries[key] = Entry(name, family, page or name.replace("_", "-") + _SUFFIX[family], reason, alias_of)
    for key, e in entries.items():  # an alias lives on its canonical name's page
        if e.alias_of:
            canonical = entries[(key[0], e.alias_of)]
            entries[key] = Entry(e.name, e.family, canonical.page, e.reason or canonical.reason, e.alias_of)
    return entries


# functions, operators and plugins are separate namespaces (count() and `| count`, range() and `range`)
_KIND = {"scalar": "function", "aggregate": "function", "window": "function", "series": "function",
         "geospatial": "function", "special": "function", "operator": "operator", "graph": "operator",
         "plugin": "plugin"}
_ENTRIES = _parse(_TABLE)
FUNCTIONS: dict[str, Entry] = {n: e for (k, n), e in _ENTRIES.items() if k == "function"}
OPERATORS: dict[str, Entry] = {n: e for (k, n), e in _ENTRIES.items() if k == "operator"}
PLUGINS: dict[str, Entry] = {n: e for (k, n), e in _ENTRIES.items() if k == "plugin"}
FAMILIES = ("scalar", "aggregate", "window", "series", "geospatial", "special", "operator", "graph", "plugin")


def all_entries() -> list[Entry]:
    return list(_ENTRIES.values())


def function_url(name: str, default: str = "") -> str:
    """The docs page of a KQL function, or `default` when the catalog does not know the name."""
    e = FUNCTIONS.get(name)
    return e.url if e is not None else default


# ---------------------------------------------------------------- what kqlite supports


def function_supported(name: str) -> bool:
    """Registered, or bound by the binder itself (toscalar(), pack_all(), materialize()...)."""
    from ..semantic.binder import TABULAR_FUNCTIONS
    from ..semantic.expressions import ExpressionBinder
    from .registry import all_functions

    return name in all_functions() or hasattr(ExpressionBinder, f"call_{name}") or name in TABULAR_FUNCTIONS


@cache
def _grammar_words() -> frozenset[str]:
    return frozenset(w.lower() for w in re.findall(r'"([a-z][a-z-]*)"i?', GRAMMAR.read_text(encoding="utf-8")))


def operator_node(keyword: str) -> str:
    """The AST node class an operator keyword parses to (mv-expand -> MvExpand)."""
    return _OPERATOR_NODE.get(keyword) or "".join(part.capitalize() for part in keyword.split("-"))


def operator_supported(keyword: str) -> bool:
    """An operator is supported when the grammar parses its keyword and the binder has a visit_<Node>."""
    from ..semantic.graph import GraphOps
    from ..semantic.more_ops import MoreOps
    from ..semantic.tabular_ops import TabularOps

    if keyword not in _grammar_words():
        return False
    node = operator_node(keyword)
    return node in _SOURCE_NODES or any(hasattr(ops, f"visit_{node}") for ops in (TabularOps, MoreOps, GraphOps))


def operator_of_node(node: str) -> Entry | None:
    """The catalog entry of the operator an AST node class stands for (MvExpand -> mv-expand)."""
    for keyword, e in OPERATORS.items():
        if not e.alias_of and operator_node(keyword) == node:
            return e
    return None


def plugin_supported(name: str) -> bool:
    from ..semantic.plugins import SUPPORTED

    return name in SUPPORTED


def plugin_note(name: str) -> str:
    """What a supported plugin does differently from Kusto or infers beyond its page ('' when nothing)."""
    from ..semantic.plugins_mining import NOTES

    return NOTES.get(name, "")


def status(e: Entry) -> tuple[str, str]:
    """('supported' | 'partial' | 'not supported', detail) of a catalog entry."""
    from .registry import all_functions

    kind = _KIND[e.family]
    if kind == "operator":
        ok = operator_supported(e.name)
    elif kind == "plugin":
        ok = plugin_supported(e.name)
        note = plugin_note(e.name)
        if ok and note:
            return "partial", note
    else:
        fn = all_functions().get(e.name)
        if fn is not None and fn.notes:
            return "partial", fn.notes
        ok = function_supported(e.name)
    if ok:
        return "supported", ""
    return "not supported", e.reason or "not implemented yet"


def unsupported_error(e: Entry, span: Span | None) -> KqlUnsupportedError:
    """The error for a KQL name kqlite knows but does not run: names it, says why, links its page."""
    kind = _KIND[e.family]
    what = f"the function {e.name}()" if kind == "function" else f"the {e.name} {kind}"
    return KqlUnsupportedError(f"{what} is not supported: {e.reason or 'not implemented yet'}", span, [e.url])
