#!/usr/bin/env python3
"""Generate a deterministic sample Azure Arc fleet (Resource Graph + Heartbeat) for kqlite.

Every machine is modelled as a timeline (onboarding, agent-down intervals, status changes, agent
upgrades, extension failures); all outputs are rendered from it, so inventory status,
lastStatusChange and heartbeat gaps agree -- except for the deliberate mismatches in facts.json.
Same arguments => byte-identical files (fixed seed, fixed end time, no wall clock).
Standard library + pyarrow only.  See README.md next to this file.
"""
from __future__ import annotations

import argparse
import json
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

END = "2026-11-15T00:00:00Z"
DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
EXPIRE_AFTER = timedelta(days=45)
MACHINE_TYPE = "microsoft.hybridcompute/machines"
EXT_TYPE = MACHINE_TYPE + "/extensions"
RESOURCE_COLS = ("id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
                 "managedBy", "sku", "plan", "tags", "identity", "zones", "extendedLocation", "properties")
DYNAMIC_COLS = {"sku", "plan", "tags", "identity", "zones", "extendedLocation", "properties"}
DYN = {b"kql_type": b"dynamic"}


class NS:
    """A plain record compared by identity (machines and extensions)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def fixed_guid(label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "kqlite-sample/" + label))


TENANT, WORKSPACE = fixed_guid("tenant"), fixed_guid("workspace")
SUBS = {k: fixed_guid("subscription/" + k) for k in ("prod", "nonprod", "multicloud", "legacy")}
# site -> Arc region, locationData, egress IP (None: one per machine), latitude, longitude, country
SITES = {
    "AMS": ("westeurope", {"name": "Amsterdam DC1", "city": "Amsterdam", "countryOrRegion": "Netherlands"}, "198.51.100.10", 52.37, 4.9, "Netherlands"),
    "DAL": ("southcentralus", {"name": "Dallas DC2", "city": "Dallas", "district": "Texas", "countryOrRegion": "United States"}, "198.51.100.42", 32.78, -96.8, "United States"),
    "FRA": ("germanywestcentral", {"name": "Frankfurt DC3", "city": "Frankfurt", "district": "Hesse", "countryOrRegion": "Germany"}, "203.0.113.20", 50.11, 8.68, "Germany"),
    "SIN": ("southeastasia", {"name": "Singapore DC4", "city": "Singapore", "countryOrRegion": "Singapore"}, "203.0.113.70", 1.35, 103.82, "Singapore"),
    "aws-use1": ("eastus", {"name": "AWS us-east-1", "city": "Ashburn", "district": "Virginia", "countryOrRegion": "United States"}, None, 39.04, -77.49, "United States"),
    "aws-euw1": ("northeurope", {"name": "AWS eu-west-1", "city": "Dublin", "countryOrRegion": "Ireland"}, None, 53.35, -6.26, "Ireland"),
    "gcp-usc1": ("centralus", {"name": "GCP us-central1", "city": "Council Bluffs", "district": "Iowa", "countryOrRegion": "United States"}, None, 41.26, -95.86, "United States"),
    "gcp-euw4": ("westeurope", {"name": "GCP europe-west4", "city": "Eemshaven", "countryOrRegion": "Netherlands"}, None, 53.44, 6.83, "Netherlands"),
    "az-eus2": ("eastus2", {"name": "Azure East US 2", "city": "Boydton", "district": "Virginia", "countryOrRegion": "United States"}, None, 36.67, -78.39, "United States"),
}
ONPREM = ["AMS", "DAL", "FRA", "SIN"]
ONPREM_RG = {"AMS": "RG-Arc-OnPrem-AMS", "DAL": "rg-arc-onprem-dal", "FRA": "RG-Arc-OnPrem-FRA", "SIN": "Rg-Arc-OnPrem-Sin"}
# provider -> weight, sites, cloudMetadata.provider, share of Windows, hardware [(manufacturer, model, cores, GB)]
PROVIDERS = {
    "physical": (18, ONPREM, "N/A", 0.6, [("Dell Inc.", "PowerEdge R740", 0, 0), ("Dell Inc.", "PowerEdge R650", 0, 0),
                                          ("HPE", "ProLiant DL380 Gen10", 0, 0), ("HPE", "ProLiant DL360 Gen10 Plus", 0, 0),
                                          ("Lenovo", "ThinkSystem SR650", 0, 0)]),
    "vmware": (27, ONPREM, "N/A", 0.6, [("VMware, Inc.", "VMware Virtual Platform", 0, 0), ("VMware, Inc.", "VMware20,1", 0, 0)]),
    "hyperv": (10, ONPREM, "N/A", 0.8, [("Microsoft Corporation", "Virtual Machine", 0, 0)]),
    "azure": (5, ["az-eus2"], "Azure", 0.5, [("Microsoft Corporation", "Virtual Machine", 0, 0)]),
    "aws": (24, ["aws-use1", "aws-euw1"], "AWS", 0.4, [("Amazon EC2", "t3.large", 2, 8), ("Amazon EC2", "m5.xlarge", 4, 16),
                                                       ("Amazon EC2", "m6i.2xlarge", 8, 32), ("Amazon EC2", "r5.large", 2, 16)]),
    "gcp": (16, ["gcp-usc1", "gcp-euw4"], "GCP", 0.4, [("Google", "Google Compute Engine", 0, 0)]),
}
# (osSku, osVersion, Heartbeat OSName, OSMajorVersion, OSMinorVersion, weight)
WINDOWS = [("Windows Server 2022 Datacenter", "10.0.20348", "10", "0", 22), ("Windows Server 2022 Standard", "10.0.20348", "10", "0", 14),
           ("Windows Server 2019 Datacenter", "10.0.17763", "10", "0", 14), ("Windows Server 2019 Standard", "10.0.17763", "10", "0", 12),
           ("Windows Server 2016 Standard", "10.0.14393", "10", "0", 10), ("Windows Server 2025 Datacenter", "10.0.26100", "10", "0", 6),
           ("Windows Server 2012 R2 Standard", "6.3.9600", "6", "3", 8), ("Windows Server 2012 R2 Datacenter", "6.3.9600", "6", "3", 4),
           ("Windows Server 2012 Standard", "6.2.9200", "6", "2", 2)]
LINUX = [("Ubuntu 22.04.4 LTS", "5.15.0-119-generic", "Ubuntu", "22", "04", 20), ("Ubuntu 20.04.6 LTS", "5.4.0-196-generic", "Ubuntu", "20", "04", 10),
         ("Ubuntu 24.04.1 LTS", "6.8.0-45-generic", "Ubuntu", "24", "04", 8),
         ("Red Hat Enterprise Linux 9.3", "5.14.0-362.8.1.el9_3.x86_64", "Red Hat Enterprise Linux", "9", "3", 12),
         ("Red Hat Enterprise Linux 8.9", "4.18.0-513.5.1.el8_9.x86_64", "Red Hat Enterprise Linux", "8", "9", 9),
         ("SUSE Linux Enterprise Server 15 SP5", "5.14.21-150500.55.39-default", "SUSE Linux Enterprise Server", "15", "5", 5),
         ("Rocky Linux 9.4 (Blue Onyx)", "5.14.0-427.13.1.el9_4.x86_64", "Rocky Linux", "9", "4", 4),
         ("Debian GNU/Linux 12 (bookworm)", "6.1.0-25-amd64", "Debian GNU/Linux", "12", "", 4)]
AMAZON_LINUX = ("Amazon Linux 2023", "6.1.109-118.189.amzn2023.x86_64", "Amazon Linux", "2023", "", 0)
ROLES = {True: ["sql", "app", "web", "fs", "dc", "rds", "iis"], False: ["web", "db", "app", "k8s", "kafka", "proxy", "mon"]}
# extension name -> publisher, typeHandlerVersion
EXTENSIONS = {
    "AzureMonitorWindowsAgent": ("Microsoft.Azure.Monitor", "1.31.0.0"), "AzureMonitorLinuxAgent": ("Microsoft.Azure.Monitor", "1.33.2"),
    "MicrosoftMonitoringAgent": ("Microsoft.EnterpriseCloud.Monitoring", "1.0.18069.0"), "OmsAgentForLinux": ("Microsoft.EnterpriseCloud.Monitoring", "1.19.0"),
    "MDE.Windows": ("Microsoft.Azure.AzureDefenderForServers", "1.0.10.0"), "MDE.Linux": ("Microsoft.Azure.AzureDefenderForServers", "1.0.6.0"),
    "WindowsPatchExtension": ("Microsoft.CPlat.Core", "1.5.62"), "LinuxPatchExtension": ("Microsoft.CPlat.Core", "1.6.52"),
    "WindowsAgent.SqlServer": ("Microsoft.AzureData", "1.1.2780.91"), "CustomScriptExtension": ("Microsoft.Compute", "1.10.15"),
    "CustomScript": ("Microsoft.Azure.Extensions", "2.1.10"), "ChangeTracking-Windows": ("Microsoft.Azure.ChangeTrackingAndInventory", "2.22.0.0"),
    "ChangeTracking-Linux": ("Microsoft.Azure.ChangeTrackingAndInventory", "2.22.0.0"),
    "DependencyAgentWindows": ("Microsoft.Azure.Monitoring.DependencyAgent", "9.10.19.27860"),
    "DependencyAgentLinux": ("Microsoft.Azure.Monitoring.DependencyAgent", "9.10.19.27860"),
}
MONITORING = {"AzureMonitorWindowsAgent", "AzureMonitorLinuxAgent", "MicrosoftMonitoringAgent", "OmsAgentForLinux"}
ERRORS = [("AZCM0041", "The credentials supplied to the Connected Machine agent are invalid or have expired."),
          ("HybridIdentityCertificateExpired", "The managed identity certificate of the machine has expired; reconnect the agent."),
          ("AZCM0026", "Network error: unable to reach https://gbl.his.arc.azure.com (dial tcp: i/o timeout).")]
UPGRADE_FAILURES = ["Agent upgrade failed: package download returned 0x80072EE2 (timeout).",
                    "Agent upgrade failed: another installation is already in progress (1618)."]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso7(t: datetime) -> str:
    """Resource Graph style timestamp with 7 fractional digits, e.g. 2026-11-12T08:14:33.5836230Z."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}0Z"


