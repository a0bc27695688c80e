"""The secrets file's two formats, JSON and dotenv: what `apply` writes new keys' secrets into
and what `run` reads them back from. Each entry holds a key's name, hash and secret."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pydantic import SecretStr

_DOTENV_MARKER = re.compile(r"^# orsync key (?P<meta>\{.*\})$")


@dataclass(frozen=True)
class StoredSecret:
    name: str
    hash: str
    secret: SecretStr


def parse_json(text: str) -> dict[str, StoredSecret]:
    """The entries of a JSON secrets file; a ValueError says where one has another shape."""
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError(f"line 1: expected a JSON object keyed by key name, found {_json_kind(data)}")
    entries = {}
    for name, entry in data.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("hash"), str) and isinstance(entry.get("key"), str)):
            found = (f"an object without a string {'hash' if 'hash' not in entry else 'key'!r}"
                     if isinstance(entry, dict) else _json_kind(entry))
            raise ValueError(f"line {_line_of(text, name)}: entry {name!r}: expected "
                             f'{{"hash": "...", "key": "..."}}, found {found}')
        entries[name] = StoredSecret(name, entry["hash"], SecretStr(entry["key"]))
    return entries


def _json_kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _line_of(text: str, name: str) -> int:
    """The line where an entry's name stands (1 when it cannot be found as written)."""
    at = text.find(json.dumps(name))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def dotenv_variable(name: str) -> str:
    """`ci-smoke` -> `OPENROUTER_KEY_CI_SMOKE`."""
    return "OPENROUTER_KEY_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def parse_dotenv(text: str) -> dict[str, StoredSecret]:
    """Entries written by render_dotenv: a marker comment with name and hash, then VAR=secret."""
    entries: dict[str, StoredSecret] = {}
    meta = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _DOTENV_MARKER.match(line)
        if marker:
            meta = json.loads(marker.group("meta"))
        elif meta is not None and "=" in line:
            variable, _, value = line.partition("=")
            if variable != dotenv_variable(meta["name"]):
                raise ValueError(f"line {number}: expected {dotenv_variable(meta['name'])}=...")
            entries[meta["name"]] = StoredSecret(meta["name"], meta["hash"], SecretStr(value))
            meta = None
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"line {number}: not written by orsync")
    return entries


def render_dotenv(entries: dict[str, StoredSecret]) -> str:
    lines = []
    for name, entry in sorted(entries.items()):
        lines.append("# orsync key " + json.dumps({"name": name, "hash": entry.hash}))
        lines.append(f"{dotenv_variable(name)}={entry.secret.get_secret_value()}")
    return "\n".join(lines) + "\n"


def json_fragment(entry: StoredSecret) -> str:
    """One entry of the JSON object, as `json.dumps(..., indent=2)` writes it: a file is its
    fragments joined, so a batch re-renders only the entries it adds."""
    return json.dumps({entry.name: {"hash": entry.hash, "key": entry.secret.get_secret_value()}}, indent=2)[2:-2]


def command_document(entry: StoredSecret) -> str:
    """What `--secrets-command` reads on stdin: `{"name", "hash", "key"}` as one JSON line."""
    return json.dumps({"name": entry.name, "hash": entry.hash, "key": entry.secret.get_secret_value()})
