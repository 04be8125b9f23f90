"""Key bindings: when Enter runs the buffer and when it starts a new line.

Enter runs when the query is complete (it parses, and has a statement to run), when the
cursor's line is blank, when the text ends with `;` after a query, or for a dot command.
Otherwise (an open bracket, a trailing `|`, `let x = 1;` alone) it inserts a newline, as
does Alt-Enter / Esc-Enter always. A query with a mistake that more text cannot fix
(`| wher x`) also runs, so that its error shows at once. F4 switches Emacs/Vi.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application import get_app
from prompt_toolkit.enums import DEFAULT_BUFFER, EditingMode
from prompt_toolkit.filters import Condition, has_completions, has_focus, has_selection
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.key_binding.key_processor import KeyPressEvent

from ..errors import KqlSyntaxError


def should_run(text: str, current_line: str = "") -> bool:
    """Does Enter run this buffer (rather than start a new line)?"""
    stripped = text.strip()
    if not stripped or stripped.startswith("."):
        return True
    if not current_line.strip() and "\n" in text:
        return True  # Enter on a blank line: run whatever is there
    if _open_multiline_string(stripped):
        return False
    try:
        from ..syntax import ast as A
        from ..syntax.parser import parse

        script = parse(stripped)
    except KqlSyntaxError as e:
        return e.code != "KQ102"  # "unexpected end of query": more text may finish it
    return any(isinstance(s, A.QueryStatement) for s in script.statements)


def _open_multiline_string(text: str) -> bool:
    return text.count("```") % 2 == 1 or text.count("~~~") % 2 == 1


def bindings(on_toggle_mode: Callable[[EditingMode], None] = lambda mode: None) -> KeyBindings:
    kb = KeyBindings()
    @Condition
    def menu_selection() -> bool:
        state = get_app().current_buffer.complete_state
        return state is not None and state.current_completion is not None

    editing = has_focus(DEFAULT_BUFFER)  # not the Ctrl-R search field: Enter there ends the search

    @kb.add("enter", filter=editing & has_completions & menu_selection)
    def _accept_completion(event: KeyPressEvent) -> None:
        """Enter on a highlighted completion takes it (as in pgcli), it does not run the query."""
        event.current_buffer.complete_state = None

    @kb.add("enter", filter=editing & ~(has_completions & menu_selection) & ~has_selection)
    def _enter(event: KeyPressEvent) -> None:
        buf = event.current_buffer
        if should_run(buf.text, buf.document.current_line):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    @kb.add("escape", "enter", filter=editing)
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("f4")
    def _toggle(event: KeyPressEvent) -> None:
        app = event.app
        app.editing_mode = EditingMode.VI if app.editing_mode == EditingMode.EMACS else EditingMode.EMACS
        on_toggle_mode(app.editing_mode)

    return kb
