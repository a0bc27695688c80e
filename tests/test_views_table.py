"""Tables that fit the terminal, usage bars and the number formats they show."""

from __future__ import annotations

import pytest

from orsync.views import format as fmt
from orsync.views.bars import bar
from orsync.views.table import ELLIPSIS, Column, column_widths, render_fields, render_table, truncate

COLUMNS = [Column("NAME"), Column("DESCRIPTION"), Column("COUNT", "right")]
ROWS = [["ci-smoke", "A key for the CI smoke tests that run on every pull request", "3"],
        ["prod-backend", "Production", "1,024"]]


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def test_a_table_that_fits_keeps_every_cell_whole():
    lines = lines_of(render_table(COLUMNS, ROWS, width=200))
    assert lines[0].split() == ["NAME", "DESCRIPTION", "COUNT"]
    assert ROWS[0][1] in lines[1]
    assert ELLIPSIS not in "".join(lines)
    # Right-aligned numbers end in the same column.
    assert lines[1].endswith("    3") and lines[2].endswith("1,024")


@pytest.mark.parametrize("width", [70, 50, 40])
def test_a_wide_table_is_cut_to_the_width_with_an_ellipsis(width):
    lines = lines_of(render_table(COLUMNS, ROWS, width=width))
    assert all(len(line) <= width for line in lines)
    assert ELLIPSIS in lines[1]
    # The narrow columns are not touched while the wide one can give way.
    assert "ci-smoke" in lines[1] and lines[2].endswith("1,024")


def test_when_even_minimum_widths_do_not_fit_every_column_is_still_shown():
    lines = lines_of(render_table(COLUMNS, ROWS, width=10))
    assert lines[0].startswith("NAME")
    assert lines[1].split()[0] == "ci-" + ELLIPSIS


def test_fixed_columns_are_never_cut():
    columns = [Column("NAME"), Column("BAR", fixed=True)]
    rows = [["a-very-long-key-name-indeed", "##########"]]
    line = lines_of(render_table(columns, rows, width=20))[1]
    assert line.endswith("##########")
    assert ELLIPSIS in line


def test_low_priority_columns_give_way_first():
    columns = [Column("TEST", priority=1), Column("MODEL")]
    rows = [["CI key may use the cheap model", "openai/gpt-4o-mini"]]
    line = lines_of(render_table(columns, rows, width=40))[1]
    assert line.startswith("CI key may use the cheap model")
    assert ELLIPSIS in line and len(line) <= 40


def test_column_widths_cap_the_widest_first():
    columns = [Column("a"), Column("b"), Column("c")]
    assert column_widths(columns, [10, 50, 5], available=200) == [10, 50, 5]
    widths = column_widths(columns, [10, 50, 5], available=40)
    assert widths[0] == 10 and widths[2] == 5
    assert sum(widths) + 4 <= 40


def test_truncate():
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdef", 4) == "abc" + ELLIPSIS
    assert truncate("abcdef", 0) == ""


def test_terminal_width_comes_from_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    assert all(len(line) <= 30 for line in lines_of(render_table(COLUMNS, ROWS)))


def test_record_values_are_cut_to_the_width():
    text = render_fields([("label", "x" * 100), ("kind", "inference")], width=30)
    first, second = lines_of(text)
    assert len(first) == 30 and first.endswith(ELLIPSIS)
    assert second == "kind   inference"


@pytest.mark.parametrize(("fraction", "expected"), [
    (None, "          "), (0.0, "░░░░░░░░░░"), (0.001, "█░░░░░░░░░"), (0.5, "█████░░░░░"),
    (0.999, "█████████░"), (1.0, "██████████"), (3.2, "██████████"), (-1, "░░░░░░░░░░"),
])
def test_bars_fill_in_proportion_and_never_lie_at_the_ends(fraction, expected):
    assert bar(fraction, 10) == expected


def test_ascii_bars():
    assert bar(0.5, 4, unicode=False) == "##.."


@pytest.mark.parametrize(("value", "expected"), [
    (None, "-"), (0, "$0.00"), (12.5, "$12.50"), (1234.5, "$1,234.50"), (0.6, "$0.60"),
    (2.025e-05, "$0.0000203"), ("0.002", "$0.002"), (-0.5, "-$0.50"),
])
def test_money_keeps_small_costs_readable(value, expected):
    assert fmt.money(value) == expected


def test_other_formats():
    assert fmt.per_million("0.00000015") == "$0.15"
    assert fmt.per_million(None) == "-"
    assert fmt.duration_ms(312.4) == "312 ms"
    assert fmt.duration_ms(12_400) == "12.4 s"
    assert fmt.count(1048576) == "1,048,576"
    assert fmt.percent(0.856) == "86%"
    assert fmt.text(["a", "b"]) == "a, b" and fmt.text([]) == "-" and fmt.text(True) == "yes"
