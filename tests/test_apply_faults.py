"""Under injected faults (429, 5xx, lost responses) apply converges, never duplicates a key, and
keeps every secret it was given."""

from __future__ import annotations

from orsync.api.errors import ApiError
from tests.test_apply_support import FAST_CLIENT, apply_in_process, plan_of, secrets_in, write_config

KEYS, GUARDRAILS, MAX_RUNS = 200, 20, 8


def big_org() -> str:
    guardrails = "".join(f"  - name: team-{n}\n    limit_usd: {n + 1}\n    reset_interval: monthly\n"
                         for n in range(GUARDRAILS))
    keys = "".join(f"  - name: svc-{n:03d}\n    limit: {n % 7}\n    guardrail: team-{n % GUARDRAILS}\n"
                   + ("    disabled: true\n" if n % 10 == 0 else "")
                   for n in range(KEYS))
    members = "  - email: bob@example.com\n    guardrail: team-1\n"
    return f"guardrails:\n{guardrails}keys:\n{keys}members:\n{members}"


def test_apply_converges_under_30_percent_faults_with_one_key_per_entry(make_emulator, tmp_path):
    emulator = make_emulator(fault_rate=0.3, fault_seed=7)
    client = emulator.client(max_attempts=8, **FAST_CLIENT)
    config = write_config(tmp_path, big_org())
    secrets = tmp_path / "secrets.json"

    runs, converged = 0, False
    while runs < MAX_RUNS and not converged:
        runs += 1
        try:
            converged = apply_in_process(client, config, secrets).ok
        except ApiError:
            continue  # the plan's own reads failed past their retries: one more run
    emulator.set_faults(0.0)

    assert converged, f"not converged after {MAX_RUNS} runs"
    assert plan_of(client, config)[0].changes == ()
    stored = secrets_in(secrets)
    for n in range(KEYS):
        name = f"svc-{n:03d}"
        [live] = [k for k in emulator.state.keys.values() if k.name == name]
        assert stored[name] == {"hash": live.hash, "key": live.secret}
    assert len([g for g in emulator.state.guardrails.values() if g.name.startswith("team-")]) == GUARDRAILS
