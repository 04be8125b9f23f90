"""Writes the broken-file corpus next to this script (committed; re-run to re-create it).
tests/test_broken_files.py says what each file must give. The huge-line files are made by the
test itself (several MB each)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
CSV = "name,status,cores\nweb-01,Connected,4\nweb-02,Offline,8\nweb-03,Connected,2\n"
ROWS = [{"name": f"web-{i:02d}", "cores": i} for i in range(1, 6)]
MACHINES = [{"id": f"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/web-{i:02d}",
             "name": f"web-{i:02d}", "type": "microsoft.hybridcompute/machines", "subscriptionId": "s1",
             "resourceGroup": "rg", "properties": {"status": "Connected"}} for i in range(1, 3)]


def files() -> dict[str, bytes | str]:
    parquet = io.BytesIO()
    pq.write_table(pa.table({"name": [f"web-{i:02d}" for i in range(100)], "cores": list(range(100))}), parquet)
    whole_parquet = parquet.getvalue()
    return {
        # cut off while being written or copied
        "truncated_in_quotes.csv": CSV + 'web-04,"Conn',
        "truncated_row.csv": CSV + "web-04,Conn",
        "truncated.json": json.dumps(ROWS, indent=1)[:-40],
        "truncated.jsonl": "\n".join(json.dumps(r) for r in ROWS)[:-8],
        "truncated.parquet": whole_parquet[: len(whole_parquet) // 2],
        "az_graph_truncated.json": json.dumps({"count": 2, "data": MACHINES, "skip_token": None})[:-60],
        # encodings
        "utf16_no_bom.csv": CSV.encode("utf-16-le"),
        "utf16_no_bom.json": json.dumps(ROWS).encode("utf-16-le"),
        "latin1.csv": "name,city\nweb-01,Zürich\nweb-02,Montréal\n".encode("latin-1"),
        "latin1.jsonl": '{"name": "web-01"}\n{"name": "web-02", "city": "Zürich"}\n'.encode("latin-1"),
        "utf8_bom.csv": b"\xef\xbb\xbf" + CSV.encode(),
        "utf8_bom.json": b"\xef\xbb\xbf" + json.dumps(ROWS[:2]).encode(),
        "utf8_bom.jsonl": b"\xef\xbb\xbf" + "\n".join(json.dumps(r) for r in ROWS[:2]).encode() + b"\n",
        "utf16_bom.csv": b"\xff\xfe" + CSV.encode("utf-16-le"),
        # content
        "mixed_types.csv": "name,cores\nweb-01,4\nweb-02,eight\n",
        "mixed_types.jsonl": '{"name": "web-01", "cores": 4}\n{"name": "web-02", "cores": "eight"}\n',
        "empty.csv": b"",
        "empty.json": b"",
        "empty.parquet": b"",
        "blank.csv": "\n  \n",
        "header_only.csv": "name,status,cores\n",
        "duplicate_columns.csv": "name,status,name\nweb-01,Connected,x\n",
        "duplicate_columns_case.csv": "name,Name\nweb-01,x\n",
        "duplicate_keys.json": '[{"name": "web-01", "name": "web-02"}]',
        "unbalanced_quotes.csv": 'name,note\nweb-01,"fine"\nweb-02,"oops\nweb-03,ok\n',
        "extra_column.csv": "name,status\nweb-01,Connected\nweb-02,Offline,extra\n",
        "nul_bytes.csv": b"name,status\nweb-01,Conn\x00ected\nweb-02,Offline\n",
        "nul_tail.csv": b"name,status\nweb-01,Connected\n" + b"\x00" * 64,
        "nul_bytes.jsonl": b'{"name": "web-01"}\n{"name": "web-\x0002"}\n',
        "not_a_row.json": '[{"name": "web-01"}, 5, {"name": "web-03"}]',
        "list_of_lists.json": "[[1, 2], [3, 4]]",
        # the fleet's own exports, wrongly shaped
        "az_graph_data_object.json": json.dumps({"count": 1, "data": {"rows": 5}, "skip_token": None}),
        "az_graph_data_numbers.json": json.dumps({"count": 2, "data": [1, 2], "skip_token": None}),
        "az_graph_row_not_object.json": json.dumps({"count": 2, "data": [MACHINES[0], "web-02"], "skip_token": None}),
        "azcmagent_show_text.json": "Resource Name                           : web-07\n"
                                    "Resource Group Name                     : rg-arc\n"
                                    "Agent Version                           : 1.45\n",
        "azcmagent_show_truncated.json": '{"resourceName": "web-07", "agentVersion": "1.45", "status": "Conn',
    }


def main() -> None:
    for name, content in files().items():
        (HERE / name).write_bytes(content if isinstance(content, bytes) else content.encode())


if __name__ == "__main__":
    main()
