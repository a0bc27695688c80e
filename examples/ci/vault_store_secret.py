#!/usr/bin/env python3
"""Put the secrets of new OpenRouter keys into HashiCorp Vault (KV version 2).

The API shows a new key's secret once, so `orsync apply` hands each one to a sink the moment
the key exists. This script is that sink's other end, in two forms:

    # one key per run, {"name", "hash", "key"} as JSON on stdin (orsync runs it once per new key)
    orsync apply plan.json --secrets-command "python3 ci/vault_store_secret.py"

    # every key of a secrets file written by `orsync apply --secrets-out FILE`
    python3 ci/vault_store_secret.py --from-file FILE

Each secret is written to `<mount>/data/openrouter/<key name>` as {"key": ..., "hash": ...}.
Environment: VAULT_ADDR, VAULT_TOKEN, and optionally VAULT_KV_MOUNT (default "secret") and
VAULT_NAMESPACE. The token and the secrets travel in request headers and bodies only, never
in command lines. Standard library only, so it runs on any image that has Python.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_SECONDS = 30


def vault_url(name: str) -> str:
    address = os.environ["VAULT_ADDR"].rstrip("/")
    mount = os.environ.get("VAULT_KV_MOUNT", "secret").strip("/")
    return f"{address}/v1/{mount}/data/openrouter/{urllib.parse.quote(name, safe='')}"


def store(name: str, key_hash: str, secret: str) -> None:
    headers = {"X-Vault-Token": os.environ["VAULT_TOKEN"], "Content-Type": "application/json"}
    if os.environ.get("VAULT_NAMESPACE"):
        headers["X-Vault-Namespace"] = os.environ["VAULT_NAMESPACE"]
    body = json.dumps({"data": {"key": secret, "hash": key_hash}}).encode()
    request = urllib.request.Request(vault_url(name), data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):
        pass


def entries(argv: list[str]) -> list[dict[str, str]]:
    """The keys to store: from a --secrets-out JSON file, or one document on stdin."""
    if argv[:1] == ["--from-file"] and len(argv) == 2:
        with open(argv[1], encoding="utf-8") as handle:
            stored = json.load(handle)
        return [{"name": name, "hash": entry["hash"], "key": entry["key"]} for name, entry in stored.items()]
    if argv:
        raise SystemExit("usage: vault_store_secret.py [--from-file SECRETS.json] (else one key as JSON on stdin)")
    return [json.load(sys.stdin)]


def main(argv: list[str]) -> int:
    for missing in [name for name in ("VAULT_ADDR", "VAULT_TOKEN") if not os.environ.get(name)]:
        print(f"vault_store_secret: {missing} is not set", file=sys.stderr)
        return 1
    for entry in entries(argv):
        try:
            store(entry["name"], entry["hash"], entry["key"])
        except (urllib.error.URLError, OSError) as exc:
            # Never echo the secret: name the key and the failure only.
            print(f"vault_store_secret: cannot store key {entry['name']!r}: {exc}", file=sys.stderr)
            return 1
        print(f"vault_store_secret: stored key {entry['name']!r} in Vault", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
