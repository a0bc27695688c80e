"""The `orsync` command group.

Commands live one verb (or family) per module in this package; each module exposes a
`commands` list and is discovered here, so adding a verb never edits this file. Command
modules import only click at module level: `orsync --help` must start fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from orsync import __version__
from orsync.cli.context import AppContext, global_options
from orsync.errors import OrsyncError

SWITCH_INTERVAL_S = 0.0005


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orsync")
@global_options
@click.pass_context
def cli(ctx: click.Context, **options) -> None:
    """Manage an OpenRouter organization as code: plan, apply, drift, run."""
    # The commands read pages in threads while the main thread loads and compares. With the
    # interpreter's default 5 ms turns, a thread whose response has arrived waits for the main
    # thread's turn to end, several times per request: at 100,000 keys the read slowed from
    # ~240 to ~30 pages a second while the config was validated. Shorter turns: plan 6% faster
    # at 100,000 keys for 1% more CPU (docs/performance.md).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    ctx.obj = AppContext.from_options(**options)
    ctx.color = ctx.obj.click_color  # what click.echo does with styles, in every subcommand


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in {"context", "output"}:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for command in getattr(module, "commands", []):
            cli.add_command(command)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: OrsyncError becomes one line on stderr and exit status 1.

    Called without arguments (the `orsync` script, `python -m orsync`), the process ends as
    soon as the command has: see _leave."""
    try:
        _main(argv)
    except SystemExit as exited:
        if argv is None and isinstance(exited.code, (int, type(None))):
            _leave(exited.code or 0)
        raise


def _leave(code: int) -> None:
    """Ends the process without tearing the interpreter down. A plan of 100,000 keys leaves
    some 3 million objects that the interpreter would free one by one (0.4 to 0.6 s of CPU,
    bench/), and nothing needs it: every file the command writes is closed by then and locks
    go with the process. The exit handlers still run (logging's; the reaping of a config child
    a failed command never waited for, orsync.config.forked_read). Output is flushed first; if
    that fails (a closed pipe), or a thread of the command is still at work (the normal exit
    would wait for it), the normal exit runs instead."""
    import atexit
    import os
    import threading

    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate()
           if thread is not threading.main_thread()):
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()  # what the normal exit runs first; only the freeing is skipped
    os._exit(code)


def _main(argv: list[str] | None) -> None:
    try:
        # standalone_mode=False hands back ctx.exit(n) codes instead of calling sys.exit itself.
        code = cli.main(args=argv, prog_name="orsync", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            # click turns Ctrl-C (and apply's SIGTERM) into Abort; a stop is still a stop,
            # even one that lands after apply's last write (exit 130, as during the writes).
            click.echo("orsync: interrupted", err=True)
            sys.exit(130)
        click.echo("orsync: aborted", err=True)
        sys.exit(1)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(1 if exc.exit_code == 2 else exc.exit_code)
    except OrsyncError as exc:
        from orsync.escaping import visible_lines  # only on the way out: --help stays fast

        # Messages quote names from the live org: shown escaped, never obeyed.
        click.echo(f"orsync: error: {visible_lines(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("orsync: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            raise
        from orsync.escaping import visible_lines

        click.echo(f"orsync: internal error: {type(exc).__name__}: {visible_lines(str(exc))} (rerun with -v)",
                   err=True)
        sys.exit(1)
