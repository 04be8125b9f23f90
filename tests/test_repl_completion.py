"""What the REPL offers where, what Enter does, and how KQL is highlighted: one line per case.

Completion cases give the text before the cursor, then what must come first (in order) and
what must not be offered at all. `Tab` marks an explicit request (pressing Tab on an empty word).
"""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from pygments.token import Comment, Keyword, Literal, Name, Number, Operator, String

from kqlite.highlight import KqlLexer
from kqlite.repl.completion import KqlCompleter
from kqlite.repl.keys import should_run
from kqlite.repl.scope import Scope

CASES = [
    # text before the cursor                                 first offered                 never offered
    ("Hea",                                                  ["Heartbeat"],                ["where"]),
    ("Heartbeat | ",                                         ["where", "project", "extend", "summarize"], ["Heartbeat"]),
    ("Heartbeat | project-a",                                ["project-away"],             []),
    ("Heartbeat | where Comp",                               ["Computer"],                 []),
    ("Heartbeat | extend Uptime = 1 | where Upt",            ["Uptime"],                   []),
    ("Heartbeat | project Computer, OSType | where Tab",     ["Computer", "OSType"],       ["TimeGenerated"]),
    ("Heartbeat | extend abc = 1, y = ab",                   ["abc"],                      []),
    ("Heartbeat | where cmptr",                              ["Computer"],                 []),
    ("Heartbeat | where tg",                                 ["TimeGenerated"],            []),
    ("Heartbeat | where Computer h",                         ["has"],                      ["Computer"]),
    ("Heartbeat | summarize dc",                             ["dcount(", "dcountif("],     []),
    ("Heartbeat | where dc",                                 [],                           ["dcount("]),
    ("Heartbeat | summarize count() b",                      ["by"],                       []),
    ("Heartbeat | summarize count() by bi",                  ["bin("],                     []),
    ("Heartbeat | join kind=",                               ["fullouter", "inner", "innerunique"], ["Computer"]),
    ("Heartbeat | join kind=inner (Resources) on $right.",   ["extendedLocation", "id"],   ["Computer"]),
    ("Heartbeat | join kind=inner (Res",                     ["Resources", "ResourcesHistory"], []),
    ("Heartbeat | union kind=",                              ["inner", "outer"],           []),
    ("Heartbeat | render ",                                  ["anomalychart", "areachart", "barchart"], []),
    ("Heartbeat | render timechart with (ti",                ["title"],                    []),
    ("Resources | where properties.agentV",                  ["agentVersion"],             []),
    ("Resources | where properties.manuf",                   ["detectedProperties.manufacturer"], []),
    ("Resources | where properties.detectedProperties.",     ["cloudprovider", "coreCount"], ["agentVersion"]),
    ("where properties.agentV",                              ["agentVersion"],             []),
    ("where ty",                                             ["type"],                     ["TimeGenerated"]),
    ("let T = Heartbeat | project Computer; T | where Tab",  ["Computer"],                 ["OSType"]),
    ("Heartbeat | where Computer == 'ab",                    [],                           ["Computer", "abs("]),
    ("Heartbeat // a comm",                                  [],                           ["Computer"]),
    ("Heartbeat | project-away Comp",                        ["Computer"],                 ["countof("]),
    ("Heartbeat | sort by Computer d",                       ["desc"],                     []),
    (".sch",                                                 [".schema"],                  []),
    (".schema Hea",                                          ["Heartbeat"],                []),
    (".format ",                                             ["csv", "json", "jsonl", "table"], []),
    (".explain Heartbeat | wh",                              ["where"],                    []),
]


@pytest.fixture(scope="module")
def completer(sample_db):
    return KqlCompleter(sample_db, Scope(sample_db))


@pytest.mark.parametrize("text, first, never", CASES, ids=[c[0] for c in CASES])
def test_completion(completer, text, first, never):
    explicit = text.endswith("Tab")
    text = text.removesuffix("Tab")
    got = [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=explicit))]
    assert got[: len(first)] == first, got[:12]
    assert not set(never) & set(got)


def test_functions_show_their_signature(completer):
    [c] = [c for c in completer.get_completions(Document("Heartbeat | extend x = ag"), CompleteEvent())
           if c.text == "ago("]
    assert c.display_text == "ago(timespan)" and c.display_meta_text == "function"


def test_a_key_that_is_not_a_name_completes_in_brackets():
    import pyarrow as pa

    import kqlite

    db = kqlite.connect()
    db.register("Odd", pa.table({"d": ['{"odd-key": 1, "plain": 2}']}), kql_types={"d": "dynamic"})
    completer = KqlCompleter(db, Scope(db))
    got = {c.text: c.start_position for c in completer.get_completions(Document("Odd | where d."), CompleteEvent())}
    assert got == {"plain": 0, "['odd-key']": -1}  # the bracket form replaces the '.'


@pytest.mark.parametrize("text, runs", [
    ("Heartbeat", True),
    ("Heartbeat |", False),
    ("Heartbeat | where x in (1, 2", False),
    ("let n = 3;", False),
    ("let n = 3; print n", True),
    ("print 1;", True),
    ("Heartbeat | wher x", True),  # a mistake more text cannot fix: run it and show the error
    ("print s = ```two\nlines", False),
    (".tables", True),
    ("", True),
])
def test_enter_runs_complete_queries(text, runs):
    assert should_run(text, text.split("\n")[-1]) is runs


def test_enter_on_a_blank_line_runs_even_an_incomplete_query():
    assert should_run("Heartbeat |\n", "")


@pytest.mark.parametrize("text, token", [
    ("Heartbeat | where x", (Keyword, "where")),
    ("T | count", (Keyword, "count")),
    ("T | project count", (Name, "count")),
    ("x > ago(7d)", (Number.Timespan, "7d")),
    ("x > datetime(2024-01-01)", (Literal.Date, "2024-01-01")),
    ("x has 'web'", (Operator.Word, "has")),
    ("x !contains 'web'", (Operator.Word, "!contains")),
    ("s = @'c:\\temp'", (String, "@'c:\\temp'")),
    ("n = 0x1F", (Number.Hex, "0x1F")),
    ("r = 1.5e3", (Number.Float, "1.5e3")),
    ("tostring(x)", (Name.Function, "tostring")),
    ("// note", (Comment.Single, "// note")),
    (".help", (Keyword.Pseudo, ".help")),
])
def test_highlighting(text, token):
    assert token in [(t, v) for t, v in KqlLexer().get_tokens(text)]
