"""Where an inference key's secret comes from: the environment, or apply's secrets file.

`orsync apply --secrets-out FILE` writes the secret of each key it creates to a JSON file keyed
by key name; a smoke test names the key (`key: ci-smoke`) and the secret is looked up there.
`env:VAR` names an environment variable instead. Secrets are only ever handed to the client;
every message here names the key or the variable, never the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from orsync.errors import OrsyncError
from orsync.apply.secret_sinks import FileSink
from orsync.secrets_file import parse_dotenv, parse_json

ENV_PREFIX = "env:"
DEFAULT_KEY_VARIABLE = "OPENROUTER_API_KEY"


class SecretLookupError(OrsyncError):
    """No secret for a key: the file or the variable is missing, or lacks that key."""


def read_secrets_file(path: str | Path) -> dict[str, str]:
    """Key name -> secret, from a file written by `orsync apply --secrets-out` (JSON, or
    dotenv for a `.env` name), read with the format functions that wrote it."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretLookupError(f"cannot read secrets file {path}: {exc.strerror or exc}") from None
    parse = parse_dotenv if FileSink(file).dotenv else parse_json
    try:
        entries = parse(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise SecretLookupError(
            f"{path}:{str(exc).removeprefix('line ')} (not a secrets file written by "
            "`orsync apply --secrets-out`)") from None
    return {name: entry.secret.get_secret_value() for name, entry in entries.items()}


class KeySource:
    """Resolves `env:VAR` or a managed key's name to a secret; reads the file once, lazily."""

    def __init__(self, secrets_file: str | Path | None = None,
                 environ: Mapping[str, str] | None = None, known: Mapping[str, str] | None = None) -> None:
        self.secrets_file = secrets_file
        self.environ = os.environ if environ is None else environ
        # Secrets the target itself can tell (the embedded emulator's seeded keys, never one an
        # apply created): used when the secrets file lacks a key that was in the emulator's seed.
        self.known = known or {}
        self._secrets: dict[str, str] | None = None

    def secret(self, reference: str) -> str:
        if reference.startswith(ENV_PREFIX):
            return self.from_env(reference[len(ENV_PREFIX):])
        return self.from_file(reference)

    def from_env(self, variable: str) -> str:
        value = self.environ.get(variable)
        if not value:
            raise SecretLookupError(f"environment variable {variable} is not set")
        return value

    def from_file(self, name: str) -> str:
        if name in self.known and (self.secrets_file is None or name not in self._file_secrets()):
            return self.known[name]
        if self.secrets_file is None:
            raise SecretLookupError(
                f"key {name!r} is a managed key: give --secrets-file (written by "
                "`orsync apply --secrets-out`), or use env:VAR")
        if name not in self._file_secrets():
            raise SecretLookupError(
                f"no secret for key {name!r} in {self.secrets_file} (secrets are saved only "
                "when apply creates a key)")
        return self._file_secrets()[name]

    def _file_secrets(self) -> dict[str, str]:
        if self._secrets is None:
            self._secrets = read_secrets_file(self.secrets_file)
        return self._secrets


@dataclass(frozen=True)
class KeyChoice:
    """Which inference key a command uses: a managed key's name, a variable, or the default."""

    name: str | None = None
    variable: str | None = None
    secrets_file: str | None = None
    known: Mapping[str, str] | None = None

    def secret(self) -> str:
        if self.name and self.variable:
            raise SecretLookupError("give --key or --key-env, not both")
        source = KeySource(self.secrets_file, known=self.known)
        if self.name:
            return source.from_file(self.name)
        try:
            return source.from_env(self.variable or DEFAULT_KEY_VARIABLE)
        except SecretLookupError:
            if self.variable:
                raise
            raise SecretLookupError(f"no inference key: set {DEFAULT_KEY_VARIABLE}, or pass --key-env "
                                    "VAR, or --key NAME with --secrets-file") from None
