"""The docs run as written: every `orsync` command in a shell block of README.md and docs/*.md,
and every YAML example of the org file, pasted by a user who has no key.

- Each ```sh block runs in a fresh folder holding `examples/` and `org.yaml` (the example org),
  against the embedded emulator (`orsync --emulator`, inserted after `orsync`); a block that
  starts `orsync emulator` runs against a real emulator server instead, as the block says.
  OPENROUTER_API_KEY holds a seeded key of that org (docs/run.md, "Which key").
- A block whose first line is a `# needs ...` comment needs something outside orsync (a real
  key, Vault): its commands are only parsed, which still catches a renamed verb or option.
- Other programs in a block (pip, conftest, echo) are not run; `echo X | orsync ...` feeds X
  to stdin, `orsync ... > F` writes stdout to F, and a confirmation prompt is answered "y".
- Each YAML example of the org file is validated inside the example org (a fragment's entries
  replace the example's entries of the same name), so its references resolve as in real use.
"""

from __future__ import annotations

import io
import re
import shlex
import shutil
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

import click
import pytest
import yaml

from orsync.cli import cli
from orsync.emulator.embedded import embedded_key_secrets
from orsync.emulator.store.seeding import load_seed_file
from orsync.emulator.testing import running_emulator
from tests.cli_runner import point_at, run_cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
OPERATORS = {"&&", "||", ";", "|", "&"}
# The org-file examples: pages whose ```yaml blocks are org files or fragments of one.
ORG_FILE_PAGES = ["README.md", "docs/config.md", "docs/run.md"]
OUTLINE = re.compile(r"\[\.\.\.\]|\{\.\.\.\}")  # a sketch of the layout, not a file
# Values for the ${VAR} examples of docs/config.md.
EXAMPLE_ENV = {"TEAM": "web", "CI_KEY_LIMIT": "5"}


class Command(NamedTuple):
    args: list[str]
    stdout_to: str | None
    stdin: str


class Block(NamedTuple):
    page: str
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def needs_outside(self) -> bool:
        return self.text.lstrip().startswith("# needs ")


def fenced_blocks(page: str, languages: tuple[str, ...]) -> list[Block]:
    text = (ROOT / page).read_text(encoding="utf-8")
    return [Block(page, text[:m.start()].count("\n") + 1, m.group(2))
            for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)
            if m.group(1) in languages]


def shell_lines(text: str) -> list[str]:
    return [line for line in text.replace("\\\n", " ").splitlines() if line.strip()]


def segments(line: str) -> list[list[str]]:
    """A shell line as its commands, split at && || ; | & (quotes and comments as sh reads them)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|>")
    lexer.whitespace_split = True
    found: list[list[str]] = [[]]
    for token in lexer:
        if token in OPERATORS:
            found.append([token])
        else:
            found[-1].append(token)
    return [part for part in found if part and part != [";"]]


def orsync_commands(block: Block) -> list[Command]:
    commands = []
    for line in shell_lines(block.text):
        previous: list[str] = []
        for part in segments(line):
            piped = part[0] == "|"
            words = part[1:] if part[0] in OPERATORS else part
            if words and words[0] == "orsync":
                stdin = " ".join(previous[1:]) + "\n" if piped and previous[:1] == ["echo"] else ""
                commands.append(Command(*_split_redirect(words[1:]), stdin=stdin))
            previous = words
    return commands


def _split_redirect(words: list[str]) -> tuple[list[str], str | None]:
    """`ARGS > FILE` as (ARGS, FILE); (ARGS, None) without a redirection."""
    if ">" not in words:
        return words, None
    at = words.index(">")
    return words[:at], words[at + 1]


def parse_only(args: list[str]) -> None:
    """Parse `orsync ARGS` as click would, down to the last subcommand, without running it."""
    context = cli.make_context("orsync", list(args))
    command: click.Command = cli
    while isinstance(command, click.Group) and unparsed(context):
        name, command, rest = command.resolve_command(context, unparsed(context))
        context = command.make_context(name, rest, parent=context)


def unparsed(context: click.Context) -> list[str]:
    with warnings.catch_warnings():  # click 8.2 splits them in two; 9.0 keeps them in `args`
        warnings.simplefilter("ignore", DeprecationWarning)
        return [*getattr(context, "protected_args", []), *context.args]


def verb(args: list[str]) -> str:
    return next(word for word in args if not word.startswith("-"))


SHELL_BLOCKS = [block for page in PAGES for block in fenced_blocks(page, ("sh", "bash", "shell"))
                if orsync_commands(block)]


def test_the_docs_have_runnable_blocks():
    """The parser below finds the blocks it should: a change of fence or layout fails here."""
    wheres = {block.where.split(":")[0] for block in SHELL_BLOCKS}
    assert {"README.md", "docs/apply.md", "docs/run.md", "docs/ci.md", "docs/config.md"} <= wheres
    assert any(block.needs_outside for block in SHELL_BLOCKS)


def in_a_fresh_folder(folder: Path, monkeypatch) -> None:
    """The folder a reader runs the docs in: the example org as `org.yaml`, `examples/` beside it."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    shutil.copy(ROOT / "examples" / "org.yaml", folder / "org.yaml")
    monkeypatch.chdir(folder)
    for variable in ("OPENROUTER_MANAGEMENT_KEY", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda block: block.where)
def test_every_documented_command_parses(block, tmp_path, monkeypatch):
    in_a_fresh_folder(tmp_path, monkeypatch)
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")  # made by an earlier line
    for command in orsync_commands(block):
        try:
            parse_only(command.args)
        except click.ClickException as problem:
            pytest.fail(f"{block.where}: orsync {shlex.join(command.args)}: {problem.format_message()}")


