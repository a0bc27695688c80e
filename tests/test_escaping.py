"""orsync.escaping: controls, bidi overrides and separators shown, not obeyed (issue 13 class 7)."""

from __future__ import annotations

import io
import re

import pytest

from orsync.escaping import markdown_code, markdown_text, visible, visible_lines
from orsync.progress import Progress
from orsync.views.table import Column, render_fields, render_table

HOSTILE = "prod\r\x1b]0;pwned\x07ok\x1b[2K\u202eevil\u2028x\ty\n`|p\x85\u2066"
# What must never reach a terminal or a comment raw (a newline only where a line ends).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\rb", "a\\rb"), ("a\nb", "a\\nb"), ("a\tb", "a\\tb"), ("\x1b[31mred", "\\x1b[31mred"),
    ("\x1b]8;;http://x\x07link", "\\x1b]8;;http://x\\x07link"), ("x\u202ey", "x\\u202ey"),
    ("l\u2028m\u2029n", "l\\u2028m\\u2029n"), ("c1\x85\x9b", "c1\\x85\\x9b"), ("del\x7f", "del\\x7f"),
    ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"), ("tag\U000e0041", "tag\\U000e0041"),
    ("café ✓ 日本", "café ✓ 日本"), ("", ""),
])
def test_visible_writes_each_unsafe_character_as_an_escape(raw, shown):
    assert visible(raw) == shown


def test_visible_lines_keeps_newlines_only():
    assert visible_lines("one \x1b[2K\nline two\r") == "one \\x1b[2K\nline two\\r"


def test_code_span_survives_backticks_and_pipes():
    assert markdown_code("plain") == "`plain`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`edge") == "`` `edge ``"
    assert markdown_code("a|b", in_table=True) == "`a\\|b`"
    assert markdown_code("a\nb") == "`a\\nb`"


def test_markdown_text_escapes_what_would_format_or_open_html():
    assert markdown_text("a|b *c* _d_ <details> `e` [f](g) ~h~ \\") == (
        "a\\|b \\*c\\* \\_d\\_ \\<details\\> \\`e\\` \\[f\\](g) \\~h\\~ \\\\")
    assert markdown_text("x\u202e") == "x\\\\u202e"   # the escape's backslash, escaped


def test_progress_lines_cannot_be_rewritten_by_a_name():
    stream = io.StringIO()
    progress = Progress(2, stream=stream, live=False)
    progress.advance(f"deleted key.{HOSTILE}")
    progress.note(f"failed: key.{HOSTILE}: 500")
    written = stream.getvalue()
    assert not RAW.search(written)
    assert written.count("\n") == 2 and "key.prod\\r\\x1b]0;pwned\\x07ok" in written


def test_a_live_progress_counter_keeps_only_its_own_control_sequences():
    stream = io.StringIO()
    progress = Progress(1, stream=stream, live=True)
    progress.advance(f"deleted key.{HOSTILE}")
    written = stream.getvalue()
    assert written.startswith("\r\x1b[K[1/1] deleted key.prod\\r")
    assert not RAW.search(written.removeprefix("\r\x1b[K"))


def test_tables_show_escaped_cells_and_fit_on_their_escaped_width():
    table = render_table([Column("name"), Column("limit", align="right")], [[HOSTILE, "$5.00"]], width=200)
    assert not RAW.search(table) and table.count("\n") == 2
    assert visible(HOSTILE) in table
    fields = render_fields([("name", HOSTILE)], width=200)
    assert not RAW.search(fields) and fields.count("\n") == 1
