"""Each export shape kqlite reads, from a real file under tests/data/ through DuckDB's readers:
the table it lands in, its columns, their KQL types and values."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import kqlite
from kqlite.loaders import ingest, read_file
from kqlite.loaders.schemas import ARG_COLUMNS

DATA = Path(__file__).parent / "data"
UTC = dt.UTC


def kql_types(table) -> dict[str, str]:
    return {f.name: f.metadata[b"kql_type"].decode() for f in table.schema}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "fleet.duckdb"
    ingest([DATA / "heartbeat", DATA / "resource_graph", DATA / "agent_show", DATA / "generic"], db, progress=False)
    con = kqlite.connect(db)
    yield con
    con.close()


def q(db, text: str) -> list[dict]:
    return db.query(text).to_pylist()


# ---------------------------------------------------------------- Heartbeat

def test_heartbeat_portal_csv():
    t = read_file(DATA / "heartbeat" / "Heartbeat_portal_2024-06-01.csv")  # UTF-8 BOM, `TimeGenerated [UTC]`
    types = kql_types(t)
    assert "TimeGenerated" in types and "TimeGenerated [UTC]" not in types
    assert {k: types[k] for k in ("TimeGenerated", "IsGatewayInstalled", "RemoteIPLatitude", "ComputerPrivateIPs",
                                  "OSMinorVersion", "VMUUID", "SiteCode")} == {
        "TimeGenerated": "datetime", "IsGatewayInstalled": "bool", "RemoteIPLatitude": "real",
        "ComputerPrivateIPs": "dynamic", "OSMinorVersion": "string", "VMUUID": "string", "SiteCode": "string"}
    rows = t.to_pylist()
    assert [r["TimeGenerated"] for r in rows] == [
        dt.datetime(2024, 6, 1, 10, 0, 38, 620000, tzinfo=UTC), dt.datetime(2024, 6, 1, 10, 1, 38, 615000, tzinfo=UTC),
        dt.datetime(2024, 6, 1, 13, 0, 12, 4000, tzinfo=UTC)]  # 1:00 PM
    assert [r["IsGatewayInstalled"] for r in rows] == [False, False, True]
    assert rows[0]["OSMinorVersion"] == "04"  # text stays text: not the number 4
    assert json.loads(rows[2]["ComputerPrivateIPs"]) == ["10.0.1.4", "192.168.5.9"]
    assert [r["SiteCode"] for r in rows] == ["AMS-1", "AMS-1", ""]  # an unknown column, kept as a string
    assert rows[2]["VMUUID"] == ""


def test_heartbeat_az_cli_json_all_strings():
    t = read_file(DATA / "heartbeat" / "heartbeat_az_cli_2024-06-02.json")
    types = kql_types(t)
    assert "TableName" not in types  # the CLI's "PrimaryResult" marker is not data
    assert (types["TimeGenerated"], types["IsGatewayInstalled"], types["RemoteIPLongitude"], types["OSMajorVersion"]) == \
        ("datetime", "bool", "real", "string")
    rows = t.to_pylist()
    assert [r["IsGatewayInstalled"] for r in rows] == [False, True]
    assert rows[1]["TimeGenerated"] == dt.datetime(2024, 6, 2, 23, 59, 2, 500000, tzinfo=UTC)
    assert rows[1]["RemoteIPLongitude"] == -122.3
    assert json.loads(rows[0]["ComputerPrivateIPs"]) == ["10.0.0.7"]


def test_heartbeat_exports_are_one_table(store):
    assert q(store, "Heartbeat | count") == [{"Count": 5}]
    # a column only the CSV has is '' in the JSON's rows; columns neither has are not invented
    assert q(store, "Heartbeat | summarize n = count() by SiteCode | order by SiteCode asc") == [
        {"SiteCode": "", "n": 3}, {"SiteCode": "AMS-1", "n": 2}]
    cols = dict(store.schema("Heartbeat"))
    assert "_BilledSize" not in cols and "MG" in cols and cols["TimeGenerated"] == "datetime"
    # "when did web-07 go silent?"
    assert q(store, "Heartbeat | where Computer == 'web-07' | summarize LastSeen = max(TimeGenerated)") == [
        {"LastSeen": dt.datetime(2024, 6, 2, 22, 9, 41, 244000, tzinfo=UTC)}]
    assert q(store, "Heartbeat | where IsGatewayInstalled | distinct Computer") == [{"Computer": "db-01.corp.contoso.com"}]


# ---------------------------------------------------------------- Resource Graph

@pytest.mark.parametrize("name, rows", [
    ("az_graph_query_2024-06-01.json", 4),       # {"count", "data": [...], "skip_token", "total_records"}
    ("machines_bare_list_2024-06-02.json", 3),   # older CLI: a bare list
    ("rest_table_2024-06-03.json", 3),           # REST: "data": {"columns", "rows"}
    ("extensions_table_2024-06-04.json", 1),     # resultFormat=table at the top
    ("machines_portal_2024-06-05.csv", 2),       # portal CSV, dynamic values as JSON text
])
def test_resource_graph_shapes(name, rows):
    t = read_file(DATA / "resource_graph" / name)
    assert t.column_names == list(ARG_COLUMNS)
    types = kql_types(t)
    assert {c for c, k in types.items() if k == "dynamic"} == {"sku", "plan", "tags", "identity", "zones",
                                                                "extendedLocation", "properties"}
    assert t.num_rows == rows
    first = t.to_pylist()[0]
    assert first["id"].startswith("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-fleet/")
    assert first["sku"] is None
    props = json.loads(first["properties"])
    assert props["provisioningState"] in ("Succeeded", "Failed")


def test_resources_is_the_latest_state(store):
    got = q(store, "Resources | project name, status = tostring(properties.status), "
                   "state = tostring(properties.provisioningState), _SnapshotTime | order by name asc")
    day = lambda d: dt.datetime(2024, 6, d, tzinfo=UTC)  # noqa: E731
    assert got == [  # (KQL sorts strings ordinally: upper case first)
        {"name": "WEB-07", "status": "Disconnected", "state": "Succeeded", "_SnapshotTime": day(5)},
        # only the 06-04 export had extensions: a machines-only export does not hide them
        {"name": "WEB-07/AzureMonitorLinuxAgent", "status": "", "state": "Failed", "_SnapshotTime": day(4)},
        {"name": "db-01", "status": "Disconnected", "state": "Succeeded", "_SnapshotTime": day(5)},
    ]  # app-02 is missing from the 06-05 machines export of its resource group: deleted
    assert q(store, "Resources | where name == 'WEB-07' | project env = tostring(tags.env), "
                    "t = gettype(tags)") == [{"env": "", "t": "dictionary"}]


# ---------------------------------------------------------------- azcmagent show, and any other shape

def test_agent_show_files(store):
    cols = dict(store.schema("AgentShow"))
    assert (cols["lastHeartbeat"], cols["agentErrorTimestamp"], cols["services"], cols["proxyBypass"]) == \
        ("datetime", "datetime", "dynamic", "dynamic")
    assert cols["vmUuid"] == "string"
    got = q(store, "AgentShow | project resourceName, vmUuid, cloudProvider, lastHeartbeat, agentErrorTimestamp "
                   "| order by resourceName asc")
    assert got == [
        {"resourceName": "WEB-07", "vmUuid": "1F2E3D4C-5B6A-4789-8A0B-C1D2E3F4A5B6", "cloudProvider": "N/A",
         "lastHeartbeat": dt.datetime(2024, 6, 2, 22, 9, 30, tzinfo=UTC), "agentErrorTimestamp": None},
        {"resourceName": "app-02", "vmUuid": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "cloudProvider": "",
         "lastHeartbeat": dt.datetime(2024, 5, 30, 4, 12, 9, 123456, tzinfo=UTC),
         "agentErrorTimestamp": dt.datetime(2024, 5, 30, 4, 15, tzinfo=UTC)}]
    assert q(store, "AgentShow | mv-expand s = services | where tostring(s.status) == 'stopped' "
                    "| project resourceName, service = tostring(s.serviceName)") == [
        {"resourceName": "WEB-07", "service": "gcarcservice"}]


def test_daily_csv_files_are_one_table_with_widened_types(store):
    assert dict(store.schema("perf")) == {
        "Computer": "string", "CounterName": "string", "CounterValue": "real", "Samples": "string",
        "Sampled": "datetime", "Instance": "string", "_SnapshotTime": "datetime", "_SourceFile": "string"}
    got = q(store, "perf | project CounterValue, Samples, Instance")
    assert got == [{"CounterValue": 12.0, "Samples": "60", "Instance": ""},
                   {"CounterValue": 55.0, "Samples": "60", "Instance": ""},
                   {"CounterValue": 13.5, "Samples": "60", "Instance": "_Total"},
                   {"CounterValue": 61.25, "Samples": "n/a", "Instance": "_Total"}]


def test_log_analytics_portal_csv_names_its_table_by_type(store):
    assert dict(store.schema("Usage")) == {
        "TimeGenerated": "datetime", "Computer": "string", "DataType": "string", "Quantity": "real",
        "IsBillable": "bool", "Details": "dynamic", "Type": "string", "_SnapshotTime": "datetime",
        "_SourceFile": "string"}
    assert q(store, "Usage | where IsBillable | project TimeGenerated, region = tostring(Details.region)") == [
        {"TimeGenerated": dt.datetime(2024, 6, 1, tzinfo=UTC), "region": "westeurope"}]


def test_json_lines(store):
    cols = dict(store.schema("patches"))
    assert (cols["installed"], cols["sizeMb"], cols["when"], cols["meta"]) == ("bool", "real", "datetime", "dynamic")
    assert q(store, "patches | project machine, tries = array_length(meta.tries), when") == [
        {"machine": "web-07", "tries": None, "when": dt.datetime(2024, 5, 28, 3, tzinfo=UTC)},
        {"machine": "db-01", "tries": 2, "when": dt.datetime(2024, 5, 28, 3, 5, tzinfo=UTC)},
        {"machine": "app-02", "tries": None, "when": None}]


def test_parquet_keeps_arrow_types_and_kql_metadata(store):
    cols = dict(store.schema("inventory"))
    assert (cols["Cores"], cols["Uptime"], cols["Seen"], cols["Labels"], cols["Owner"]) == \
        ("int", "timespan", "datetime", "dynamic", "string")
    assert q(store, "inventory | where Uptime > 1d | project Computer, Uptime, tier = tostring(Labels.tier)") == [
        {"Computer": "web-07", "Uptime": dt.timedelta(days=3, hours=2), "tier": "web"}]
    assert q(store, "inventory | where Computer == 'db-01' | project Owner") == [{"Owner": ""}]


def test_every_row_records_its_file_and_snapshot(store):
    got = q(store, "Heartbeat | summarize n = count() by _SourceFile, _SnapshotTime | order by _SnapshotTime asc")
    assert [Path(r["_SourceFile"]).name for r in got] == ["Heartbeat_portal_2024-06-01.csv",
                                                           "heartbeat_az_cli_2024-06-02.json"]
    assert [r["_SnapshotTime"] for r in got] == [dt.datetime(2024, 6, 1, tzinfo=UTC), dt.datetime(2024, 6, 2, tzinfo=UTC)]
    assert all(Path(r["_SourceFile"]).is_absolute() for r in got)


def test_detected_from_content_not_from_the_name(tmp_path):
    odd = tmp_path / "download (3)"        # no extension at all
    shutil.copy(DATA / "resource_graph" / "az_graph_query_2024-06-01.json", odd)
    hb = tmp_path / "export.txt"           # a CSV under another name
    shutil.copy(DATA / "heartbeat" / "Heartbeat_portal_2024-06-01.csv", hb)
    db = tmp_path / "s.duckdb"
    report = ingest([odd, hb], db, progress=False)
    assert sorted(f.table for f in report.files) == ["Heartbeat", "ResourcesHistory"]
    with kqlite.connect(db) as con:
        assert q(con, "Resources | count") == [{"Count": 4}]


def test_a_folder_loads_data_files_only(tmp_path):
    shutil.copytree(DATA / "agent_show", tmp_path / "exports")
    (tmp_path / "exports" / "README.md").write_text("# notes, not data\n")
    (tmp_path / "exports" / ".hidden.json").write_text("{not json")
    report = ingest([tmp_path / "exports"], tmp_path / "s.duckdb", progress=False)
    assert sorted(f.path.name for f in report.files) == ["app-02.json", "web-07.json"]


def test_utf16_export_from_windows_powershell(tmp_path):
    src = DATA / "resource_graph" / "machines_bare_list_2024-06-02.json"
    utf16 = tmp_path / "machines_2024-06-02.json"
    utf16.write_bytes(src.read_text(encoding="utf-8").encode("utf-16"))  # BOM + UTF-16 LE
    before = utf16.read_bytes()
    t = read_file(utf16)
    assert t.num_rows == 3 and t.column_names == list(ARG_COLUMNS)
    assert utf16.read_bytes() == before


def test_a_disproved_guess_falls_back_to_string(tmp_path):
    # az monitor JSON: every value is a string; `code` looks numeric for 10,000 rows, then is not
    rows = [{"TimeGenerated": "2024-06-01T00:00:00Z", "code": str(i)} for i in range(10_050)]
    rows[-1]["code"] = "E42"
    f = tmp_path / "codes.json"
    f.write_text(json.dumps(rows))
    t = read_file(f)
    assert kql_types(t) == {"TimeGenerated": "datetime", "code": "string"}
    assert t.column("code").to_pylist()[-2:] == ["10048", "E42"]
