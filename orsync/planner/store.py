"""Saved plans on disk: written atomically, read back with a clear error when damaged."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from orsync.errors import OrsyncError
from orsync.planner.plan import Plan


def save_plan(plan: Plan, path: str) -> None:
    target = Path(path)
    handle, temp_name = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(plan.dumps())
    os.replace(temp_name, target)


def load_plan(path: str, data: Any = None) -> Plan:
    """The plan saved in `path`; `data`: its JSON, when plan_json has already parsed it."""
    try:
        if data is None:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Plan.from_json(data)
    except OSError as exc:
        raise OrsyncError(f"{path}: cannot read the plan: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise OrsyncError(f"{path}: not an orsync plan file ({type(exc).__name__}: {exc})") from None


def plan_json(path: str) -> Any:
    """The parsed JSON of the saved plan at `path`, or None when it is not one: `orsync apply X`
    takes a config or a saved plan, and a plan is a JSON object with format_version. Apply
    hands it to load_plan rather than parsing a large plan twice."""
    if not path.endswith(".json"):
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "format_version" in data else None
