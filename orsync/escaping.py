r"""Names from the live org, made safe to print: every renderer passes them through here.

A name made by hand in the OpenRouter dashboard may hold anything: a CR or an ANSI/OSC
sequence rewrites the terminal line that announces its deletion, U+202E reverses what
follows, a newline or U+2028 starts a fake line, and a backtick or pipe breaks the Markdown
table of a PR comment. Such characters are shown, not obeyed: `\r`, `\x1b`, `\u202e`
(Python's own escapes, so a reader can tell exactly which character is there).
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; the invisible format characters that reorder or hide text
# (bidi marks, embeddings, overrides and isolates, zero-width characters, the BOM, the
# interlinear annotation marks, Unicode tag characters); the line and paragraph separators.
_INVISIBLE = ("\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
              "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f")
_UNSAFE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_INVISIBLE}]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_BACKTICK_RUNS = re.compile("`+")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control, bidi and invisible format character written as an escape."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def visible_lines(text: str) -> str:
    """Like `visible`, but newlines stay: for messages that are several lines on purpose."""
    return _UNSAFE_BUT_NEWLINE.sub(_escape, text)


def markdown_code(text: str, *, in_table: bool = False) -> str:
    """`text` as one inline code span that no backtick inside it can close early.

    Inside a table cell a pipe is escaped too (GitHub splits cells before it parses code).
    """
    shown = visible(text)
    fence = "`" * (max((len(run) for run in _BACKTICK_RUNS.findall(shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    if in_table:
        shown = shown.replace("|", "\\|")
    return f"{fence}{pad}{shown}{pad}{fence}"


def markdown_text(text: str) -> str:
    """Prose (a warning, a table cell) with Markdown's and HTML's special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text))
