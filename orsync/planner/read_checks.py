"""Is the live read believable? An empty listing where the file expects objects is an error.

A proxy, a wrong base URL or a key of another org can answer `{"data": []}` with status 200.
Taken at its word, an empty listing makes a plan that creates every declared object a second
time. So, per listing that a kind creates its objects in: if the listing came back empty while
the file declares objects of that kind that should exist, the plan stops, unless the user says
the org really is empty (`--allow-empty-org`). A file that declares no object of the kind (or
only `state: absent` ones: "this kind is empty") expects nothing there, so an empty listing is
no evidence of anything. Kinds are not named here: each declares the listing it creates in
(`created_in`). It checks what was read, so planning from a LiveState built by hand is not
concerned.
"""

from __future__ import annotations

from orsync.planner.resolve import Resolution
from orsync.resources import KINDS


def check_listings(loaded, state, *, allow_empty_org: bool = False) -> None:
    """Raise a located ConfigError for the first kind whose listing is empty against the file."""
    if allow_empty_org:
        return
    for kind in KINDS:
        if not kind.created_in or state.rows(kind.created_in):
            continue
        resolution = Resolution(state=state, config_source=loaded)
        expected = [want for want in kind.desired(loaded.model, resolution) if want.present and not want.pin]
        if expected:
            named = ", ".join(want.name for want in expected[:3]) + (", ..." if len(expected) > 3 else "")
            raise resolution.error_at(
                expected[0].source + ("name",),
                f"the live org lists no {kind.plural} at all, yet the file declares {len(expected)} ({named}); "
                "a proxy, a wrong base URL or a key of another org answers like that. If the org really "
                f"has no {kind.plural} yet, pass --allow-empty-org")


def with_base_url_hint(read, client):
    """`read()`, with a hint when a 404 comes from a base URL that lacks the API's /api/v1."""
    from orsync.api.errors import NotFoundError
    from orsync.errors import OrsyncError

    def reading():
        try:
            return read()
        except NotFoundError as exc:
            base = str(getattr(getattr(client, "_client", client), "base_url", "") or "").rstrip("/")
            if base and not base.endswith("/api/v1"):
                raise OrsyncError(f"{exc}; the base URL {base} does not end in /api/v1: "
                                  f"did you mean {base}/api/v1?") from None
            raise
    return reading