@pytest.mark.parametrize("block", [block for block in SHELL_BLOCKS if not block.needs_outside],
                         ids=lambda block: block.where)
def test_every_documented_command_runs_offline(block, tmp_path, monkeypatch, capsys, make_emulator):
    in_a_fresh_folder(tmp_path, monkeypatch)
    commands = orsync_commands(block)
    served = any(verb(command.args) == "emulator" for command in commands)
    if served:  # the block starts a server and points the CLI at it through the environment
        emulator = make_emulator()
        monkeypatch.setenv("OPENROUTER_BASE_URL", point_at(monkeypatch, emulator)[1])
        monkeypatch.setenv("OPENROUTER_API_KEY", emulator.state.key_named("prod-backend").secret)
    else:
        monkeypatch.setenv("OPENROUTER_API_KEY", embedded_key_secrets(tmp_path / ".orsync")["prod-backend"])
    # A person at a terminal answers the confirmation prompt.
    monkeypatch.setattr("orsync.apply.session._stdin_is_terminal", lambda: True)
    for command in commands:
        if verb(command.args) == "emulator":
            parse_only(command.args)
            continue
        args = command.args if served or "--emulator" in command.args else ["--emulator", *command.args]
        monkeypatch.setattr(sys, "stdin", io.StringIO(command.stdin or "y\n"))
        result = run_cli(capsys, *args)
        shown = f"{block.where}: orsync {shlex.join(args)} -> {result.code}: {result.err[-600:]}"
        assert result.code == 0, shown  # drift too: every block applies before it checks
        assert "Traceback" not in result.err, shown
        if command.stdout_to:
            Path(command.stdout_to).write_text(result.out, encoding="utf-8")


def org_examples() -> list[Block]:
    return [block for page in ORG_FILE_PAGES for block in fenced_blocks(page, ("yaml", "yml"))
            if not OUTLINE.search(re.sub(r"#.*", "", block.text))]


def identity(entry) -> tuple:
    """What names an entry: its name (or slug, email) within its workspace."""
    if not isinstance(entry, dict):
        return (entry,)
    return (entry.get("name") or entry.get("slug") or entry.get("email"), entry.get("workspace"))


def within_example_org(fragment: dict) -> dict:
    org = yaml.safe_load((ROOT / "examples" / "org.yaml").read_text(encoding="utf-8"))
    for section, entries in fragment.items():
        if isinstance(entries, list) and isinstance(org.get(section), list):
            replaced = {identity(entry) for entry in entries}
            kept = [entry for entry in org[section] if identity(entry) not in replaced]
            org[section] = kept + entries
        else:
            org[section] = entries
    return org


@pytest.mark.parametrize("block", org_examples(), ids=lambda block: block.where)
def test_every_org_file_example_validates(block, tmp_path, monkeypatch, capsys):
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    fragment = yaml.safe_load(block.text) or {}
    whole = fragment if "version" in fragment else within_example_org(fragment)
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(whole, sort_keys=False), encoding="utf-8")
    result = run_cli(capsys, "validate", str(path))
    assert result.code == 0, f"{block.where}: {result.out}{result.err}"


def test_the_seed_example_of_docs_emulator_md_serves_its_org(tmp_path, monkeypatch, capsys):
    """docs/emulator.md, "Seeding your org for CI": the seed loads, and the org it describes
    (workspace, keys, a guardrail assignment) is what the CLI then reads."""
    [block] = fenced_blocks("docs/emulator.md", ("yaml",))
    (tmp_path / "seed.yaml").write_text(block.text, encoding="utf-8")
    with running_emulator(load_seed_file(tmp_path / "seed.yaml")) as emulator:
        assert emulator.management_key == "sk-or-v1-emu-ci-fake"
        assert emulator.state.guardrail_of_key(emulator.state.key_named("ci-smoke").hash).name == "ci-policy"
        global_flags = point_at(monkeypatch, emulator)
        result = run_cli(capsys, *global_flags, "get", "keys")
    assert result.code == 0, result.err
    assert "notebook" in result.out and "research" in result.out


def test_the_mermaid_sample_of_docs_adoption_md_is_what_graph_draws_of_the_readme_org(tmp_path, capsys):
    org = fenced_blocks("README.md", ("yaml",))[0]   # "The org file"; the workspaces block follows
    [drawing] = fenced_blocks("docs/adoption.md", ("mermaid",))
    (tmp_path / "org.yaml").write_text(org.text, encoding="utf-8")
    result = run_cli(capsys, "graph", str(tmp_path / "org.yaml"))
    assert (result.code, result.out) == (0, drawing.text)


def options_of(command: click.Command) -> set[str]:
    """Every spelling of every option of `command` and, for a group, of its subcommands."""
    found = {spelling for param in command.params
             for spelling in (*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ()))}
    for sub in getattr(command, "commands", {}).values():
        found |= options_of(sub)
    return found


def test_every_option_an_inline_synopsis_names_exists():
    """`orsync VERB ... --option` in running text and tables (README's command table, say)."""
    unknown = []
    for page in PAGES:
        for synopsis in re.findall(r"`orsync ([^`]+)`", (ROOT / page).read_text(encoding="utf-8")):
            verb_name = next((word for word in synopsis.split() if word in cli.commands), None)
            if verb_name is None:
                continue
            known = options_of(cli.commands[verb_name]) | options_of(cli)
            unknown += [f"{page}: orsync {synopsis}: {option}"
                        for option in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", synopsis)
                        if option not in known]
    assert not unknown, "\n".join(unknown)
