"""parse_user_agent(): the Browser / OperatingSystem / Device bags Kusto returns, from the uap-core
regular expressions (the `ua-parser` package, imported on first use: loading its database takes
a noticeable fraction of a second).

Kusto's shape: every requested part is a bag of strings; a version part the user agent does not
give is "", and a part no pattern recognises has the family "Other" (uap-core's default).
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from typing import Any

# look-for name -> the bag's name in the result
TARGETS = {"browser": "Browser", "os": "OperatingSystem", "device": "Device"}


def available() -> bool:
    return importlib.util.find_spec("ua_parser") is not None


def targets_from(value: Any) -> list[str] | None:
    """The look-for argument (a name, or an array of names) as result bag names, None if invalid."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return None
    bags = [TARGETS.get(n.strip().lower()) for n in names]
    if any(b is None for b in bags):
        return None
    return list(dict.fromkeys(b for b in bags if b))


def _parts(found: Any, names: dict[str, str]) -> dict[str, str]:
    """Kusto's bag for one lookup: uap-core's "Other" family when nothing matched, "" for a missing part."""
    bag = {"Family": found.family if found is not None else "Other"}
    for key, attribute in names.items():
        bag[key] = (getattr(found, attribute) if found is not None else None) or ""
    return bag


_VERSION = {"MajorVersion": "major", "MinorVersion": "minor", "Patch": "patch"}


@lru_cache(maxsize=4096)  # user agents repeat heavily in real logs; each lookup tries ~1000 regexes
def _lookup(user_agent: str, bag: str) -> dict[str, str]:
    import ua_parser

    if bag == "Browser":
        return _parts(ua_parser.parse_user_agent(user_agent), _VERSION)
    if bag == "OperatingSystem":
        return _parts(ua_parser.parse_os(user_agent), {**_VERSION, "PatchMinor": "patch_minor"})
    return _parts(ua_parser.parse_device(user_agent), {"Brand": "brand", "Model": "model"})


def parse_user_agent_json(user_agent: str | None, look_for: str | None) -> str | None:
    """The JSON text of parse_user_agent(user_agent, look_for); look_for is a name or the JSON text
    of an array of names. None (null) when look_for names nothing parse_user_agent knows."""
    if user_agent is None or look_for is None:
        return None
    try:
        value = json.loads(look_for)
    except ValueError:
        value = look_for
    bags = targets_from(value)
    if bags is None:
        return None
    return json.dumps({bag: _lookup(user_agent, bag) for bag in bags}, ensure_ascii=False, separators=(",", ":"))
