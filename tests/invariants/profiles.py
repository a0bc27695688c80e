"""Hypothesis settings for the invariant suites: CI-sized by default, many more examples with
ORSYNC_SLOW=1 (`ORSYNC_SLOW=1 python -m pytest tests/invariants`)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SLOW = os.environ.get("ORSYNC_SLOW") == "1"
SLOW_FACTOR = 25  # ORSYNC_SLOW=1 runs this many times the CI examples

settings.register_profile(
    "orsync-ci", deadline=None, print_blob=True,
    # Examples drive a live emulator over loopback: slow by hypothesis's standards, by design.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture])
settings.register_profile("orsync-slow", settings.get_profile("orsync-ci"))
PROFILE = settings.get_profile("orsync-slow" if SLOW else "orsync-ci")


def examples(ci: int, **overrides) -> settings:
    """Settings for a property: `ci` examples by default, SLOW_FACTOR times as many when slow."""
    return settings(PROFILE, max_examples=ci * SLOW_FACTOR if SLOW else ci, **overrides)
