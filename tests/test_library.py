"""The fleet query library (kqlite/library/) checked against the sample fleet's ground truth:
sample_data/facts.json, written by the generator that made the data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import kqlite

FACTS = json.loads((Path(__file__).resolve().parents[1] / "sample_data" / "facts.json").read_text())
END = dt.datetime.fromisoformat(FACTS["end_time"].replace("Z", "+00:00")).replace(tzinfo=None)
AS_OF = "datetime(" + FACTS["end_time"] + ")"


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


@pytest.fixture(scope="module")
def fleet():
    return kqlite.sample(now=END)


def rows(fleet, query):
    return fleet.query(query).to_pylist()


def test_every_library_function_has_a_docstring(fleet):
    for name, fn in fleet.functions.items():
        assert fn.docstring, f"{name} has no docstring"
        assert fn.path.endswith(f"{name}.kql")


def test_arc_machines_matches_the_inventory(fleet):
    machines = rows(fleet, "ArcMachines()")
    assert len(machines) == FACTS["machines_latest"]
    by_status = {r["Status"]: r["n"] for r in rows(fleet, "ArcMachines() | summarize n = count() by Status")}
    assert by_status == FACTS["counts_latest"]["status"]


def test_machines_by_cloud_provider(fleet):
    got = {r["CloudProvider"]: r["Machines"] for r in rows(fleet, "MachinesByCloudProvider()")}
    assert got == FACTS["counts_latest"]["cloudProvider"]


def test_machines_by_hardware_splits_cloud_from_on_premises(fleet):
    got = {r["Hardware"]: r["Machines"] for r in rows(fleet, "MachinesByHardware()")}
    on_premises = FACTS["counts_latest"]["cloudProvider"]["N/A"]
    assert got["Cloud VM"] == FACTS["machines_latest"] - on_premises
    assert got["Physical"] + got["On-premises VM"] == on_premises


def test_machines_by_os_falls_back_to_os_name(fleet):
    got = {r["OS"]: r["Machines"] for r in rows(fleet, "MachinesByOS()")}
    assert sum(got.values()) == FACTS["machines_latest"]
    assert "" not in got
    assert got.get("windows", 0) + got.get("linux", 0) == FACTS["counts_latest"]["empty_osSku"]


def test_cloned_machines_share_a_bios_id(fleet):
    got = {r["BiosId"]: (r["Machines"], r["MarkedCloned"]) for r in rows(fleet, "ClonedMachines()")}
    want = {g["vmUuid"].lower(): (sorted(g["machines"]), sorted(g["statusReason_Cloned"]))
            for g in FACTS["clone_groups"]}
    assert {k: (json.loads(m), json.loads(c)) for k, (m, c) in got.items()} == want


def test_disconnected_and_expired_machines(fleet):
    everyone = {r["Machine"] for r in rows(fleet, f"DisconnectedMachines(0, {AS_OF})")}
    assert everyone == set(FACTS["disconnected"]) | set(FACTS["expired"])
    week = rows(fleet, f"DisconnectedMachines(7, {AS_OF})")
    assert all(r["DisconnectedFor"] > dt.timedelta(days=7) for r in week)
    assert {r["Machine"] for r in week} < everyone


def test_silent_machines(fleet):
    cutoff = END - dt.timedelta(minutes=15)
    renamed = FACTS["heartbeat_computer_differs"]
    want = {renamed.get(m, m) for m, last in FACTS["last_heartbeat"].items() if ts(last) < cutoff}
    got = {r["Computer"] for r in rows(fleet, f"SilentMachines(15, {AS_OF})")}
    assert got == want


def test_inventory_heartbeat_mismatches(fleet):
    got = rows(fleet, f"InventoryHeartbeatMismatches(15, {AS_OF})")
    silent = {r["Machine"] for r in got if r["Mismatch"] == "Connected but silent"}
    beating = {r["Machine"] for r in got if r["Mismatch"].endswith("but heartbeating")}
    assert silent == set(FACTS["silent_but_connected"])
    assert beating == set(FACTS["heartbeating_but_expired"])


def test_outdated_agents_compare_versions_not_strings(fleet):
    mix = FACTS["counts_latest"]["agentVersion"]
    newest = FACTS["newest_agent_version"]
    got = rows(fleet, "OutdatedAgents()")
    assert len(got) == sum(n for v, n in mix.items() if v != newest)
    assert all(r["Target"] == newest for r in got)

    def key(v):
        return tuple(int(p) for p in v.split("."))

    below_140 = sum(n for v, n in mix.items() if key(v) < (1, 40))
    assert len(rows(fleet, "OutdatedAgents('1.40')")) == below_140


def test_unsupported_agents_are_the_ones_older_than_12_months(fleet):
    got = {r["Machine"] for r in rows(fleet, "UnsupportedAgents()")}
    assert got == set(FACTS["machines_on_versions_older_than_12_months"])


def test_agent_errors_include_error_details_and_failed_upgrades(fleet):
    got = rows(fleet, "AgentErrors()")
    assert {r["Machine"] for r in got if r["Code"] != "AgentUpgradeFailed"} == set(FACTS["error"])
    assert {r["Machine"] for r in got if r["Code"] == "AgentUpgradeFailed"} == set(FACTS["upgrade_failed"])


def test_extension_inventory_and_failures(fleet):
    assert len(rows(fleet, "ExtensionInventory()")) == FACTS["extensions_latest"]
    got = sorted([r["Machine"], r["Extension"]] for r in rows(fleet, "FailedExtensions()"))
    assert got == sorted(FACTS["failed_extensions"])


def test_esu_eligible_without_license(fleet):
    assert [r["Machine"] for r in rows(fleet, "EsuUnlicensed()")] == sorted(FACTS["esu_eligible_unlicensed"])


def test_agent_version_mix_over_snapshots(fleet):
    got = rows(fleet, "AgentVersionMix()")
    per_snapshot: dict[dt.datetime, int] = {}
    for r in got:
        key = r["SnapshotTime"].replace(tzinfo=None)
        per_snapshot[key] = per_snapshot.get(key, 0) + r["Machines"]
    want = {ts(t): sum(counts.values()) for t, counts in FACTS["status_counts_by_snapshot"].items()}
    assert per_snapshot == want
    latest = {r["AgentVersion"]: r["Machines"] for r in got if r["SnapshotTime"].replace(tzinfo=None) == END}
    assert latest == FACTS["counts_latest"]["agentVersion"]


def test_heartbeat_availability(fleet):
    interval = FACTS["heartbeat_interval_minutes"]
    got = rows(fleet, f"HeartbeatAvailability(1d, {interval}m) | where Period == datetime(2026-11-09)")
    assert got and all(0 < r["Availability"] <= 100 for r in got)
    steady = set(FACTS["last_heartbeat"]) - set(FACTS["heartbeat_gaps"]) - set(FACTS["added_during_window"])
    renamed = FACTS["heartbeat_computer_differs"]
    full_day = {renamed.get(m, m) for m in steady}
    assert all(r["Availability"] == 100 for r in got if r["Computer"] in full_day)
