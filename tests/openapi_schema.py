"""Check response bodies against the official OpenRouter OpenAPI schemas (JSON Schema 2020-12).

`validate_response("/keys/{hash}", "GET", 200, body)` raises `jsonschema.ValidationError` when
the body breaks the documented schema of that operation and status (required fields, types,
enums, formats such as uuid and date-time).

The schemas come from `tests/data/openapi-scope.json`: the in-scope operations of the official
document (reference/openrouter-openapi.yaml, see its SOURCE.md) with the components they use,
annotations stripped, then today's newer fields and operations added (`openapi_newer.py`).
In scope: the 39 endpoints of spec/openrouter-api.lap and every operation under `/workspaces`,
`/keys`, `/guardrails`, `/organization/` and `/key`. Regenerate it with
`python tests/openapi_schema.py FULL_OPENAPI.yaml SPEC.lap`.
"""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCOPE_FILE = Path(__file__).parent / "data" / "openapi-scope.json"
DOCUMENT_URI = "urn:openrouter-openapi"
# Every operation of the official document under these paths is in scope, beside the .lap's 39.
SCOPE_PREFIXES = ("/workspaces", "/keys", "/guardrails", "/organization/")
SCOPE_PATHS = ("/key",)
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
ANNOTATIONS = {"description", "example", "examples", "summary", "x-fern-ignore",
               "x-speakeasy-ignore", "x-speakeasy-name-override", "x-speakeasy-unknown-values"}


@lru_cache(maxsize=1)
def _registry() -> Registry:
    document = json.loads(SCOPE_FILE.read_text(encoding="utf-8"))
    return Registry().with_resource(DOCUMENT_URI, Resource(document, DRAFT202012))


@lru_cache(maxsize=None)
def _validator(path_template: str, method: str, status: int) -> Draft202012Validator:
    document = _registry().contents(DOCUMENT_URI)
    operation = document["paths"][path_template][method.lower()]
    responses = operation["responses"]
    key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
    if key is None:
        raise KeyError(f"{method.upper()} {path_template} documents no {status} response")
    if "application/json" not in responses[key].get("content", {}):
        raise KeyError(f"{method.upper()} {path_template} {key} has no JSON body schema")
    pointer = "/".join(_escape(p) for p in
                       ("paths", path_template, method.lower(), "responses", key, "content",
                        "application/json", "schema"))
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#/{pointer}"}, registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def validate_response(path_template: str, method: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError unless `body` matches the documented response."""
    _validator(path_template, method, status).validate(body)


def validated_json(response: Any, path_template: str, status: int) -> Any:
    """An httpx response's JSON body, after checking its status and its documented schema."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    validate_response(path_template, response.request.method, status, body)
    return body


def _strip(node: Any, in_properties: bool = False) -> Any:
    """Drop annotations (not property *names* that happen to be "description")."""
    if isinstance(node, dict):
        return {k: _strip(v, k == "properties") for k, v in node.items()
                if in_properties or k not in ANNOTATIONS}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def extract_scope(document: dict, endpoints: list[tuple[str, str]]) -> dict:
    """The operations listed and every component schema they reach, annotations stripped."""
    paths: dict[str, dict] = {}
    for method, path in endpoints:
        operation = document["paths"].get(path, {}).get(method.lower())
        if operation is not None:
            paths.setdefault(path, {})[method.lower()] = operation
    schemas = document["components"]["schemas"]
    needed: set[str] = set()
    pending = [paths]
    while pending:
        text = json.dumps(pending.pop())
        for name in re.findall(r'"#/components/schemas/([^"]+)"', text):
            if name not in needed:
                needed.add(name)
                pending.append(schemas[name])
    return _strip({"openapi": document["openapi"], "paths": paths,
                   "components": {"schemas": {n: schemas[n] for n in sorted(needed)}}})


def scope_endpoints(document: dict, lap_text: str) -> list[tuple[str, str]]:
    """(METHOD, path) of the .lap's endpoints and of every operation of SCOPE_PATHS and under
    SCOPE_PREFIXES."""
    endpoints = re.findall(r"^@endpoint (\w+) (\S+)", lap_text, re.M)
    for path, item in document["paths"].items():
        if path in SCOPE_PATHS or path.startswith(SCOPE_PREFIXES):
            endpoints += [(m.upper(), path) for m in item if m in HTTP_METHODS]
    return list(dict.fromkeys(endpoints))


def _refresh(openapi_path: str, lap_path: str) -> None:
    import yaml

    from openapi_newer import apply_newer

    document = yaml.load(Path(openapi_path).read_text(encoding="utf-8"),
                         Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    scope = apply_newer(extract_scope(document, scope_endpoints(document, Path(lap_path).read_text())))
    SCOPE_FILE.parent.mkdir(exist_ok=True)
    SCOPE_FILE.write_text(json.dumps(scope, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{SCOPE_FILE}: {sum(len(v) for v in scope['paths'].values())} operations, "
          f"{len(scope['components']['schemas'])} schemas")


if __name__ == "__main__":
    _refresh(*sys.argv[1:3])
