"""What the planner has learned so far: which live object each declared address is.

Kinds are diffed in the order orsync.resources.KINDS lists them; later kinds read what earlier
ones matched, e.g. an assignment needs to know whether its key is being replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orsync.errors import ConfigError
from orsync.planner.live import LiveState


@dataclass
class Resolution:
    state: LiveState
    config_source: Any = None                                # LoadedConfig, for error locations
    live_ids: dict[str, str | None] = field(default_factory=dict)  # address -> matched live id
    replaced: set[str] = field(default_factory=set)          # addresses being replaced
    deleted: set[str] = field(default_factory=set)           # addresses being deleted
    created: set[str] = field(default_factory=set)           # addresses being created
    warnings: list[str] = field(default_factory=list)        # for the reviewer, in plan order
    leftovers: list = field(default_factory=list)            # (name, LiveObject, reason) to delete
    proven_leftovers: dict = field(default_factory=dict)     # live id -> namesakes.Proof (intent records)
    namesakes: list = field(default_factory=list)            # (Desired, [LiveObject]) several live of one name
    memo: dict[str, Any] = field(default_factory=dict)       # what kinds compute once per plan
    model_slugs: Any = None                                  # planner.slugs.ModelSlugs; None: as written

    def is_new(self, address: str) -> bool:
        """The object behind the address will have a new id after apply."""
        return address in self.created or address in self.replaced

    def error_at(self, path: tuple, message: str) -> ConfigError:
        """A ConfigError located at a field of the loaded file, e.g. `org.yaml:14:5: keys[2].hash:`."""
        return self.config_source.error(path, message)
