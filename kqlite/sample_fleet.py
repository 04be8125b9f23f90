"""The bundled sample fleet (sample_data/): Resources, ResourcesHistory, Heartbeat."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq

TABLES = ("Resources", "ResourcesHistory", "Heartbeat")


def sample_dir() -> Path:
    packaged = resources.files("kqlite").joinpath("sample_data")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "sample_data"


def load_sample(db) -> None:
    folder = sample_dir()
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if path.exists():
            db.register(name, pq.read_table(path))
