"""Progress on stderr: a counter rewritten in place on a terminal, plain lines in CI."""

from __future__ import annotations

import io

from orsync.progress import Progress


def test_ci_gets_one_plain_line_per_step():
    stream = io.StringIO()
    progress = Progress(2, stream=stream, live=False)
    progress.advance("created key.a")
    progress.note("key.b: recovered")
    progress.advance("created key.b")
    progress.close()
    assert stream.getvalue().splitlines() == [
        "orsync: [1/2] created key.a", "orsync: key.b: recovered", "orsync: [2/2] created key.b"]


def test_a_terminal_gets_one_counter_line_and_notes_that_stay():
    stream = io.StringIO()
    progress = Progress(2, stream=stream, live=True)
    progress.advance("created key.a")
    progress.note("failed: key.b")
    progress.advance("skipped key_assignment.b")
    progress.close()
    text = stream.getvalue()
    assert text.count("\n") == 2  # the note's line and the final newline: the counter is rewritten
    assert "\r\x1b[K[2/2] skipped key_assignment.b\n" in text
    assert "orsync: failed: key.b\n" in text
