"""Options every verb shares, and the object that turns them into a configured client."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from orsync.api.client import OpenRouterClient

DEFAULT_EMULATOR_DIR = ".orsync"


def global_options(func):
    """Decorate the group with the options of DESIGN.md's command-line contract."""
    options = [
        click.option("--base-url", envvar="OPENROUTER_BASE_URL", default=None,
                     help="API base URL (env OPENROUTER_BASE_URL; default https://openrouter.ai/api/v1)."),
        click.option("--emulator", "use_emulator", is_flag=True,
                     help="Talk to the embedded emulator instead of OpenRouter; state kept in --emulator-dir."),
        click.option("--emulator-dir", type=click.Path(file_okay=False), default=DEFAULT_EMULATOR_DIR,
                     show_default=True, help="Where --emulator keeps its state."),
        click.option("--no-color", is_flag=True,
                     help="Plain output (also when NO_COLOR is set and not empty; FORCE_COLOR colours piped output)."),
        click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for HTTP)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@dataclass
class AppContext:
    """What the global options decided; verbs ask it for a client instead of building one."""

    base_url: str | None
    use_emulator: bool
    emulator_dir: Path
    color: bool  # colour allowed: no --no-color, NO_COLOR empty or unset
    verbose: int
    force_color: bool = False  # FORCE_COLOR set and not empty: colour even when piped

    @classmethod
    def from_options(cls, *, base_url, use_emulator, emulator_dir, no_color, verbose) -> AppContext:
        # https://no-color.org and https://force-color.org: only a non-empty value counts.
        # --no-color wins over both, and NO_COLOR over FORCE_COLOR (turning colour off is safe).
        color = not no_color and not os.environ.get("NO_COLOR")
        logging.basicConfig(level=logging.WARNING - 10 * min(verbose, 2),
                            format="orsync: %(levelname)s: %(name)s: %(message)s")
        if use_emulator and base_url:
            base_url = _emulator_wins_over(base_url)
        return cls(base_url=base_url, use_emulator=use_emulator, emulator_dir=Path(emulator_dir),
                   color=color, verbose=verbose, force_color=color and bool(os.environ.get("FORCE_COLOR")))

    def use_color(self) -> bool:
        """Whether to colour what goes to stdout: allowed, and a terminal or forced."""
        return self.color and (self.force_color or os.isatty(1))

    @property
    def click_color(self) -> bool | None:
        """For click.Context.color: False strips styles, True keeps them when piped, None asks
        the terminal."""
        if not self.color:
            return False
        return True if self.force_color else None

    def client(self, **overrides) -> OpenRouterClient:
        """A client for the management API (and inference, when OPENROUTER_API_KEY is set)."""
        from orsync.api.client import OpenRouterClient

        if self.use_emulator:
            from orsync.emulator.embedded import embedded_client_options

            return OpenRouterClient(**{**embedded_client_options(self.emulator_dir), **overrides})
        return OpenRouterClient.from_env(base_url=self.base_url, **overrides)

    def target_label(self, client) -> str:
        """Where the plan was computed, for headers and saved plans."""
        if self.use_emulator:
            return f"emulator ({self.emulator_dir})"
        return str(client.base_url)

    def known_key_secrets(self) -> dict[str, str]:
        """Secrets the target itself may hand out: the embedded emulator's seeded keys, by
        unique name (a key an apply created has its secret only in that apply's sink)."""
        if not self.use_emulator:
            return {}
        from orsync.emulator.embedded import embedded_key_secrets

        return embedded_key_secrets(self.emulator_dir)


def _emulator_wins_over(base_url: str) -> None:
    """--emulator talks to the embedded emulator: a --base-url beside it is refused, and an
    OPENROUTER_BASE_URL in the environment is set aside with a word (never silently)."""
    from orsync.errors import OrsyncError

    context = click.get_current_context(silent=True)
    source = context.get_parameter_source("base_url") if context else None
    if source is click.core.ParameterSource.ENVIRONMENT:
        click.echo(f"orsync: --emulator: OPENROUTER_BASE_URL ({base_url}) is not used", err=True)
        return None
    raise OrsyncError("give --emulator or --base-url, not both (--emulator uses the embedded emulator)")
