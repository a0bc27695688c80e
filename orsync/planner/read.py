"""Reading the live org and planning against it: the network half of planning (diff.py is pure)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from orsync.errors import OrsyncError
from orsync.planner.diff import Prepared, plan_from_state, prepare_desired
from orsync.planner.live import LiveState, complete_live_state, read_live_state
from orsync.planner.plan import Plan
from orsync.planner.read_checks import check_listings, with_base_url_hint
from orsync.planner.slugs import SharedCatalog, as_written_warnings, names_models, read_model_slugs


def build_plan(loaded, client, *, base_url: str = "", catalog_checks: bool = False,
               model_slugs: bool = True, allow_empty_org: bool = False,
               live: Callable[[], LiveState] | None = None, require_slugs: bool = False) -> Plan:
    """Read the live org through the client and compare it with the loaded config.
    `require_slugs`: a catalog that cannot be read is an error, not a warning (drift: a model
    named by id would otherwise report drift that is not there)."""
    return read_and_plan(loaded, client, base_url=base_url, catalog_checks=catalog_checks,
                         model_slugs=model_slugs, allow_empty_org=allow_empty_org, live=live,
                         require_slugs=require_slugs)[0]


def start_live_read(client, reader=None) -> Future[LiveState]:
    """Start reading the live org through `reader` (default: the client) in the background,
    so that it overlaps loading the config (pass `live=future.result` to read_and_plan).
    Reading needs nothing from the file. The read runs in a forked child when it can
    (live_child.py: call this before any thread starts), else in a thread; a file that fails
    to load leaves the thread's read to fail fast once the caller closes the client."""
    from orsync.planner.live_child import start_child_read

    in_child = start_child_read(client, reader)
    if in_child is not None:
        return in_child
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orsync-live")
    try:
        return pool.submit(read_live_state, client if reader is None else reader)
    finally:
        pool.shutdown(wait=False)


def read_and_plan(loaded, client, *, base_url: str = "", catalog_checks: bool = False,
                  model_slugs: bool = True, allow_empty_org: bool = False,
                  proofs=None, live: Callable[[], LiveState] | None = None,
                  require_slugs: bool = False) -> tuple[Plan, LiveState]:
    """The plan and the live state it was computed from (apply needs both).

    With catalog_checks, unknown models and providers stop the plan (the catalogs are read
    while the org is: nothing here writes). With model_slugs (off for --offline), a file that
    names models has them compared through the catalog's canonical slugs, read alongside.
    `proofs(state)` gives the live objects this tool can prove it left behind (apply's intent
    records); `allow_empty_org` lets an empty listing stand for an empty org (read_checks.py).
    `live()` gives the live state of a read already under way (start_live_read); without it
    the org is read now. While a read is under way, the half of the plan that needs only the
    file is computed (diff.prepare_desired), so that after the read only the live half is left.
    """
    read = with_base_url_hint(live or (lambda: read_live_state(client, config=loaded.model)), client)
    # The slug map and the catalog checks read one public GET /models between them.
    catalog = SharedCatalog(client) if model_slugs and catalog_checks else client
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="orsync-catalog") as pool:
        slugs = pool.submit(read_model_slugs, catalog) if model_slugs and names_models(loaded.model) else None
        checked = pool.submit(_check_catalog, loaded, catalog) if catalog_checks else None
        # While the org is read (in other threads), the half of the plan that needs only the file.
        prepared = _prepared(loaded) if live is not None else None
        warnings, state = _read_checked(read, checked)
        slug_map, slug_warnings = slugs.result() if slugs else (None, [])
    if require_slugs and slug_warnings:
        raise OrsyncError(f"cannot tell drift from naming: {slug_warnings[0]}")
    warnings = slug_warnings + warnings
    state = complete_live_state(client, state, loaded.model)   # a read started before the file
    check_listings(loaded, state, allow_empty_org=allow_empty_org)
    plan = plan_from_state(loaded, state, base_url=base_url, model_slugs=slug_map,
                           proven_leftovers=proofs(state) if proofs else None, prepared=prepared)
    warnings += [] if model_slugs else as_written_warnings(plan.changes)
    return (replace(plan, warnings=plan.warnings + tuple(warnings)) if warnings else plan), state


def _prepared(loaded) -> Prepared | None:
    """prepare_desired(loaded), or None when the file has a problem that it meets: the plan
    meets it again in its turn, so that errors come in the order they always did."""
    try:
        return prepare_desired(loaded)
    except OrsyncError:
        return None


def _check_catalog(loaded, client) -> list[str]:
    from orsync.catalog_check import check_catalog

    return check_catalog(loaded, client)


def _read_checked(read: Callable[[], LiveState], checked: Future | None) -> tuple[list[str], LiveState]:
    """The catalog checks' warnings and the live state, read at the same time; an unknown
    model or provider is the error that counts, even when reading the org failed too."""
    if checked is None:
        return [], read()
    try:
        state = read()
    except OrsyncError:
        checked.result()
        raise
    return checked.result(), state
