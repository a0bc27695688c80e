"""Custom content-filter patterns the API would refuse, found before any call.

OpenRouter's regex engine has no lookaround and no backreferences: a guardrail whose custom
filter uses one is refused with 400 `invalid_regex_pattern` (API-NOTES "Failure shapes").
`validate` says so at the pattern's line instead. Kept free of imports: the config model checks
every pattern with it.
"""

from __future__ import annotations


def regex_problem(pattern: str) -> str | None:
    """Why the API would refuse this custom filter pattern (400 invalid_regex_pattern), or None.

    The API's engine has no lookaround and no backreferences; Python's `re` has both, so the
    pattern is scanned here rather than compiled. Escaped characters and character classes are
    skipped: `\\(?=` and `[(?=]` are literal text, not a lookahead.
    """
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
