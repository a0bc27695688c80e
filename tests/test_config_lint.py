"""`orsync validate` as a linter, and its agreement with the JSON Schema that `orsync schema`
prints.

The corpus (tests/data/org-corpus/) names each file for what both must say: `valid-*` both
accept, `bad-*` both reject, `cross-*` only `validate` rejects (names and references across
entries, which a JSON Schema cannot express). The schema side is checked twice: in process with
jsonschema over the data orsync reads (the same YAML 1.2 reading editors do), and with the
check-jsonschema command, as a CI linter or an editor would run it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from orsync.config.loader import EXTENSION_PREFIX
from orsync.config.schema import config_json_schema
from orsync.config.yaml_reader import parse
from tests.cli_runner import run_cli

CORPUS = Path(__file__).resolve().parent / "data" / "org-corpus"
FILES = sorted(CORPUS.glob("*.yaml"))
FIVE = CORPUS / "bad-five-problems.yaml"


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def expected_verdicts(path: Path) -> tuple[bool, bool]:
    """(schema accepts, validate accepts), from the file's name."""
    category = path.name.split("-", 1)[0]
    return {"valid": (True, True), "bad": (False, False), "cross": (True, False)}[category]


def schema_accepts(path: Path) -> bool:
    def unreadable(message, location, field_path):
        return AssertionError(f"{path.name} is not readable YAML: {message}")

    data, _ = parse(path.read_text(encoding="utf-8"), {}, unreadable)
    return Draft202012Validator(config_json_schema()).is_valid(data)


def test_the_corpus_is_large_and_covers_every_category():
    categories = [path.name.split("-", 1)[0] for path in FILES]
    assert len(FILES) >= 40
    assert {"valid", "bad", "cross"} == set(categories)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_validate_and_the_schema_agree(path, capsys):
    schema_ok, validate_ok = expected_verdicts(path)
    result = run_cli(capsys, "validate", str(path))
    assert (result.code == 0) == validate_ok, result.out + result.err
    assert schema_accepts(path) == schema_ok


def test_check_jsonschema_reads_the_corpus_as_editors_do(tmp_path):
    """The schema, printed by `orsync schema`, through a YAML 1.2 reader that is not ours."""
    command = shutil.which("check-jsonschema")
    if command is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    schema = tmp_path / "org.schema.json"
    schema.write_text(json.dumps(config_json_schema()), encoding="utf-8")
    done = subprocess.run([command, "--schemafile", str(schema), "--output-format", "JSON", *map(str, FILES)],
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stdout)
    assert report["parse_errors"] == []
    refused = {Path(error["filename"]).name for error in report["errors"]}
    assert refused == {path.name for path in FILES if not expected_verdicts(path)[0]}


def test_five_problems_are_five_located_lines(capsys):
    result = run_cli(capsys, "validate", str(FIVE))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{FIVE}:4:5: keys[0].limit: expected a number (got '5'); write the number without quotes",
        f"{FIVE}:5:5: keys[0].disabled: expected true or false (got 'yes'); did you mean true?",
        f"{FIVE}:7:5: keys[1].limit_reset: must be one of daily, weekly, monthly (got 'Monthly'); "
        "did you mean 'monthly'?",
        f"{FIVE}:8:5: keys[1].limt: unknown field (did you mean 'limit'?)",
        f"{FIVE}:11:5: guardrails[0].enforce_zdr: expected true or false (got 'true'); write true without quotes",
    ]
    assert result.err == f"orsync: 5 problems in {FIVE}\n"


def test_json_format_is_a_list_of_located_problems(capsys):
    result = run_cli(capsys, "validate", "--format", "json", str(FIVE))
    assert result.code == 1
    problems = json.loads(result.out)
    assert len(problems) == 5
    assert problems[0] == {"file": str(FIVE), "line": 4, "column": 5, "path": "keys[0].limit",
                           "message": "expected a number (got '5'); write the number without quotes"}
    assert [(p["line"], p["path"]) for p in problems] == [
        (4, "keys[0].limit"), (5, "keys[0].disabled"), (7, "keys[1].limit_reset"), (8, "keys[1].limt"),
        (11, "guardrails[0].enforce_zdr")]


