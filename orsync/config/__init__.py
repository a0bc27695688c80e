"""The org file: its model (model.py), and how a YAML file becomes one (loader.py).

The model's names are re-exported lazily: importing a submodule (forked_read, first thing in
`orsync plan`, before the live read starts) must not build the pydantic models, ~0.1 s that
the command now spends while its first pages are on the wire.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GuardrailSpec", "KeySpec", "MemberSpec", "OrgConfig", "Policy", "SmokeSpec"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from orsync.config import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
