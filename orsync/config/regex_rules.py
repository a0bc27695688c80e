"""Custom content-filter patterns the API would refuse, found before any call.

OpenRouter's regex engine has no lookaround and no backreferences: a guardrail whose custom
filter uses one is refused with 400 `invalid_regex_pattern` (API-NOTES "Failure shapes").
`validate` says so at the pattern's line instead, and of a pattern that is not a regex at all.
Kept light: the config model checks every pattern with it.
"""

from __future__ import annotations

import re


def regex_problem(pattern: str) -> str | None:
    """Why the API would refuse this custom filter pattern (400 invalid_regex_pattern), or None.

    The API's engine has no lookaround and no backreferences, which Python's `re` has: those are
    found by scanning the pattern (escaped characters and character classes skipped: `\\(?=`
    and `[(?=]` are literal text, not a lookahead); the rest must compile.
    """
    problem = _unsupported(pattern)
    if problem:
        return problem
    try:
        re.compile(pattern)
    except re.error as exc:  # unbalanced parentheses, a dangling quantifier, ...
        return f"not a valid regex: {exc}"
    return None


def _unsupported(pattern: str) -> str | None:
    """The first lookaround or backreference outside escapes and character classes."""
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            problem = None if in_class else _escape_problem(pattern[index + 1:index + 3])
            if problem:
                return problem
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            # A `]` right after `[` or `[^` is a literal member of the class.
            in_class, index = True, index + 1
            index += pattern.startswith("^", index)
            index += pattern.startswith("]", index)
            continue
        elif char == "(" and pattern.startswith("?", index + 1):
            problem = _group_problem(pattern[index + 2:index + 5])
            if problem:
                return problem
        index += 1
    return None


def _escape_problem(escaped: str) -> str | None:
    if escaped[:1].isdigit() and escaped[:1] != "0":
        return f"backreference \\{escaped[:1]} is not supported by the API (invalid_regex_pattern)"
    if escaped[:2] == "k<":
        return "named backreference \\k<...> is not supported by the API (invalid_regex_pattern)"
    return None


def _group_problem(after_question: str) -> str | None:
    if after_question[:1] in ("=", "!"):
        return "lookahead (?= or (?! is not supported by the API (invalid_regex_pattern)"
    if after_question[:2] in ("<=", "<!"):
        return "lookbehind (?<= or (?<! is not supported by the API (invalid_regex_pattern)"
    if after_question[:2] == "P=":
        return "named backreference (?P=...) is not supported by the API (invalid_regex_pattern)"
    return None
