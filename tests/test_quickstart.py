"""The README's quick start, run exactly as written: a newcomer's first five minutes."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from tests.cli_runner import run_cli

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("orsync ")]


def test_readme_quick_start_works_offline_and_converges(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for variable in ("OPENROUTER_MANAGEMENT_KEY", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    commands = quick_start_commands()
    assert len(commands) >= 5
    outputs = []
    for args in commands:
        result = run_cli(capsys, *args)
        assert result.code == 0, f"orsync {' '.join(args)} -> {result.code}: {result.err}"
        outputs.append(result)
    plans = [out.out for args, out in zip(commands, outputs) if "plan" in args]
    assert "to create" in plans[0] and "No changes. The live org matches the file." in plans[-1]
    secrets = (tmp_path / "secrets.json").read_text()
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    assert all(secret not in out.out + out.err for out in outputs
               for secret in re.findall(r"sk-or-v1-[0-9a-f]{64}", secrets))
