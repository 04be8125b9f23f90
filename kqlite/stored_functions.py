"""Stored functions: `.kql` files that each define one function, callable by name from any query.

A file holds Kusto's own form (`.create-or-alter function with (docstring = "...", folder = "...")
Name(params) { body }`, as exported from a Kusto database) or the bare `Name(params) { body }`
whose leading `//` comment lines are its docstring. The query library kqlite ships lives in
kqlite/library/ and is loaded into every database unless asked not to.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import KqlError, KqlSyntaxError
from .syntax import ast as A
from .syntax.parser import parse_function_file


@dataclass(frozen=True)
class StoredFunction:
    name: str
    definition: A.FunctionDef
    docstring: str
    folder: str
    source: str  # the file's text: errors inside the body are drawn against it
    path: str

    def signature(self) -> str:
        params = []
        for p in self.definition.params:
            if p.type == "table":
                kind = "(*)" if p.columns is None else "(" + ", ".join(f"{c.name}:{c.type}" for c in p.columns) + ")"
            else:
                kind = p.type
            params.append(f"{p.name}:{kind}" + (" = ..." if p.default is not None else ""))
        return f"{self.name}({', '.join(params)})"


def _leading_comment(text: str) -> str:
    lines = []
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            lines.append(stripped[2:].strip())
        elif stripped:
            break
    return " ".join(line for line in lines if line)


def parse_function(text: str, path: str) -> StoredFunction:
    """One function file's text -> StoredFunction (KqlSyntaxError drawn against the file)."""
    try:
        parsed = parse_function_file(text)
    except KqlError as e:
        e.source = path
        raise
    props = parsed.properties
    docstring = str(props.get("docstring") or _leading_comment(text))
    return StoredFunction(parsed.name, parsed.definition, docstring, str(props.get("folder") or ""), text, path)


def load_folder(folder: str | Path) -> dict[str, StoredFunction]:
    """Every `*.kql` function file in a folder (not recursive), by function name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise KqlSyntaxError(f"no such functions folder: {folder}", code="KQ115")
    functions: dict[str, StoredFunction] = {}
    for path in sorted(folder.glob("*.kql")):
        fn = parse_function(path.read_text(encoding="utf-8-sig"), str(path))
        if fn.name in functions:
            raise KqlSyntaxError(f"function '{fn.name}' is defined twice: {functions[fn.name].path} and {path}",
                                 code="KQ116")
        functions[fn.name] = fn
    return functions


def library() -> dict[str, StoredFunction]:
    """The fleet query library shipped with kqlite (kqlite/library/*.kql)."""
    return load_folder(Path(str(resources.files("kqlite").joinpath("library"))))
