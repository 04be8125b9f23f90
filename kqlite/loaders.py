"""Reading data files into Arrow (Parquet, CSV, JSON, JSON Lines) with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from .errors import KqlDataError


def read_file(path: Path) -> pa.Table:
    if not path.exists():
        raise KqlDataError("no such file", path=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if suffix in (".csv", ".tsv"):
            import pyarrow.csv as pcsv

            opts = pcsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
            return pcsv.read_csv(path, parse_options=opts)
        if suffix in (".jsonl", ".ndjson"):
            import pyarrow.json as pjson

            return pjson.read_json(path)
        if suffix == ".json":
            import json

            data = json.loads(path.read_text(encoding="utf-8-sig"))
            if isinstance(data, dict) and isinstance(data.get("data"), list):
                data = data["data"]
            if not isinstance(data, list):
                raise KqlDataError("expected a JSON list of objects", path=str(path))
            return pa.Table.from_pylist(data)
    except KqlDataError:
        raise
    except (pa.ArrowInvalid, ValueError, OSError) as e:
        raise KqlDataError(str(e).splitlines()[0], path=str(path)) from None
    raise KqlDataError(f"unknown file type '{suffix}' (Parquet, CSV, JSON or JSON Lines)", path=str(path))
