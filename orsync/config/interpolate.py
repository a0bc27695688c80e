"""`${VAR}` in the org file's string values, from the environment; `$${` is a literal `${`."""

from __future__ import annotations

import re
from collections.abc import Mapping

# `$${` comes first so that an escaped reference is never read as a reference.
_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ValueError):
    """A reference that cannot be expanded; str() is one line naming the variable."""


def expand(text: str, env: Mapping[str, str]) -> str:
    """`text` with every `${VAR}` replaced by its value in `env`."""
    if "${" not in text:
        return text
    return _REFERENCE.sub(lambda match: _replacement(match, env), text)


def _replacement(match: re.Match[str], env: Mapping[str, str]) -> str:
    if match.group(0) == "$${":
        return "${"
    name = match.group(1)
    if name is None:
        raise InterpolationError("unterminated ${ (write $${ for a literal ${)")
    if not _VARIABLE_NAME.fullmatch(name):
        raise InterpolationError(
            f"${{{name}}} is not a variable reference (names are letters, digits and _; "
            "write $${ for a literal ${)")
    if name not in env:
        raise InterpolationError(f"environment variable {name} is not set")
    return env[name]