def test_json_format_of_valid_files_is_an_empty_list(capsys):
    result = run_cli(capsys, "validate", "--format", "json", str(CORPUS / "valid-minimal.yaml"),
                     str(CORPUS / "valid-policy.yaml"))
    assert result.code == 0 and json.loads(result.out) == [] and result.err == ""


def test_github_actions_get_annotations(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    odd = tmp_path / "team,a:b.yaml"  # , and : must be escaped in an annotation's properties
    odd.write_text("version: 1\nkeys:\n  - name: k\n    limit: lots\n", encoding="utf-8")
    result = run_cli(capsys, "validate", str(FIVE), str(odd))
    assert result.code == 1
    lines = result.out.splitlines()
    assert len(lines) == 6 and all(line.startswith("::error file=") for line in lines)
    assert lines[0] == (f"::error file={FIVE},line=4,col=5,title=orsync validate::{FIVE}:4:5: "
                        "keys[0].limit: expected a number (got '5'); write the number without quotes")
    escaped = str(odd).replace(":", "%3A").replace(",", "%2C")
    assert lines[5].startswith(f"::error file={escaped},line=4,col=5,title=orsync validate::{odd}:4:5:")
    # --format text wins over the environment.
    plain = run_cli(capsys, "validate", "--format", "text", str(odd))
    assert plain.out.startswith(f"{odd}:4:5: keys[0].limit")


def test_several_files_report_each_and_fail_if_any_is_bad(capsys, tmp_path):
    good, missing = CORPUS / "valid-key-fields.yaml", tmp_path / "nowhere.yaml"
    result = run_cli(capsys, "validate", str(good), str(CORPUS / "bad-limit-text.yaml"), str(missing))
    assert result.code == 1
    assert result.out.splitlines() == [
        f"{good}: valid (0 guardrails, 1 key, 0 members, 0 smoke tests)",
        f"{CORPUS / 'bad-limit-text.yaml'}:4:5: keys[0].limit: expected a number (got 'lots')",
        f"{missing}: no such file",
    ]
    assert result.err == "orsync: 2 problems in 2 of 3 files\n"
    valid = [str(path) for path in FILES if path.name.startswith("valid-")]
    assert run_cli(capsys, "validate", *valid).code == 0


def test_a_tab_used_for_indentation_is_named(capsys, tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nkeys:\n  - name: a\n\tlimit: 5\n", encoding="utf-8")
    result = run_cli(capsys, "validate", str(path))
    assert result.code == 1
    assert result.out == f"{path}:4:1: invalid YAML: a tab indents this line (YAML indents with spaces only)\n"


def test_plan_stops_at_the_first_problem_in_one_line(capsys, monkeypatch):
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "fake-management-key")
    # Nothing listens on port 9: the file is refused before any request.
    result = run_cli(capsys, "--base-url", "http://127.0.0.1:9/api/v1", "plan", str(FIVE))
    assert result.code == 1 and result.out == ""
    assert result.err == (f"orsync: error: {FIVE}:4:5: keys[0].limit: expected a number (got '5'); write "
                          "the number without quotes (and 4 more problems: orsync validate lists them all)\n")


def test_the_schema_has_descriptions_and_no_repeated_titles():
    schema = config_json_schema()
    for name, section in schema["properties"].items():
        assert section.get("description"), name
    text = json.dumps(schema)
    assert '"title"' not in text.replace('"title": "orsync org file"', "", 1)
    assert schema["patternProperties"] == {f"^{EXTENSION_PREFIX}": {}}


def test_validate_runs_as_a_module_too():
    done = subprocess.run([sys.executable, "-m", "orsync", "validate", str(FIVE)], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "GITHUB_ACTIONS": "false"})
    assert done.returncode == 1 and len(done.stdout.splitlines()) == 5
