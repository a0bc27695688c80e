"""The benchmark harness on a tiny org: every step runs, and the request counts are the right
ones. Counts only, never times (times belong in bench/RESULTS.md, from a full run)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench` lives at the repo root

from bench import report  # noqa: E402
from bench.org import Sizes, baseline_requests, minimum_plan_requests  # noqa: E402
from bench.run import parse_args, settings_from  # noqa: E402
from bench.scenario import Settings, run  # noqa: E402

# 650 keys: GET /keys pages at offsets 0..600, the last one short. 250 of them hold a guardrail, so
# the first 3 pages surely exist; past them the client guesses as many pages as it has read (4), so
# it asks for exactly those 7 pages, no more.
SIZES = Sizes(keys=650, guardrails=12, key_assignments=250, members=30, member_assignments=10, updates=40)
CATALOG_ROUTES = {"GET /models", "GET /embeddings/models", "GET /rerank/models", "GET /providers",
                  "GET /endpoints/zdr"}


@pytest.fixture(scope="module")
def results():
    settings = Settings(sizes=SIZES, latency_ms=0, baseline_sample=0, startup_runs=1, repeats=1,
                        emulator_mode="thread")
    return run(settings)


def test_plan_sends_only_the_pages_the_listings_hold(results):
    counts = results.plan.requests.counts
    listings = {route: counts.get(route, 0) for route in minimum_plan_requests(SIZES)}
    assert listings == minimum_plan_requests(SIZES) == {
        "GET /workspaces": 1, "GET /keys": 7, "GET /guardrails": 1, "GET /guardrails/assignments/keys": 3,
        "GET /guardrails/assignments/members": 1, "GET /organization/members": 1}
    # Besides the listings, only the catalogs that check the file's model and provider names.
    assert set(counts) - set(listings) <= CATALOG_ROUTES
    assert all(counts[route] == 1 for route in set(counts) - set(listings))
    assert results.plan.requests.writes == 0
    # The phase-by-phase plan reads what the command reads: the listings and the model catalog.
    assert results.breakdown.requests == sum(listings.values()) + counts["GET /models"]
    assert results.breakdown.changes == SIZES.updates


def test_apply_writes_once_per_update_and_converges(results):
    assert results.apply.requests.writes == SIZES.updates
    assert results.apply.requests.counts["PATCH /keys/{hash}"] == SIZES.updates
    assert results.replan.command.exit_code == 0 and results.replan.requests.writes == 0
    assert results.write_phase.writes == SIZES.updates       # the updates undone, in process
    assert results.drift.command.exit_code == 0 and results.drift.requests.writes == 0


def test_baseline_sends_one_request_per_object(results):
    expected = baseline_requests(SIZES)
    assert expected == {"GET /keys/{hash}": 650, "GET /guardrails/{id}": 12,
                        "GET /guardrails/{id}/assignments/keys": 12,
                        "GET /guardrails/{id}/assignments/members": 12}
    counts = results.baseline_requests.counts
    assert {route: counts.get(route, 0) for route in expected} == expected
    assert results.baseline.sampled_requests == results.baseline.full_requests == sum(expected.values())


def test_report_names_every_target_and_the_machine(results):
    text = report.render(results)
    for words in ("`orsync plan` wall time", "baseline / `orsync plan`", "planner CPU", "peak memory",
                  "apply 40 updates", "`orsync --help` start-up", "CPUs (nproc)", "Python 3."):
        assert words in text
    assert "14; the pages hold 14" in text


def test_sizes_are_command_line_parameters():
    settings = settings_from(parse_args(["--keys", "50", "--guardrails", "3", "--key-assignments", "20",
                                         "--members", "4", "--member-assignments", "2", "--updates", "5",
                                         "--emulator", "thread", "--out", "-"]))
    assert settings.sizes == Sizes(keys=50, guardrails=3, key_assignments=20, members=4,
                                   member_assignments=2, updates=5)
    assert settings.emulator_mode == "thread"
    with pytest.raises(ValueError):
        Sizes(keys=10, key_assignments=11)


# --- bench/scale.py: the scaling table, the small file, apply's creates and updates ---------------

from bench import scale_report  # noqa: E402
from bench.org import scaled  # noqa: E402
from bench.scale import ScaleSettings, run_scale  # noqa: E402

SCALE = ScaleSettings(keys=(650,), workspaces=(1,), latency_ms=0, repeats=1, small_declared=10,
                      apply_keys=60, apply_changes=20, emulator_mode="thread")


@pytest.fixture(scope="module")
def scale_results():
    return run_scale(SCALE)


def test_scale_plan_reads_each_page_once_and_the_floor_counts_them(scale_results):
    (row,) = scale_results.rows
    assert not row.failure
    listings = {route: n for route, n in row.plan.requests.counts.items() if route not in CATALOG_ROUTES}
    expected = {route: n for route, n in minimum_plan_requests(scaled(650)).items() if route in listings}
    assert listings == expected            # no listing read twice, none past its pages
    assert row.floor.pages == sum(minimum_plan_requests(scaled(650)).values())
    assert row.floor.bytes > 650 * 200     # every key's row was fetched
    assert row.plan.requests.writes == 0


def test_scale_small_file_reads_the_same_listings_and_writes_nothing(scale_results):
    (row,) = scale_results.rows
    small = {route: n for route, n in row.small.requests.counts.items() if route not in CATALOG_ROUTES}
    whole = {route: n for route, n in row.plan.requests.counts.items() if route not in CATALOG_ROUTES}
    assert small == whole and row.small.requests.writes == 0


def test_scale_apply_writes_once_per_change_and_keeps_every_secret(scale_results):
    updates, creates = scale_results.applies
    assert updates.step.requests.counts.get("PATCH /keys/{hash}") == SCALE.apply_changes
    assert creates.step.requests.counts.get("POST /keys") == SCALE.apply_changes
    assert updates.step.requests.writes == creates.step.requests.writes == SCALE.apply_changes
    assert updates.ideal_s == 0 and creates.ideal_s == 0


def test_scale_report_states_floor_ratio_and_apply(scale_results):
    text = scale_report.render(scale_results)
    for words in ("| 650 | 1 |", "wall / floor", "A small file against a large org", "20 updates",
                  "20 creates (--secrets-out)", "CPUs (nproc)"):
        assert words in text


def test_each_script_replaces_only_its_own_section_of_the_results(tmp_path):
    from bench.results_file import replace_section

    results = tmp_path / "RESULTS.md"
    results.write_text("Written by hand.\n", encoding="utf-8")
    replace_section(results, "targets", "# targets, first run")
    replace_section(results, "scale", "## scale\n| a | b |")
    replace_section(results, "targets", "# targets, second run")
    text = results.read_text(encoding="utf-8")
    assert text.startswith("Written by hand.\n")
    assert "first run" not in text and text.count("second run") == 1 and text.count("| a | b |") == 1
    assert text.index("bench:targets") < text.index("bench:scale")   # a section keeps its place
    assert [path.name for path in tmp_path.iterdir()] == ["RESULTS.md"]  # nothing left behind
