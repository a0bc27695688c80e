"""Running the real `orsync` entry point in-process, as a user's shell would."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from orsync.cli import main


class CliResult(NamedTuple):
    code: int
    out: str
    err: str


def run_cli(capsys, *args: str) -> CliResult:
    """`orsync ARGS...` through main(): exit codes and one-line errors exactly as users see them."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return CliResult(exited.value.code, captured.out, captured.err)


def point_at(monkeypatch, emulator) -> list[str]:
    """Environment and global flags that aim the CLI at a running emulator."""
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)
    return ["--base-url", emulator.base_url]
