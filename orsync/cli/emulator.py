"""`orsync emulator`: serve the local OpenRouter on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import click


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--state", "state_path", type=click.Path(dir_okay=False),
              help="Keep the org in this JSON file; when it exists it wins over --seed.")
@click.option("--seed", "seed_path", type=click.Path(dir_okay=False, exists=True),
              help="YAML or JSON seed of the org to start with (default: a small demo org).")
@click.option("--management-key", help="The emulator's own fake management key "
              "(default: from the state or seed, else generated).")
@click.option("--latency-ms", default=0.0, type=click.FloatRange(min=0), help="Delay per request.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Share of requests answered with an injected fault (429, 5xx, lost response).")
@click.option("--fault-seed", default=0, type=int, help="Seed of the fault sequence.")
def emulator_command(host: str, port: int, state_path: str | None, seed_path: str | None,
                     management_key: str | None, latency_ms: float, fault_rate: float,
                     fault_seed: int) -> None:
    """Serve a local OpenRouter API (management, inference and catalog endpoints)."""
    from orsync.emulator.serve import serve

    serve(host=host, port=port, state_path=state_path, seed_path=seed_path,
          management_key=management_key, latency_ms=latency_ms, fault_rate=fault_rate,
          fault_seed=fault_seed, echo=click.echo)


commands = [emulator_command]
