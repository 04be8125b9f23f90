"""parse_xml(): XML text to the JSON value Kusto's reference page defines.

    <e/>                      {"e": null}
    <e>text</e>               {"e": "text"}
    <e name="value"/>         {"e": {"@name": "value"}}
    <e name="value">text</e>  {"e": {"@name": "value", "#text": "text"}}
    <e><a>x</a><b>y</b></e>   {"e": {"a": "x", "b": "y"}}
    <e><a>x</a><a>y</a></e>   {"e": {"a": ["x", "y"]}}
    <e> text <a>x</a></e>     {"e": {"#text": "text", "a": "x"}}

Only elements, attributes and text are kept (the XML declaration, comments, processing
instructions and the DOCTYPE are skipped); text is trimmed, and whitespace-only text dropped, as
in the page's table. Names keep their prefixes ("soap:Body", "@xmlns:soap"): namespaces are not
resolved. An element's sole text and an attribute's value that read as a JSON number become
numbers, as in the page's example (<value>118.0</value> is 118.0; earlier versions of the page
name the xml2json library, whose numeric mode converts exactly those two); "#text" beside
attributes or elements stays a string. Leading zeros, signs other than '-' and exponents keep
text a string ("007" is no number).

Parsed with expat from the standard library, building the result on an explicit stack so deep
documents cannot exhaust Python's recursion. Any entity declaration refuses the document (no
"billion laughs" expansion, no external entities), and input over 1 MB gives null, as in Kusto.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.parsers import expat

MAX_INPUT_BYTES = 1_048_576  # the page: longer strings give a null object
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+")


def _typed(text: str) -> Any:
    """A number for text that is one (a long, or a real with a fraction), else the text."""
    if _INTEGER.fullmatch(text):
        number = int(text)
        return number if -(2**63) <= number < 2**63 else text
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text


class _Refused(Exception):
    """A document kqlite will not expand (entity declarations, external entities)."""


class _Element:
    __slots__ = ("name", "members", "text")

    def __init__(self, name: str, attributes: dict[str, str]):
        self.name = name
        # (key, value) in document order: "@attr", "#text" and child element names
        self.members: list[tuple[str, Any]] = [("@" + k, _typed(v)) for k, v in attributes.items()]
        self.text: list[str] = []  # character data since the last child element

    def flush_text(self) -> None:
        text = "".join(self.text).strip()
        self.text.clear()
        if text:
            self.members.append(("#text", text))

    def value(self) -> Any:
        self.flush_text()
        if not self.members:
            return None
        if all(key == "#text" for key, _ in self.members):  # text alone (split by comments or PIs)
            return _typed("".join(v for _, v in self.members))
        bag: dict[str, Any] = {}
        repeated: set[str] = set()
        for key, v in self.members:
            if key not in bag:
                bag[key] = v
            elif key in repeated:
                bag[key].append(v)
            else:  # a name seen twice becomes an array, in document order
                bag[key] = [bag[key], v]
                repeated.add(key)
        return bag


def _refuse(*_: Any) -> int:
    raise _Refused


def xml_to_json(text: str | None) -> str | None:
    """The JSON text parse_xml(text) gives, or None (null) for invalid, hostile or oversized XML."""
    if text is None:
        return None
    data = text.encode("utf-8")
    if len(data) > MAX_INPUT_BYTES:
        return None
    # the text is already decoded: a declared encoding must not re-decode it (as Kusto's string parsing)
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SkippedEntityHandler = _refuse
    stack: list[_Element] = []
    root: list[tuple[str, Any]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if stack:
            stack[-1].flush_text()
        stack.append(_Element(name, attributes))

    def end(name: str) -> None:
        element = stack.pop()
        member = (element.name, element.value())
        (stack[-1].members if stack else root).append(member)

    def characters(data: str) -> None:
        if stack:  # text outside the root element is only whitespace in well-formed XML
            stack[-1].text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Refused):
        return None
    if len(root) != 1:
        return None
    name, value = root[0]
    try:
        return json.dumps({name: value}, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:  # nesting deeper than json can write: no value rather than a failed query
        return None
