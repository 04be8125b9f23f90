"""What kqlite knows about fleet exports: the documented columns and KQL types of the tables it
recognises, the store's own columns, and how file names become table names and snapshot times.

Pure data and small functions; no file is read here.
"""

from __future__ import annotations

import datetime as dt
import re

HEARTBEAT = "Heartbeat"
RESOURCES = "Resources"
HISTORY = "ResourcesHistory"
AGENT_SHOW = "AgentShow"

# Columns every stored table gets. ResourcesHistory's snapshot time is its key, so there it is a
# first-class column named as in the sample fleet (SnapshotTime); elsewhere it is a system column.
SOURCE_FILE = "_SourceFile"
SNAPSHOT_COL = "_SnapshotTime"
HISTORY_SNAPSHOT = "SnapshotTime"
SYSTEM_COLUMNS = (SNAPSHOT_COL, SOURCE_FILE)

# The documented Heartbeat schema (Log Analytics reference + FLEET_DATA.md); extra columns stay strings.
_HB_STRINGS = (
    "Computer ComputerIP ComputerEnvironment Category OSType OSName OSMajorVersion OSMinorVersion Version "
    "SCAgentChannel ManagementGroupName MG RemoteIPCountry Resource ResourceGroup ResourceId _ResourceId "
    "ResourceProvider ResourceType SubscriptionId _SubscriptionId Solutions SourceSystem SourceComputerId "
    "TenantId VMUUID Type").split()
HEARTBEAT_TYPES: dict[str, str] = {
    "TimeGenerated": "datetime", **{c: "string" for c in _HB_STRINGS}, "ComputerPrivateIPs": "dynamic",
    "IsGatewayInstalled": "bool", "RemoteIPLatitude": "real", "RemoteIPLongitude": "real",
    "_BilledSize": "real", "_TimeReceived": "datetime",
}
# columns only a Heartbeat has; two of them (with TimeGenerated and Computer) identify one
HEARTBEAT_MARKERS = frozenset({
    "Category", "OSType", "SCAgentChannel", "IsGatewayInstalled", "ComputerIP", "SourceComputerId",
    "ComputerEnvironment", "Solutions", "VMUUID", "ComputerPrivateIPs", "OSMajorVersion", "ManagementGroupName"})
# standard columns of every Log Analytics table
LOG_ANALYTICS_TYPES = {"TimeGenerated": "datetime", "_TimeReceived": "datetime", "_BilledSize": "real",
                       "_ResourceId": "string", "_SubscriptionId": "string", "TenantId": "string", "Type": "string"}

ARG_COLUMNS = ("id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
               "managedBy", "sku", "plan", "tags", "identity", "zones", "extendedLocation", "properties")
ARG_DYNAMIC = frozenset({"sku", "plan", "tags", "identity", "zones", "extendedLocation", "properties"})
ARG_TYPES: dict[str, str] = {c: "dynamic" if c in ARG_DYNAMIC else "string" for c in ARG_COLUMNS}

# azcmagent show --json: any keys; these two are datetimes whatever the agent version
AGENT_SHOW_TYPES = {"lastHeartbeat": "datetime", "agentErrorTimestamp": "datetime"}
AGENT_SHOW_MARKERS = frozenset({"resourceName", "agentVersion", "vmId", "status", "lastHeartbeat"})

KNOWN_TYPES: dict[str, dict[str, str]] = {
    HEARTBEAT: HEARTBEAT_TYPES,
    HISTORY: {**ARG_TYPES, HISTORY_SNAPSHOT: "datetime"},
    AGENT_SHOW: AGENT_SHOW_TYPES,
}
# tables whose files must have a given shape; a generic file may not be named after them
RESERVED = {RESOURCES.lower(): RESOURCES, HISTORY.lower(): HISTORY}

# Rows already in the store with the same key are the same record: overlapping Heartbeat exports
# and a snapshot loaded twice from two differently formatted files add nothing the second time.
DEDUPE_KEYS = {
    HEARTBEAT: ("TimeGenerated", "Computer", "Category", "SourceComputerId"),
    HISTORY: ("id", HISTORY_SNAPSHOT),
}
DEDUPE_REQUIRED = {HEARTBEAT: ("TimeGenerated", "Computer"), HISTORY: ("id", HISTORY_SNAPSHOT)}

# what a Resource Graph / Log Analytics REST table declares -> KQL type
DECLARED_TYPES = {
    "string": "string", "integer": "long", "int": "int", "long": "long", "number": "real", "real": "real",
    "double": "real", "boolean": "bool", "bool": "bool", "datetime": "datetime", "date": "datetime",
    "timespan": "timespan", "guid": "string", "object": "dynamic", "array": "dynamic", "dynamic": "dynamic",
    "decimal": "decimal",
}

DATA_SUFFIXES = (".parquet", ".csv", ".tsv", ".json", ".jsonl", ".ndjson")

_HEADER_TZ = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")
_UTC_OFFSET = re.compile(r"^UTC\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$", re.I)


def split_header(header: str) -> tuple[str, str | None]:
    """`TimeGenerated [UTC]` -> ('TimeGenerated', 'UTC'); plain names -> (name, None).
    The Log Analytics portal puts the time zone of datetime columns in brackets."""
    m = _HEADER_TZ.match(header)
    if not m or not m.group(1):
        return header, None
    return m.group(1), m.group(2).strip()


def utc_offset(zone: str) -> dt.timedelta | None:
    """'UTC' -> 0, 'UTC+02:00' -> 2h; anything else (a local time zone) -> None."""
    m = _UTC_OFFSET.match(zone.strip())
    if not m:
        return None
    if not m.group(1):
        return dt.timedelta(0)
    delta = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
    return delta if m.group(1) == "+" else -delta


# 2026-11-09, 20261109, 2026-11-09T10-30, 2026-11-09_103000Z ... anywhere in a file name
_NAME_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?:[T_ ]?(\d{2})[:.-]?(\d{2})(?:[:.-]?(\d{2}))?)?Z?(?!\d)")


def time_in_name(name: str) -> dt.datetime | None:
    """The last date (and time) written in a file name, read as UTC; None if there is none."""
    found = None
    for m in _NAME_TIME.finditer(name):
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        try:
            found = dt.datetime(y, mo, d, h, mi, s)
        except ValueError:
            continue
    return found


_DATE_SUFFIX = re.compile(r"[-_. ]*(?:\d{4}-?\d{2}-?\d{2}(?:[T_ ]?\d{2}[:.-]?\d{2}(?:[:.-]?\d{2})?)?Z?)$")
_PART_SUFFIX = re.compile(r"(?:[-_. ]+(?:(?:part|chunk|page)[-_. ]*)?|(?:part|chunk|page)[-_. ]*)\d+$", re.I)


def table_name_for(stem: str, folder: str = "") -> str:
    """A file name -> its table: daily and numbered files of one table share a name
    (`perf_2024-06-01.csv`, `perf-0002.csv` -> `perf`). The result is a KQL identifier."""
    name = stem
    for _ in range(3):  # `x_2024-06-01_part-2`
        name = _PART_SUFFIX.sub("", _DATE_SUFFIX.sub("", name))
    name = re.sub(r"\W+", "_", name).strip("_")
    if not re.search(r"[A-Za-z]", name):
        name = re.sub(r"\W+", "_", folder).strip("_") or "Table"
    if name[0].isdigit():
        name = "T_" + name
    return name
