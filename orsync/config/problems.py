"""An org file's problems as a linter reports them: JSON records and GitHub annotations."""

from __future__ import annotations

from typing import Any

from orsync.config.model import OrgConfig
from orsync.errors import ConfigError


def as_record(problem: ConfigError) -> dict[str, Any]:
    """`{"file", "line", "column", "path", "message"}`; line and column are null for a problem
    with the file as a whole (missing, unreadable), path is "" for one with no field."""
    return {"file": problem.file, "line": problem.line, "column": problem.column,
            "path": problem.field, "message": problem.message}


def annotation(problem: ConfigError) -> str:
    """A GitHub Actions `::error` workflow command: an annotation on the file's line in the
    pull request, and the located one-line message in the log."""
    where = {"file": problem.file, "line": problem.line, "col": problem.column}
    properties = ",".join(f"{name}={_property(str(value))}" for name, value in where.items()
                          if value is not None)
    return f"::error {properties},title=orsync validate::{_data(str(problem))}"


def summary(config: OrgConfig) -> str:
    """`5 guardrails, 8 keys, 4 members, 5 smoke tests`."""
    counts = [(len(config.guardrails), "guardrail"), (len(config.keys), "key"),
              (len(config.members), "member"), (len(config.smoke), "smoke test")]
    return ", ".join(f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in counts)


# Escapes of the workflow command syntax (the runner's own rules): a newline or a % in a
# message, and also : and , in a property, would otherwise end or split the command.
def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
