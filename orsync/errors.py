"""The error every user-facing failure derives from.

The CLI turns an OrsyncError into one line on stderr and exit status 1; anything else that
escapes is a bug, reported in one line too (the traceback only with -v).
"""


class OrsyncError(Exception):
    """A failure the user can act on; str() is one line."""

    exit_code = 1


class ConfigError(OrsyncError):
    """The org file is malformed or inconsistent.

    str() is `file:line:col: field.path: message`, the form editors and CI annotators parse.
    """

    def __init__(self, message: str, *, file: str = "", line: int | None = None,
                 column: int | None = None, field: str = "") -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class SafetyError(OrsyncError):
    """A plan breaks a policy guard (protect, max_deletes) or a saved plan is stale."""


class SecretSinkError(OrsyncError):
    """New key secrets have nowhere safe to go, or could not be written there."""