def isous(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def between(rng: random.Random, a: datetime, b: datetime) -> datetime:
    return a + timedelta(microseconds=rng.randrange(max(1, int((b - a) / timedelta(microseconds=1)))))


def vkey(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def agent_releases(end: datetime) -> list:
    """Monthly agent releases 1.28 .. 1.49 (1.49 shipped 11 days before `end`) plus a 1.47 hotfix
    whose revision 1012 sorts *before* the original's 987 when compared as strings."""
    out = []
    for minor in range(28, 50):
        date = (end - timedelta(days=11 + round(30.4 * (49 - minor)))).replace(hour=0)
        build = 2347 + (minor - 31) * 29 + (minor * 7) % 11
        out.append((f"1.{minor}.{build:05d}.{987 if minor == 47 else 300 + (minor * 137) % 1500}", date))
        if minor == 47:
            out.append((f"1.47.{build:05d}.1012", date + timedelta(days=9)))
    return out


VERSION_WEIGHTS = {49: 6, 48: 16, 47: 10, 46: 10, 45: 8, 44: 7, 43: 6, 42: 5, 41: 4, 40: 3, 39: 3, 38: 2, 36: 1.5, 33: 1, 28: 0.5}


def pick_version(rng, releases, before: datetime) -> str:
    """An agent version released before `before`, weighted towards recent releases."""
    cands = [(v, VERSION_WEIGHTS.get(vkey(v)[1], 0) * (0.3 if v.endswith(".987") else 1)) for v, d in releases if d <= before]
    cands = [(v, w) for v, w in cands if w > 0]
    return rng.choices([v for v, _ in cands], [w for _, w in cands])[0]


def make_machine(rng, provider, used, end, like=None):
    """One machine's static description; `like` makes a clone sharing OS, hardware and BIOS UUID."""
    weight, sites, cloud, win_share, hardware = PROVIDERS[provider]
    m = NS(provider=provider, cloud=cloud, clone_of=None, down=[], events=[], error=None, version_events=[],
           upgrade=None, hb=None, silent_from=None, hb_ignores_down=False)
    if like:
        for k in ("site", "windows", "os", "role", "hw", "cores", "logical", "mem", "serial", "vm_uuid", "firmware", "env", "sub", "rg", "mssql"):
            setattr(m, k, getattr(like, k))
        m.clone_of = like
    else:
        m.site, m.windows = rng.choice(sites), rng.random() < win_share
        osl = WINDOWS if m.windows else LINUX + ([AMAZON_LINUX[:5] + (12,)] if provider == "aws" else [])
        m.os = rng.choices(osl, [o[-1] for o in osl])[0]
        m.role = rng.choice(ROLES[m.windows])
        m.hw = rng.choice(hardware)
        if provider == "physical":
            m.cores = rng.choice([16, 24, 32, 48, 64]); m.logical = 2 * m.cores; m.mem = rng.choice([128, 256, 384, 512, 768])
        elif m.hw[2]:
            m.logical, m.mem = m.hw[2], m.hw[3]; m.cores = max(1, m.logical // 2)
        else:
            m.cores = m.logical = rng.choice([2, 4, 4, 8, 8, 16]); m.mem = m.cores * rng.choice([2, 4, 8])
        u = guid(rng)
        u = {"aws": "ec2" + u[3:], "physical": "4c4c4544" + u[8:] if m.hw[0] == "Dell Inc." else u}.get(provider, u)
        m.vm_uuid = u.upper() if m.windows else u
        m.serial = serial_number(rng, provider, m.hw[0], u)
        m.firmware = {"serialNumber": m.serial, "type": rng.choice(["UEFI", "UEFI", "BIOS"])}
        m.env = rng.choices(["prod", "dev", "test"], [55, 25, 20])[0]
        legacy = m.os[0].startswith("Windows Server 2012") and provider in ("physical", "vmware", "hyperv") and rng.random() < 0.5
        m.sub = SUBS["legacy"] if legacy else SUBS["multicloud"] if provider in ("aws", "gcp") else SUBS["prod" if m.env == "prod" and provider != "azure" else "nonprod"]
        m.rg = ("RG-Legacy-2012" if legacy else ONPREM_RG.get(m.site) or {"aws": "RG-Arc-AWS-Prod" if m.env == "prod" else "rg-arc-aws-nonprod",
                                                                          "gcp": "rg-arc-gcp", "azure": "Rg-Arc-AzureTest"}[provider])
        m.mssql = m.role == "sql" or (m.windows and rng.random() < 0.08)
    m.name = computer_name(rng, m, used)
    if provider in ("physical", "vmware", "hyperv"):
        ad = "emea.corp.contoso.com" if m.site in ("AMS", "FRA") else "corp.contoso.com"
        joined = rng.random() < (0.8 if m.windows else 0.25)
        suffix = ad
    elif provider == "aws":
        ad, joined = "corp.contoso.com", m.windows and rng.random() < 0.4
        suffix = ad if joined else ("ec2.internal" if m.site == "aws-use1" else "eu-west-1.compute.internal")
    else:
        ad, joined = "corp.contoso.com", False
        suffix = {"gcp-usc1": "us-central1-a.c.contoso-prod-4711.internal", "gcp-euw4": "europe-west4-b.c.contoso-prod-4711.internal",
                  "az-eus2": "contoso-test.internal.cloudapp.net"}[m.site]
    m.fqdn = f"{m.name}.{suffix}".lower() if not m.windows else f"{m.name}.{suffix}"
    m.domain = ad if joined else ("WORKGROUP" if m.windows else "")
    m.ad_fqdn = m.fqdn if joined else ""
    m.hb_computer = m.fqdn if (m.windows and joined) else m.name   # Heartbeat.Computer is the FQDN on domain members
    base = {"AMS": "10.10", "DAL": "10.20", "FRA": "10.30", "SIN": "10.40", "gcp-usc1": "10.128", "gcp-euw4": "10.164", "az-eus2": "10.0"}.get(m.site, "172.31")
    m.ips = [m.name[3:].replace("-", ".")] if m.name.startswith("ip-10-") else [f"{base}.{rng.randint(1, 60)}.{rng.randint(4, 250)}"]
    if provider == "physical" and rng.random() < 0.4:
        m.ips.append(f"192.168.{rng.randint(100, 120)}.{rng.randint(4, 250)}")
    m.public_ip = SITES[m.site][2] or f"192.0.2.{rng.randint(1, 254)}"
    m.id = f"/subscriptions/{m.sub}/resourceGroups/{m.rg}/providers/Microsoft.HybridCompute/machines/{m.name}"
    m.vm_id, m.principal, m.source_computer_id = guid(rng), guid(rng), guid(rng)
    m.tags = {} if rng.random() < 0.05 else {"env": m.env, "owner": rng.choice(["platform-team", "sql-team", "web-team", "sre", "finance-it"]),
                                             "costCenter": f"CC-{rng.randint(1000, 1099)}"}
    if provider == "aws":
        m.tags["cloudInstanceId"] = "i-0" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
    elif provider == "gcp":
        m.tags["cloudInstanceId"] = str(rng.randint(10 ** 18, 10 ** 19 - 1))
    m.has_location = rng.random() < 0.85
    m.auto_upgrade = rng.random() < 0.6
    m.created = end - timedelta(days=rng.uniform(60, 900))
    m.extensions = []
    return m


def serial_number(rng, provider, manufacturer, u) -> str:
    """SMBIOS serial in the style of the platform (VMware and AWS serials derive from the BIOS UUID)."""
    hexu = u.replace("-", "")
    if provider == "physical":
        return "".join(rng.choice("0123456789BCDFGHJKLMNPQRSTVWXYZ") for _ in range(7 if manufacturer == "Dell Inc." else 10))
    if provider == "vmware":
        return "VMware-" + " ".join(hexu[i:i + 2] for i in range(0, 16, 2)) + "-" + " ".join(hexu[i:i + 2] for i in range(16, 32, 2))
    if provider == "aws":
        return u.lower()
    if provider == "gcp":
        return "GoogleCloud-" + hexu.upper()
    return "-".join(f"{rng.randint(0, 9999):04d}" for _ in range(6)) + f"-{rng.randint(0, 99):02d}"   # Hyper-V / Azure


def computer_name(rng, m, used) -> str:
    """A unique host name in the style of the machine's platform (Windows names upper case)."""
    while True:
        n = rng.randint(1, 99)
        if m.provider == "aws":
            name = ("EC2AMAZ-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(7)) if m.windows
                    else f"ip-10-{rng.randint(16, 31)}-{rng.randint(0, 255)}-{rng.randint(4, 254)}")
        else:
            prefix = {"gcp": "gcp", "azure": "azvm"}.get(m.provider, m.site.lower())
            name = f"{prefix}-{m.role}-{n:02d}"
        name = name.upper() if m.windows else name
        if name.lower() not in used:
            used.add(name.lower())
            return name


def make_fleet(rng, n, end, start, snaps, releases):
    """Build the fleet and its timelines; returns (machines, roles) where roles names the special machines."""
    used = set()
    providers = list(PROVIDERS)
    clone_sizes = [2, 3, 2, 2]
    base = [make_machine(rng, rng.choices(providers, [p[0] for p in PROVIDERS.values()])[0], used, end)
            for _ in range(n - sum(s - 1 for s in clone_sizes))]
    pool = list(range(len(base)))
    rng.shuffle(pool)
    machines, roles = list(base), {}
    vm_pool = [i for i in pool if base[i].provider in ("vmware", "hyperv")]
    roles["clone_groups"] = []
    for size in clone_sizes:                        # originals + clones sharing one BIOS UUID
        orig = base[vm_pool.pop()]
        pool.remove(base.index(orig))
        group = [orig] + [make_machine(rng, orig.provider, used, end, like=orig) for _ in range(size - 1)]
        for c in group[1:]:
            c.created = orig.created + timedelta(days=rng.uniform(5, 50))
        machines += group[1:]
        roles["clone_groups"].append(group)
    take = lambda frac, lo: [base[pool.pop()] for _ in range(max(lo, round(n * frac)))]
    roles.update(added=take(0.01, 3), disc_window=take(0.013, 3), disc_before=take(0.013, 3), expiring=take(0.0067, 2),
                 expired_long=take(0.013, 3), hb_expired=take(0, 1), outage=take(0.013, 4), error=take(0.017, 4), silent=take(0.01, 3),
                 old_agent=take(0, 1))
    s1 = snaps[1] if len(snaps) > 1 else start
    for m in roles["added"]:
        m.created = between(rng, s1 + HOUR, end - 6 * HOUR)
    for m in roles["disc_window"]:
        m.down.append((between(rng, s1 + HOUR, end - 6 * HOUR), None))
    for m in roles["disc_before"]:
        m.down.append((end - timedelta(days=rng.uniform(8, 40)), None))
    for m in roles["expiring"]:                     # Disconnected in early snapshots, Expired in later ones
        m.down.append((between(rng, s1, end - 2 * HOUR) - EXPIRE_AFTER, None))
    for m in roles["expired_long"] + roles["hb_expired"]:
        m.down.append((end - timedelta(days=rng.uniform(60, 200)), None))
    for i, m in enumerate(roles["outage"]):         # reconnected later; the first ones span a snapshot
        if i < 2 and len(snaps) > 2:
            s = snaps[1 + i % (len(snaps) - 2)]
            a, b = s - timedelta(hours=rng.uniform(1, 8)), s + timedelta(hours=rng.uniform(1, 10))
        else:
            a = between(rng, start + HOUR, end - 40 * HOUR)
            b = a + timedelta(hours=rng.uniform(3, 30))
        m.down.append((a, b))
    for i, m in enumerate(roles["error"]):
        m.error = (between(rng, s1, end - 2 * HOUR) if i < 2 else end - timedelta(days=rng.uniform(8, 30)), ERRORS[i % len(ERRORS)])
    for m in roles["silent"]:
        m.silent_from = end - timedelta(hours=rng.uniform(2, 10))
    roles["hb_expired"][0].hb_ignores_down = True
    for m in machines:
        m.created = min(m.created, *(a - 10 * DAY for a, _ in m.down)) if m.down else m.created
    specials = {id(m) for k, v in roles.items() if k != "clone_groups" for m in v}
    normal = [m for m in machines if id(m) not in specials]
    for m in machines:                              # heartbeat agent: AMA mostly, some legacy MMA, ~9% none
        m.hb = "Azure Monitor Agent" if rng.random() < 0.92 else "Direct Agent"
    for m in rng.sample([m for m in normal if m.clone_of is None and m not in sum(roles["clone_groups"], [])], max(1, round(n * 0.09))):
        m.hb = None
    roles["no_heartbeat"] = [m for m in machines if m.hb is None]
    build_timelines(rng, machines, roles, releases, end, start, s1)
    return machines, roles


def build_timelines(rng, machines, roles, releases, end, start, s1):
    """Status events, agent versions/upgrades and extensions for every machine."""
    newest = max((v for v, _ in releases), key=vkey)
    upgradable = {id(m) for m in machines if not m.down and not m.error}
    failed_upgrades = 0
    for m in machines:
        delay = timedelta(minutes=rng.uniform(15, 30))
        m.last_change0 = m.created + timedelta(minutes=rng.uniform(2, 30)) if rng.random() < 0.5 else between(rng, m.created, start - DAY)
        for a, b in m.down:
            m.events.append((a + delay, "Disconnected"))
            if b:
                m.events.append((b + timedelta(minutes=rng.uniform(0, 2)), "Connected"))
            elif a + EXPIRE_AFTER <= end:
                m.events.append((a + EXPIRE_AFTER + timedelta(minutes=rng.uniform(0, 90)), "Expired"))
        if m.error:
            m.events.append((m.error[0], "Error"))
        m.events.sort()
        ref = min([start] + [a for a, _ in m.down])
        v0 = newest if m in roles["added"] else pick_version(rng, releases, ref)
        if m in roles["old_agent"]:
            v0, m.auto_upgrade = next(v for v, _ in releases if v.startswith("1.28.")), False
        m.version_events = [(m.created, v0)]
        if id(m) in upgradable and v0 != newest and m not in roles["old_agent"] and (m.auto_upgrade and rng.random() < 0.65 or rng.random() < 0.08):
            t = between(rng, start, end - HOUR)
            ok = not (m.auto_upgrade and failed_upgrades < 3 and rng.random() < 0.15)   # a few failed attempts
            failed_upgrades += not ok
            m.upgrade = (t, ok, newest, None if ok else UPGRADE_FAILURES[failed_upgrades % 2])
            if ok:
                m.version_events.append((t, newest))
        exts = []
        if m.hb:
            exts.append(("AzureMonitor" + ("WindowsAgent" if m.windows else "LinuxAgent")) if m.hb.startswith("Azure")
                        else ("MicrosoftMonitoringAgent" if m.windows else "OmsAgentForLinux"))
        w = m.windows
        for name, p in ((("MDE.Windows" if w else "MDE.Linux"), 0.65), (("WindowsPatchExtension" if w else "LinuxPatchExtension"), 0.5),
                        (("CustomScriptExtension" if w else "CustomScript"), 0.1), (("ChangeTracking-Windows" if w else "ChangeTracking-Linux"), 0.2),
                        (("DependencyAgentWindows" if w else "DependencyAgentLinux"), 0.1)):
            if rng.random() < p:
                exts.append(name)
        if m.mssql:
            exts.append("WindowsAgent.SqlServer")
        for e in exts:
            fail = None
            if e not in MONITORING and rng.random() < 0.04:
                fail = m.created + timedelta(days=1)
            m.extensions.append(NS(name=e, fail_from=fail, auto=rng.random() < 0.7, created=m.created + timedelta(minutes=rng.uniform(5, 600))))
    late = [(m, e) for m in machines for e in m.extensions if e.name not in MONITORING and e.fail_from is None]
    for m, e in rng.sample(late, 2):                # extensions failing during the window (history shows the change)
        e.fail_from = between(rng, s1, end - HOUR)


def state_at(m, t):
    """(status, lastStatusChange, agentVersion) of machine m at time t."""
    status, since = "Connected", m.last_change0
    for et, s in m.events:
        if et <= t:
            status, since = s, et
    version = [v for vt, v in m.version_events if vt <= t][-1]
    return status, since, version


def machine_row(m, t):
    """The Resource Graph row of machine m as seen at time t (dynamic values as Python objects)."""
    status, since, version = state_at(m, t)
    old = vkey(version) < (1, 35)                    # old agents do not report the newer properties
    os_sku, os_ver = m.os[0], m.os[1]
    p = {"provisioningState": "Succeeded", "status": status}
    if m.clone_of:
        p["statusReason"] = "Cloned"
    p["lastStatusChange"] = iso7(since)
    p["errorDetails"] = ([{"code": m.error[1][0], "message": m.error[1][1], "target": None}] if status == "Error" else [])
    p.update(agentVersion=version, vmId=m.vm_id, vmUuid=m.vm_uuid, displayName=m.name, machineFqdn=m.fqdn, domainName=m.domain,
             dnsFqdn=m.fqdn, adFqdn=m.ad_fqdn, osName="windows" if m.windows else "linux", osType="windows" if m.windows else "linux",
             osSku="" if (hash_int(m.vm_id) % 19 == 0) else os_sku, osVersion=os_ver,
             osEdition=("serverdatacenter" if "Datacenter" in os_sku else "serverstandard") if m.windows else "")
    p["osProfile"] = {"computerName": m.name, ("windowsConfiguration" if m.windows else "linuxConfiguration"):
                      {"patchSettings": {"assessmentMode": "AutomaticByPlatform" if m.auto_upgrade else "ImageDefault", "patchMode": "Manual"}}}
    p["detectedProperties"] = {"manufacturer": m.hw[0], "model": m.hw[1], "cloudprovider": m.cloud, "serialNumber": m.serial,
                               "coreCount": str(m.cores), "logicalCoreCount": str(m.logical), "processorCount": "2" if m.provider == "physical" else "1",
                               "processorNames": "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz" if m.provider == "physical" else "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz",
                               "totalPhysicalMemoryInGigabytes": str(m.mem), "totalPhysicalMemoryInBytes": str(m.mem * 1024 ** 3),
                               "mssqldiscovered": "true" if m.mssql else "false"}
    p["cloudMetadata"] = {"provider": m.cloud}
    p["firmwareProfile"] = m.firmware
    if not old:
        up = {"enableAutomaticUpgrade": m.auto_upgrade}
        if m.upgrade and m.upgrade[0] <= t:
            up.update(desiredVersion=m.upgrade[2], lastAttemptStatus="Success" if m.upgrade[1] else "Failed",
                      lastAttemptMessage=m.upgrade[3] or "", lastAttemptTimestamp=iso7(m.upgrade[0]))
        p["agentUpgrade"] = up
        if m.windows:
            eligible = os_sku.startswith("Windows Server 2012")
            p["licenseProfile"] = {"esuProfile": {"esuEligibility": "Eligible" if eligible else "Ineligible",
                                                  "licenseAssignmentState": "Assigned" if eligible and hash_int(m.vm_id) % 5 < 2 else "NotAssigned",
                                                  "serverType": "Datacenter" if "Datacenter" in os_sku else "Standard"}}
        p["networkProfile"] = {"networkInterfaces": [{"ipAddresses": [{"address": ip, "ipAddressVersion": "IPv4",
                                                                       "subnet": {"addressPrefix": ip.rsplit(".", 1)[0] + ".0/24"}}]} for ip in m.ips]}
        running = status in ("Connected", "Error")
        p["serviceStatuses"] = {s: {"status": "running" if running else "stopped", "startupType": "automatic"}
                                for s in ("extensionService", "guestConfigurationService")}
    p["agentConfiguration"] = {"proxyUrl": "http://proxy.corp.contoso.com:8080" if m.provider == "physical" else "", "extensionsEnabled": "true",
                               "guestConfigurationEnabled": "true", "configMode": "full"}
    if m.has_location:
        p["locationData"] = SITES[m.site][1]
    return {"id": m.id, "name": m.name, "type": MACHINE_TYPE, "tenantId": TENANT, "kind": "", "location": SITES[m.site][0],
            "resourceGroup": m.rg.lower(), "subscriptionId": m.sub, "managedBy": "", "sku": None, "plan": None, "tags": m.tags,
            "identity": {"type": "SystemAssigned", "principalId": m.principal, "tenantId": TENANT}, "zones": None,
            "extendedLocation": None, "properties": p}


def extension_row(m, e, t):
    """The Resource Graph row of extension e on machine m at time t."""
    failed = e.fail_from is not None and e.fail_from <= t
    publisher, version = EXTENSIONS[e.name]
    status = ({"code": "1", "level": "Error", "displayStatus": "Provisioning failed",
               "message": f"Extension {e.name} failed: Enable command exited with code 1. See the extension log for details.", "time": iso7(e.fail_from)}
              if failed else {"code": "0", "level": "Information", "displayStatus": "Provisioning succeeded",
                              "message": "Extension Message: Enable succeeded.", "time": iso7(e.created)})
    props = {"publisher": publisher, "type": e.name, "typeHandlerVersion": version, "provisioningState": "Failed" if failed else "Succeeded",
             "enableAutomaticUpgrade": e.auto, "autoUpgradeMinorVersion": False,
             "instanceView": {"name": e.name, "type": e.name, "typeHandlerVersion": version, "status": status}}
    return {"id": f"{m.id}/extensions/{e.name}", "name": e.name, "type": EXT_TYPE, "tenantId": TENANT, "kind": "",
            "location": SITES[m.site][0], "resourceGroup": m.rg.lower(), "subscriptionId": m.sub, "managedBy": "", "sku": None,
            "plan": None, "tags": None, "identity": None, "zones": None, "extendedLocation": None, "properties": props}


def hash_int(s: str) -> int:
    return int(s.replace("-", "")[:8], 16)


def snapshot_rows(machines, t):
    """All Resources rows (machines + extensions) that exist at time t, sorted by lower-case id."""
    rows = []
    for m in machines:
        if m.created <= t:
            rows.append(machine_row(m, t))
            rows += [extension_row(m, e, t) for e in m.extensions]
    return sorted(rows, key=lambda r: r["id"].lower())


def resources_table(rows, snapshot_time=None) -> pa.Table:
    """Rows -> Arrow table; dynamic columns become JSON text tagged kql_type=dynamic."""
    fields, arrays = [], []
    for c in RESOURCE_COLS:
        dyn = c in DYNAMIC_COLS
        fields.append(pa.field(c, pa.string(), metadata=DYN if dyn else None))
        arrays.append(pa.array([None if r[c] is None else json.dumps(r[c], separators=(",", ":")) if dyn else r[c] for r in rows], pa.string()))
    if snapshot_time is not None:
        fields.append(pa.field("SnapshotTime", pa.timestamp("us", tz="UTC")))
        arrays.append(pa.array([snapshot_time] * len(rows), pa.timestamp("us", tz="UTC")))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


HB_FIELDS = [("TenantId", pa.string()), ("SourceSystem", pa.string()), ("TimeGenerated", pa.timestamp("us", tz="UTC")),
             ("MG", pa.string()), ("ManagementGroupName", pa.string()), ("SourceComputerId", pa.string()), ("ComputerIP", pa.string()),
             ("Computer", pa.string()), ("Category", pa.string()), ("OSType", pa.string()), ("OSName", pa.string()),
             ("OSMajorVersion", pa.string()), ("OSMinorVersion", pa.string()), ("Version", pa.string()), ("SCAgentChannel", pa.string()),
             ("IsGatewayInstalled", pa.bool_()), ("RemoteIPLongitude", pa.float64()), ("RemoteIPLatitude", pa.float64()),
             ("RemoteIPCountry", pa.string()), ("SubscriptionId", pa.string()), ("ResourceGroup", pa.string()), ("ResourceProvider", pa.string()),
             ("Resource", pa.string()), ("ResourceId", pa.string()), ("ResourceType", pa.string()), ("ComputerEnvironment", pa.string()),
             ("Solutions", pa.string()), ("VMUUID", pa.string()), ("ComputerPrivateIPs", pa.string()), ("Type", pa.string()),
             ("_ResourceId", pa.string()), ("_SubscriptionId", pa.string()), ("_BilledSize", pa.float64()), ("_TimeReceived", pa.timestamp("us", tz="UTC"))]
HB_SCHEMA = pa.schema([pa.field(n, t, metadata=DYN if n == "ComputerPrivateIPs" else None) for n, t in HB_FIELDS])


def heartbeat_times(rng, m, start, end, interval):
    """Heartbeat timestamps (µs since epoch) of m: one per interval, none while its agent was down
    (unless it is the deliberate heartbeating-but-Expired machine) and none after it went silent."""
    step = interval * 60_000_000
    offset = rng.randrange(step)
    t0, t1 = int(max(start, m.created).timestamp() * 1e6), int(end.timestamp() * 1e6)
    down = [] if m.hb_ignores_down else [(int(a.timestamp() * 1e6), int(b.timestamp() * 1e6) if b else t1) for a, b in m.down]
    stop = int(m.silent_from.timestamp() * 1e6) if m.silent_from else t1
    base0 = int(start.timestamp() * 1e6)
    out = []
    for k in range((t1 - base0) // step + 1):
        ts = base0 + k * step + offset + rng.randrange(250_000)
        if t0 <= ts < min(t1, stop) and not any(a <= ts < b for a, b in down):
            out.append(ts)
    return out


def heartbeat_table(rng, machines, start, end, interval) -> tuple:
    """Log Analytics Heartbeat rows for machines with a monitoring agent, sorted by Computer, TimeGenerated."""
    parts, last = [], {}
    for m in sorted((m for m in machines if m.hb), key=lambda m: m.hb_computer):
        times = heartbeat_times(rng, m, start, end, interval)
        if not times:
            continue
        last[m.name] = times[-1]
        ama = m.hb.startswith("Azure")
        lat, lon, country = SITES[m.site][3:6]
        const = {"TenantId": WORKSPACE, "SourceSystem": "OpsManager" if m.windows else "Linux", "MG": "" if ama else "00000000-0000-0000-0000-000000000001",
                 "ManagementGroupName": "" if ama else f"AOI-{WORKSPACE}", "SourceComputerId": m.source_computer_id, "ComputerIP": m.public_ip,
                 "Computer": m.hb_computer, "Category": m.hb, "OSType": "Windows" if m.windows else "Linux",
                 "OSName": m.os[0] if m.windows else m.os[2], "OSMajorVersion": m.os[2] if m.windows else m.os[3],
                 "OSMinorVersion": m.os[3] if m.windows else m.os[4],
                 "Version": EXTENSIONS[m.extensions[0].name][1] if ama else ("10.20.18069.0" if m.windows else "1.19.0-0"),
                 "SCAgentChannel": "" if ama else "Direct", "IsGatewayInstalled": False, "RemoteIPLongitude": lon, "RemoteIPLatitude": lat,
                 "RemoteIPCountry": country, "SubscriptionId": m.sub, "ResourceGroup": m.rg, "ResourceProvider": "Microsoft.HybridCompute",
                 "Resource": m.name, "ResourceId": m.id, "ResourceType": "machines",
                 "ComputerEnvironment": "Azure" if m.cloud == "Azure" else "Non-Azure",
                 "Solutions": "" if ama else '"security", "changeTracking", "updates"', "VMUUID": m.vm_uuid.lower(),
                 "ComputerPrivateIPs": json.dumps(m.ips), "Type": "Heartbeat",
                 "_ResourceId": m.id if hash_int(m.vm_id) % 7 == 0 else m.id.lower(), "_SubscriptionId": m.sub,
                 "_BilledSize": float(900 + len(m.hb_computer) * 4 + len(m.id) * 2)}
        latency = rng.randint(20, 90) * 1_000_000
        arrays = []
        for name, typ in HB_FIELDS:
            if name == "TimeGenerated":
                arrays.append(pa.array(times, pa.int64()).cast(typ))
            elif name == "_TimeReceived":
                arrays.append(pa.array([t + latency + rng.randrange(4_000_000) for t in times], pa.int64()).cast(typ))
            else:
                arrays.append(pa.repeat(pa.scalar(const[name], typ), len(times)))
        parts.append(pa.Table.from_arrays(arrays, schema=HB_SCHEMA))
    table = pa.concat_tables(parts).combine_chunks() if parts else HB_SCHEMA.empty_table()
    return table, last


def agent_show(m, end, releases) -> dict:
    """`azcmagent show --json` output of m at the end time; newer agents print more keys."""
    status, since, version = state_at(m, end)
    last_hb = end - timedelta(seconds=37) if status in ("Connected", "Error") else min(a for a, _ in m.down)
    d = {"resourceName": m.name, "resourceGroup": m.rg, "resourceNamespace": "Microsoft.HybridCompute", "resourceId": m.id,
         "subscriptionId": m.sub, "tenantId": TENANT, "vmId": m.vm_id, "correlationId": fixed_guid("corr/" + m.name), "vmUuid": m.vm_uuid,
         "location": SITES[m.site][0], "cloud": "AzureCloud", "agentVersion": version, "status": status,
         "lastHeartbeat": iso(last_hb.replace(microsecond=0)), "agentErrorCode": m.error[1][0] if status == "Error" else "",
         "agentErrorDetails": m.error[1][1] if status == "Error" else "", "agentErrorTimestamp": iso(m.error[0]) if status == "Error" else "",
         "httpsProxy": "http://proxy.corp.contoso.com:8080" if m.provider == "physical" else "", "proxyBypass": [],
         "manufacturer": m.hw[0], "model": m.hw[1], "mssqldiscovered": "true" if m.mssql else "false"}
    if vkey(version) >= (1, 40):
        d["cloudProvider"] = m.cloud
        d["services"] = [{"displayName": n, "serviceName": s, "status": "running" if status != "Disconnected" else "stopped"}
                         for n, s in (("Agent Service", "himds"), ("Extension Service", "extensionservice"), ("GC Service", "gcarcservice"))]
    if vkey(version) >= (1, 45):
        d["cloudInstanceId"] = m.tags.get("cloudInstanceId", "")
        d["osSku"] = m.os[0]
        d["portalPage"] = f"https://portal.azure.com/#@{TENANT}/resource{m.id}/overview"
    return d


def write_parquet(table: pa.Table, path: Path, delta=()):
    """zstd Parquet; `delta` columns (timestamps) use DELTA_BINARY_PACKED instead of a dictionary."""
    pq.write_table(table, path, compression="zstd", compression_level=9, row_group_size=1 << 20,
                   use_dictionary=[c for c in table.column_names if c not in delta], column_encoding={c: "DELTA_BINARY_PACKED" for c in delta} or None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--machines", type=int, default=300)
    ap.add_argument("--days", type=int, default=7, help="days of Heartbeat history before --end")
    ap.add_argument("--snapshots", type=int, default=7, help="daily Resource Graph snapshots ending at --end")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    ap.add_argument("--end", default=END, help="end of the history (ISO, UTC)")
    ap.add_argument("--interval-minutes", type=int, default=5, help="heartbeat interval (the real agent sends one a minute)")
    a = ap.parse_args(argv)
    if a.machines < 60:
        ap.error("--machines must be at least 60")
    end = datetime.fromisoformat(a.end.replace("Z", "+00:00")).astimezone(timezone.utc)
    start = end - timedelta(days=a.days)
    snaps = [end - timedelta(days=a.snapshots - 1 - k) for k in range(a.snapshots)]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(a.seed)
    releases = agent_releases(end)
    machines, roles = make_fleet(rng, a.machines, end, start, snaps, releases)

    history = [(t, snapshot_rows(machines, t)) for t in snaps]
    latest = history[-1][1]
    # the snapshot time travels with the file, so that ingesting it next to ResourcesHistory adds nothing new
    stamp = {b"snapshot_time": snaps[-1].strftime("%Y-%m-%dT%H:%M:%SZ").encode()}
    write_parquet(resources_table(latest).replace_schema_metadata(stamp), out / "Resources.parquet")
    write_parquet(pa.concat_tables([resources_table(r, t) for t, r in history]), out / "ResourcesHistory.parquet")
    hb, last = heartbeat_table(random.Random(a.seed + 1), machines, start, end, a.interval_minutes)
    write_parquet(hb, out / "Heartbeat.parquet", delta=("TimeGenerated", "_TimeReceived"))

    for sub in ("AgentShow", "resource_graph"):
        (out / sub).mkdir(exist_ok=True)
        for f in (out / sub).glob("*.json"):
            f.unlink()
    show = [roles["clone_groups"][0][1], roles["disc_window"][0], roles["old_agent"][0], roles["error"][0]]
    show += [next(m for m in machines if m.provider == p and m.hb and not m.down and not m.error and m not in show) for p in ("aws", "gcp", "physical")]
    for m in show:
        (out / "AgentShow" / f"{m.name}.json").write_text(json.dumps(agent_show(m, end, releases), indent=2) + "\n")

    t0, rows0 = history[0]
    (out / "resource_graph" / f"az_graph_query_{t0:%Y-%m-%d}.json").write_text(
        json.dumps({"count": len(rows0), "data": rows0, "skip_token": None, "total_records": len(rows0)}, indent=2) + "\n")
    tm, rowsm = history[len(history) // 2]
    cols = [{"name": c, "type": "object" if c in DYNAMIC_COLS else "string"} for c in RESOURCE_COLS]
    (out / "resource_graph" / f"rest_table_{tm:%Y-%m-%d}.json").write_text(json.dumps(
        {"totalRecords": len(rowsm), "count": len(rowsm), "data": {"columns": cols, "rows": [[r[c] for c in RESOURCE_COLS] for r in rowsm]},
         "facets": [], "resultTruncated": "false"}, separators=(",", ":")) + "\n")

    facts = build_facts(a, machines, roles, history, releases, hb, last, start, end, show, t0, tm)
    (out / "facts.json").write_text(json.dumps(facts, indent=1) + "\n")
    print(f"{len(latest)} Resources rows, {sum(len(r) for _, r in history)} history rows, {hb.num_rows} Heartbeat rows -> {out}")


def build_facts(a, machines, roles, history, releases, hb, last, start, end, show, t0, tm) -> dict:
    """Ground truth for tests, read back from the rendered latest snapshot where possible."""
    latest = [r for r in history[-1][1] if r["type"] == MACHINE_TYPE]
    by_status = lambda s: sorted(r["name"] for r in latest if r["properties"]["status"] == s)
    names = lambda ms: sorted(m.name for m in ms)
    newest = max((v for v, _ in releases), key=vkey)
    cutoff = end - timedelta(days=365)
    rel = dict(releases)
    old_versions = sorted({r["properties"]["agentVersion"] for r in latest if rel[r["properties"]["agentVersion"]] < cutoff}, key=vkey)
    esu = sorted(r["name"] for r in latest if r["properties"].get("licenseProfile", {}).get("esuProfile", {}).get("esuEligibility") == "Eligible"
                 and r["properties"]["licenseProfile"]["esuProfile"]["licenseAssignmentState"] == "NotAssigned")
    failed_ext = sorted([r["id"].split("/")[-3], r["name"]] for r in history[-1][1] if r["type"] == EXT_TYPE and r["properties"]["provisioningState"] == "Failed")
    us = lambda t: isous(datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=t))
    gaps = {}
    for m in machines:
        if m.hb and not m.hb_ignores_down:
            g = [[isous(max(x, start)), isous(y) if y else None] for x, y in m.down if (y or end) > start]
            if g:
                gaps[m.name] = g
    return {
        "seed": a.seed, "end_time": iso(end), "heartbeat_start": iso(start), "heartbeat_interval_minutes": a.interval_minutes,
        "snapshot_times": [iso(t) for t, _ in history], "raw_export_snapshots": {"az_graph_query": iso(t0), "rest_table": iso(tm)},
        "machines_latest": len(latest), "extensions_latest": len(history[-1][1]) - len(latest), "heartbeat_rows": hb.num_rows,
        "counts_latest": {"status": dict(sorted(Counter(r["properties"]["status"] for r in latest).items())),
                          "osName": dict(sorted(Counter(r["properties"]["osName"] for r in latest).items())),
                          "cloudProvider": dict(sorted(Counter(r["properties"]["cloudMetadata"]["provider"] for r in latest).items())),
                          "empty_osSku": sum(1 for r in latest if not r["properties"]["osSku"]),
                          "mssqldiscovered": sum(1 for r in latest if r["properties"]["detectedProperties"]["mssqldiscovered"] == "true"),
                          "agentVersion": dict(sorted(Counter(r["properties"]["agentVersion"] for r in latest).items(), key=lambda kv: vkey(kv[0])))},
        "status_counts_by_snapshot": {iso(t): dict(sorted(Counter(r["properties"]["status"] for r in rows if r["type"] == MACHINE_TYPE).items())) for t, rows in history},
        "clone_groups": [{"vmUuid": g[0].vm_uuid, "machines": names(g), "original": g[0].name, "statusReason_Cloned": names(g[1:])} for g in roles["clone_groups"]],
        "disconnected": by_status("Disconnected"), "expired": by_status("Expired"), "error": by_status("Error"),
        "disconnected_during_window": names(roles["disc_window"]), "expired_during_window": names(roles["expiring"]),
        "reconnected_after_outage": names(roles["outage"]), "added_during_window": {m.name: iso(m.created) for m in sorted(roles["added"], key=lambda m: m.name)},
        "no_heartbeat_agent": names(roles["no_heartbeat"]),
        "silent_but_connected": {m.name: us(last[m.name]) for m in sorted(roles["silent"], key=lambda m: m.name)},
        "heartbeating_but_expired": names(roles["hb_expired"]),
        "heartbeat_gaps": dict(sorted(gaps.items())),
        "heartbeat_computer_differs": {m.name: m.hb_computer for m in sorted(machines, key=lambda m: m.name) if m.hb and m.hb_computer != m.name},
        "last_heartbeat": {k: us(v) for k, v in sorted(last.items())},
        "esu_eligible_unlicensed": esu, "failed_extensions": failed_ext,
        "upgrade_failed": sorted(r["name"] for r in latest if r["properties"].get("agentUpgrade", {}).get("lastAttemptStatus") == "Failed"),
        "newest_agent_version": newest, "agent_releases": {v: iso(d) for v, d in releases},
        "agent_versions_older_than_12_months": old_versions,
        "machines_on_versions_older_than_12_months": sorted(r["name"] for r in latest if r["properties"]["agentVersion"] in old_versions),
        "agent_show_files": sorted(m.name + ".json" for m in show),
    }


if __name__ == "__main__":
    main()
