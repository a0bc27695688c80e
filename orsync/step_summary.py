"""What a CI job shows beside its log: GitHub's step summary, and where the full plan is.

Writing the summary is a courtesy: a summary file that cannot be written (a read-only
runner, a path that does not exist) is one warning on stderr, never a failed plan or apply.
"""

from __future__ import annotations

import os

import click

from orsync.escaping import visible


def append(markdown: str) -> None:
    """Append `markdown` to $GITHUB_STEP_SUMMARY when it is set; warn when it cannot be."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        click.echo(visible(f"orsync: warning: cannot write the step summary to {path}: {reason}"), err=True)


def full_plan_pointer() -> str | None:
    """Where a reader of a cut PR comment finds the whole plan: this CI run, when there is one."""
    server, repository, run = (os.environ.get(name) for name in
                               ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if server and repository and run:
        url = f"{server}/{repository}/actions/runs/{run}"
        return f"The full plan is in [this workflow run]({url}): its log, job summary and plan artifact."
    job_url = os.environ.get("CI_JOB_URL")  # GitLab
    if job_url:
        return f"The full plan is in [this job]({job_url}): its log and plan artifact."
    return None
